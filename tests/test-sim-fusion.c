/* tests/test-sim-fusion.c - `dawnsim simulate --no-fusion`: the unfused
 * step's extra work (exec/fusion.h) played by the simulator
 * (sim/pipeline.h, unfused_* options).
 *
 * The expected values come from the cost model run here on the library's
 * programs (and, for SGD and the epilogue, from a hand count of the
 * passes), and the fused iteration from the simulator's formula written
 * out, never from the code under test. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "exec/fusion.h"
#include "exec/wir/cost.h"
#include "exec/wir/library.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir.h"
#include "sim/pipeline.h"
#include "tests/testutil.h"

#define MEM_BW 1e11                /* bytes/s of the test device */

static void
assert_near (double got, double want)
{
  g_assert_cmpfloat_with_epsilon (got, want, 1e-9 * MAX (1e-6, fabs (want)));
}

/* Bytes read and written, and launches, of a library program at @n
 * elements per vector, through wir_optimize with @fusion. */
static double
cost_bytes (const char *text, gboolean fusion, gint64 n, guint *launches)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) prog = wir_program_parse (text, -1, "test", &error);
  WirCostParams p;
  WirCost c;

  g_assert_no_error (error);
  g_assert_true (wir_program_check (prog, FALSE, &error));
  g_assert_true (wir_optimize (prog, fusion, NULL, &error));
  wir_cost_params_default (&p);
  wir_cost_estimate (prog, NULL, 0, n, &p, &c);
  *launches = c.n_kernels;
  return c.bytes_read + c.bytes_written;
}

static DsLayer *
add_layer (DsModel *m, const char *name, const char *kind, double fwd_s, guint64 out,
           guint64 params)
{
  DsLayer *l = ds_model_add_layer (m, name, kind, NULL);
  guint n = ds_model_n_layers (m);

  l->has_times = TRUE;
  l->fwd_s = fwd_s;
  l->bwd_s = 2 * fwd_s;
  l->out_bytes = out;
  l->param_bytes = params;
  if (n > 1)
    g_assert_true (ds_model_add_edge (m, n - 2, n - 1, NULL));
  return l;
}

/* One stage of every layer, on one device. */
static DsPlan *
one_stage (const DsModel *model, guint m)
{
  DsPlan *plan = ds_plan_new ();
  DsPlanStage *st = ds_plan_add_stage (plan);

  for (guint i = 0; i < ds_model_n_layers (model); i++)
    g_array_append_val (st->layers, i);
  st->n_replicas = 1;
  ds_plan_set_n_microbatches (plan, m);
  return plan;
}

static DsCluster *
cluster_with_bw (guint n)
{
  DsCluster *c = ds_test_flat_cluster (n, 1e10);
  ds_cluster_device (c)->mem_bw_bytes_per_s = MEM_BW;
  return c;
}

static void
set_unfused (DsSimOptions *o, const DsFusionWhatIf *w, double launch_s)
{
  o->unfused_fwd_bytes = w->fwd_bytes;
  o->unfused_fwd_launches = w->fwd_launches;
  o->unfused_opt_bytes = w->opt_bytes;
  o->unfused_opt_launches = w->opt_launches;
  o->launch_s = launch_s;
}

static double
iteration_s (const DsPlan *plan, const DsModel *model, const DsCluster *cluster,
             const DsSimOptions *o)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsSimResult) r = ds_sim_run (plan, model, cluster, o, &error);

  g_assert_no_error (error);
  return r->iteration_s;
}

/* Without the what-if the iteration is what it was: one stage, one
 * micro-batch under gpipe, fwd + bwd + the fused update 6 P / B. */
static void
test_fused_unchanged (void)
{
  g_autoptr(DsModel) model = ds_model_new ("one");
  g_autoptr(DsCluster) cluster = cluster_with_bw (1);
  DsSimOptions o;

  add_layer (model, "fc", "linear", 1e-3, 4096, 4000000);
  g_autoptr(DsPlan) plan = one_stage (model, 1);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_GPIPE;
  assert_near (iteration_s (plan, model, cluster, &o), 1e-3 + 2e-3 + 6 * 4e6 / MEM_BW);
}

/* SGD: fragments d = g + wd p, m = mu buf + d, q = p - lr m move
 * 3 + 3 + 3 vectors, the fused loop 3 read + 2 written: 16 n bytes more
 * and 2 more launches, which the iteration gains exactly. */
static void
test_optimizer_sgd (void)
{
  const guint64 params = 4000000;               /* n = 1e6 f32 */
  const gint64 n = params / 4;
  const double launch_s = 2e-6;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) model = ds_model_new ("one");
  g_autoptr(DsCluster) cluster = cluster_with_bw (1);
  guint ku, kf;
  double bu, bf, fused;
  DsSimOptions o;

  add_layer (model, "fc", "linear", 1e-3, 4096, params);
  g_autoptr(DsPlan) plan = one_stage (model, 1);
  bu = cost_bytes (wir_lib_sgd_fragments, FALSE, n, &ku);
  bf = cost_bytes (wir_lib_sgd_fragments, TRUE, n, &kf);
  assert_near (bu - bf, 16.0 * n);               /* the hand count */
  g_assert_cmpuint (ku - kf, ==, 2);
  g_autoptr(DsFusionWhatIf) w = ds_fusion_what_if (model, DS_OPTIMIZER_SGD_MOMENTUM, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w->n_epilogues, ==, 0);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_GPIPE;
  fused = iteration_s (plan, model, cluster, &o);
  set_unfused (&o, w, 0);
  assert_near (iteration_s (plan, model, cluster, &o) - fused, (bu - bf) / MEM_BW);
  set_unfused (&o, w, launch_s);
  {
    g_autoptr(DsSimResult) r = ds_sim_run (plan, model, cluster, &o, &error);
    g_assert_no_error (error);
    double added = (bu - bf) / MEM_BW + (ku - kf) * launch_s;
    assert_near (r->iteration_s - fused, added);
    assert_near (g_array_index (r->workers, DsSimWorker, 0).unfused_s, added);
  }
}

/* Adam at two layer sizes, on two stages: each stage's update gains its
 * own layer's difference. */
static void
test_optimizer_adam (void)
{
  const guint64 p0 = 800000, p1 = 4000000;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) model = ds_model_new ("two");
  g_autoptr(DsCluster) cluster = cluster_with_bw (2);
  DsSimOptions o;
  guint ku, kf;

  add_layer (model, "a", "linear", 1e-3, 4096, p0);
  add_layer (model, "b", "linear", 1e-3, 4096, p1);
  g_autoptr(DsPlan) plan = ds_plan_new ();
  for (guint g = 0; g < 2; g++)
    {
      DsPlanStage *st = ds_plan_add_stage (plan);
      g_array_append_val (st->layers, g);
      st->n_replicas = 1;
    }
  ds_plan_set_n_microbatches (plan, 4);
  g_autoptr(DsFusionWhatIf) w = ds_fusion_what_if (model, DS_OPTIMIZER_ADAM, &error);
  g_assert_no_error (error);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_GPIPE;
  o.optimizer_state_factor = 2;
  set_unfused (&o, w, 0);
  g_autoptr(DsSimResult) r = ds_sim_run (plan, model, cluster, &o, &error);
  g_assert_no_error (error);
  for (guint g = 0; g < 2; g++)
    {
      gint64 n = (g == 0 ? p0 : p1) / 4;
      double want = (cost_bytes (wir_lib_adam_fragments, FALSE, n, &ku)
                     - cost_bytes (wir_lib_adam_fragments, TRUE, n, &kf)) / MEM_BW;
      assert_near (want, 20.0 * n / MEM_BW);     /* 12 n against 7 n vectors */
      assert_near (g_array_index (r->workers, DsSimWorker, g).unfused_s, want);
    }
}

/* linear -> gelu -> dropout: the library's bias+GELU+dropout program,
 * fusion off against on, charged to the dropout's forward. Unfused,
 * y = x + b and g = gelu(y) are written and read back: 16 n bytes, and
 * 2 more launches on every micro-batch. */
static void
test_epilogue (void)
{
  const guint64 out = 4000000;
  const gint64 n = out / 4;
  const guint m = 4;
  const double launch_s = 1e-6;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) model = ds_model_new ("mlp");
  g_autoptr(DsCluster) cluster = cluster_with_bw (1);
  guint ku, kf;
  DsSimOptions o;
  double fused, bu, bf;

  add_layer (model, "x", "input", 0, out, 0);
  add_layer (model, "fc", "linear", 1e-3, out, 40000);
  add_layer (model, "act", "gelu", 1e-4, out, 0);
  add_layer (model, "drop", "dropout", 1e-4, out, 0);
  g_autoptr(DsPlan) plan = one_stage (model, m);
  g_autoptr(DsFusionWhatIf) w = ds_fusion_what_if (model, DS_OPTIMIZER_SGD_MOMENTUM, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w->n_epilogues, ==, 1);
  bu = cost_bytes (wir_lib_bias_gelu_dropout, FALSE, n, &ku);
  bf = cost_bytes (wir_lib_bias_gelu_dropout, TRUE, n, &kf);
  assert_near (bu - bf, 16.0 * n);
  g_assert_cmpuint (ku - kf, ==, 2);
  assert_near (w->fwd_bytes[3], bu - bf);
  assert_near (w->fwd_bytes[0] + w->fwd_bytes[1] + w->fwd_bytes[2], 0);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_GPIPE;
  fused = iteration_s (plan, model, cluster, &o);
  set_unfused (&o, w, launch_s);
  o.unfused_opt_bytes = o.unfused_opt_launches = NULL;     /* the epilogue alone */
  assert_near (iteration_s (plan, model, cluster, &o) - fused,
               (bu - bf) / MEM_BW + m * (ku - kf) * launch_s);
}

static void
assert_no_epilogue (DsModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsFusionWhatIf) w = ds_fusion_what_if (model, DS_OPTIMIZER_SGD_MOMENTUM, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w->n_epilogues, ==, 0);
}

/* What is not a priced chain: a ReLU after a layer without a bias, a
 * linear without a bias, a GELU without dropout, a producer with two
 * consumers. */
static void
test_epilogue_not_matched (void)
{
  static const char *const kinds[][3] = {
    { "relu", "dropout", "relu" },
    { "linear", "gelu", "relu" },
    { "conv2d", "gelu", "linear" },
  };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(DsModel) model = ds_model_new ("m");
      add_layer (model, "a", kinds[k][0], 1e-3, 4000, 400);
      add_layer (model, "b", kinds[k][1], 1e-3, 4000, 0);
      add_layer (model, "c", kinds[k][2], 1e-3, 4000, 0);
      assert_no_epilogue (model);
    }
  {
    g_autoptr(DsModel) model = ds_model_new ("nobias");
    DsLayer *l = add_layer (model, "a", "linear", 1e-3, 4000, 400);
    l->desc = g_strdup ("Linear(10, 100, bias=False)");
    add_layer (model, "b", "gelu", 1e-3, 4000, 0);
    add_layer (model, "c", "dropout", 1e-3, 4000, 0);
    assert_no_epilogue (model);
  }
  {
    g_autoptr(DsModel) model = ds_model_new ("nobias-relu");
    DsLayer *l = add_layer (model, "a", "conv2d", 1e-3, 4000, 400);
    l->desc = g_strdup ("Conv2d(3, 16, bias=False)");
    add_layer (model, "b", "relu", 1e-3, 4000, 0);
    assert_no_epilogue (model);
  }
  {
    g_autoptr(DsModel) model = ds_model_new ("fork");
    add_layer (model, "a", "linear", 1e-3, 4000, 400);
    add_layer (model, "b", "gelu", 1e-3, 4000, 0);
    add_layer (model, "c", "dropout", 1e-3, 4000, 0);
    add_layer (model, "d", "linear", 1e-3, 4000, 400);
    g_assert_true (ds_model_add_edge (model, 0, 3, NULL));   /* a feeds b and d */
    assert_no_epilogue (model);
  }
}

/* A linear (with its bias) feeding a ReLU: unfused, the bias is a loop
 * of its own whose n-float output is written and read back by the ReLU:
 * 8 n bytes and one launch more, charged to the ReLU's forward. */
static void
test_epilogue_bias_relu (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) model = ds_model_new ("mlp-like");
  add_layer (model, "fc", "linear", 1e-3, 4000, 400);
  add_layer (model, "act", "relu", 1e-3, 4000, 0);
  add_layer (model, "out", "linear", 1e-3, 400, 400);
  g_autoptr(DsFusionWhatIf) w = ds_fusion_what_if (model, DS_OPTIMIZER_SGD_MOMENTUM, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (w->n_epilogues, ==, 1);
  g_assert_cmpfloat (w->fwd_bytes[0], ==, 0);
  g_assert_cmpfloat (w->fwd_bytes[1], ==, 8.0 * (4000 / 4));
  g_assert_cmpfloat (w->fwd_launches[1], ==, 1);
  g_assert_cmpfloat (w->fwd_bytes[2], ==, 0);
}

/* Random chains with GELU chains spliced in, every schedule, both
 * optimizers, recomputation on and off: unfused is never faster, and
 * each worker's added time is >= 0. */
static void
test_never_faster (void)
{
  static const DsSchedule schedules[] = {
    DS_SCHEDULE_GPIPE, DS_SCHEDULE_1F1B, DS_SCHEDULE_1F1B_FLUSH, DS_SCHEDULE_2BW,
  };
  g_autoptr(DsCluster) cluster = cluster_with_bw (4);

  for (guint32 seed = 1; seed <= 6; seed++)
    {
      g_autoptr(DsModel) model = ds_test_random_chain (12, seed);
      for (guint i = 2; i + 1 < 12; i += 4)
        {
          g_free (ds_model_layer (model, i)->kind);
          ds_model_layer (model, i)->kind = g_strdup ("gelu");
          g_free (ds_model_layer (model, i + 1)->kind);
          ds_model_layer (model, i + 1)->kind = g_strdup ("dropout");
        }
      g_autoptr(DsPlan) plan = ds_plan_new ();
      for (guint g = 0, next = 0; g < 4; g++)
        {
          DsPlanStage *st = ds_plan_add_stage (plan);
          for (guint j = 0; j < 3; j++, next++)
            g_array_append_val (st->layers, next);
          st->n_replicas = 1;
        }
      ds_plan_set_n_microbatches (plan, 4);
      for (guint adam = 0; adam < 2; adam++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(DsFusionWhatIf) w =
            ds_fusion_what_if (model, adam ? DS_OPTIMIZER_ADAM : DS_OPTIMIZER_SGD_MOMENTUM,
                               &error);
          g_assert_no_error (error);
          for (guint k = 0; k < G_N_ELEMENTS (schedules); k++)
            for (guint rc = 0; rc < 2; rc++)
              {
                DsSimOptions o;
                ds_sim_options_init (&o);
                o.schedule = schedules[k];
                o.recompute = rc;
                o.optimizer_state_factor = adam ? 2 : 1;
                double fused = iteration_s (plan, model, cluster, &o);
                set_unfused (&o, w, 5e-6);
                g_autoptr(DsSimResult) r = ds_sim_run (plan, model, cluster, &o, &error);
                g_assert_no_error (error);
                g_assert_cmpfloat (r->iteration_s, >=, fused * (1 - 1e-12));
                for (guint q = 0; q < r->n_workers; q++)
                  g_assert_cmpfloat (g_array_index (r->workers, DsSimWorker, q).unfused_s,
                                     >=, 0);
              }
        }
    }
}

/* Unfused work is priced at the memory bandwidth: a cluster without one
 * is an error, not a silent zero. */
static void
test_needs_bandwidth (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) model = ds_model_new ("one");
  g_autoptr(DsCluster) cluster = ds_test_flat_cluster (1, 1e10);
  DsSimOptions o;

  add_layer (model, "fc", "linear", 1e-3, 4096, 4000);
  g_autoptr(DsPlan) plan = one_stage (model, 1);
  g_autoptr(DsFusionWhatIf) w = ds_fusion_what_if (model, DS_OPTIMIZER_SGD_MOMENTUM, &error);
  g_assert_no_error (error);
  ds_sim_options_init (&o);
  set_unfused (&o, w, 0);
  g_autoptr(DsSimResult) r = ds_sim_run (plan, model, cluster, &o, &error);
  g_assert_null (r);
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
}

static JsonObject *
parse_object (JsonParser *parser, const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* The command: the JSON report names the mode, the fused baseline is the
 * run without the flag, and bad combinations are usage errors (exit 2). */
static void
test_cli (void)
{
  g_auto(DsTestRun) plain = { 0 };
  g_auto(DsTestRun) unfused = { 0 };
  g_auto(DsTestRun) bad = { 0 };
  g_auto(DsTestRun) layout = { 0 };
  g_autoptr(JsonParser) p1 = json_parser_new ();
  g_autoptr(JsonParser) p2 = json_parser_new ();
  JsonObject *a, *b;

  ds_test_run_dawnsim (&plain, "simulate", "vgg16", "--cluster", "A", "--stages", "4",
                       "--schedule", "gpipe", "-m", "4", "--format", "json", NULL);
  g_assert_cmpint (plain.status, ==, 0);
  ds_test_run_dawnsim (&unfused, "simulate", "vgg16", "--cluster", "A", "--stages", "4",
                       "--schedule", "gpipe", "-m", "4", "--format", "json", "--no-fusion",
                       NULL);
  g_assert_cmpint (unfused.status, ==, 0);
  a = parse_object (p1, plain.out);
  b = parse_object (p2, unfused.out);
  g_assert_cmpstr (json_object_get_string_member (a, "fusion"), ==, "fused");
  g_assert_false (json_object_has_member (a, "unfused_added_s"));
  g_assert_cmpstr (json_object_get_string_member (b, "fusion"), ==, "unfused");
  assert_near (json_object_get_double_member (b, "fused_iteration_s"),
               json_object_get_double_member (a, "iteration_s"));
  assert_near (json_object_get_double_member (b, "unfused_added_s"),
               json_object_get_double_member (b, "iteration_s")
               - json_object_get_double_member (a, "iteration_s"));
  /* each worker computes longer; the iteration itself may not be longer,
   * since transfers then share the links differently (max-min fair
   * sharing is not monotone): with 4 replicas a stage on cluster A it is
   * 1.5 ms shorter, so only the compute is asserted here */
  {
    JsonArray *workers = json_object_get_array_member (b, "workers");
    for (guint i = 0; i < json_array_get_length (workers); i++)
      g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (workers, i),
                                                        "unfused_s"), >, 0);
  }
  g_assert_cmpfloat (json_object_get_double_member (b, "unfused_launch_s"), ==, 5e-6);

  ds_test_run_dawnsim (&bad, "simulate", "vgg16", "--cluster", "A", "--no-fusion",
                       "--optimizer-state", "0", NULL);
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "--optimizer-state"));
  ds_test_run_dawnsim (&layout, "simulate", "--cluster", "dgx-a100:8", "--tp", "8",
                       "--global-batch", "8", "--layers", "2", "--hidden", "256",
                       "--heads", "4", "--no-fusion", NULL);
  g_assert_cmpint (layout.status, ==, 2);
  g_assert_nonnull (strstr (layout.err, "--no-fusion"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/fusion/fused-unchanged", test_fused_unchanged);
  g_test_add_func ("/sim/fusion/optimizer-sgd", test_optimizer_sgd);
  g_test_add_func ("/sim/fusion/optimizer-adam", test_optimizer_adam);
  g_test_add_func ("/sim/fusion/epilogue", test_epilogue);
  g_test_add_func ("/sim/fusion/epilogue-bias-relu", test_epilogue_bias_relu);
  g_test_add_func ("/sim/fusion/epilogue-not-matched", test_epilogue_not_matched);
  g_test_add_func ("/sim/fusion/never-faster", test_never_faster);
  g_test_add_func ("/sim/fusion/needs-bandwidth", test_needs_bandwidth);
  g_test_add_func ("/sim/fusion/cli", test_cli);
  return g_test_run ();
}
