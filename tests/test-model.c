/* tests/test-model.c - DsModel and the dawnsim model JSON format. */
#include "config.h"

#include "core/model.h"
#include "core/error.h"
#include "core/model-json.h"
#include "tests/testutil.h"

static DsModel *
diamond (void)
{
  DsModel *m = ds_model_new ("diamond");
  const char *names[] = { "in", "a", "b", "out" };

  for (guint i = 0; i < 4; i++)
    {
      DsLayer *l = ds_model_add_layer (m, names[i], "relu", NULL);
      l->has_times = TRUE;
      l->fwd_s = 0.001 * (i + 1);
      l->bwd_s = 0.002 * (i + 1);
      l->out_bytes = 1000 * (i + 1);
      l->param_bytes = 10 * i;
    }
  g_assert_true (ds_model_add_edge (m, 0, 1, NULL));
  g_assert_true (ds_model_add_edge (m, 0, 2, NULL));
  g_assert_true (ds_model_add_edge (m, 1, 3, NULL));
  g_assert_true (ds_model_add_edge (m, 2, 3, NULL));
  return m;
}

static void
test_graph_queries (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(GArray) order = NULL;
  DsModelTotals t;

  g_assert_no_error (NULL);
  g_assert_true (ds_model_check (m, NULL));
  g_assert_cmpint (ds_model_find_layer (m, "b"), ==, 2);
  g_assert_cmpint (ds_model_find_layer (m, "zz"), ==, -1);
  g_assert_cmpuint (ds_model_n_inputs (m, 3), ==, 2);
  g_assert_cmpuint (ds_model_n_outputs (m, 0), ==, 2);
  order = ds_model_topo_order (m);
  g_assert_cmpuint (order->len, ==, 4);
  g_assert_cmpuint (g_array_index (order, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (order, guint, 3), ==, 3);
  ds_model_totals (m, &t);
  g_assert_cmpuint (t.n_layers, ==, 4);
  g_assert_cmpuint (t.n_edges, ==, 4);
  g_assert_cmpuint (t.out_bytes, ==, 10000);
  g_assert_cmpfloat_with_epsilon (t.fwd_s, 0.010, 1e-15);
}

static void
test_cycle_is_named (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(GError) error = NULL;

  /* out -> a closes the cycle a -> out -> a; 'in' and 'b' are not on it */
  g_assert_true (ds_model_add_edge (m, 3, 1, NULL));
  g_assert_false (ds_model_check (m, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_CYCLE);
  g_assert_true (g_str_has_suffix (error->message, "'a'")
                 || g_str_has_suffix (error->message, "'out'"));
}

static void
test_bad_layers (void)
{
  g_autoptr(DsModel) m = ds_model_new ("m");
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
  DsLayer *l;

  g_assert_false (ds_model_check (m, &e4));
  g_assert_error (e4, DS_ERROR, DS_ERROR_INVALID);
  g_assert_nonnull (ds_model_add_layer (m, "x", "relu", NULL));
  g_assert_null (ds_model_add_layer (m, "x", "relu", &e1));
  g_assert_error (e1, DS_ERROR, DS_ERROR_DUPLICATE);
  g_assert_null (ds_model_add_layer (m, "", "relu", &e2));
  g_assert_error (e2, DS_ERROR, DS_ERROR_INVALID);
  l = ds_model_layer (m, 0);
  l->fwd_s = -1;
  g_assert_false (ds_model_check (m, &e3));
  g_assert_error (e3, DS_ERROR, DS_ERROR_INVALID);
}

static void
test_copy_is_deep (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(DsModel) c = NULL;

  g_hash_table_insert (ds_model_layer (m, 1)->attrs, g_strdup ("k"), g_strdup ("v"));
  c = ds_model_copy (m);
  ds_model_layer (m, 1)->fwd_s = 9;
  g_hash_table_remove_all (ds_model_layer (m, 1)->attrs);
  g_assert_cmpfloat (ds_model_layer (c, 1)->fwd_s, ==, 0.002);
  g_assert_cmpstr (g_hash_table_lookup (ds_model_layer (c, 1)->attrs, "k"), ==, "v");
  g_assert_cmpuint (ds_model_n_edges (c), ==, 4);
}

static void
test_json_round_trip (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(DsModel) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *again = NULL;

  ds_model_set_batch_size (m, 32);
  ds_model_layer (m, 2)->desc = g_strdup ("Conv2d(3, 64) -- \"quoted\"");
  ds_model_layer (m, 3)->fwd_flops = 1.5e9;
  text = ds_model_write_json (m, NULL);
  back = ds_model_read_json (text, -1, "rt.json", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_model_get_batch_size (back), ==, 32);
  for (guint i = 0; i < 4; i++)
    {
      const DsLayer *a = ds_model_layer_const (m, i), *b = ds_model_layer_const (back, i);
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpfloat (a->fwd_s, ==, b->fwd_s);
      g_assert_cmpfloat (a->bwd_s, ==, b->bwd_s);
      g_assert_cmpfloat (a->fwd_flops, ==, b->fwd_flops);
      g_assert_cmpuint (a->out_bytes, ==, b->out_bytes);
      g_assert_cmpstr (a->desc, ==, b->desc);
    }
  again = ds_model_write_json (back, NULL);
  g_assert_cmpstr (text, ==, again);
}

/* Malformed inputs and the exact message each must get: the text is the
 * product here (file, line, field, expected and actual). */
static const struct {
  const char *text;
  gint code;                 /* a DsErrorCode; gint as g_assert_error compares */
  const char *message;
} bad_models[] = {
  { "{\"layers\": []}", DS_ERROR_INVALID, "m.json: model 'm' has no layers" },
  { "{\n\"layers\": [\n{\"name\": \"conv3\", \"fwd_ms\": -1, \"bwd_ms\": 0}\n]}",
    DS_ERROR_INVALID, "m.json:3: layer 'conv3': fwd_ms must be >= 0, got -1" },
  { "{\n\"layers\": [\n{\"name\": \"a\", \"fwd_ms\": 1}\n]}",
    DS_ERROR_SYNTAX, "m.json:3: layer 'a': give both 'fwd_ms' and 'bwd_ms' or neither" },
  { "{\n\"layers\": [\n{\"name\": \"a\", \"fwd_sm\": 1}\n]}",
    DS_ERROR_SYNTAX, "m.json:3: unknown field 'fwd_sm'" },
  { "{\n\"layers\": [\n{\"name\": \"a\"},\n{\"name\": \"a\"}\n]}",
    DS_ERROR_DUPLICATE, "m.json:4: layer 'a' is defined twice" },
  { "{\"layers\": [{\"name\": \"a\"}],\n\"edges\": [\n[\"a\", \"b\"]]}",
    DS_ERROR_UNKNOWN_NAME, "m.json:3: edge 0: no layer named 'b'" },
  { "{\"layers\": [{\"name\": \"a\"}, {\"name\": \"b\"}],\n\"edges\": [[\"a\", \"b\"],\n[\"b\", \"a\"]]}",
    DS_ERROR_CYCLE, "m.json: the layer graph has a cycle through layer 'a'" },
  { "{\"layers\": [{\"name\": \"a\", \"out_bytes\": 1.5}]}",
    DS_ERROR_INVALID, "m.json:1: 'out_bytes' must be a whole number >= 0, got 1.5" },
  { "{\"format\": \"other\", \"layers\": []}",
    DS_ERROR_UNSUPPORTED, "m.json:1: 'format' must be \"dawnsim-model\", got \"other\"" },
  { "{\"layers\": [3]}", DS_ERROR_SYNTAX, "m.json:1: layer 0 must be an object, got Integer" },
  { "{\"layers\": {}}", DS_ERROR_SYNTAX, "m.json:1: 'layers' must be an array, got JsonObject" },
};

static void
test_json_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_models); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsModel) m = ds_model_read_json (bad_models[i].text, -1, "m.json", &error);
      g_test_message ("case %u: %s", i, bad_models[i].text);
      g_assert_null (m);
      g_assert_error (error, DS_ERROR, bad_models[i].code);
      g_assert_cmpstr (error->message, ==, bad_models[i].message);
    }
}

/* A model file without a "name" is named after the file, up to its last
 * dot: "gpt3-1.3b.json" is gpt3-1.3b, not gpt3-1. */
static void
test_json_name_from_file (void)
{
  const char *text = "{\"layers\": [{\"name\": \"a\"}]}";
  g_autoptr(DsModel) m = ds_model_read_json (text, -1, "runs/gpt3-1.3b.json", NULL);
  g_autoptr(DsModel) anon = ds_model_read_json (text, -1, NULL, NULL);
  g_autofree char *dotfile = ds_file_stem ("dir/.hidden", "x");

  g_assert_cmpstr (ds_model_get_name (m), ==, "gpt3-1.3b");
  g_assert_cmpstr (ds_model_get_name (anon), ==, "model");
  g_assert_cmpstr (dotfile, ==, ".hidden");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/model/graph-queries", test_graph_queries);
  g_test_add_func ("/core/model/cycle-is-named", test_cycle_is_named);
  g_test_add_func ("/core/model/bad-layers", test_bad_layers);
  g_test_add_func ("/core/model/copy-is-deep", test_copy_is_deep);
  g_test_add_func ("/core/model/json-round-trip", test_json_round_trip);
  g_test_add_func ("/core/model/json-malformed", test_json_malformed);
  g_test_add_func ("/core/model/json-name-from-file", test_json_name_from_file);
  return g_test_run ();
}
