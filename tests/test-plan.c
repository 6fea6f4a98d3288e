/* tests/test-plan.c - DsPlan, its checker, the plan JSON format and the
 * PipeDream runtime configuration export. */
#include "config.h"

#include "core/cluster.h"
#include "core/cluster-json.h"
#include "core/error.h"
#include "core/model.h"
#include "core/plan.h"
#include "core/plan-json.h"
#include "tests/testutil.h"

/* in -> a, in -> b, a -> out, b -> out */
static DsModel *
diamond (void)
{
  DsModel *m = ds_model_new ("diamond");
  const char *names[] = { "in", "a", "b", "out" };

  for (guint i = 0; i < 4; i++)
    g_assert_nonnull (ds_model_add_layer (m, names[i], "relu", NULL));
  g_assert_true (ds_model_add_edge (m, 0, 1, NULL));
  g_assert_true (ds_model_add_edge (m, 0, 2, NULL));
  g_assert_true (ds_model_add_edge (m, 1, 3, NULL));
  g_assert_true (ds_model_add_edge (m, 2, 3, NULL));
  return m;
}

static DsPlanStage *
add_stage (DsPlan *plan, const guint *layers, guint n_layers, guint replicas)
{
  DsPlanStage *stage = ds_plan_add_stage (plan);

  g_array_append_vals (stage->layers, layers, n_layers);
  stage->n_replicas = replicas;
  return stage;
}

/* [in, a] x2, [b, out] x1 */
static DsPlan *
two_stages (void)
{
  DsPlan *plan = ds_plan_new ();
  static const guint s0[] = { 0, 1 }, s1[] = { 2, 3 };

  add_stage (plan, s0, 2, 2);
  add_stage (plan, s1, 2, 1);
  ds_plan_set_n_microbatches (plan, 4);
  return plan;
}

static DsCluster *
cluster_of (guint n)
{
  DsCluster *c = ds_cluster_new ("c");

  ds_cluster_add_level (c, NULL, n, 1e9, 0);
  return c;
}

static void
test_schedule_names (void)
{
  DsSchedule s;

  g_assert_cmpuint (DS_SCHEDULE_N, ==, 6);
  g_assert_cmpstr (ds_schedule_name (DS_SCHEDULE_1F1B_FLUSH), ==, "1f1b-flush");
  g_assert_cmpstr (ds_schedule_name (DS_SCHEDULE_INTERLEAVED), ==, "interleaved");
  for (guint i = 0; i < DS_SCHEDULE_N; i++)
    {
      g_assert_true (ds_schedule_from_name (ds_schedule_name (i), &s));
      g_assert_cmpuint (s, ==, i);
    }
  g_assert_false (ds_schedule_from_name ("pipedream", &s));
}

static void
test_good_plan (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(DsPlan) p = two_stages ();
  g_autoptr(DsCluster) c = cluster_of (3);
  g_autoptr(GError) error = NULL;

  g_assert_true (ds_plan_check (p, m, c, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ds_plan_n_replicas (p), ==, 3);
  /* reference 8.1: 2-1 gives W = {1, 0} */
  g_assert_cmpuint (ds_plan_warmup_depth (p, 0), ==, 1);
  g_assert_cmpuint (ds_plan_warmup_depth (p, 1), ==, 0);
}

static void
test_warmup_depth (void)
{
  g_autoptr(DsPlan) p = ds_plan_new ();
  static const guint l[] = { 0 };
  guint expect[] = { 3, 2, 1, 0 };

  for (guint s = 0; s < 4; s++)
    add_stage (p, l, 1, 1);
  for (guint s = 0; s < 4; s++)      /* straight 4: {3, 2, 1, 0} */
    g_assert_cmpuint (ds_plan_warmup_depth (p, s), ==, expect[s]);
  ds_plan_stage (p, 1)->has_warmup_depth = TRUE;
  ds_plan_stage (p, 1)->warmup_depth = 7;
  g_assert_cmpuint (ds_plan_warmup_depth (p, 1), ==, 7);
}

/* Each violation, made on a fresh good plan, and its exact message. */
typedef void (*BreakFn) (DsPlan *plan);

static void
break_missing_layer (DsPlan *p)
{
  g_array_set_size (ds_plan_stage (p, 1)->layers, 1);
}

static void
break_twice (DsPlan *p)
{
  guint l = 1;
  g_array_append_val (ds_plan_stage (p, 1)->layers, l);
}

static void
break_order (DsPlan *p)
{
  /* out in stage 0 and a in stage 1: edge a -> out goes backwards */
  g_array_index (ds_plan_stage (p, 0)->layers, guint, 1) = 3;
  g_array_index (ds_plan_stage (p, 1)->layers, guint, 1) = 1;
}

static void break_replicas (DsPlan *p) { ds_plan_stage (p, 1)->n_replicas = 0; }
static void break_too_many (DsPlan *p) { ds_plan_stage (p, 1)->n_replicas = 2; }
static void break_dp (DsPlan *p) { ds_plan_set_schedule (p, DS_SCHEDULE_DP); }
static void break_micro (DsPlan *p) { ds_plan_set_n_microbatches (p, 0); }
static void break_objective (DsPlan *p) { ds_plan_set_objective_s (p, -1); }
static void break_bad_index (DsPlan *p)
{
  guint l = 9;
  g_array_append_val (ds_plan_stage (p, 1)->layers, l);
}

static void
set_ranks (DsPlan *p, guint r0, guint r1, guint r2)
{
  guint a[] = { r0, r1 };
  g_array_append_vals (ds_plan_stage (p, 0)->ranks, a, 2);
  g_array_append_val (ds_plan_stage (p, 1)->ranks, r2);
}

static void break_rank_range (DsPlan *p) { set_ranks (p, 0, 1, 3); }
static void break_rank_shared (DsPlan *p) { set_ranks (p, 0, 1, 1); }
static void break_rank_twice (DsPlan *p) { set_ranks (p, 2, 2, 0); }
static void
break_rank_count (DsPlan *p)
{
  guint r = 0;
  g_array_append_val (ds_plan_stage (p, 1)->ranks, r);
  g_array_append_val (ds_plan_stage (p, 1)->ranks, r);
}

static const struct {
  BreakFn fn;
  DsErrorCode code;
  const char *message;
} violations[] = {
  { break_missing_layer, DS_ERROR_INVALID, "layer 'out' is in no stage" },
  { break_twice, DS_ERROR_DUPLICATE, "layer 'a' is in stages 0 and 1" },
  { break_order, DS_ERROR_INVALID, "edge 'a' -> 'out' goes back from stage 1 to stage 0" },
  { break_replicas, DS_ERROR_INVALID, "stage 1: n_replicas must be >= 1, got 0" },
  { break_too_many, DS_ERROR_INVALID, "the stages need 4 devices, the cluster has 3" },
  { break_dp, DS_ERROR_INVALID, "schedule 'dp' needs exactly one stage, got 2" },
  { break_micro, DS_ERROR_INVALID, "n_microbatches must be >= 1, got 0" },
  { break_objective, DS_ERROR_INVALID, "the objective must be in [0, 1e300] s, got -1" },
  { break_bad_index, DS_ERROR_INVALID, "stage 1: layer index 9 is out of range (the model has 4 layers)" },
  { break_rank_range, DS_ERROR_INVALID, "stage 1: rank 3 is out of range (the cluster has 3 devices)" },
  { break_rank_shared, DS_ERROR_DUPLICATE, "stage 1: rank 1 is already used by stage 0" },
  { break_rank_twice, DS_ERROR_DUPLICATE, "stage 0: rank 2 is already used by stage 0" },
  { break_rank_count, DS_ERROR_INVALID, "stage 1: 1 replicas but 2 ranks" },
};

static void
test_checker_catches (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(DsCluster) c = cluster_of (3);

  for (guint i = 0; i < G_N_ELEMENTS (violations); i++)
    {
      g_autoptr(DsPlan) p = two_stages ();
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u", i);
      g_assert_true (ds_plan_check (p, m, c, NULL));
      violations[i].fn (p);
      g_assert_false (ds_plan_check (p, m, c, &error));
      g_assert_error (error, DS_ERROR, (gint) violations[i].code);
      g_assert_cmpstr (error->message, ==, violations[i].message);
    }
}

static void
test_empty_and_interleaved (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(DsCluster) c = cluster_of (2);
  g_autoptr(DsPlan) empty = ds_plan_new ();
  g_autoptr(DsPlan) p = two_stages ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ds_plan_check (empty, m, c, &error));
  g_assert_cmpstr (error->message, ==, "the plan has no stages");
  /* interleaved: one device runs several stages */
  ds_plan_set_schedule (p, DS_SCHEDULE_INTERLEAVED);
  set_ranks (p, 0, 1, 0);
  g_assert_true (ds_plan_check (p, m, c, NULL));
}

static DsModel *
chain3 (void)
{
  DsModel *m = ds_model_new ("chain3");
  const char *names[] = { "input", "conv", "fc" };

  for (guint i = 0; i < 3; i++)
    g_assert_nonnull (ds_model_add_layer (m, names[i], "linear", NULL));
  g_assert_true (ds_model_add_edge (m, 0, 1, NULL));
  g_assert_true (ds_model_add_edge (m, 1, 2, NULL));
  return m;
}

static void
test_fixture (void)
{
  g_autofree char *cpath = ds_test_fixture ("cluster-pipedream-16.json");
  g_autofree char *path = ds_test_fixture ("plan-3layer.json");
  g_autofree char *text = ds_test_read (path, NULL);
  g_autofree char *ctext = ds_test_read (cpath, NULL);
  g_autoptr(DsModel) m = chain3 ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DsCluster) c = NULL;
  g_autoptr(DsPlan) p = ds_plan_read_json (text, -1, path, m, &error);
  g_autofree char *again = NULL;
  double objective_s = 0;

  g_assert_no_error (error);
  c = ds_cluster_read_json (ctext, -1, cpath, &error);
  g_assert_no_error (error);
  g_assert_true (ds_plan_check (p, m, c, &error));
  g_assert_cmpuint (ds_plan_n_stages (p), ==, 2);
  g_assert_cmpuint (ds_plan_get_schedule (p), ==, DS_SCHEDULE_1F1B);
  g_assert_cmpuint (ds_plan_get_n_microbatches (p), ==, 4);
  g_assert_true (ds_plan_get_objective_s (p, &objective_s));
  g_assert_cmpfloat (objective_s, ==, 0.0125);
  g_assert_cmpuint (ds_plan_stage (p, 0)->layers->len, ==, 2);
  g_assert_cmpuint (ds_plan_stage (p, 0)->n_replicas, ==, 3);
  again = ds_plan_write_json (p, m, NULL);
  g_assert_cmpstr (again, ==, text);
}

static void
test_round_trip (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(DsPlan) p = ds_plan_new ();
  g_autoptr(DsPlan) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *again = NULL;
  static const guint s0[] = { 0, 2, 1 }, s1[] = { 3 };
  DsPlanStage *st;

  /* {in, b, a} is not a topological run in that order: written as a list */
  st = add_stage (p, s0, 3, 2);
  g_array_append_vals (st->ranks, (guint[]) { 4, 1 }, 2);
  st = add_stage (p, s1, 1, 1);
  st->has_warmup_depth = TRUE;
  ds_plan_set_schedule (p, DS_SCHEDULE_2BW);
  ds_plan_set_n_microbatches (p, 8);
  ds_plan_set_microbatch_size (p, 16);
  ds_plan_set_objective_s (p, 0.0123);
  text = ds_plan_write_json (p, m, NULL);
  g_assert_nonnull (strstr (text, "\"layers\": [\"in\", \"b\", \"a\"]"));
  back = ds_plan_read_json (text, -1, "rt.json", m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_plan_get_schedule (back), ==, DS_SCHEDULE_2BW);
  g_assert_cmpuint (ds_plan_get_microbatch_size (back), ==, 16);
  g_assert_cmpuint (g_array_index (ds_plan_stage (back, 0)->layers, guint, 1), ==, 2);
  g_assert_cmpuint (g_array_index (ds_plan_stage (back, 0)->ranks, guint, 0), ==, 4);
  g_assert_true (ds_plan_stage (back, 1)->has_warmup_depth);
  g_assert_cmpuint (ds_plan_stage (back, 1)->warmup_depth, ==, 0);
  again = ds_plan_write_json (back, m, NULL);
  g_assert_cmpstr (text, ==, again);
}

static void
test_range (void)
{
  g_autoptr(DsModel) m = diamond ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DsPlan) p = ds_plan_read_json (
    "{\"stages\": [{\"range\": [\"in\", \"b\"]}, {\"layers\": [\"out\"]}]}",
    -1, "r.json", m, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_plan_stage (p, 0)->layers->len, ==, 3);
  text = ds_plan_write_json (p, m, NULL);
  g_assert_nonnull (strstr (text, "{\"range\": [\"in\", \"b\"], \"replicas\": 1}"));
}

static void
test_pipedream_conf (void)
{
  g_autoptr(DsPlan) p = two_stages ();
  g_autofree char *text = NULL;

  ds_plan_set_objective_s (p, 0.5);
  text = ds_plan_write_pipedream_conf (p, NULL);
  g_assert_cmpstr (text, ==,
    "{\n"
    "  \"module_to_stage_map\": [0, 1, 1],\n"
    "  \"stage_to_rank_map\": {\n"
    "    \"0\": [0, 1],\n"
    "    \"1\": [2]\n"
    "  },\n"
    "  \"stage_to_depth_map\": {\n"
    "    \"0\": 1,\n"
    "    \"1\": 0\n"
    "  },\n"
    "  \"stage_to_replicas_map\": {\n"
    "    \"0\": 2,\n"
    "    \"1\": 1\n"
    "  },\n"
    "  \"objective_ms\": 500\n"
    "}\n");
}

static const struct {
  const char *text;
  DsErrorCode code;
  const char *message;
} bad_plans[] = {
  { "{\"stages\": [\n{\"layers\": [\"in\", \"a\", \"b\", \"out\"], \"replicas\": 0}]}",
    DS_ERROR_INVALID, "p.json:2: stage 0: 'replicas' must be >= 1, got 0" },
  { "{\"stages\": [{\"layers\": [\"in\", \"a\",\n\"zz\"]}]}",
    DS_ERROR_UNKNOWN_NAME, "p.json:2: stage 0: no layer named 'zz'" },
  { "{\"stages\": [{\"layers\": [\"in\", \"a\"]},\n{\"layers\": [\"a\", \"b\", \"out\"]}]}",
    DS_ERROR_DUPLICATE, "p.json:2: stage 1: layer 'a' is already in stage 0" },
  { "{\"stages\": [{\"layers\": [\"in\", \"a\", \"b\"]}]}",
    DS_ERROR_INVALID, "p.json: layer 'out' is in no stage" },
  { "{\"stages\": [{\"layers\": [\"in\", \"out\"]}, {\"layers\": [\"a\", \"b\"]}]}",
    DS_ERROR_INVALID, "p.json: edge 'a' -> 'out' goes back from stage 1 to stage 0" },
  { "{\"stages\": [\n{\"range\": [\"out\", \"in\"]}]}",
    DS_ERROR_INVALID, "p.json:2: stage 0: range 'out' .. 'in' runs against the topological order" },
  { "{\"stages\": [\n{\"range\": [\"in\"]}]}",
    DS_ERROR_SYNTAX, "p.json:2: stage 0: 'range' must be a pair [\"first\", \"last\"]" },
  { "{\"stages\": [\n{\"replicas\": 2}]}",
    DS_ERROR_SYNTAX, "p.json:2: stage 0: give either 'layers' or 'range'" },
  { "{\"stages\": [{\"range\": [\"in\", \"out\"],\n\"ranks\": [-1]}]}",
    DS_ERROR_SYNTAX, "p.json:2: stage 0: ranks must be whole numbers >= 0" },
  { "{\"stages\": [{\"range\": [\"in\", \"out\"], \"replicas\": 2, \"ranks\": [1, 1]}]}",
    DS_ERROR_DUPLICATE, "p.json: stage 0: rank 1 is already used by stage 0" },
  { "{\n\"schedule\": \"pipedream\", \"stages\": []}",
    DS_ERROR_UNKNOWN_NAME, "p.json:2: unknown schedule 'pipedream'" },
  { "{\n\"n_microbatches\": 0, \"stages\": []}",
    DS_ERROR_INVALID, "p.json:2: 'n_microbatches' must be >= 1, got 0" },
  { "{\n\"objective_ms\": -2, \"stages\": []}",
    DS_ERROR_INVALID, "p.json:2: 'objective_ms' must be >= 0, got -2" },
  { "{\"stages\": []}", DS_ERROR_INVALID, "p.json: the plan has no stages" },
  { "{\"stages\": [{\"range\": [\"in\", \"out\"],\n\"replica\": 2}]}",
    DS_ERROR_SYNTAX, "p.json:2: unknown field 'replica'" },
  { "{\"stagez\": []}", DS_ERROR_SYNTAX, "p.json:1: unknown field 'stagez'" },
  { "{}", DS_ERROR_SYNTAX, "p.json:1: missing required field 'stages'" },
  { "{\"stages\": [{\"layers\": [1]}]}",
    DS_ERROR_SYNTAX, "p.json:1: stage 0: 'layers' must hold layer names (strings)" },
};

static void
test_malformed (void)
{
  g_autoptr(DsModel) m = diamond ();

  for (guint i = 0; i < G_N_ELEMENTS (bad_plans); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsPlan) p = ds_plan_read_json (bad_plans[i].text, -1, "p.json",
                                               m, &error);
      g_test_message ("case %u: %s", i, bad_plans[i].text);
      g_assert_null (p);
      g_assert_error (error, DS_ERROR, (gint) bad_plans[i].code);
      g_assert_cmpstr (error->message, ==, bad_plans[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/plan/schedule-names", test_schedule_names);
  g_test_add_func ("/core/plan/good-plan", test_good_plan);
  g_test_add_func ("/core/plan/warmup-depth", test_warmup_depth);
  g_test_add_func ("/core/plan/checker-catches", test_checker_catches);
  g_test_add_func ("/core/plan/empty-and-interleaved", test_empty_and_interleaved);
  g_test_add_func ("/core/plan/fixture-3layer", test_fixture);
  g_test_add_func ("/core/plan/json-round-trip", test_round_trip);
  g_test_add_func ("/core/plan/json-range", test_range);
  g_test_add_func ("/core/plan/pipedream-conf", test_pipedream_conf);
  g_test_add_func ("/core/plan/json-malformed", test_malformed);
  return g_test_run ();
}
