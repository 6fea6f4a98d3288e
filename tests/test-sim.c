/* tests/test-sim.c - pipeline schedules (core/programs.h, sim/pipeline.h)
 * against closed forms: GPipe's bubble (p-1)/(m+p-1), the interleaved
 * bubble (p-1)/(v m), 1F1B's steady state at the slowest stage (with
 * replicas), 2BW's m x slowest, data parallelism as compute plus the
 * all-reduce it cannot hide, a one-stage plan as the sum of its layers,
 * transfers on shared links, memory and the out-of-memory verdict, and
 * the errors a user meets. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "sim/pipeline.h"
#include "core/programs.h"
#include "tests/testutil.h"

#define EPS 1e-9

static void
assert_near (double got, double want)
{
  g_assert_cmpfloat_with_epsilon (got, want, EPS * MAX (1, fabs (want)));
}

/* A chain of @n layers "l0".. with the given per-minibatch times, output
 * bytes and parameter bytes (arrays of n, or NULL for 0). */
static DsModel *
chain (guint n, const double *fwd, const double *bwd, const double *out,
       const double *params)
{
  DsModel *m = ds_model_new ("chain");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("l%u", i);
      DsLayer *l = ds_model_add_layer (m, name, "linear", NULL);
      l->has_times = TRUE;
      l->fwd_s = fwd[i];
      l->bwd_s = bwd[i];
      l->out_bytes = out != NULL ? (guint64) out[i] : 0;
      l->param_bytes = params != NULL ? (guint64) params[i] : 0;
      if (i > 0)
        g_assert_true (ds_model_add_edge (m, i - 1, i, NULL));
    }
  ds_model_set_batch_size (m, 64);
  return m;
}

/* Stages of consecutive layers: sizes[s] layers and replicas[s] each. */
static DsPlan *
plan_of (guint n_stages, const guint *sizes, const guint *replicas, guint m)
{
  DsPlan *plan = ds_plan_new ();
  guint next = 0;

  for (guint s = 0; s < n_stages; s++)
    {
      DsPlanStage *st = ds_plan_add_stage (plan);
      for (guint i = 0; i < sizes[s]; i++, next++)
        g_array_append_val (st->layers, next);
      st->n_replicas = replicas != NULL ? replicas[s] : 1;
    }
  ds_plan_set_n_microbatches (plan, m);
  return plan;
}

static DsSimResult *
run (const DsPlan *plan, const DsModel *model, const DsCluster *cluster,
     const DsSimOptions *o)
{
  g_autoptr(GError) error = NULL;
  DsSimResult *r = ds_sim_run (plan, model, cluster, o, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

/* p equal stages of one layer each: per micro-batch F = 1, B = 2. */
static void
equal_stages (guint p, guint m, DsModel **model, DsPlan **plan)
{
  double fwd[16] = { 0 }, bwd[16] = { 0 };
  guint sizes[16];

  g_assert_cmpuint (p, <=, 16);
  for (guint i = 0; i < p; i++)
    {
      fwd[i] = 1.0 * m;
      bwd[i] = 2.0 * m;
      sizes[i] = 1;
    }
  *model = chain (p, fwd, bwd, NULL, NULL);
  *plan = plan_of (p, sizes, NULL, m);
}

static void
test_gpipe_bubble (void)
{
  for (guint p = 1; p <= 8; p *= 2)
    for (guint m = 1; m <= 16; m *= 4)
      {
        g_autoptr(DsModel) model = NULL;
        g_autoptr(DsPlan) plan = NULL;
        g_autoptr(DsCluster) c = ds_test_flat_cluster (p, 1e9);
        g_autoptr(DsSimResult) r = NULL;
        DsSimOptions o;

        equal_stages (p, m, &model, &plan);
        ds_sim_options_init (&o);
        o.schedule = DS_SCHEDULE_GPIPE;
        r = run (plan, model, c, &o);
        assert_near (r->makespan_s, (m + p - 1) * 3.0);
        assert_near (r->bubble_fraction, (p - 1.0) / (m + p - 1));
        assert_near (r->iteration_s, r->makespan_s);
      }
}

/* 1F1B-flush has GPipe's bubble with equal stages; fewer stashed
 * activations: stage s holds at most p - s of them, GPipe m. */
static void
test_1f1b_flush_bubble_and_stash (void)
{
  guint p = 4, m = 8;
  double fwd[4], bwd[4], out[4] = { 100, 100, 100, 100 };
  guint sizes[4] = { 1, 1, 1, 1 };
  g_autoptr(DsCluster) c = ds_test_flat_cluster (p, 1e9);
  DsSimOptions o;

  for (guint i = 0; i < p; i++)
    fwd[i] = m, bwd[i] = 2.0 * m;
  g_autoptr(DsModel) model = chain (p, fwd, bwd, out, NULL);
  g_autoptr(DsPlan) plan = plan_of (p, sizes, NULL, m);
  ds_sim_options_init (&o);
  o.free_communication = TRUE;
  o.schedule = DS_SCHEDULE_1F1B_FLUSH;
  g_autoptr(DsSimResult) f = run (plan, model, c, &o);
  o.schedule = DS_SCHEDULE_GPIPE;
  g_autoptr(DsSimResult) g = run (plan, model, c, &o);

  assert_near (f->makespan_s, (m + p - 1) * 3.0);
  for (guint s = 0; s < p; s++)
    {
      /* 100 bytes per minibatch, m micro-batches: 100 / m each. */
      const DsSimWorker *fw = &g_array_index (f->workers, DsSimWorker, s);
      const DsSimWorker *gw = &g_array_index (g->workers, DsSimWorker, s);
      assert_near (fw->peak_bytes, (p - s) * 100.0 / m);
      assert_near (gw->peak_bytes, 100.0);
    }
}

static void
test_interleaved_bubble (void)
{
  guint p = 4, v = 2, m = 8;
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsCluster) c = ds_test_flat_cluster (p, 1e9);
  g_autoptr(DsCluster) c8 = ds_test_flat_cluster (p * v, 1e9);
  g_autoptr(DsSimResult) r = NULL;
  g_autoptr(DsSimResult) flush = NULL;
  DsSimOptions o;

  /* 8 chunks of F = 1, B = 2 per micro-batch: a device does t = 6 per
   * micro-batch over its two chunks. */
  equal_stages (p * v, m, &model, &plan);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_INTERLEAVED;
  o.chunks = v;
  r = run (plan, model, c, &o);
  g_assert_cmpuint (r->n_workers, ==, p);
  assert_near (r->makespan_s, (m + (p - 1.0) / v) * 6.0);
  assert_near (r->bubble_overhead, (p - 1.0) / (v * m));
  /* The same chunks as a plain 1F1B-flush over 8 devices of 1 chunk... */
  ds_plan_set_n_microbatches (plan, m);
  o.chunks = 1;
  o.schedule = DS_SCHEDULE_1F1B_FLUSH;
  flush = run (plan, model, c8, &o);
  assert_near (flush->bubble_overhead, (p * v - 1.0) / m);
}

/* PipeDream without replicas: the period is the slowest stage. */
static void
test_1f1b_steady_state (void)
{
  double fwd[3] = { 1, 2.0 / 3, 1 }, bwd[3] = { 2, 4.0 / 3, 2 };
  guint sizes[3] = { 1, 1, 1 };
  g_autoptr(DsModel) model = chain (3, fwd, bwd, NULL, NULL);
  g_autoptr(DsPlan) plan = plan_of (3, sizes, NULL, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (3, 1e9);
  g_autoptr(DsSimResult) r = NULL;
  DsSimOptions o;

  ds_sim_options_init (&o);
  r = run (plan, model, c, &o);
  g_assert_cmpuint (r->n_workers, ==, 3);
  assert_near (r->iteration_s, 3);
  assert_near (r->samples_per_s, 64 / 3.0);
  /* Make the last stage slower: the period follows it. */
  ds_model_layer (model, 2)->bwd_s = 4;
  g_clear_pointer (&r, ds_sim_result_free);
  r = run (plan, model, c, &o);
  assert_near (r->iteration_s, 5);
}

/* Stages of 6, 2 and 3 s per minibatch (F + B), the first on two
 * replicas. PipeDream's planner says max(6/2, 2, 3) = 3 s, and so does
 * the simulator under its costs (no barrier). With DDP's lockstep the
 * replicas' backwards must end together, but the single stage 1 returns
 * their gradients 3 s apart: replica 0 waits 3 s of every 8, so the
 * period is 8 s per 2 minibatches. */
static void
test_1f1b_replicas (void)
{
  double fwd[3] = { 2, 2.0 / 3, 1 }, bwd[3] = { 4, 4.0 / 3, 2 };
  guint sizes[3] = { 1, 1, 1 }, replicas[3] = { 2, 1, 1 };
  g_autoptr(DsModel) model = chain (3, fwd, bwd, NULL, NULL);
  g_autoptr(DsPlan) plan = plan_of (3, sizes, replicas, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (4, 1e9);
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.pipedream_costs = TRUE;
  g_autoptr(DsSimResult) planner = run (plan, model, c, &o);
  g_assert_cmpuint (planner->n_workers, ==, 4);
  assert_near (planner->iteration_s, 3);
  o.pipedream_costs = FALSE;
  g_autoptr(DsSimResult) ddp = run (plan, model, c, &o);
  assert_near (ddp->iteration_s, 4);
}

/* 2BW: no flush, so m micro-batches of the slowest stage per minibatch. */
static void
test_2bw_steady_state (void)
{
  guint p = 4, m = 4;
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsCluster) c = ds_test_flat_cluster (p, 1e9);
  g_autoptr(DsSimResult) r = NULL;
  DsSimOptions o;

  equal_stages (p, m, &model, &plan);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_2BW;
  r = run (plan, model, c, &o);
  assert_near (r->iteration_s, m * 3.0);
  g_assert_cmpfloat (r->makespan_s, >, r->n_iterations * m * 3.0);
}

static void expect_error (const DsPlan *plan, const DsModel *model, const DsCluster *c,
                          const DsSimOptions *o, const char *fragment);

/* ---- shared processors (DsSimOptions.n_cores) ---- */

/* One stage on two replicas under PipeDream's 1f1b: two workers, each
 * with minibatch 0 or 1 and 3 s of work (F 1 + B 2), started together.
 * On their own cores both finish at 3 s; on one shared core each runs at
 * half speed and both finish at 6 s. As many cores as devices changes
 * nothing. */
static void
test_shared_core_two_workers (void)
{
  double fwd[1] = { 1 }, bwd[1] = { 2 };
  guint sizes[1] = { 1 }, replicas[1] = { 2 };
  g_autoptr(DsModel) model = chain (1, fwd, bwd, NULL, NULL);
  g_autoptr(DsPlan) plan = plan_of (1, sizes, replicas, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (2, 1e9);
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.n_iterations = 2;
  o.record_trace = TRUE;
  g_autoptr(DsSimResult) alone = run (plan, model, c, &o);
  g_assert_cmpuint (alone->n_workers, ==, 2);
  assert_near (alone->makespan_s, 3);
  o.n_cores = 2;
  g_autoptr(DsSimResult) enough = run (plan, model, c, &o);
  assert_near (enough->makespan_s, 3);
  o.n_cores = 1;
  g_autoptr(DsSimResult) shared = run (plan, model, c, &o);
  assert_near (shared->makespan_s, 6);
  for (guint w = 0; w < 2; w++)
    assert_near (g_array_index (shared->workers, DsSimWorker, w).busy_s, 6);
  /* each op is stretched: the forward takes 2 s, the backward 4 s */
  for (guint i = 0; i < ds_trace_n_events (shared->trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (shared->trace, i);
      if (e->kind == DS_TRACE_FORWARD)
        assert_near (e->dur_s, 2);
      else if (e->kind == DS_TRACE_BACKWARD)
        assert_near (e->dur_s, 4);
    }
}

/* A synchronous worker standing for two replicas whose devices share
 * one core computes at half speed there (the core counts it twice), so
 * data parallelism over two threads on one core takes as long as one
 * device doing all the work: F + B = 12 s, not 6. */
static void
test_shared_core_replicas (void)
{
  double fwd[1] = { 4 }, bwd[1] = { 8 };
  guint sizes[1] = { 1 }, replicas[1] = { 2 };
  g_autoptr(DsModel) model = chain (1, fwd, bwd, NULL, NULL);
  g_autoptr(DsPlan) plan = plan_of (1, sizes, replicas, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (2, 1e9);
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_DP;
  o.free_communication = TRUE;
  g_autoptr(DsSimResult) alone = run (plan, model, c, &o);
  assert_near (alone->makespan_s, 6);
  o.n_cores = 1;
  g_autoptr(DsSimResult) shared = run (plan, model, c, &o);
  assert_near (shared->makespan_s, 12);
}

/* GPipe over p equal stages (F 1, B 2 per micro-batch), m micro-batches,
 * on p devices sharing @n_cores cores (0: their own). */
static DsSimResult *
gpipe_on_cores (guint p, guint m, guint n_cores)
{
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsCluster) c = ds_test_flat_cluster (p, 1e9);
  DsSimOptions o;

  equal_stages (p, m, &model, &plan);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_GPIPE;
  o.n_cores = n_cores;
  return run (plan, model, c, &o);
}

/* Two stages, one micro-batch, both devices on one core: the stages
 * never compute at once, so each op runs alone at full speed and the
 * shared core changes nothing (F0 1, F1 1, B1 2, B0 2). */
static void
test_shared_core_lone_op (void)
{
  g_autoptr(DsSimResult) r = gpipe_on_cores (2, 1, 1);

  assert_near (r->makespan_s, 6);
}

/* GPipe, 4 stages of F 1 and B 2 per micro-batch, 4 micro-batches, on 2
 * cores: workers 0 and 2 on core A, 1 and 3 on core B (worker i on core
 * i mod 2, as dawnsim exec pins them). By hand, "x/k" meaning x shares a
 * core with k - 1 others:
 *    0- 1  F0 w0                      6- 7  w2 F2 | w1 F3/2, w3 F1/2
 *    1- 2  w0 F1 | w1 F0              7- 8  (A idle) | w1 F3/2, w3 F1/2
 *    2- 3  w0 F2/2, w2 F0/2 | w1 F1   8- 9  w2 F3 | w3 F2
 *    3- 4  w0 F2/2, w2 F0/2 | (idle)  9-10  w3 F3
 *    4- 6  w0 F3/2, w2 F1/2 | w1 F2/2, w3 F0/2
 *   10-12  w3 B3                     18-22  w0 B3/2, w2 B1/2 | w1 B2/2, w3 B0/2
 *   12-14  w2 B3 | w3 B2             22-24  w0 B2/2, w2 B0/2 | w1 B1
 *   14-16  w2 B2 | w1 B3/2, w3 B1/2  24-26  w0 B2/2, w2 B0/2 | (idle)
 *   16-18  (A idle) | w1 B3/2, w3 B1/2
 *   26-28  w0 B1 | w1 B0             28-30  w0 B0
 * 30 s, where four cores take (m + p - 1) x 3 = 21 s. */
static void
test_shared_core_pipeline (void)
{
  g_autoptr(DsSimResult) own = gpipe_on_cores (4, 4, 0);
  g_autoptr(DsSimResult) shared = gpipe_on_cores (4, 4, 2);

  assert_near (own->makespan_s, 21);
  assert_near (shared->makespan_s, 30);
  /* busy is wall time on the stream: w0's F2 and F3 took 2 s each, B3
   * and B2 4 s each; with F0, F1 (1 s) and B1, B0 (2 s): 18 s */
  assert_near (g_array_index (shared->workers, DsSimWorker, 0).busy_s, 18);
}

/* Data parallelism on 4 devices: with one bucket the all-reduce starts
 * after the backward, so the iteration is compute + all-reduce; with many
 * buckets only the last bucket's share is left after the backward. */
static void
test_dp_time (void)
{
  double fwd[2] = { 4, 4 }, bwd[2] = { 8, 8 }, params[2] = { 5e8, 5e8 };
  guint sizes[1] = { 2 }, replicas[1] = { 4 };
  g_autoptr(DsModel) model = chain (2, fwd, bwd, NULL, params);
  g_autoptr(DsPlan) plan = plan_of (1, sizes, replicas, 2);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (4, 1e9);
  double compute = (4 + 4 + 8 + 8) / 4.0;          /* each replica: 1/4 */
  double ar = 2.0 * 3 / 4 * 1e9 / 1e9;             /* ring, 1 GB over 4 */
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_DP;
  o.bucket_bytes = 1e12;
  g_autoptr(DsSimResult) one = run (plan, model, c, &o);
  assert_near (one->iteration_s, compute + ar);
  assert_near (one->bytes_per_level[0], 2.0 * 3 * 1e9);
  o.bucket_bytes = 1e8;                             /* 10 buckets */
  g_autoptr(DsSimResult) ten = run (plan, model, c, &o);
  /* Backward of the last micro-batch: 16 / 2 / 4 = 2 s in 10 parts of
   * 0.2 s; each bucket's all-reduce takes 0.15 s, so they keep up and
   * only the last is exposed. */
  assert_near (ten->iteration_s, compute + ar / 10);
  /* PipeDream's parameter-server baseline: 4 (n-1)/n x P / B, one bucket. */
  o.bucket_bytes = 1e12;
  o.parameter_server = TRUE;
  g_autoptr(DsSimResult) ps = run (plan, model, c, &o);
  assert_near (ps->iteration_s, compute + 4.0 * 3 / 4 * 1e9 / 1e9);
  o.schedule = DS_SCHEDULE_GPIPE;
  expect_error (plan, model, c, &o, "a parameter server serves the 'dp' schedule only");
}

/* One stage on one device: the sum of its layers, whatever the schedule. */
static void
test_one_stage_sum (void)
{
  double fwd[3] = { 0.5, 1.5, 2 }, bwd[3] = { 1, 3, 4.25 };
  guint sizes[1] = { 3 };
  g_autoptr(DsModel) model = chain (3, fwd, bwd, NULL, NULL);
  g_autoptr(DsPlan) plan = plan_of (1, sizes, NULL, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (1, 1e9);
  DsSchedule schedules[] = { DS_SCHEDULE_DP, DS_SCHEDULE_GPIPE, DS_SCHEDULE_1F1B,
                             DS_SCHEDULE_1F1B_FLUSH, DS_SCHEDULE_2BW,
                             DS_SCHEDULE_INTERLEAVED };

  for (guint i = 0; i < G_N_ELEMENTS (schedules); i++)
    {
      DsSimOptions o;
      ds_sim_options_init (&o);
      o.schedule = schedules[i];
      g_autoptr(DsSimResult) r = run (plan, model, c, &o);
      assert_near (r->iteration_s, 12.25);
    }
}

/* Two stages on two devices, one micro-batch, 1 GB boundary on 1 GB/s
 * with 10 us latency: F0, send, F1, B1, send back, B0. */
static void
test_transfer_on_link (void)
{
  double fwd[2] = { 1, 2 }, bwd[2] = { 3, 4 }, out[2] = { 1e9, 0 };
  guint sizes[2] = { 1, 1 };
  g_autoptr(DsModel) model = chain (2, fwd, bwd, out, NULL);
  g_autoptr(DsPlan) plan = plan_of (2, sizes, NULL, 1);
  g_autoptr(DsCluster) c = ds_cluster_new ("two");
  g_autoptr(DsSimResult) r = NULL;
  DsSimOptions o;

  ds_cluster_add_level (c, "link", 2, 1e9, 1e-5);
  ds_sim_options_init (&o);
  o.schedule = DS_SCHEDULE_GPIPE;
  o.record_trace = TRUE;
  r = run (plan, model, c, &o);
  assert_near (r->makespan_s, 1 + 1 + 1e-5 + 2 + 4 + 1 + 1e-5 + 3);
  assert_near (r->bytes_per_level[0], 2e9);
  g_assert_nonnull (r->trace);
  g_assert_true (ds_trace_check (r->trace, NULL));
  /* forward, backward and optimizer on each device, two sends; and a
   * memory sample per device at the start, each forward and each backward */
  {
    guint n_memory = 0;
    for (guint i = 0; i < ds_trace_n_events (r->trace); i++)
      n_memory += ds_trace_event (r->trace, i)->kind == DS_TRACE_MEMORY;
    g_assert_cmpuint (n_memory, ==, 6);
    g_assert_cmpuint (ds_trace_n_events (r->trace) - n_memory, ==, 8);
  }
  assert_near (ds_trace_busy_s (r->trace, "link0-1"), 2 + 2e-5);
}

/* Stage 0 (fast, one device) feeds two replicas of stage 1; its warm-up
 * depth is 2, so three 1 GB activations leave it at once and share its
 * 1 GB/s send link: each takes about 3 s, not 1. The replicas' gradients
 * come back on its receive link, which the sends do not slow. And the
 * period is not the planner's max(1 s link, 2 s / 2 replicas) = 1 s:
 * three minibatches in flight over a round trip of at least 4 s (send,
 * forward, backward, gradient) allow at most 0.75 per second. */
static void
test_shared_send_link (void)
{
  double fwd[2] = { 1e-3, 1 }, bwd[2] = { 1e-3, 1 }, out[2] = { 1e9, 0 };
  guint sizes[2] = { 1, 1 }, replicas[2] = { 1, 2 };
  g_autoptr(DsModel) model = chain (2, fwd, bwd, out, NULL);
  g_autoptr(DsPlan) plan = plan_of (2, sizes, replicas, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (3, 1e9);
  g_autoptr(DsSimResult) r = NULL;
  guint n_first = 0;
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.pipedream_costs = TRUE;          /* no lockstep between the replicas */
  o.record_trace = TRUE;
  r = run (plan, model, c, &o);
  for (guint i = 0; i < ds_trace_n_events (r->trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (r->trace, i);
      if (e->kind == DS_TRACE_SEND && e->stage_idx == 0 && e->microbatch <= 2)
        {
          g_assert_cmpfloat (e->start_s + e->dur_s, >, 2.99);
          g_assert_cmpfloat (e->start_s + e->dur_s, <, 3.01);
          n_first++;
        }
      if (e->kind == DS_TRACE_SEND && e->stage_idx == 1 && e->microbatch <= 1)
        g_assert_cmpfloat (fabs (e->dur_s - 2), <, 1e-2);   /* 2 share the rx link */
    }
  g_assert_cmpuint (n_first, ==, 3);
  g_assert_cmpfloat (r->iteration_s, >=, 4.0 / 3 - 1e-9);
}

/* One stage of 4 replicas (F + B = 3 s): 0.75 s per minibatch. The
 * steady-state window must hold whole routing periods: one of 2.5 periods
 * measured 0.6 s. */
static void
test_1f1b_window (void)
{
  double fwd[1] = { 1 }, bwd[1] = { 2 };
  guint sizes[1] = { 1 }, replicas[1] = { 4 };
  g_autoptr(DsModel) model = chain (1, fwd, bwd, NULL, NULL);
  g_autoptr(DsPlan) plan = plan_of (1, sizes, replicas, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (4, 1e9);
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.free_communication = TRUE;
  for (guint n = 10; n <= 40; n += 10)
    {
      o.n_iterations = n;
      g_autoptr(DsSimResult) r = run (plan, model, c, &o);
      assert_near (r->iteration_s, 0.75);
    }
}

/* 1F1B keeps warm-up + 1 weight versions; a small device runs out. */
static void
test_memory_and_oom (void)
{
  double fwd[2] = { 1, 1 }, bwd[2] = { 2, 2 }, out[2] = { 1000, 1000 };
  double params[2] = { 1e4, 1e4 };
  guint sizes[2] = { 1, 1 };
  g_autoptr(DsModel) model = chain (2, fwd, bwd, out, params);
  g_autoptr(DsPlan) plan = plan_of (2, sizes, NULL, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (2, 1e12);
  g_autoptr(DsSimResult) r = NULL;
  const DsSimWorker *w0;
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.free_communication = TRUE;
  r = run (plan, model, c, &o);
  w0 = &g_array_index (r->workers, DsSimWorker, 0);
  /* W_0 = 1: 2 versions + gradients + momentum = 4 x 1e4; 2 stashed. */
  assert_near (w0->static_bytes, 4e4);
  assert_near (w0->peak_bytes, 4e4 + 2 * 1000);
  g_assert_cmpint (r->oom_worker, ==, -1);
  ds_cluster_device (c)->memory_bytes = 41000;
  g_clear_pointer (&r, ds_sim_result_free);
  r = run (plan, model, c, &o);
  g_assert_cmpint (r->oom_worker, ==, 0);
}

static void
test_recompute (void)
{
  double fwd[2] = { 1, 1 }, bwd[2] = { 2, 2 }, out[2] = { 1000, 10 };
  guint sizes[2] = { 1, 1 };
  g_autoptr(DsModel) model = chain (2, fwd, bwd, out, NULL);
  g_autoptr(DsPlan) plan = plan_of (2, sizes, NULL, 1);
  g_autoptr(DsCluster) c = ds_test_flat_cluster (2, 1e12);
  DsSimOptions o;

  ds_sim_options_init (&o);
  o.free_communication = TRUE;
  o.schedule = DS_SCHEDULE_GPIPE;
  o.recompute = TRUE;
  g_autoptr(DsSimResult) r = run (plan, model, c, &o);
  /* The backward repeats the forward: 1 + 1 + (1 + 2) + (1 + 2). */
  assert_near (r->makespan_s, 8);
  /* Stage 1 keeps its 1000-byte input, then rebuilds its own 10. */
  assert_near (g_array_index (r->workers, DsSimWorker, 1).peak_bytes, 1010);
}

static void
expect_error (const DsPlan *plan, const DsModel *model, const DsCluster *c,
              const DsSimOptions *o, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsSimResult) r = ds_sim_run (plan, model, c, o, &error);

  g_assert_null (r);
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  if (strstr (error->message, fragment) == NULL)
    g_error ("'%s' lacks '%s'", error->message, fragment);
}

static void
test_errors (void)
{
  double fwd[4] = { 1, 1, 1, 1 }, bwd[4] = { 1, 1, 1, 1 };
  guint sizes[3] = { 2, 1, 1 }, replicas[3] = { 2, 1, 1 };
  g_autoptr(DsModel) model = chain (4, fwd, bwd, NULL, NULL);
  g_autoptr(DsPlan) plan = plan_of (3, sizes, replicas, 3);
  g_autoptr(DsCluster) small = ds_test_flat_cluster (3, 1e9);
  g_autoptr(DsCluster) big = ds_test_flat_cluster (8, 1e9);
  DsSimOptions o;

  ds_sim_options_init (&o);
  expect_error (plan, model, small, &o, "more devices than the cluster's 3");
  o.schedule = DS_SCHEDULE_DP;
  expect_error (plan, model, big, &o, "schedule 'dp' runs one stage");
  o.schedule = DS_SCHEDULE_INTERLEAVED;
  o.chunks = 2;
  expect_error (plan, model, big, &o, "not a multiple of 2 chunks");
  o.schedule = DS_SCHEDULE_GPIPE;
  o.n_microbatches = 1u << 23;
  expect_error (plan, model, big, &o, "the run is too large: 3 stages x 8388608 micro-batches");
  o.n_microbatches = 0;
  ds_model_layer (model, 3)->has_times = FALSE;
  expect_error (plan, model, big, &o, "layer 'l3' has no times");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/pipeline/gpipe-bubble", test_gpipe_bubble);
  g_test_add_func ("/sim/pipeline/1f1b-flush", test_1f1b_flush_bubble_and_stash);
  g_test_add_func ("/sim/pipeline/interleaved-bubble", test_interleaved_bubble);
  g_test_add_func ("/sim/pipeline/1f1b-steady-state", test_1f1b_steady_state);
  g_test_add_func ("/sim/pipeline/1f1b-replicas", test_1f1b_replicas);
  g_test_add_func ("/sim/pipeline/1f1b-window", test_1f1b_window);
  g_test_add_func ("/sim/pipeline/2bw-steady-state", test_2bw_steady_state);
  g_test_add_func ("/sim/pipeline/dp-time", test_dp_time);
  g_test_add_func ("/sim/pipeline/one-stage-sum", test_one_stage_sum);
  g_test_add_func ("/sim/pipeline/transfer", test_transfer_on_link);
  g_test_add_func ("/sim/pipeline/shared-send-link", test_shared_send_link);
  g_test_add_func ("/sim/pipeline/memory", test_memory_and_oom);
  g_test_add_func ("/sim/pipeline/recompute", test_recompute);
  g_test_add_func ("/sim/pipeline/errors", test_errors);
  g_test_add_func ("/sim/pipeline/shared-core/two-workers", test_shared_core_two_workers);
  g_test_add_func ("/sim/pipeline/shared-core/replicas", test_shared_core_replicas);
  g_test_add_func ("/sim/pipeline/shared-core/lone-op", test_shared_core_lone_op);
  g_test_add_func ("/sim/pipeline/shared-core/pipeline", test_shared_core_pipeline);
  return g_test_run ();
}
