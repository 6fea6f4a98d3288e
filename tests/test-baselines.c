/* tests/test-baselines.c - the plans `dawnsim plan` compares, and the
 * per-stage figures it prints (planner/baselines.h). */
#include "config.h"

#include "core/error.h"
#include "core/graphtxt.h"
#include "planner/baselines.h"
#include "tests/testutil.h"

#include <math.h>

#define PROFILES "pipedream/profiles/profiler/image_classification/profiles/"

static DsModel *
load_profile (const char *name)
{
  g_autofree char *rel = g_strconcat (PROFILES, name, "/graph.txt", NULL);
  g_autofree char *path = ds_test_shared (rel);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  DsModel *model;

  if (path == NULL)
    return NULL;
  text = ds_test_read (path, NULL);
  model = ds_graphtxt_read (text, -1, path, &error);
  g_assert_no_error (error);
  return model;
}

/* On one level the stage times are the DP's own terms (4.6), so their
 * maximum is the objective, with and without activation costs. */
static void
test_stage_times_make_the_objective (void)
{
  const char *models[] = { "vgg16", "resnet50", "alexnet" };
  const guint machines[] = { 2, 4, 8, 16 };

  for (guint m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autoptr(DsModel) model = load_profile (models[m]);
      g_autoptr(DsAntichainDag) dag = NULL;

      if (model == NULL)
        return;
      dag = ds_antichain_dag_new (model, 0, NULL);
      for (guint k = 0; k < G_N_ELEMENTS (machines); k++)
        for (guint acr = 0; acr < 2; acr++)
          {
            DsPipedreamOptions o;
            g_autoptr(DsPipedreamResult) r = NULL;
            g_autofree double *times = NULL;
            double worst = 0;

            ds_pipedream_options_init (&o, machines[k]);
            o.has_compression = acr;
            o.compression_ratio = 1;
            r = ds_pipedream_solve (dag, &o, NULL);
            g_assert_nonnull (r);
            times = g_new (double, r->levels[0]->len);
            ds_plan_stage_times (dag, &o, r->levels[0], times);
            for (guint s = 0; s < r->levels[0]->len; s++)
              worst = MAX (worst, times[s]);
            g_assert_cmpfloat_with_epsilon (worst, r->objective_s, 1e-9 * r->objective_s);
          }
    }
}

/* Data parallelism sends 2 (M-1)/M of the weights per minibatch; a plan
 * of one stage on all devices is data parallelism and sends the same; a
 * pipeline adds 2 x Out per boundary. The worked example of the
 * reference (VGG-16, -n 4, ratio 1): [0,17)x3 [17,40)x1. */
static void
test_communication (void)
{
  g_autoptr(DsModel) model = load_profile ("vgg16");
  g_autoptr(DsAntichainDag) dag = NULL;
  g_autoptr(DsPipedreamResult) r = NULL;
  DsPlanBaseline b[DS_BASELINE_N];
  DsPipedreamOptions o;
  double par, out16, par17;

  if (model == NULL)
    return;
  dag = ds_antichain_dag_new (model, 0, NULL);
  ds_pipedream_options_init (&o, 4);
  o.has_compression = TRUE;
  o.compression_ratio = 1;
  r = ds_pipedream_solve (dag, &o, NULL);
  ds_plan_baselines (dag, &o, r, b);
  par = ds_antichain_dag_param_bytes (dag, 39);
  g_assert_cmpfloat_with_epsilon (b[DS_BASELINE_DATA_PARALLEL].comm_bytes,
                                  2.0 * 3 / 4 * par, 1e-6);
  g_assert_cmpfloat (b[DS_BASELINE_DATA_PARALLEL].time_s, ==, r->data_parallel_s);
  g_assert_cmpuint (b[DS_BASELINE_PIPEDREAM].n_stages, ==, 2);
  out16 = ds_antichain_dag_out_bytes (dag, 16);
  par17 = ds_antichain_dag_param_bytes (dag, 16);
  g_assert_cmpfloat (out16, ==, 102760448);
  g_assert_cmpfloat_with_epsilon (b[DS_BASELINE_PIPEDREAM].comm_bytes,
                                  2 * out16 + 2.0 * 2 / 3 * par17, 1e-6);
  g_assert_cmpfloat (b[DS_BASELINE_PIPEDREAM].time_s, ==, 0.205520896);
  g_assert_cmpuint (b[DS_BASELINE_STRAIGHT].n_stages, ==, 4);
}

static void
test_link_bandwidth (void)
{
  DsPipedreamOptions o;

  ds_pipedream_options_init (&o, 4);
  o.n_levels = 2;
  o.levels[0].bandwidth_bytes_per_s = 1e10;
  o.levels[1].n_machines = 4;
  o.levels[1].bandwidth_bytes_per_s = 1.25e9;
  g_assert_cmpfloat (ds_plan_link_bandwidth (&o, 0, 3), ==, 1e10);
  g_assert_cmpfloat (ds_plan_link_bandwidth (&o, 3, 4), ==, 1.25e9);
  g_assert_cmpfloat (ds_plan_link_bandwidth (&o, 4, 7), ==, 1e10);
}

/* Memory: each device holds its stage once per minibatch in flight plus
 * its current copy; the last stage has nothing in flight. */
static void
test_stage_memory (void)
{
  g_autoptr(DsModel) model = load_profile ("vgg16");
  g_autoptr(DsAntichainDag) dag = NULL;
  g_autoptr(GArray) stages = g_array_new (FALSE, TRUE, sizeof (DsPipedreamStage));
  DsPipedreamStage a = { 0, 17, 3, 3, -1, 0, 0 }, z = { 17, 40, 1, 1, -1, 1, 0 };
  double need[2], once0, once1;

  if (model == NULL)
    return;
  dag = ds_antichain_dag_new (model, 0, NULL);
  g_array_append_val (stages, a);
  g_array_append_val (stages, z);
  ds_plan_stage_memory (dag, stages, need);
  once0 = ds_antichain_dag_act_bytes (dag, 16) + ds_antichain_dag_param_bytes (dag, 16);
  once1 = ds_antichain_dag_act_bytes (dag, 39) + ds_antichain_dag_param_bytes (dag, 39) - once0;
  g_assert_cmpfloat_with_epsilon (need[0], once0 * 2, 1);   /* ceil(1/3) = 1 in flight */
  g_assert_cmpfloat_with_epsilon (need[1], once1, 1);

  {
    DsPipedreamOptions o;
    g_autoptr(GError) error = NULL;

    ds_pipedream_options_init (&o, 4);
    g_assert_true (ds_plan_check_memory (dag, &o, stages, NULL));  /* check off */
    o.use_memory_constraint = TRUE;
    o.memory_bytes = need[0];
    g_assert_true (ds_plan_check_memory (dag, &o, stages, NULL));
    o.memory_bytes = need[0] - 1;
    g_assert_false (ds_plan_check_memory (dag, &o, stages, &error));
    g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/planner/baselines/stage-times-make-the-objective", test_stage_times_make_the_objective);
  g_test_add_func ("/planner/baselines/communication", test_communication);
  g_test_add_func ("/planner/baselines/link-bandwidth", test_link_bandwidth);
  g_test_add_func ("/planner/baselines/stage-memory", test_stage_memory);
  return g_test_run ();
}
