/* tests/test-graphtxt.c - PipeDream graph.txt: the shared profiles load with
 * the counts and sums their README states, every one of them comes back
 * byte for byte through JSON, edited values are written fresh, and each
 * kind of malformed input gets its exact message. */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "core/graphtxt.h"
#include "core/graphtxt-private.h"
#include "core/model-json.h"
#include "tests/testutil.h"

#define PD "pipedream/"
#define IC PD "profiles/profiler/image_classification/profiles/"
#define TR PD "profiles/profiler/translation/profiles/"
#define TG PD "profiles/graph/test_graphs/"
#define ST PD "derived/test_graphs_stripped/"

/* pipedream/README.md's table: sums of fwd+bwd exclude Input nodes. */
static const struct {
  const char *rel;
  guint n_nodes, n_edges;
  double sum_ms;
  guint64 param_bytes;
} readme[] = {
  { IC "vgg16/graph.txt", 41, 41, 672.535, 553430176 },
  { IC "alexnet/graph.txt", 23, 23, 85.321, 244403360 },
  { IC "resnet18/graph.txt", 71, 79, 259.742, 46758048 },
  { IC "resnet50/graph.txt", 177, 193, 443.419, 102228128 },
  { IC "squeezenet1_0/graph.txt", 68, 76, 285.366, 4993696 },
  { IC "resnext50/graph.txt", 177, 193, 590.793, 100115616 },
  { IC "resnet101/graph.txt", 347, 380, 411.092, 178196640 },
  { IC "resnext101/graph.txt", 347, 380, 557.432, 176710816 },
  { IC "densenet121/graph.txt", 429, 487, 326.155, 31915424 },
  { IC "inception_v3/graph.txt", 326, 362, 689.038, 108645056 },
  { IC "nasnetamobile/graph.txt", 921, 1078, 584.284, 34343816 },
  { IC "nasnetalarge/graph.txt", 1251, 1468, 658.297, 368958360 },
  { TR "gnmt/graph.txt", 48, 58, 89.416, 775063808 },
  { TR "gnmt_large/graph.txt", 96, 122, 520.453, 1110870272 },
  { PD "hpgo/profiles/bert_large/graph.txt", 29, 52, 515.347, 1340567552 },
  { PD "hpgo/profiles/vgg19/graph.txt", 26, 25, 144.210, 548047022 },
  { TG "vgg16_partitioned.txt", 41, 41, 663.461, 553430176 },
  { ST "vgg16_partitioned_nostage.txt", 41, 41, 663.461, 553430176 },
  { TG "resnet50_partitioned.txt", 177, 193, 433.297, 102228128 },
  { ST "resnet50_partitioned_nostage.txt", 177, 193, 433.297, 102228128 },
  { TG "resnext50_generated.txt", 177, 193, 291.739, 100115616 },
  { TG "test.txt", 6, 6, 0, 0 },
  { TG "test2.txt", 5, 6, 0, 0 },
};

static DsModel *
load_shared (const char *rel, char **text, gsize *len)
{
  g_autofree char *path = ds_test_shared (rel);
  g_autoptr(GError) error = NULL;
  DsModel *m;

  if (path == NULL)
    return NULL;
  *text = ds_test_read (path, len);
  m = ds_graphtxt_read (*text, *len, path, &error);
  g_assert_no_error (error);
  return m;
}

static void
test_readme_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (readme); i++)
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      g_autoptr(DsModel) m = load_shared (readme[i].rel, &text, &len);
      DsModelTotals t;
      double sum_ms = 0;

      if (m == NULL)
        return;
      g_test_message ("%s", readme[i].rel);
      ds_model_totals (m, &t);
      g_assert_cmpuint (t.n_layers, ==, readme[i].n_nodes);
      g_assert_cmpuint (t.n_edges, ==, readme[i].n_edges);
      g_assert_cmpuint (t.param_bytes, ==, readme[i].param_bytes);
      for (guint l = 0; l < t.n_layers; l++)
        {
          const DsLayer *layer = ds_model_layer_const (m, l);
          if (!g_str_has_prefix (layer->desc, "Input"))
            sum_ms += 1000 * (layer->fwd_s + layer->bwd_s);
        }
      g_assert_cmpfloat_with_epsilon (sum_ms, readme[i].sum_ms, 6e-4);
    }
}

static void
test_vgg16_details (void)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(DsModel) m = load_shared (IC "vgg16/graph.txt", &text, &len);
  const DsLayer *in, *conv;

  if (m == NULL)
    return;
  g_assert_cmpstr (ds_model_get_name (m), ==, "vgg16");
  in = ds_model_layer_const (m, ds_model_find_layer (m, "node1"));
  g_assert_cmpstr (in->kind, ==, "input");
  g_assert_cmpuint (in->out_bytes, ==, 77070336);
  g_assert_cmpfloat (in->fwd_s, ==, 17.972 / 1000);
  conv = ds_model_layer_const (m, ds_model_find_layer (m, "node19"));
  g_assert_cmpstr (conv->kind, ==, "conv2d");
  g_assert_cmpuint (conv->param_bytes, ==, 4720640);
  g_assert_cmpuint (conv->n_params, ==, 4720640 / 4);
  g_assert_true (conv->has_times);
}

/* graph.txt -> model -> JSON -> model -> graph.txt gives the same bytes. */
static void
test_round_trip_file (gconstpointer data)
{
  const char *path = data;
  g_autofree char *text = NULL, *json = NULL, *back = NULL, *direct = NULL;
  gsize len = 0, back_len = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = NULL, again = NULL;

  text = ds_test_read (path, &len);
  m = ds_graphtxt_read (text, len, path, &error);
  g_assert_no_error (error);
  direct = ds_graphtxt_write (m, NULL, NULL);
  g_assert_cmpstr (direct, ==, text);
  json = ds_model_write_json (m, NULL);
  again = ds_model_read_json (json, -1, "again.json", &error);
  g_assert_no_error (error);
  back = ds_graphtxt_write (again, &back_len, NULL);
  g_assert_cmpuint (back_len, ==, len);
  g_assert_true (memcmp (back, text, len) == 0);
}

static void
test_round_trip_skipped (void)
{
  g_free (ds_test_shared (PD "README.md"));
}

/* Every *.txt under pipedream/ except cmd.txt and the licences. */
static void
add_round_trip_cases (void)
{
  const char *root = g_getenv ("DS_SHARED_DATA");
  g_autofree char *dir = root ? g_build_filename (root, "pipedream", NULL) : NULL;
  g_autoptr(GPtrArray) files = NULL;
  guint n = 0;

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_add_func ("/core/graphtxt/round-trip/shared", test_round_trip_skipped);
      return;
    }
  files = ds_test_find_files (dir, "*.txt");
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *name = NULL;

      if (strcmp (base, "cmd.txt") == 0 || g_str_has_prefix (base, "LICENSE"))
        continue;
      name = g_strdup_printf ("/core/graphtxt/round-trip/%s",
                              path + strlen (dir) + 1);
      g_test_add_data_func_full (name, g_strdup (path), test_round_trip_file,
                                 g_free);
      n++;
    }
  g_assert_cmpuint (n, >=, 100);        /* 23 inputs + 102 expected outputs */
}

static const char small[] =
  "node1 -- Input0 -- forward_compute_time=1.5, backward_compute_time=0.000, "
  "activation_size=12.0, parameter_size=0.000\n"
  "node2 -- LSTM(1, 2) -- forward_compute_time=2.211, backward_compute_time=0, "
  "activation_size=[6.0; 2.0; 2.0], parameter_size=16.000 -- stage_id=1\n"
  "node3 -- __getitem__(0) -- forward_compute_time=0.0, backward_compute_time=1e-3, "
  "activation_size=6, parameter_size=0\n"
  "\tnode1 -- node2\n"
  "\tnode2 -- node3";

static void
test_small_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = ds_graphtxt_read (small, -1, "dir/small.txt", &error);
  g_autofree char *out = NULL;
  const DsLayer *l;

  g_assert_no_error (error);
  g_assert_cmpstr (ds_model_get_name (m), ==, "small");
  l = ds_model_layer_const (m, 1);
  g_assert_cmpstr (l->kind, ==, "lstm");
  g_assert_cmpstr (l->desc, ==, "LSTM(1, 2)");
  g_assert_cmpuint (l->out_bytes, ==, 10);
  g_assert_cmpuint (l->n_params, ==, 4);
  g_assert_cmpfloat (l->fwd_s, ==, 2.211 / 1000);
  g_assert_cmpstr (g_hash_table_lookup (l->attrs, "stage_id"), ==, "1");
  g_assert_cmpstr (ds_model_layer_const (m, 0)->kind, ==, "input");
  g_assert_cmpstr (ds_model_layer_const (m, 2)->kind, ==, "__getitem__");
  g_assert_cmpfloat (ds_model_layer_const (m, 2)->bwd_s, ==, 1e-6);
  g_assert_cmpstr (g_hash_table_lookup (ds_model_get_attrs (m),
                                        "graphtxt.trailing_newline"), ==, "false");
  out = ds_graphtxt_write (m, NULL, NULL);
  g_assert_cmpstr (out, ==, small);
}

static void
test_edited_value_is_fresh (void)
{
  g_autoptr(DsModel) m = ds_graphtxt_read (small, -1, "small.txt", NULL);
  g_autofree char *out = NULL;
  DsLayer *l = ds_model_layer (m, 1);

  l->fwd_s = 0.0035;
  l->out_bytes = 11;
  l->param_bytes = 20;
  out = ds_graphtxt_write (m, NULL, NULL);
  g_assert_nonnull (strstr (out, "node2 -- LSTM(1, 2) -- forward_compute_time=3.5, "
                                 "backward_compute_time=0, activation_size=11, "
                                 "parameter_size=20 -- stage_id=1\n"));
  /* the untouched layers keep their text */
  g_assert_true (g_str_has_prefix (out, "node1 -- Input0 -- forward_compute_time=1.5, "
                                        "backward_compute_time=0.000, "
                                        "activation_size=12.0, parameter_size=0.000\n"));
}

/* A model no graph.txt produced: zero times, shortest texts, a newline. */
static void
test_write_fresh_model (void)
{
  g_autoptr(DsModel) m = ds_model_new ("m");
  g_autoptr(DsModel) back = NULL;
  g_autofree char *out = NULL, *again = NULL;
  g_autoptr(GError) error = NULL;
  DsLayer *a = ds_model_add_layer (m, "a", "conv2d", NULL);
  DsLayer *b = ds_model_add_layer (m, "b", "relu", NULL);

  a->has_times = TRUE;
  a->fwd_s = 0.1 / 1000 * 3;            /* not a short decimal of ms */
  a->out_bytes = 1ull << 40;
  b->desc = g_strdup ("ReLU(inplace)");
  g_assert_true (ds_model_add_edge (m, 0, 1, NULL));
  out = ds_graphtxt_write (m, NULL, NULL);
  g_assert_cmpstr (out, ==,
                   "a -- conv2d -- forward_compute_time=0.30000000000000004, "
                   "backward_compute_time=0, activation_size=1099511627776, "
                   "parameter_size=0\n"
                   "b -- ReLU(inplace) -- forward_compute_time=0, "
                   "backward_compute_time=0, activation_size=0, parameter_size=0\n"
                   "\ta -- b\n");
  back = ds_graphtxt_read (out, -1, "back.txt", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (ds_model_layer_const (back, 0)->fwd_s, ==, a->fwd_s);
  again = ds_graphtxt_write (back, NULL, NULL);
  g_assert_cmpstr (again, ==, out);
}

/* Whole-file whitespace is stripped as the original does; lines keep
 * their numbers in messages. */
static void
test_whitespace (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = ds_graphtxt_read ("\n\r\n  a -- x -- forward_compute_time=1, "
                                           "backward_compute_time=1, activation_size=1, "
                                           "parameter_size=1  \r\n\t b -- a\n\n",
                                           -1, "ws.txt", &error);

  g_assert_error (error, DS_ERROR, DS_ERROR_UNKNOWN_NAME);
  g_assert_cmpstr (error->message, ==,
                   "ws.txt:4: edge 'b -- a': node 'b' is not defined on an earlier line");
  g_assert_null (m);
}

static void
test_names_and_kinds (void)
{
  const char *cases[][2] = {
    { "Conv2d(3, 64, kernel_size=(3, 3))", "conv2d" }, { "Input0", "input" },
    { "__getitem__(0)", "__getitem__" }, { "Input_ids", "input_ids" },
    { "hidden", "hidden" }, { "", "" }, { "42", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *kind = ds_graphtxt_kind (cases[i][0]);
      g_assert_cmpstr (kind, ==, cases[i][1]);
    }
}

static void
test_numbers (void)
{
  const struct { const char *text; DsGraphtxtNum st; } ms[] = {
    { "0", DS_GRAPHTXT_NUM_OK }, { "2.211", DS_GRAPHTXT_NUM_OK },
    { ".5", DS_GRAPHTXT_NUM_OK }, { "5.", DS_GRAPHTXT_NUM_OK },
    { "1e-3", DS_GRAPHTXT_NUM_OK }, { "+1E+2", DS_GRAPHTXT_NUM_OK },
    { "-0", DS_GRAPHTXT_NUM_OK }, { "", DS_GRAPHTXT_NUM_BAD },
    { ".", DS_GRAPHTXT_NUM_BAD }, { "1e", DS_GRAPHTXT_NUM_BAD },
    { "inf", DS_GRAPHTXT_NUM_BAD }, { "nan", DS_GRAPHTXT_NUM_BAD },
    { "0x10", DS_GRAPHTXT_NUM_BAD }, { " 1", DS_GRAPHTXT_NUM_BAD },
    { "1 ", DS_GRAPHTXT_NUM_BAD }, { "1e999", DS_GRAPHTXT_NUM_INFINITE },
    { "-1", DS_GRAPHTXT_NUM_NEGATIVE },
  };
  guint64 b = 0;

  for (guint i = 0; i < G_N_ELEMENTS (ms); i++)
    {
      double v;
      g_test_message ("'%s'", ms[i].text);
      g_assert_cmpint (ds_graphtxt_parse_ms (ms[i].text, &v), ==, ms[i].st);
    }
  g_assert_cmpint (ds_graphtxt_parse_bytes ("[1; 2.0; 3e1]", TRUE, &b), ==, DS_GRAPHTXT_NUM_OK);
  g_assert_cmpuint (b, ==, 33);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("[1; 2]", FALSE, &b), ==, DS_GRAPHTXT_NUM_BAD);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("[1;2]", TRUE, &b), ==, DS_GRAPHTXT_NUM_BAD);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("[1; 2] ", TRUE, &b), ==, DS_GRAPHTXT_NUM_BAD);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("[]", TRUE, &b), ==, DS_GRAPHTXT_NUM_BAD);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("1.5", FALSE, &b), ==, DS_GRAPHTXT_NUM_FRACTIONAL);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("9007199254740992", FALSE, &b), ==, DS_GRAPHTXT_NUM_OK);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("1e16", FALSE, &b), ==, DS_GRAPHTXT_NUM_TOO_BIG);
  g_assert_cmpint (ds_graphtxt_parse_bytes ("[9007199254740992; 1]", TRUE, &b), ==,
                   DS_GRAPHTXT_NUM_TOO_BIG);
}

#define META "forward_compute_time=1, backward_compute_time=2, activation_size=3, parameter_size=4"

/* Malformed inputs and the exact message each must get. */
static const struct {
  const char *text;
  gint code;                    /* DsErrorCode */
  const char *message;
} bad[] = {
  { "a -- x", DS_ERROR_SYNTAX,
    "g.txt:1: node 'a': expected 3 or 4 fields separated by ' -- ', got 2" },
  { "a -- x -- " META " -- stage_id=1 -- extra", DS_ERROR_SYNTAX,
    "g.txt:1: node 'a': expected 3 or 4 fields separated by ' -- ', got 5" },
  { "a -- x -- forward_compute_time=1, backward_compute_time=2, activation_size=3",
    DS_ERROR_SYNTAX, "g.txt:1: node 'a': expected 4 metadata items separated by ', ', got 3" },
  { "a -- x -- forward_compute_time=1.0x, backward_compute_time=2, activation_size=3, "
    "parameter_size=4", DS_ERROR_SYNTAX,
    "g.txt:1: node 'a': 'forward_compute_time' must be a number, got '1.0x'" },
  { "a -- x -- forward_compute_time=1, backward_compute_time=2, activation_size=-3, "
    "parameter_size=4", DS_ERROR_INVALID,
    "g.txt:1: node 'a': 'activation_size' must be >= 0, got '-3'" },
  { "a -- x -- forward_compute_time=1, backward_compute_time=2, activation_size=3, "
    "parameter_size=4.5", DS_ERROR_INVALID,
    "g.txt:1: node 'a': 'parameter_size' must be a whole number of bytes, got '4.5'" },
  { "a -- x -- forward_compute_time=1e999, backward_compute_time=2, activation_size=3, "
    "parameter_size=4", DS_ERROR_INVALID,
    "g.txt:1: node 'a': 'forward_compute_time' must be a finite number, got '1e999'" },
  { "a -- x -- forward_compute_time=1, backward_compute_time=2, activation_size=1e17, "
    "parameter_size=4", DS_ERROR_INVALID,
    "g.txt:1: node 'a': 'activation_size' must be at most 2^53 bytes, got '1e17'" },
  { "a -- x -- fwd_time=1, backward_compute_time=2, activation_size=3, parameter_size=4",
    DS_ERROR_SYNTAX,
    "g.txt:1: node 'a': expected 'forward_compute_time=<number>', got 'fwd_time=1'" },
  { "a -- x -- backward_compute_time=2, forward_compute_time=1, activation_size=3, "
    "parameter_size=4", DS_ERROR_SYNTAX,
    "g.txt:1: node 'a': expected 'forward_compute_time=<number>', got 'backward_compute_time=2'" },
  { "a -- x -- " META " -- stage=1", DS_ERROR_SYNTAX,
    "g.txt:1: node 'a': expected 'stage_id=<integer>', got 'stage=1'" },
  { "a -- x -- " META "\n\ta -- b", DS_ERROR_UNKNOWN_NAME,
    "g.txt:2: edge 'a -- b': node 'b' is not defined on an earlier line" },
  { "a -- x -- " META "\n\tb -- a\nb -- y -- " META, DS_ERROR_UNKNOWN_NAME,
    "g.txt:2: edge 'b -- a': node 'b' is not defined on an earlier line" },
  { "a -- x -- " META "\n\ta -- a", DS_ERROR_CYCLE, "g.txt:2: layer 'a' feeds itself" },
  { "a -- x -- " META "\nb -- x -- " META "\n\ta -- b\nc -- y -- " META,
    DS_ERROR_SYNTAX, "g.txt:4: node 'c' comes after the edges (first edge on line 3)" },
  { "a -- x -- " META "\nb -- y -- " META "\na -- z -- " META, DS_ERROR_DUPLICATE,
    "g.txt:3: node 'a' is defined twice (first on line 1)" },
  { "a -- x -- " META "\n\nb -- y -- " META, DS_ERROR_SYNTAX,
    "g.txt:2: empty line inside the profile" },
  { "a -- x -- " META "\n\t  \n\ta -- a", DS_ERROR_SYNTAX,
    "g.txt:2: empty line inside the profile" },
  { "a -- x -- " META "\nb -- y -- " META "\n\ta -- b\n\tb -- a", DS_ERROR_CYCLE,
    "g.txt: the layer graph has a cycle through layer 'a'" },
  { "a -- x -- " META "\n\ta -- b -- c", DS_ERROR_SYNTAX,
    "g.txt:2: edge: expected '<src> -- <dst>', got 'a -- b -- c'" },
  { "a -- x -- " META "\n\ta->b", DS_ERROR_SYNTAX,
    "g.txt:2: edge: expected '<src> -- <dst>', got 'a->b'" },
  { " \n\t\n", DS_ERROR_INVALID, "g.txt: model 'g' has no layers" },
  { "a -- x -- " META "\n -- y -- " META, DS_ERROR_SYNTAX,
    "g.txt:2: node '-- y': expected 3 or 4 fields separated by ' -- ', got 2" },
  { "a -- \xff -- " META, DS_ERROR_SYNTAX, "g.txt:1: line is not valid UTF-8" },
};

static void
test_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsModel) m = ds_graphtxt_read (bad[i].text, -1, "g.txt", &error);
      g_test_message ("case %u: %s", i, bad[i].text);
      g_assert_null (m);
      g_assert_error (error, DS_ERROR, bad[i].code);
      g_assert_cmpstr (error->message, ==, bad[i].message);
    }
}

static void
test_nul_byte (void)
{
  static const char text[] = "a -- x\0y -- " META;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = ds_graphtxt_read (text, sizeof text - 1, "g.txt", &error);

  g_assert_null (m);
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  g_assert_cmpstr (error->message, ==, "g.txt:1: unexpected NUL byte");
}

/* Not a benchmark (no pass/fail on time): says what the biggest costs. */
static void
test_largest_profile_time (void)
{
  g_autofree char *path = ds_test_shared (IC "nasnetalarge/graph.txt");
  g_autofree char *text = NULL;
  g_autoptr(GTimer) timer = NULL;
  gsize len = 0;

  if (path == NULL)
    return;
  text = ds_test_read (path, &len);
  timer = g_timer_new ();
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(DsModel) m = ds_graphtxt_read (text, len, path, NULL);
      g_assert_nonnull (m);
    }
  g_test_message ("nasnetalarge: %.2f ms per read",
                  g_timer_elapsed (timer, NULL) * 100);
}

/* graph.txt has no quoting, so what it cannot hold is refused, not
 * written wrong (a JSON model can carry any name). */
static void
test_unwritable_names (void)
{
  const char *names[] = { "a -- b", "a\nb", " lead", "trail ", "dash --" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(DsModel) m = ds_model_new ("m");
      g_autoptr(GError) error = NULL;
      g_assert_nonnull (ds_model_add_layer (m, names[i], "relu", NULL));
      g_assert_null (ds_graphtxt_write (m, NULL, &error));
      g_assert_error (error, DS_ERROR, DS_ERROR_UNSUPPORTED);
    }
  {
    g_autoptr(DsModel) m = ds_model_new ("m");
    g_autoptr(GError) error = NULL;
    DsLayer *l = ds_model_add_layer (m, "ok", "relu", NULL);
    l->desc = g_strdup ("ReLU -- inplace");
    g_assert_null (ds_graphtxt_write (m, NULL, &error));
    g_assert_error (error, DS_ERROR, DS_ERROR_UNSUPPORTED);
    g_assert_cmpstr (error->message, ==,
                     "layer 'ok': graph.txt descriptions cannot hold ' -- ' or line breaks");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/graphtxt/readme-table", test_readme_table);
  g_test_add_func ("/core/graphtxt/vgg16-details", test_vgg16_details);
  g_test_add_func ("/core/graphtxt/small-values", test_small_values);
  g_test_add_func ("/core/graphtxt/edited-value-is-fresh", test_edited_value_is_fresh);
  g_test_add_func ("/core/graphtxt/write-fresh-model", test_write_fresh_model);
  g_test_add_func ("/core/graphtxt/whitespace", test_whitespace);
  g_test_add_func ("/core/graphtxt/names-and-kinds", test_names_and_kinds);
  g_test_add_func ("/core/graphtxt/numbers", test_numbers);
  g_test_add_func ("/core/graphtxt/malformed", test_malformed);
  g_test_add_func ("/core/graphtxt/nul-byte", test_nul_byte);
  g_test_add_func ("/core/graphtxt/unwritable-names", test_unwritable_names);
  g_test_add_func ("/core/graphtxt/largest-profile-time", test_largest_profile_time);
  add_round_trip_cases ();
  return g_test_run ();
}
