/* bench/bench-exec.c - the executor's real parallelism (issue #7).
 *
 * The compute-heavy MLP (zoo mlp-wide: 784, 4 x 2048, 10) trained on the
 * synthetic task, minibatch 256, 30 minibatches: one stage on one core,
 * then a straight two-stage pipeline on two cores under 1F1B (and GPipe
 * with 8 micro-batches), threads pinned. Printed: the median wall time per
 * minibatch over RUNS runs of each, and the speed-up over one stage, the
 * baseline run in the same process (the issue asks at least 1.6x on 2
 * cores). Also the single-core sgemm rate the layers run at.
 */
#include "config.h"

#include <gsl/gsl_statistics_double.h>
#include <stdio.h>

#include "core/zoo.h"
#include "exec/blas.h"
#include "exec/runtime.h"
#include "planner/split.h"

#define RUNS 3

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

int
main (void)
{
  g_autoptr(DsModel) m = ds_zoo_build ("mlp-wide", NULL, NULL);
  g_autoptr(DsDataset) all = ds_dataset_synthetic (256 * 31, 784, 10, 1);
  g_autoptr(DsDataset) train = ds_dataset_slice (all, 0, 256 * 30);
  g_autoptr(DsDataset) test = ds_dataset_slice (all, 256 * 30, 256);
  double one, two, gpipe;

  g_assert (ds_blas_load (NULL));
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
  return 0;
}
