/* bench/bench-sim.c - the pipeline simulator's speed (issue #5).
 *
 * Two figures, each the median of RUNS:
 *   - events per second of ds_sim_run on long pipelines (seeded random
 *     chain of 256 layers in 32 stages, 1F1B over 4,096 minibatches; the
 *     same under 1F1B-flush with 256 micro-batches; and with replicated
 *     stages on a two-level cluster, so transfers share links), printed
 *     with the ratio to the engine alone (the same number of bare
 *     schedule/run events, measured in the same process just before);
 *   - one iteration of GPT-3 175B on 1,024 H100s, tensor 8 x pipeline 16
 *     x data 8, 64 micro-batches of one 2,048-token sequence per replica
 *     (a global batch of 512), under 1F1B-flush and interleaved
 *     (2 chunks), timed whole: zoo model, pricing, the balanced split,
 *     the simulation. The target: under 1 s.
 */
#include "config.h"

#include <gsl/gsl_statistics_double.h>
#include <stdio.h>

#include "core/zoo.h"
#include "hwmodels/cost.h"
#include "hwmodels/presets.h"
#include "planner/split.h"
#include "sim/engine.h"
#include "sim/pipeline.h"
#include "tests/testutil.h"

#define RUNS 5

static double
noop (DsEngine *engine, DsEventId id, gpointer data)
{
  (void) engine, (void) id, (void) data;
  return DS_EVENT_DONE;
}

/* Events per second of the bare engine: @n events, one at a time. */
static double
engine_rate (guint64 n)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  gint64 t0 = g_get_monotonic_time ();

  for (guint64 i = 0; i < n; i++)
    {
      ds_engine_schedule (e, 1e-3, noop, NULL, NULL);
      ds_engine_run (e, G_MAXDOUBLE);
    }
  return n / ((g_get_monotonic_time () - t0) / 1e6);
}

typedef struct {
  const char *name;
  DsSchedule schedule;
  guint n_stages, replicas, microbatches, iterations;
  gboolean two_levels;
} Case;

static void
bench_events (const Case *c)
{
  g_autoptr(DsModel) m = ds_test_random_chain (256, 42);
  g_autoptr(DsPlan) plan = ds_plan_split_balanced (m, c->n_stages, c->replicas, NULL);
  g_autoptr(DsCluster) cluster = ds_cluster_new ("bench");
  double rate[RUNS], base[RUNS];
  guint64 events = 0;
  DsSimOptions o;

  ds_cluster_add_level (cluster, "nvlink", c->two_levels ? 8 : c->n_stages * c->replicas,
                        3e11, 1e-6);
  if (c->two_levels)
    ds_cluster_add_level (cluster, "ib", (c->n_stages * c->replicas + 7) / 8, 2.5e10, 5e-6);
  ds_sim_options_init (&o);
  o.schedule = c->schedule;
  o.n_microbatches = c->microbatches;
  o.n_iterations = c->iterations;
  for (guint i = 0; i < RUNS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(DsSimResult) r = ds_sim_run (plan, m, cluster, &o, NULL);
      double wall = (g_get_monotonic_time () - t0) / 1e6;
      g_assert (r != NULL);
      events = r->n_events;
      rate[i] = events / wall;
      base[i] = engine_rate (events);
    }
  printf ("%-44s %9" G_GUINT64_FORMAT " events  %6.2f M events/s  (engine alone %.2f M/s, "
          "ratio %.2f)\n", c->name, events, gsl_stats_median (rate, 1, RUNS) / 1e6,
          gsl_stats_median (base, 1, RUNS) / 1e6,
          gsl_stats_median (rate, 1, RUNS) / gsl_stats_median (base, 1, RUNS));
}

/* GPT-3 175B, bf16, 1,024 H100s in 128 servers: t 8 x p 16 x d 8. */
static void
bench_gpt3 (DsSchedule schedule, guint chunks)
{
  double t[RUNS], iteration = 0;
  guint64 events = 0;

  for (guint i = 0; i < RUNS; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      DsZooOptions zo = { .batch_size = 512, .dtype_bytes = 2, .dtype_name = "bf16" };
      g_autoptr(DsModel) m = ds_zoo_build ("gpt3-175b", &zo, NULL);
      g_autoptr(DsCluster) c = ds_hw_cluster_open ("h100:8x128,nvlink4,ib-ndr", 0, NULL);
      g_autoptr(DsHwDevice) dev = ds_hw_device_open ("h100", NULL);
      g_autoptr(DsPlan) plan = NULL;
      g_autoptr(DsSimResult) r = NULL;
      DsSimOptions o;

      g_assert (m != NULL && c != NULL && dev != NULL);
      g_assert (ds_cluster_n_devices (c) == 1024);
      g_assert (ds_hw_model_cost (m, dev, NULL, NULL, NULL));
      plan = ds_plan_split_balanced (m, 16 * chunks, 8, NULL);
      ds_sim_options_init (&o);
      o.schedule = schedule;
      o.chunks = chunks;
      o.tensor_parallel = 8;
      o.n_microbatches = 64;
      o.recompute = TRUE;
      o.optimizer_state_factor = 6;      /* Adam, fp32 master weights */
      r = ds_sim_run (plan, m, c, &o, NULL);
      g_assert (r != NULL);
      t[i] = (g_get_monotonic_time () - t0) / 1e6;
      iteration = r->iteration_s;
      events = r->n_events;
    }
  printf ("GPT-3 175B, 1,024 GPUs, t8 x p16 x d8, %-11s simulated in %.4f s "
          "(%" G_GUINT64_FORMAT " events; iteration %.2f s of virtual time)\n",
          schedule == DS_SCHEDULE_INTERLEAVED ? "interleaved" : ds_schedule_name (schedule),
          gsl_stats_median (t, 1, RUNS), events, iteration);
}

int
main (void)
{
  static const Case cases[] = {
    { "1f1b, 32 stages, 4,096 minibatches", DS_SCHEDULE_1F1B, 32, 1, 1, 4096, FALSE },
    { "1f1b-flush, 32 stages, 256 micro-batches", DS_SCHEDULE_1F1B_FLUSH, 32, 1, 256, 4, FALSE },
    { "1f1b, 16 stages x 4 replicas, two levels", DS_SCHEDULE_1F1B, 16, 4, 1, 1024, TRUE },
  };

  printf ("bench-sim: ds_sim_run, median of %d runs (events = engine handlers)\n", RUNS);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    bench_events (&cases[i]);
  bench_gpt3 (DS_SCHEDULE_1F1B_FLUSH, 1);
  bench_gpt3 (DS_SCHEDULE_INTERLEAVED, 2);
  return 0;
}
