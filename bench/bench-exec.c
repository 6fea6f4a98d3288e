/* bench/bench-exec.c - the executor's real parallelism (issue #7).
 *
 * The compute-heavy MLP (zoo mlp-wide: 784, 4 x 2048, 10) trained on the
 * synthetic task, minibatch 256, 30 minibatches: one stage on one core,
 * then a straight two-stage pipeline on two cores under 1F1B (and GPipe
 * with 8 micro-batches), threads pinned. Printed: the median wall time per
 * minibatch over RUNS runs of each, and the speed-up over one stage, the
 * baseline run in the same process (the issue asks at least 1.6x on 2
 * cores). Also the single-core sgemm rate the layers run at.
 *
 * Then --wir (issue #8): the zoo's mlp (784-256-256-10, bias + ReLU) and
 * mlp-gelu (the same with bias + GELU + dropout), minibatch 128,
 * one stage, 200 minibatches of the synthetic task, with the non-GEMM
 * work as fused WIR kernels, unfused ones and the hand kernels, the three
 * interleaved in each of WIR_RUNS rounds; printed: the median time per
 * minibatch of each and the ratios (the issue asks fused faster than
 * unfused), the kernels per step, and the cost of forcing a known
 * one-fragment graph (the per-force overhead the step pays).
 */
#include "config.h"

#include <gsl/gsl_statistics_double.h>
#include <stdio.h>

#include "core/zoo.h"
#include "exec/blas.h"
#include "exec/runtime.h"
#include "exec/wir/lazy.h"
#include "exec/wir/library.h"
#include "planner/split.h"

#define RUNS 3
#define WIR_RUNS 7
#define WIR_STEPS 200

static double
per_minibatch_s (const DsModel *m, guint stages, DsSchedule schedule, guint micro,
                 const DsDataset *train, const DsDataset *test)
{
  double t[RUNS];

  for (guint i = 0; i < RUNS; i++)
    {
      g_autoptr(DsPlan) plan = ds_plan_split_by_work (m, stages, 1, NULL);
      g_autoptr(DsExecResult) r = NULL;
      g_autoptr(GError) error = NULL;
      DsExecOptions o;

      ds_exec_options_init (&o, plan);
      o.schedule = schedule;
      o.n_microbatches = micro;
      o.minibatch = 256;
      o.max_steps = 30;
      r = ds_exec_run (plan, m, train, test, &o, &error);
      g_assert_no_error (error);
      t[i] = r->iteration_s;
    }
  return gsl_stats_median (t, 1, RUNS);
}

static double
sgemm_gflops (void)
{
  guint n = 1024, reps = 10;
  g_autofree float *a = g_new0 (float, n * n);
  g_autofree float *b = g_new0 (float, n * n);
  g_autofree float *c = g_new0 (float, n * n);
  gint64 t0;

  ds_blas_sgemm (FALSE, TRUE, n, n, n, 1, a, n, b, n, 0, c, n);
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < reps; i++)
    ds_blas_sgemm (FALSE, TRUE, n, n, n, 1, a, n, b, n, 0, c, n);
  return 2.0 * n * n * n * reps / ((g_get_monotonic_time () - t0) / 1e6) / 1e9;
}

/* one run of @m under @mode: seconds per minibatch */
static double
wir_step_s (const DsModel *m, DsNetWirMode mode, const DsDataset *train,
            const DsDataset *test, guint64 *kernels)
{
  g_autoptr(DsPlan) plan = ds_plan_split_by_work (m, 1, 1, NULL);
  g_autoptr(DsExecResult) r = NULL;
  g_autoptr(GError) error = NULL;
  DsExecOptions o;

  ds_exec_options_init (&o, plan);
  o.minibatch = 128;
  o.max_steps = WIR_STEPS;
  o.wir = mode;
  r = ds_exec_run (plan, m, train, test, &o, &error);
  g_assert_no_error (error);
  *kernels = r->wir_kernels;
  return r->iteration_s;
}

/* microseconds to force a known graph: relu over 256 floats, borrowed,
 * into a buffer, the session reset, as the executor does per force */
static double
force_overhead_us (void)
{
  g_autoptr(WirLazy) lazy = wir_lazy_new (NULL);
  float x[256] = { 0 }, y[256];
  gpointer dest = y;
  gint64 len = 256;
  guint reps = 20000;
  gint64 t0 = 0;

  for (guint i = 0; i <= reps; i++)
    {
      WirHandle *h = wir_lazy_borrow (lazy, "vec[f32]", x, 256, NULL);
      h = wir_lazy_apply (lazy, wir_lib_relu, &h, 1);
      g_assert (wir_lazy_force_into (lazy, &h, &dest, &len, 1, NULL));
      wir_lazy_reset (lazy);
      if (i == 0)
        t0 = g_get_monotonic_time ();   /* the first force compiles */
    }
  return (double) (g_get_monotonic_time () - t0) / reps;
}

/* the three modes of @model's step, interleaved, and their ratios */
static void
bench_wir_model (const char *model, const DsDataset *train, const DsDataset *test)
{
  g_autoptr(DsModel) m = ds_zoo_build (model, NULL, NULL);
  double t[3][WIR_RUNS], med[3];
  guint64 kernels[3] = { 0 };
  static const char *const names[] = { "off (hand kernels)", "unfused", "fused" };

  /* warm up: compile (or load) every kernel once */
  for (guint k = 0; k < 3; k++)
    wir_step_s (m, (DsNetWirMode) k, train, test, &kernels[k]);
  for (guint i = 0; i < WIR_RUNS; i++)
    for (guint k = 0; k < 3; k++)
      t[k][i] = wir_step_s (m, (DsNetWirMode) k, train, test, &kernels[k]);
  printf ("\nbench-exec --wir: %s, minibatch 128, 1 stage, %d minibatches, median of %d "
          "interleaved runs\n", model, WIR_STEPS, WIR_RUNS);
  for (guint k = 0; k < 3; k++)
    {
      med[k] = gsl_stats_median (t[k], 1, WIR_RUNS);
      printf ("  %-20s %8.3f ms per minibatch  %5.1f WIR kernels per minibatch\n", names[k],
              med[k] * 1e3, (double) kernels[k] / WIR_STEPS);
    }
  printf ("  fused/unfused %.3f (unfused %.3fx the time of fused), fused/off %.3f, "
          "unfused/off %.3f\n", med[2] / med[1], med[1] / med[2], med[2] / med[0],
          med[1] / med[0]);
}

/* the mlp (bias + ReLU) and mlp-gelu (bias + GELU + dropout) */
static void
bench_wir (void)
{
  g_autoptr(DsDataset) all = ds_dataset_synthetic (128 * (WIR_STEPS + 1), 784, 10, 1);
  g_autoptr(DsDataset) train = ds_dataset_slice (all, 0, 128 * WIR_STEPS);
  g_autoptr(DsDataset) test = ds_dataset_slice (all, 128 * WIR_STEPS, 128);

  bench_wir_model ("mlp", train, test);
  bench_wir_model ("mlp-gelu", train, test);
  printf ("  forcing a known graph (relu, 256 floats, into a buffer): %.2f us\n",
          force_overhead_us ());
}

int
main (int argc, char **argv)
{
  g_autoptr(DsModel) m = ds_zoo_build ("mlp-wide", NULL, NULL);
  g_autoptr(DsDataset) all = ds_dataset_synthetic (256 * 31, 784, 10, 1);
  g_autoptr(DsDataset) train = ds_dataset_slice (all, 0, 256 * 30);
  g_autoptr(DsDataset) test = ds_dataset_slice (all, 256 * 30, 256);
  double one, two, gpipe;

  g_assert (ds_blas_load (NULL));
  if (argc > 1 && g_strcmp0 (argv[1], "--wir") == 0)
    {
      bench_wir ();               /* the WIR figures alone */
      return 0;
    }
  printf ("bench-exec: mlp-wide, minibatch 256, 30 minibatches, median of %d runs; "
          "sgemm 1024^3 on one core %.1f GFLOP/s\n", RUNS, sgemm_gflops ());
  one = per_minibatch_s (m, 1, DS_SCHEDULE_GPIPE, 1, train, test);
  two = per_minibatch_s (m, 2, DS_SCHEDULE_1F1B, 1, train, test);
  gpipe = per_minibatch_s (m, 2, DS_SCHEDULE_GPIPE, 8, train, test);
  printf ("1 stage                       %8.2f ms per minibatch\n", one * 1e3);
  printf ("2 stages, 1f1b                %8.2f ms per minibatch  speed-up %.2fx\n",
          two * 1e3, one / two);
  printf ("2 stages, gpipe, 8 micro-b.   %8.2f ms per minibatch  speed-up %.2fx\n",
          gpipe * 1e3, one / gpipe);
  bench_wir ();
  return 0;
}
