/* tests/test-profile-csv.c - per-layer profile CSV: the H200 table loads,
 * a profile is chosen by "model[/dtype[/batch]]", and malformed tables
 * get their exact message. */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "core/profile-csv.h"
#include "tests/testutil.h"

#define HEADER "model,dtype,batch,idx,layer,fwd_ms,bwd_ms,out_bytes,param_bytes\n"

static char *
layers_csv (gsize *len)
{
  g_autofree char *path = ds_test_shared ("h200/layers.csv");

  return path != NULL ? ds_test_read (path, len) : NULL;
}

static void
test_vgg16_float32 (void)
{
  gsize len = 0;
  g_autofree char *text = layers_csv (&len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = NULL;
  DsModelTotals t;
  const DsLayer *first, *last;

  if (text == NULL)
    return;
  m = ds_profile_csv_read (text, len, "layers.csv", "vgg16/float32", &error);
  g_assert_no_error (error);
  ds_model_totals (m, &t);
  g_assert_cmpstr (ds_model_get_name (m), ==, "vgg16");
  g_assert_cmpuint (ds_model_get_batch_size (m), ==, 64);
  g_assert_cmpstr (g_hash_table_lookup (ds_model_get_attrs (m), "dtype"), ==, "float32");
  g_assert_cmpuint (t.n_layers, ==, 40);
  g_assert_cmpuint (t.n_edges, ==, 39);
  g_assert_cmpfloat_with_epsilon (t.fwd_s, 16.18481e-3, 1e-12);
  g_assert_cmpfloat_with_epsilon (t.bwd_s, 41.03035e-3, 1e-12);
  g_assert_cmpuint (t.out_bytes, ==, 7347496960);
  g_assert_cmpuint (t.param_bytes, ==, 553430176);
  g_assert_cmpuint (t.n_params, ==, 553430176 / 4);
  first = ds_model_layer_const (m, 0);
  last = ds_model_layer_const (m, 39);
  g_assert_cmpstr (first->name, ==, "0:Conv2d");
  g_assert_cmpstr (first->kind, ==, "conv2d");
  g_assert_cmpfloat (first->fwd_s, ==, 1.30755 / 1000);
  g_assert_cmpstr (last->name, ==, "39:Linear");
  g_assert_cmpuint (last->param_bytes, ==, 16388000);
}

static void
test_list_and_select (void)
{
  gsize len = 0;
  g_autofree char *text = layers_csv (&len);
  g_auto(GStrv) profiles = NULL;
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_autoptr(DsModel) full = NULL, none = NULL, amb = NULL, unknown = NULL;
  const char *all = "'vgg16/float32/64', 'resnet50/float32/64', "
                    "'gpt_h1024_l12/float32/8', 'vgg16/bfloat16/64', "
                    "'resnet50/bfloat16/64', 'gpt_h1024_l12/bfloat16/8'";
  g_autofree char *msg_none = g_strdup_printf (
      "layers.csv: the file holds 6 profiles, choose one of %s", all);
  g_autofree char *msg_amb = g_strdup_printf (
      "layers.csv: 'vgg16' matches 2 profiles, choose one of %s", all);
  g_autofree char *msg_unknown = g_strdup_printf (
      "layers.csv: no profile matches 'alexnet'; the file has %s", all);

  if (text == NULL)
    return;
  profiles = ds_profile_csv_list (text, len, "layers.csv", NULL);
  g_assert_cmpuint (g_strv_length (profiles), ==, 6);
  g_assert_cmpstr (profiles[0], ==, "vgg16/float32/64");
  full = ds_profile_csv_read (text, len, "layers.csv", "resnet50/bfloat16/64", NULL);
  g_assert_cmpuint (ds_model_n_layers (full), ==, 23);
  g_assert_cmpuint (ds_model_layer_const (full, 0)->n_params, ==, 18816 / 2);
  none = ds_profile_csv_read (text, len, "layers.csv", NULL, &e1);
  g_assert_error (e1, DS_ERROR, DS_ERROR_INVALID);
  g_assert_cmpstr (e1->message, ==, msg_none);
  amb = ds_profile_csv_read (text, len, "layers.csv", "vgg16", &e2);
  g_assert_error (e2, DS_ERROR, DS_ERROR_INVALID);
  g_assert_cmpstr (e2->message, ==, msg_amb);
  unknown = ds_profile_csv_read (text, len, "layers.csv", "alexnet", &e3);
  g_assert_error (e3, DS_ERROR, DS_ERROR_UNKNOWN_NAME);
  g_assert_cmpstr (e3->message, ==, msg_unknown);
  g_assert_null (none);
  g_assert_null (amb);
  g_assert_null (unknown);
}

/* Columns in another order, CRLF line ends, a single profile, no select. */
static void
test_column_order (void)
{
  const char *text = "layer,idx,param_bytes,out_bytes,bwd_ms,fwd_ms,batch,dtype,model\r\n"
                     "Conv2d,0,8,16,2.5,1.25,4,float32,tiny\r\n"
                     "ReLU,1,0,16,0.5,0.25,4,float32,tiny\r\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = ds_profile_csv_read (text, -1, "t.csv", NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (ds_model_get_name (m), ==, "tiny");
  g_assert_cmpuint (ds_model_get_batch_size (m), ==, 4);
  g_assert_cmpstr (ds_model_layer_const (m, 1)->name, ==, "1:ReLU");
  g_assert_cmpfloat (ds_model_layer_const (m, 0)->bwd_s, ==, 2.5 / 1000);
  g_assert_cmpuint (ds_model_layer_const (m, 0)->n_params, ==, 2);
}

static const struct {
  const char *text;
  gint code;                    /* DsErrorCode */
  const char *message;
} bad[] = {
  { HEADER "m,f,1,1,L,1,2,3,4\n", DS_ERROR_INVALID,
    "c.csv:2: column 'idx': profile 'm/f/1' expects idx 0, got 1" },
  { HEADER "m,f,1,0,L,1,2,3,4\nm,f,1,0,L,1,2,3,4\n", DS_ERROR_INVALID,
    "c.csv:3: column 'idx': profile 'm/f/1' expects idx 1, got 0" },
  { HEADER "m,f,1,0,L,1,2,3,4\nm,f,1,2,L,1,2,3,4\n", DS_ERROR_INVALID,
    "c.csv:3: column 'idx': profile 'm/f/1' expects idx 1, got 2" },
  { "model,dtype,batch,idx,layer,fwd_ms,out_bytes,param_bytes\n", DS_ERROR_SYNTAX,
    "c.csv:1: missing column 'bwd_ms'" },
  { "model,dtype,batch,idx,layer,fwd_ms,bwd_sm,out_bytes,param_bytes\n", DS_ERROR_SYNTAX,
    "c.csv:1: unknown column 'bwd_sm' (column 7)" },
  { "model,dtype,batch,idx,layer,fwd_ms,bwd_ms,out_bytes,param_bytes,idx\n",
    DS_ERROR_DUPLICATE, "c.csv:1: column 'idx' appears twice" },
  { HEADER "m,f,1,0,L,1.5x,2,3,4\n", DS_ERROR_INVALID,
    "c.csv:2: column 'fwd_ms': expected a number >= 0, got '1.5x'" },
  { HEADER "m,f,1,0,L,1,-2,3,4\n", DS_ERROR_INVALID,
    "c.csv:2: column 'bwd_ms': expected a number >= 0, got '-2'" },
  { HEADER "m,f,1,0,L,1,2,3.5,4\n", DS_ERROR_INVALID,
    "c.csv:2: column 'out_bytes': expected a whole number >= 0, got '3.5'" },
  { HEADER "m,f,x,0,L,1,2,3,4\n", DS_ERROR_INVALID,
    "c.csv:2: column 'batch': expected a whole number >= 0, got 'x'" },
  { HEADER "m,f,1,0,L,1,2,3\n", DS_ERROR_SYNTAX, "c.csv:2: expected 9 fields, got 8" },
  { HEADER "m,f,1,0,\"L,x\",1,2,3,4\n", DS_ERROR_UNSUPPORTED,
    "c.csv:2: quoted fields are not supported" },
  { HEADER "m,f,1,0,L,1,2,3,4\n\nm,f,1,1,L,1,2,3,4\n", DS_ERROR_SYNTAX,
    "c.csv:3: empty line" },
  { HEADER "a/b,f,1,0,L,1,2,3,4\n", DS_ERROR_INVALID,
    "c.csv:2: column 'model': expected a name without '/', got 'a/b'" },
  { HEADER, DS_ERROR_INVALID, "c.csv: no profile rows" },
  { "", DS_ERROR_SYNTAX, "c.csv: the file is empty, expected a header line" },
  { "\n", DS_ERROR_SYNTAX, "c.csv:1: empty line" },
};

static void
test_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsModel) m = ds_profile_csv_read (bad[i].text, -1, "c.csv", NULL, &error);
      g_test_message ("case %u: %s", i, bad[i].text);
      g_assert_null (m);
      g_assert_error (error, DS_ERROR, bad[i].code);
      g_assert_cmpstr (error->message, ==, bad[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/profile-csv/vgg16-float32", test_vgg16_float32);
  g_test_add_func ("/core/profile-csv/list-and-select", test_list_and_select);
  g_test_add_func ("/core/profile-csv/column-order", test_column_order);
  g_test_add_func ("/core/profile-csv/malformed", test_malformed);
  return g_test_run ();
}
