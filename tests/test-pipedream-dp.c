/* tests/test-pipedream-dp.c - the antichain DAG and PipeDream's DP against
 * the original optimizer's outputs (../shared/data/pipedream/expected/).
 *
 * One case per row of cases.tsv. Checks follow the reference's section 6:
 * every case: objective_s within 1e-9 relative, the state count, the
 * single-stage and data-parallel times of metrics.tsv, our plan's cost
 * under the 4.6 formula equal to our objective (single level), the
 * reference stage table's cost under our states equal to objective_s
 * (single level, graphs whose numbering is stable), and a DsPlan that
 * passes ds_plan_check, and a result identical to the exhaustive scan's
 * (no bound-based pruning); UNIQUE cases also: the replica multiset, the
 * exact stages column, every level's stage table, and the node-to-stage
 * map of gpus=N.txt (compute_s within 1e-9 relative, or 1e-12 s absolute
 * for the near-zero differences of two cumulative sums). Tallies are printed at the end as TAP comments.
 * Then the error paths and a few properties of the recurrence.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/graphtxt.h"
#include "planner/antichain.h"
#include "planner/pipedream-dp.h"
#include "tests/testutil.h"

#define PD "pipedream/"
#define EXP PD "expected/"

typedef struct {
  char *name, *profile, *args, *stages, *config, *note;
  double objective_s;
  gboolean unique;
} Case;

static GPtrArray *cases;           /* Case, owned here: GTest does not free
                                    * the data of cases that -p skipped */
static GHashTable *metrics;        /* case -> char ** (fields) */
static GHashTable *tables;         /* case -> GString of "level parent index start end r total" rows */
static GHashTable *table_compute;  /* case -> GArray of double */

static struct {
  guint cases, objective, exhaustive, states, single, dp, own_cost, ref_cost, ref_cost_run,
        plan_ok, unique, multiset, multiset_all, stages, tables, stage_ids;
} tally;

static void
case_free (gpointer p)
{
  Case *c = p;
  g_free (c->name);
  g_free (c->profile);
  g_free (c->args);
  g_free (c->stages);
  g_free (c->config);
  g_free (c->note);
  g_free (c);
}

static char *
format_stages (GArray *fin)
{
  GString *s = g_string_new (NULL);

  for (guint t = 0; t < fin->len; t++)
    {
      const DsPipedreamStage *st = &g_array_index (fin, DsPipedreamStage, t);
      g_string_append_printf (s, "%s[%u,%u)x%u", t ? " " : "", st->start, st->end,
                              st->total_replicas);
    }
  return g_string_free (s, FALSE);
}

static char *
sorted_config (const char *config)
{
  g_auto(GStrv) parts = g_strsplit (config, "-", -1);
  guint n = g_strv_length (parts);
  g_autofree guint *v = g_new (guint, n);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    v[i] = atoi (parts[i]);
  for (guint i = 0; i < n; i++)        /* insertion sort, tiny */
    for (guint j = i; j > 0 && v[j - 1] > v[j]; j--)
      {
        guint t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%u", i ? "-" : "", v[i]);
  return g_string_free (s, FALSE);
}

static char *
my_config (GArray *fin)
{
  GString *s = g_string_new (NULL);

  for (guint t = 0; t < fin->len; t++)
    g_string_append_printf (s, "%s%u", t ? "-" : "",
                            g_array_index (fin, DsPipedreamStage, t).total_replicas);
  return g_string_free (s, FALSE);
}

/* All levels' tables in stage_tables.tsv's row order (top level first,
 * then each level grouped by parent), without compute_s. */
static char *
my_tables (const DsPipedreamResult *res, GArray *compute)
{
  GString *s = g_string_new (NULL);

  for (guint l = res->n_levels; l-- > 0;)
    for (guint t = 0; t < res->levels[l]->len; t++)
      {
        const DsPipedreamStage *st = &g_array_index (res->levels[l], DsPipedreamStage, t);
        g_string_append_printf (s, "%u %d %u %u %u %u %u\n", l + 1, st->parent,
                                st->index, st->start, st->end, st->replicas,
                                st->total_replicas);
        g_array_append_val (compute, st->compute_s);
      }
  return g_string_free (s, FALSE);
}

static void
check_metrics (const Case *c, const DsTestProfile *pr, const DsPipedreamResult *res)
{
  char **m = g_hash_table_lookup (metrics, c->name);
  double single, dp_speedup;

  g_assert_nonnull (m);
  g_assert_cmpuint (res->n_states, ==, atoi (m[1]));
  g_assert_cmpuint (ds_antichain_dag_n_states (pr->dag), ==, atoi (m[1]));
  tally.states++;
  single = g_ascii_strtod (m[2], NULL);
  g_assert_true (ds_test_rel_close (res->single_stage_s, single, 1e-9));
  tally.single++;
  dp_speedup = g_ascii_strtod (m[4], NULL);
  g_assert_true (ds_test_rel_close (res->single_stage_s / res->data_parallel_s, dp_speedup, 1e-9));
  tally.dp++;
}

/* Single level: our plan's cost is our objective; the reference's stage
 * table costed with our states is the reference objective. */
static void
check_plan_cost (const Case *c, const DsTestProfile *pr, const DsPipedreamOptions *o,
                 const DsPipedreamResult *res)
{
  GArray *fin = res->levels[0];
  g_autofree guint *starts = g_new (guint, fin->len);
  g_autofree guint *repl = g_new (guint, fin->len);
  g_auto(GStrv) ref = NULL;
  guint n;

  if (o->n_levels != 1)
    return;
  for (guint t = 0; t < fin->len; t++)
    {
      starts[t] = g_array_index (fin, DsPipedreamStage, t).start;
      repl[t] = g_array_index (fin, DsPipedreamStage, t).replicas;
    }
  g_assert_true (ds_test_rel_close (ds_pipedream_plan_cost (pr->dag, o, starts, repl, fin->len),
                            res->objective_s, 1e-12));
  tally.own_cost++;
  if (strstr (c->profile, "gnmt") != NULL)   /* numbering is hash-seeded */
    return;
  tally.ref_cost_run++;
  ref = g_strsplit (c->stages, " ", -1);
  n = g_strv_length (ref);
  g_autofree guint *rs = g_new (guint, n);
  g_autofree guint *rr = g_new (guint, n);
  for (guint t = 0; t < n; t++)
    g_assert_cmpint (sscanf (ref[t], "[%u,%*u)x%u", &rs[t], &rr[t]), ==, 2);
  g_assert_true (ds_test_rel_close (ds_pipedream_plan_cost (pr->dag, o, rs, rr, n),
                            c->objective_s, 1e-9));
  tally.ref_cost++;
}

/* gpus=N.txt: every node's stage_id equals our plan's stage. */
static void
check_stage_ids (const Case *c, const DsTestProfile *pr, const DsPlan *plan, guint n_machines)
{
  g_autofree char *file = g_strdup_printf ("gpus=%u.txt", n_machines);
  g_autofree char *path = g_build_filename (g_getenv ("DS_SHARED_DATA"), EXP,
                                            c->name, file, NULL);
  g_autofree char *text = NULL;
  g_autofree gint *mine = g_new (gint, ds_model_n_layers (pr->model));
  g_autoptr(DsModel) out = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  text = ds_test_read (path, &len);
  out = ds_graphtxt_read (text, len, path, &error);
  g_assert_no_error (error);
  for (guint t = 0; t < ds_plan_n_stages (plan); t++)
    {
      const DsPlanStage *st = ds_plan_stage_const (plan, t);
      for (guint x = 0; x < st->layers->len; x++)
        mine[g_array_index (st->layers, guint, x)] = t;
    }
  for (guint v = 0; v < ds_model_n_layers (out); v++)
    {
      DsLayer *l = ds_model_layer (out, v);
      const char *sid = g_hash_table_lookup (l->attrs, "stage_id");
      gint idx = ds_model_find_layer (pr->model, l->name);
      g_assert_nonnull (sid);
      g_assert_cmpint (idx, >=, 0);
      g_assert_cmpint (mine[idx], ==, atoi (sid));
    }
  tally.stage_ids++;
}

static void assert_same_result (const DsPipedreamResult *a,
                                const DsPipedreamResult *b);

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  DsPipedreamOptions o;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsPipedreamResult) res = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autofree char *cfg = NULL, *cfg_sorted = NULL, *ref_sorted = NULL;
  const DsTestProfile *pr = ds_test_pipedream_profile (c->profile);

  tally.cases++;
  ds_test_pipedream_args (c->args, &o);
  res = ds_pipedream_solve (pr->dag, &o, &error);
  g_assert_no_error (error);
  if (!ds_test_rel_close (res->objective_s, c->objective_s, 1e-9))
    g_error ("%s: objective %.17g, expected %.17g", c->name, res->objective_s,
             c->objective_s);
  tally.objective++;
  o.exhaustive = TRUE;
  g_autoptr(DsPipedreamResult) full = ds_pipedream_solve (pr->dag, &o, &error);
  g_assert_no_error (error);
  assert_same_result (res, full);
  tally.exhaustive++;
  o.exhaustive = FALSE;
  check_metrics (c, pr, res);
  check_plan_cost (c, pr, &o, res);
  plan = ds_pipedream_result_to_plan (res, pr->dag, pr->model, &error);
  g_assert_no_error (error);
  g_assert_true (ds_plan_check (plan, pr->model, NULL, &error));
  g_assert_no_error (error);
  tally.plan_ok++;

  cfg = my_config (res->levels[0]);
  cfg_sorted = sorted_config (cfg);
  ref_sorted = sorted_config (c->config);
  if (strcmp (cfg_sorted, ref_sorted) == 0)
    tally.multiset_all++;
  else
    g_test_message ("%s: replicas %s, reference %s (%s)", c->name, cfg, c->config,
                    c->unique ? "UNIQUE" : "tie");
  if (!c->unique)
    return;
  tally.unique++;
  g_assert_cmpstr (cfg_sorted, ==, ref_sorted);
  tally.multiset++;
  g_autofree char *stages = format_stages (res->levels[0]);
  g_assert_cmpstr (stages, ==, c->stages);
  tally.stages++;
  g_autoptr(GArray) compute = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *tab = my_tables (res, compute);
  GArray *ref_compute = g_hash_table_lookup (table_compute, c->name);
  g_assert_cmpstr (tab, ==, ((GString *) g_hash_table_lookup (tables, c->name))->str);
  g_assert_cmpuint (compute->len, ==, ref_compute->len);
  for (guint x = 0; x < compute->len; x++)
    if (!ds_test_rel_close (g_array_index (compute, double, x),
                    g_array_index (ref_compute, double, x), 1e-9)
        && fabs (g_array_index (compute, double, x)
                 - g_array_index (ref_compute, double, x)) > 1e-12)
      g_error ("%s: stage table row %u: compute_s %.17g, expected %.17g", c->name,
               x, g_array_index (compute, double, x),
               g_array_index (ref_compute, double, x));
  tally.tables++;
  check_stage_ids (c, pr, plan, res->n_machines);
}

/* ---- manifest ---- */

static GPtrArray *
read_tsv (const char *rel)
{
  g_autofree char *path = g_build_filename (g_getenv ("DS_SHARED_DATA"), EXP, rel, NULL);

  return ds_test_read_tsv (path);
}

static void
load_expected (void)
{
  g_autoptr(GPtrArray) m = read_tsv ("metrics.tsv");
  g_autoptr(GPtrArray) t = read_tsv ("stage_tables.tsv");

  for (guint i = 0; i < m->len; i++)
    {
      char **row = g_ptr_array_index (m, i);
      g_hash_table_insert (metrics, g_strdup (row[0]), g_strdupv (row));
    }
  for (guint i = 0; i < t->len; i++)
    {
      char **r = g_ptr_array_index (t, i);
      GString *s = g_hash_table_lookup (tables, r[0]);
      GArray *cs = g_hash_table_lookup (table_compute, r[0]);
      double v = g_ascii_strtod (r[8], NULL);
      if (s == NULL)
        {
          s = g_string_new (NULL);
          g_hash_table_insert (tables, g_strdup (r[0]), s);
          cs = g_array_new (FALSE, FALSE, sizeof (double));
          g_hash_table_insert (table_compute, g_strdup (r[0]), cs);
        }
      g_string_append_printf (s, "%s %s %s %s %s %s %s\n", r[1], r[2], r[3], r[4],
                              r[5], r[6], r[7]);
      g_array_append_val (cs, v);
    }
}

static void
test_shared_skipped (void)
{
  g_free (ds_test_shared (EXP "cases.tsv"));
}

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

static void
add_conformance_cases (void)
{
  const char *root = g_getenv ("DS_SHARED_DATA");
  g_autofree char *path = root ? g_build_filename (root, EXP "cases.tsv", NULL) : NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_add_func ("/planner/pipedream/conformance", test_shared_skipped);
      return;
    }
  metrics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_strfreev);
  tables = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, string_free);
  table_compute = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_array_unref);
  cases = g_ptr_array_new_with_free_func (case_free);
  load_expected ();
  rows = read_tsv ("cases.tsv");
  g_assert_cmpuint (rows->len, ==, 102);
  for (guint i = 0; i < rows->len; i++)
    {
      char **r = g_ptr_array_index (rows, i);
      Case *c = g_new0 (Case, 1);
      g_autofree char *name = g_strdup_printf ("/planner/pipedream/conformance/%s", r[0]);
      g_assert_cmpuint (g_strv_length (r), ==, 7);
      c->name = g_strdup (r[0]);
      c->profile = g_strdup (r[1]);
      c->args = g_strdup (r[2]);
      c->objective_s = g_ascii_strtod (r[3], NULL);
      c->stages = g_strdup (r[4]);
      c->config = g_strdup (r[5]);
      c->note = g_strdup (r[6]);
      c->unique = strstr (r[6], "UNIQUE") != NULL;
      g_ptr_array_add (cases, c);
      g_test_add_data_func (name, c, test_case);
    }
}

/* ---- state counts, errors, properties ---- */

static const struct {
  const char *rel;
  guint n_states;
} state_counts[] = {
  { "profiles/profiler/image_classification/profiles/vgg16/graph.txt", 40 },
  { "profiles/profiler/image_classification/profiles/alexnet/graph.txt", 22 },
  { "profiles/profiler/image_classification/profiles/resnet18/graph.txt", 100 },
  { "profiles/profiler/image_classification/profiles/resnet50/graph.txt", 240 },
  { "profiles/profiler/image_classification/profiles/squeezenet1_0/graph.txt", 99 },
  { "profiles/profiler/translation/profiles/gnmt/graph.txt", 99 },
  { "profiles/profiler/translation/profiles/gnmt_large/graph.txt", 1495 },
  { "hpgo/profiles/bert_large/graph.txt", 26 },
  { "hpgo/profiles/vgg19/graph.txt", 25 },
};

static void
test_state_counts (void)
{
  if (cases == NULL)
    {
      test_shared_skipped ();
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (state_counts); i++)
    g_assert_cmpuint (ds_antichain_dag_n_states (ds_test_pipedream_profile (state_counts[i].rel)->dag),
                      ==, state_counts[i].n_states);
}

/* Pred(s) holds only earlier states, and D grows along the DAG. */
static void
test_states_topological (void)
{
  if (cases == NULL)
    {
      test_shared_skipped ();
      return;
    }
  const DsTestProfile *pr = ds_test_pipedream_profile ("profiles/profiler/translation/"
                                                       "profiles/gnmt/graph.txt");
  for (guint s = 0; s < ds_antichain_dag_n_states (pr->dag); s++)
    {
      guint np;
      const guint32 *p = ds_antichain_dag_pred (pr->dag, s, &np);
      for (guint x = 0; x < np; x++)
        {
          g_assert_cmpuint (p[x], <, s);
          g_assert_cmpfloat (ds_antichain_dag_compute_s (pr->dag, p[x]), <=,
                             ds_antichain_dag_compute_s (pr->dag, s));
        }
    }
}

/* a -> b -> c, 1 ms forward each, 1 MB out, 1 MB of weights. */
static DsModel *
small_chain (guint n, gboolean cycle)
{
  g_autoptr(DsModel) m = ds_model_new ("chain");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("l%u", i);
      DsLayer *l = ds_model_add_layer (m, name, "linear", &error);
      g_assert_no_error (error);
      l->has_times = TRUE;
      l->fwd_s = 1e-3;
      l->bwd_s = 2e-3;
      l->out_bytes = 1000000;
      l->param_bytes = 1000000;
      if (i > 0)
        g_assert_true (ds_model_add_edge (m, i - 1, i, &error));
    }
  if (cycle)
    g_assert_true (ds_model_add_edge (m, n - 1, 0, &error));
  return g_steal_pointer (&m);
}

static void
test_error_cycle (void)
{
  g_autoptr(DsModel) m = small_chain (3, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsAntichainDag) dag = ds_antichain_dag_new (m, 0, &error);

  g_assert_null (dag);
  g_assert_error (error, DS_ERROR, DS_ERROR_CYCLE);
}

static void
test_error_options (void)
{
  g_autoptr(DsModel) m = small_chain (4, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsAntichainDag) dag = ds_antichain_dag_new (m, 0, &error);
  DsPipedreamOptions o;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_antichain_dag_n_states (dag), ==, 4);
  ds_pipedream_options_init (&o, 0);
  g_assert_null (ds_pipedream_solve (dag, &o, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  ds_pipedream_options_init (&o, 2);
  o.levels[0].bandwidth_bytes_per_s = 0;
  g_assert_null (ds_pipedream_solve (dag, &o, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  o.levels[0].bandwidth_bytes_per_s = -1e9;
  g_assert_null (ds_pipedream_solve (dag, &o, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  ds_pipedream_options_init (&o, 2);
  o.n_levels = 0;
  g_assert_null (ds_pipedream_solve (dag, &o, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  ds_pipedream_options_init (&o, 2);
  o.has_compression = TRUE;
  o.compression_ratio = 0;
  g_assert_null (ds_pipedream_solve (dag, &o, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
}

/* Straight, memory-checked: every stage but the last holds (M - 1)
 * extra copies, so 1 byte per device admits no plan. */
static void
test_error_memory (void)
{
  g_autoptr(DsModel) m = small_chain (6, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsAntichainDag) dag = ds_antichain_dag_new (m, 0, &error);
  g_autoptr(DsPipedreamResult) res = NULL;
  DsPipedreamOptions o;

  ds_pipedream_options_init (&o, 4);
  o.straight = TRUE;
  o.use_memory_constraint = TRUE;
  o.memory_bytes = 1;
  res = ds_pipedream_solve (dag, &o, &error);
  g_assert_null (res);
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no plan fits in 1 bytes per device"));
  g_clear_error (&error);
  o.memory_bytes = 16e9;
  res = ds_pipedream_solve (dag, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (res->levels[0]->len, ==, 4);
}

static void
test_error_nothing_left (void)
{
  g_autoptr(DsModel) m = ds_model_new ("input-only");
  g_autoptr(GError) error = NULL;
  DsLayer *l = ds_model_add_layer (m, "node1", "input", &error);
  g_autoptr(DsAntichainDag) dag = NULL;

  l->desc = g_strdup ("Input0");
  dag = ds_antichain_dag_new (m, 0, &error);
  g_assert_null (dag);
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
}

static void
test_state_cap (void)
{
  g_autofree char *path = ds_test_shared (PD "profiles/profiler/image_classification/"
                                          "profiles/inception_v3/graph.txt");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = NULL;
  g_autoptr(DsAntichainDag) dag = NULL;
  gsize len;

  if (path == NULL)
    return;
  text = ds_test_read (path, &len);
  m = ds_graphtxt_read (text, len, path, &error);
  g_assert_no_error (error);
  dag = ds_antichain_dag_new (m, 2000, &error);
  g_assert_null (dag);
  g_assert_error (error, DS_ERROR, DS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "more than 2000 antichain states"));
}

/* Branch compression: on graphs whose narrow cuts are all cuts of the
 * original states it loses nothing (VGG-16 with width 2 is its full
 * 40-state chain; ResNet-50 with width 2 reaches the reference objective),
 * and Inception-v3 and NASNet-large plan into valid DsPlans. */
static void
test_compressed (void)
{
  static const struct {
    const char *rel;
    guint width, n_states;
    double objective_s;      /* 0: only check that a valid plan comes out */
  } cases_c[] = {
    { "image_classification/profiles/vgg16/graph.txt", 2, 40, 0.05652976738461536 },
    { "image_classification/profiles/resnet50/graph.txt", 2, 176, 0.04780134530612245 },
    { "image_classification/profiles/inception_v3/graph.txt", 2, 67, 0 },
    { "image_classification/profiles/nasnetalarge/graph.txt", 3, 35, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases_c); i++)
    {
      g_autofree char *rel = g_strconcat (PD "profiles/profiler/", cases_c[i].rel, NULL);
      g_autofree char *path = ds_test_shared (rel);
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(DsModel) m = NULL;
      g_autoptr(DsAntichainDag) dag = NULL;
      g_autoptr(DsPipedreamResult) res = NULL;
      g_autoptr(DsPlan) plan = NULL;
      DsPipedreamOptions o;
      gsize len;

      if (path == NULL)
        return;
      text = ds_test_read (path, &len);
      m = ds_graphtxt_read (text, len, path, &error);
      g_assert_no_error (error);
      dag = ds_antichain_dag_new_compressed (m, cases_c[i].width, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ds_antichain_dag_n_states (dag), ==, cases_c[i].n_states);
      ds_pipedream_options_init (&o, 16);
      o.has_compression = TRUE;
      o.compression_ratio = 1;
      res = ds_pipedream_solve (dag, &o, &error);
      g_assert_no_error (error);
      if (cases_c[i].objective_s > 0)
        g_assert_true (ds_test_rel_close (res->objective_s, cases_c[i].objective_s, 1e-9));
      plan = ds_pipedream_result_to_plan (res, dag, m, &error);
      g_assert_no_error (error);
      g_assert_true (ds_plan_check (plan, m, NULL, &error));
    }
}

static void
assert_same_result (const DsPipedreamResult *a, const DsPipedreamResult *b)
{
  g_assert_cmpfloat (a->objective_s, ==, b->objective_s);
  for (guint l = 0; l < a->n_levels; l++)
    {
      g_assert_cmpuint (a->levels[l]->len, ==, b->levels[l]->len);
      g_assert_cmpmem (a->levels[l]->data, a->levels[l]->len * sizeof (DsPipedreamStage),
                       b->levels[l]->data, b->levels[l]->len * sizeof (DsPipedreamStage));
    }
}

/* The bound-pruned scan keeps exactly what the exhaustive scan keeps,
 * ties included, over levels, flags and memory limits; and the thread
 * count of the lower levels changes nothing. */
static void
test_pruning_is_exact (void)
{
  for (guint32 seed = 1; seed <= 6; seed++)
    {
      g_autoptr(DsModel) m = ds_test_random_chain (40 + 7 * seed, seed);
      g_autoptr(DsAntichainDag) dag = ds_antichain_dag_new (m, 0, NULL);
      DsPipedreamOptions o;
      ds_pipedream_options_init (&o, 4);
      o.n_levels = 1 + seed % 3;
      o.levels[0] = (DsPipedreamLevel) { 4, 1.6e10 };
      o.levels[1] = (DsPipedreamLevel) { 3, 1e10 };
      o.levels[2] = (DsPipedreamLevel) { 2, 1.25e9 };
      o.has_compression = seed % 2;
      o.compression_ratio = 1;
      o.fewer_machines = seed % 4 == 1;
      o.straight = seed == 4;
      o.use_memory_constraint = seed >= 5;
      o.memory_bytes = 3e8;
      o.n_threads = 3;
      g_autoptr(DsPipedreamResult) pruned = ds_pipedream_solve (dag, &o, NULL);
      o.n_threads = 1;
      o.exhaustive = TRUE;
      g_autoptr(DsPipedreamResult) full = ds_pipedream_solve (dag, &o, NULL);
      g_assert_nonnull (pruned);
      assert_same_result (pruned, full);
    }
}

/* One layer: one state, and the only plan is data parallelism, whose
 * time is the 4.10 baseline. */
static void
test_single_layer (void)
{
  g_autoptr(DsModel) m = small_chain (1, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsAntichainDag) dag = ds_antichain_dag_new (m, 0, &error);
  g_autoptr(DsPipedreamResult) res = NULL;
  g_autoptr(DsPlan) plan = NULL;
  DsPipedreamOptions o;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_antichain_dag_n_states (dag), ==, 1);
  ds_pipedream_options_init (&o, 4);
  res = ds_pipedream_solve (dag, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (res->levels[0]->len, ==, 1);
  g_assert_cmpuint (g_array_index (res->levels[0], DsPipedreamStage, 0).total_replicas, ==, 4);
  g_assert_cmpfloat (res->objective_s, ==, res->data_parallel_s);
  plan = ds_pipedream_result_to_plan (res, dag, m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_plan_n_stages (plan), ==, 1);
  g_assert_cmpuint (ds_plan_stage (plan, 0)->n_replicas, ==, 4);
}

/* Reference 12.5: with --use_fewer_machines the objective does not grow
 * with M; a straight plan has exactly M stages. */
static void
test_properties (void)
{
  g_autoptr(DsModel) m = small_chain (12, FALSE);
  g_autoptr(DsAntichainDag) dag = ds_antichain_dag_new (m, 0, NULL);
  double prev = INFINITY;

  for (guint n = 1; n <= 10; n++)
    {
      DsPipedreamOptions o;
      g_autoptr(DsPipedreamResult) fewer = NULL, straight = NULL;
      ds_pipedream_options_init (&o, n);
      o.fewer_machines = TRUE;
      o.has_compression = TRUE;
      o.compression_ratio = 1;
      fewer = ds_pipedream_solve (dag, &o, NULL);
      g_assert_cmpfloat (fewer->objective_s, <=, prev);
      prev = fewer->objective_s;
      o.fewer_machines = FALSE;
      o.straight = TRUE;
      straight = ds_pipedream_solve (dag, &o, NULL);
      g_assert_cmpuint (straight->levels[0]->len, ==, n);
    }
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  add_conformance_cases ();
  g_test_add_func ("/planner/antichain/state-counts", test_state_counts);
  g_test_add_func ("/planner/antichain/topological", test_states_topological);
  g_test_add_func ("/planner/antichain/state-cap", test_state_cap);
  g_test_add_func ("/planner/antichain/compressed", test_compressed);
  g_test_add_func ("/planner/antichain/error-cycle", test_error_cycle);
  g_test_add_func ("/planner/antichain/error-nothing-left", test_error_nothing_left);
  g_test_add_func ("/planner/pipedream/error-options", test_error_options);
  g_test_add_func ("/planner/pipedream/error-memory", test_error_memory);
  g_test_add_func ("/planner/pipedream/properties", test_properties);
  g_test_add_func ("/planner/pipedream/single-layer", test_single_layer);
  g_test_add_func ("/planner/pipedream/pruning-is-exact", test_pruning_is_exact);
  rc = g_test_run ();
  if (tally.cases > 0)
    printf ("# conformance: %u cases run; objective %u, same as exhaustive scan %u, states %u, single-stage %u, "
            "dp baseline %u, own plan cost %u, reference plan cost %u/%u, "
            "DsPlan ok %u; replica multiset %u of all; UNIQUE %u: multiset %u, "
            "stages %u, level tables %u, stage ids %u\n",
            tally.cases, tally.objective, tally.exhaustive, tally.states, tally.single, tally.dp,
            tally.own_cost, tally.ref_cost, tally.ref_cost_run, tally.plan_ok,
            tally.multiset_all, tally.unique, tally.multiset, tally.stages,
            tally.tables, tally.stage_ids);
  g_clear_pointer (&cases, g_ptr_array_unref);
  ds_test_pipedream_profiles_clear ();
  g_clear_pointer (&metrics, g_hash_table_unref);
  g_clear_pointer (&tables, g_hash_table_unref);
  g_clear_pointer (&table_compute, g_hash_table_unref);
  return rc;
}
