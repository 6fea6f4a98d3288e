/* tests/test-sim-planner.c - the simulator against the planner's own
 * estimate on PipeDream plans (issue #5).
 *
 * For every single-level row of pipedream/expected/cases.tsv: plan it
 * with the DP as test-pipedream-dp does, turn the result into a DsPlan,
 * and play it under schedule 1f1b on one level of n devices at the case's
 * bandwidth, latency 0, with pipedream_costs (the planner's blocking
 * 4 (r-1)/r x P / B all-reduce, no DDP lockstep). The model the simulator
 * gets is the planner's: removed Input sources and __getitem__ sinks cost
 * nothing (reference pipedream.md 4.1; AlexNet's Input alone is 636 ms),
 * and activations are divided by the compression ratio rho, or zeroed
 * without one: the planner then charges no transfer but still the
 * all-reduces (the simulator's free_transfers does the same; zeroing also
 * makes the boundary figures below the planner's).
 *
 * Per case:
 *   - agreement: the simulated period (iteration_s) is the objective
 *     within 1%, or classify() names why not and checks the figures
 *     behind the reason against bounds computed here and against
 *     oracle_period(), a max-plus player of the reference runtime (8.1,
 *     8.2, 8.4) written from the reference, not from sim/;
 *   - sanity (reference 8.6): with free communication the simulator plays
 *     exactly the oracle, and the period is max_s C_s / r_s within 1e-6
 *     except where 1F1B-RR's routing holds the runtime above it;
 *   - the planner's boundary bytes (antichain Out[]) are the simulator's.
 * The table (case, objective, simulated, ratio, reason) comes last.
 * DS_SIM_PLANNER_TRACE=<case> prints that case's simulated events.
 *
 * Multi-level rows (-n 4 4) are skipped: their objective prices a stage
 * as a level-1 sub-pipeline (4.10) that the flat DsPlan of final stages
 * does not express, and a one-level cluster cannot give their bandwidths.
 * No row uses -s or --use_memory_constraint.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "planner/antichain.h"
#include "planner/pipedream-dp.h"
#include "sim/pipeline.h"
#include "tests/testutil.h"

#define PD "pipedream/"
#define EXP PD "expected/"

typedef struct {
  char *name, *profile, *args;
} Case;

static GPtrArray *cases;           /* Case; NULL without the shared data */

static void
case_free (gpointer p)
{
  Case *c = p;
  g_free (c->name);
  g_free (c->profile);
  g_free (c->args);
  g_free (c);
}

/* The model as the planner sees it (see the top of the file). */
static DsModel *
planner_model (const DsTestProfile *pr, const DsPipedreamOptions *o)
{
  DsModel *m = ds_model_copy (pr->model);

  for (guint l = 0; l < ds_model_n_layers (m); l++)
    {
      DsLayer *layer = ds_model_layer (m, l);
      if (!ds_antichain_dag_is_kept (pr->dag, l, NULL))
        {
          layer->fwd_s = layer->bwd_s = 0;
          layer->out_bytes = layer->param_bytes = 0;
        }
      layer->out_bytes = o->has_compression
                         ? (guint64) llround (layer->out_bytes / o->compression_ratio) : 0;
    }
  return m;
}

/* ---- the plan's figures, computed here, not by the simulator ---- */

typedef struct {
  guint n;              /* stages */
  double bw;
  guint *r, *warmup;    /* replicas; W_s = ceil(later replicas / r_s) (8.1) */
  double *f_s, *b_s;    /* forward and backward of the stage's layers */
  double *c_s;          /* f_s + b_s */
  double *ar_s;         /* 4 (r-1)/r x P / B */
  double *out_sim;      /* boundary after stage t: out_bytes of layers in
                         * stages <= t consumed after t */
  double *out_plan;     /* Out[] of the state that ends stage t, / rho */
} Figures;

static void
figures_clear (Figures *f)
{
  g_free (f->r);
  g_free (f->warmup);
  g_free (f->f_s);
  g_free (f->b_s);
  g_free (f->c_s);
  g_free (f->ar_s);
  g_free (f->out_sim);
  g_free (f->out_plan);
}

static void
figures_init (Figures *f, const DsPlan *plan, const DsModel *m, const DsPipedreamResult *res,
              const DsAntichainDag *dag, const DsPipedreamOptions *o)
{
  guint later = 0;

  f->n = ds_plan_n_stages (plan);
  f->bw = o->levels[0].bandwidth_bytes_per_s;
  f->r = g_new0 (guint, f->n);
  f->warmup = g_new0 (guint, f->n);
  f->f_s = g_new0 (double, f->n);
  f->b_s = g_new0 (double, f->n);
  f->c_s = g_new0 (double, f->n);
  f->ar_s = g_new0 (double, f->n);
  f->out_sim = g_new0 (double, f->n);
  f->out_plan = g_new0 (double, f->n);
  for (guint t = 0; t < f->n; t++)
    {
      const DsPlanStage *st = ds_plan_stage_const (plan, t);
      double p = 0;
      f->r[t] = st->n_replicas;
      for (guint i = 0; i < st->layers->len; i++)
        {
          guint l = g_array_index (st->layers, guint, i);
          const DsLayer *layer = ds_model_layer_const (m, l);
          f->f_s[t] += layer->fwd_s;
          f->b_s[t] += layer->bwd_s;
          p += layer->param_bytes;
        }
      f->c_s[t] = f->f_s[t] + f->b_s[t];
      f->ar_s[t] = 4.0 * (f->r[t] - 1) * p / (f->bw * f->r[t]);
      if (o->has_compression && t + 1 < f->n)
        f->out_plan[t] = ds_antichain_dag_out_bytes
          (dag, g_array_index (res->levels[0], DsPipedreamStage, t).end - 1)
          / o->compression_ratio;
    }
  for (guint t = f->n; t-- > 0; later += f->r[t])
    {
      f->warmup[t] = (later + f->r[t] - 1) / f->r[t];
      g_assert_cmpuint (f->warmup[t], ==, ds_plan_warmup_depth (plan, t));
    }
  ds_sim_boundary_bytes (plan, m, f->out_sim);
}

/* max_s (C_s + AR_s) / r_s: PipeDream 4.6 without its transfer terms. */
static double
compute_bound (const Figures *f, gboolean allreduce)
{
  double b = 0;

  for (guint t = 0; t < f->n; t++)
    b = MAX (b, (f->c_s[t] + (allreduce ? f->ar_s[t] : 0)) / f->r[t]);
  return b;
}

/* PipeDream 4.6's transfer terms: each stage after the first pays
 * 2 Out / (B r) for its input and, unless it is last, for its output. */
static double
transfer_term (const Figures *f)
{
  double cost = 0;

  for (guint t = 1; t < f->n; t++)
    {
      cost = MAX (cost, 2 * f->out_plan[t - 1] / (f->bw * f->r[t]));
      if (t + 1 < f->n)
        cost = MAX (cost, 2 * f->out_plan[t] / (f->bw * f->r[t]));
    }
  return cost;
}

/* A replica of stage s sends (and receives) its output's activation and
 * its input's gradient, out_in + out_out bytes per minibatch, on links of
 * B each way, and takes 1/r_s of the minibatches. */
static double
link_bound (const Figures *f)
{
  double b = 0;

  for (guint s = 0; s < f->n; s++)
    b = MAX (b, ((s > 0 ? f->out_sim[s - 1] : 0) + f->out_sim[s]) / (f->bw * f->r[s]));
  return b;
}

/* Little's law: a replica of stage s holds at most W_s + 1 minibatches
 * between the start of a forward and the end of its backward, and no
 * round trip beats the compute from s to the end and back plus every
 * transfer at the full link rate, so the period is at least
 * RTT_s / (r_s (W_s + 1)). */
static double
little_bound (const Figures *f)
{
  double b = 0;

  for (guint s = 0; s < f->n; s++)
    {
      double rtt = 0;
      for (guint t = s; t < f->n; t++)
        rtt += f->c_s[t] + (t + 1 < f->n ? 2 * f->out_sim[t] / f->bw : 0);
      b = MAX (b, rtt / (f->r[s] * (f->warmup[s] + 1.0)));
    }
  return b;
}

/* ---- an independent player of the reference runtime ---- */

typedef struct {
  guint mb;
  gboolean is_backward;
} Op;

/* Replica q of stage s runs minibatches route[s][i] == q in id order:
 * minibatch i starts on replica i mod r_0, and replica q sends the output
 * of its f-th forward to replica (f + q) mod r_{s+1} (reference 8.4). */
static guint *
route_of (const Figures *f, guint n)
{
  guint *route = g_new (guint, f->n * n);
  g_autofree guint *index = g_new (guint, n);

  for (guint s = 0; s < f->n; s++)
    {
      g_autofree guint *count = g_new0 (guint, f->r[s]);
      for (guint i = 0; i < n; i++)
        {
          guint q = s == 0 ? i % f->r[s] : (index[i] + route[(s - 1) * n + i]) % f->r[s];
          route[s * n + i] = q;
          index[i] = count[q]++;
        }
    }
  return route;
}

/* W forwards, then forward/backward pairs, then W backwards (8.2). */
static GArray *
program_of (const Figures *f, const guint *route, guint n, guint s, guint q)
{
  g_autoptr(GArray) mbs = g_array_new (FALSE, FALSE, sizeof (guint));
  GArray *prog = g_array_new (FALSE, FALSE, sizeof (Op));
  guint w;

  for (guint i = 0; i < n; i++)
    if (route[s * n + i] == q)
      g_array_append_val (mbs, i);
  w = MIN (f->warmup[s], mbs->len);
  for (guint k = 0; k < mbs->len + w; k++)
    {
      if (k < mbs->len)
        g_array_append_val (prog, ((Op) { g_array_index (mbs, guint, k), FALSE }));
      if (k >= w)
        g_array_append_val (prog, ((Op) { g_array_index (mbs, guint, k - w), TRUE }));
    }
  return prog;
}

/* When @op's input reaches stage @s: the activation from s - 1, the
 * gradient from s + 1, or 0 for none; -1 while it has not left. */
static double
input_ready (const Figures *f, guint n, guint s, Op op, const double *fdone,
             const double *bdone, gboolean transfers)
{
  double left;

  if (!op.is_backward && s > 0)
    {
      left = fdone[(s - 1) * n + op.mb];
      return left < 0 ? -1 : left + (transfers ? f->out_sim[s - 1] / f->bw : 0);
    }
  if (op.is_backward && s + 1 < f->n)
    {
      left = bdone[(s + 1) * n + op.mb];
      return left < 0 ? -1 : left + (transfers ? f->out_sim[s] / f->bw : 0);
    }
  return 0;
}

/* PipeDream's runtime (reference 8.1, 8.2, 8.4) as a max-plus recurrence,
 * written from the reference rather than from sim/: every op starts when
 * its replica is done with the previous op and its input is there; a
 * transfer is a pure delay of out / B (@transfers), no link shared; a
 * backward is followed by its blocking all-reduce (@allreduce). That is
 * the simulator's 1f1b under pipedream_costs with a private full-rate
 * link per transfer. Returns the period as pipeline.c measures it, over
 * minibatches [n/4, 3n/4). */
static double
oracle_period (const Figures *f, guint n, gboolean transfers, gboolean allreduce)
{
  g_autofree guint *route = route_of (f, n);
  g_autofree double *fdone = g_new (double, f->n * n);
  g_autofree double *bdone = g_new (double, f->n * n);
  g_autofree double *done = g_new0 (double, n);
  g_autoptr(GPtrArray) progs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr(GArray) who = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree guint *pc = NULL;
  g_autofree double *free_at = NULL;
  gboolean progress = TRUE;

  for (guint i = 0; i < f->n * n; i++)
    fdone[i] = bdone[i] = -1;
  for (guint s = 0; s < f->n; s++)
    for (guint q = 0; q < f->r[s]; q++)
      {
        g_ptr_array_add (progs, program_of (f, route, n, s, q));
        g_array_append_val (who, s);
      }
  pc = g_new0 (guint, progs->len);
  free_at = g_new0 (double, progs->len);
  while (progress)
    {
      progress = FALSE;
      for (guint w = 0; w < progs->len; w++)
        {
          GArray *prog = g_ptr_array_index (progs, w);
          guint s = g_array_index (who, guint, w);
          for (; pc[w] < prog->len; pc[w]++, progress = TRUE)
            {
              Op op = g_array_index (prog, Op, pc[w]);
              double ready = input_ready (f, n, s, op, fdone, bdone, transfers), end;
              if (ready < 0)
                break;
              end = MAX (free_at[w], ready) + (op.is_backward ? f->b_s[s] : f->f_s[s]);
              (op.is_backward ? bdone : fdone)[s * n + op.mb] = end;
              free_at[w] = end + (op.is_backward && allreduce ? f->ar_s[s] : 0);
              done[op.mb] = MAX (done[op.mb], free_at[w]);
            }
        }
    }
  for (guint w = 0; w < progs->len; w++)
    g_assert_cmpuint (pc[w], ==, ((GArray *) g_ptr_array_index (progs, w))->len);
  return (done[3 * n / 4] - done[n / 4]) / (3 * n / 4 - n / 4);
}

/* ---- simulating a case ---- */

static guint
gcd (guint a, guint b)
{
  while (b != 0)
    {
      guint t = a % b;
      a = b;
      b = t;
    }
  return a;
}

/* Minibatches to simulate: a multiple of 4 L, L the lcm of the replica
 * counts (the period of the round-robin routing), so that the window
 * pipeline.c measures, [n/4, 3n/4), spans whole routing periods; and 16
 * times the simulator's default 4 (R + W_0 + 1). With the default count
 * the window can cut a routing period (a stage of 4 replicas alone
 * measures 0.6 C / 3, not C / 4), a replica that waits for minibatches
 * the routing sends it ~30 ids later (4-10-2) is still draining, and
 * links shared max-min fair are off their long-run rate by up to 3%;
 * at 16 times, no case moves by more than 1% when n doubles. */
static guint
n_minibatches (const Figures *f)
{
  guint l = 1, want = 1;

  for (guint t = 0; t < f->n; t++)
    {
      l = l / gcd (l, f->r[t]) * f->r[t];
      want += f->r[t];
    }
  want += f->warmup[0];
  want *= 16;
  return 4 * l * ((want + l - 1) / l);
}

static DsSimResult *
simulate (const DsPlan *plan, const DsModel *m, const DsCluster *c, guint n,
          gboolean free_comm, gboolean record_trace)
{
  g_autoptr(GError) error = NULL;
  DsSimOptions so;
  DsSimResult *r;

  ds_sim_options_init (&so);
  so.schedule = DS_SCHEDULE_1F1B;
  so.pipedream_costs = TRUE;
  so.free_communication = free_comm;
  so.n_iterations = n;
  so.record_trace = record_trace;
  r = ds_sim_run (plan, m, c, &so, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->n_iterations, ==, n);
  return r;
}

static void
print_trace (const DsTrace *trace)
{
  for (guint i = 0; i < ds_trace_n_events (trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (trace, i);
      g_test_message ("  %-10s %-9s stage %d mb %d  %.6f .. %.6f", e->resource,
                      ds_trace_kind_name (e->kind), e->stage_idx, e->microbatch,
                      e->start_s, e->start_s + e->dur_s);
    }
}

/* ---- the verdict ---- */

#define AGREE 0.01          /* issue #5's 1% */
#define SANITY 1e-6         /* reference 8.6 */
#define EXACT 1e-9          /* two players of the same recurrence */
#define SHARED 0.01         /* a window's average under max-min sharing
                             * (see n_minibatches()) */

typedef struct {
  char *name, *plan, *reason;
  double objective_s, sim_s;
} Row;

static GPtrArray *rows;            /* Row, in the order the cases ran */
static struct {
  guint cases, agree, sanity, sanity_routing;
} tally;

static void
row_free (gpointer p)
{
  Row *r = p;
  g_free (r->name);
  g_free (r->plan);
  g_free (r->reason);
  g_free (r);
}

/* Reference 8.6: with free communication the period is max_s C_s / r_s.
 * The simulator must play the reference runtime exactly (the oracle);
 * where 1F1B-RR's routing keeps the runtime from that bound, the bound
 * is a strict lower one and the case is counted apart. */
static void
check_sanity (const Case *c, const Figures *f, double free_s, guint n)
{
  double want = compute_bound (f, FALSE), played = oracle_period (f, n, FALSE, FALSE);

  if (!ds_test_rel_close (free_s, played, EXACT))
    g_error ("%s: free communication: simulated %.9g s, the runtime's recurrence %.9g s",
             c->name, free_s, played);
  if (ds_test_rel_close (free_s, want, SANITY))
    {
      tally.sanity++;
      return;
    }
  if (free_s < want)
    g_error ("%s: free communication: %.9g s, below max C/r = %.9g s", c->name,
             free_s, want);
  tally.sanity_routing++;
  g_test_message ("%s: free communication: %.6f s = %.4f x max C/r (1F1B-RR routing)",
                  c->name, free_s, free_s / want);
}

/* Why the simulated period @sim is not the objective @obj: one or more of
 *   transfers-overcharged: obj is a 4.6 transfer term, 2 Out / (B r) per
 *     boundary and direction, where a full-duplex link carries a middle
 *     stage's Out_in + Out_out once each way and the last stage's Out_in;
 *     the simulator is then faster, but not faster than its own compute
 *     and link bounds;
 *   routing: 1F1B-RR (8.4) makes a replica wait for minibatches the
 *     routing sends it late, so even with free transfers the runtime's
 *     period (the oracle's) is above max (C + AR) / r;
 *   warm-up: transfers take time the W_s + 1 minibatches in flight do not
 *     hide; the oracle with transfers as delays is slower than without
 *     (and with Little's law alone, the objective is below RTT/(r (W+1)));
 *   link-sharing: transfers from one device share its send link (an
 *     activation and a gradient, or fan-out to replicas), so the simulator
 *     is slower than the oracle with a private link per transfer.
 * Each step only slows: oracle(transfers) >= oracle(no transfers) >=
 * compute bound within 1e-6 (the same recurrence with more delay), and
 * the simulator is at least the oracle with transfers, its link bound and
 * Little's bound within 1% (a window's average under max-min sharing).
 * A case that differs by more than 1% with no reason fails. */
static char *
classify (const Case *c, const Figures *f, double obj, double sim, guint n)
{
  double comp = compute_bound (f, TRUE), link = link_bound (f), little = little_bound (f);
  double routed = oracle_period (f, n, FALSE, TRUE), delayed = oracle_period (f, n, TRUE, TRUE);
  GString *why = g_string_new (NULL);

  g_assert_cmpfloat (routed, >=, comp * (1 - SANITY));
  g_assert_cmpfloat (delayed, >=, routed * (1 - SANITY));
  g_assert_cmpfloat (sim, >=, delayed * (1 - SHARED));
  g_assert_cmpfloat (sim, >=, little * (1 - SHARED));
  g_assert_cmpfloat (sim, >=, link * (1 - SHARED));
  if (ds_test_rel_close (sim, obj, AGREE))
    return g_string_free (why, FALSE);
  if (sim < obj)
    {
      g_assert_cmpfloat (obj, >, comp * (1 + AGREE));
      g_assert_true (ds_test_rel_close (obj, transfer_term (f), 1e-12));
      g_string_append_printf (why, "transfers-overcharged (planner %.4f, link bound %.4f, "
                              "compute %.4f)", obj, link, comp);
      return g_string_free (why, FALSE);
    }
  if (routed > comp * (1 + AGREE))
    g_string_append_printf (why, "routing x%.3f ", routed / comp);
  if (delayed > routed * (1 + AGREE))
    {
      g_string_append_printf (why, "warm-up x%.3f ", delayed / routed);
      if (little > obj * (1 + AGREE))
        g_string_append_printf (why, "(Little %.4f) ", little);
    }
  if (sim > delayed * (1 + AGREE))
    g_string_append_printf (why, "link-sharing x%.3f ", sim / delayed);
  if (why->len == 0)
    g_error ("%s: simulated %.6f s, objective %.6f s, and no reason found (compute %.6f, "
             "routed %.6f, delayed %.6f)", c->name, sim, obj, comp, routed, delayed);
  g_string_truncate (why, why->len - 1);
  return g_string_free (why, FALSE);
}

static char *
format_plan (const Figures *f)
{
  GString *s = g_string_new (NULL);

  for (guint t = 0; t < f->n; t++)
    g_string_append_printf (s, "%s%u", t ? "-" : "", f->r[t]);
  return g_string_free (s, FALSE);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  const DsTestProfile *pr = ds_test_pipedream_profile (c->profile);
  const char *trace_case = g_getenv ("DS_SIM_PLANNER_TRACE");
  gboolean trace = g_strcmp0 (trace_case, c->name) == 0;
  DsPipedreamOptions o;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsPipedreamResult) res = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsModel) m = NULL;
  g_autoptr(DsCluster) cl = NULL;
  g_autoptr(DsSimResult) sim = NULL, free_sim = NULL;
  Figures f = { 0 };
  Row *row = g_new0 (Row, 1);
  guint n;

  ds_test_pipedream_args (c->args, &o);
  res = ds_pipedream_solve (pr->dag, &o, &error);
  g_assert_no_error (error);
  plan = ds_pipedream_result_to_plan (res, pr->dag, pr->model, &error);
  g_assert_no_error (error);
  m = planner_model (pr, &o);
  figures_init (&f, plan, m, res, pr->dag, &o);
  /* The planner's boundaries are the simulator's (antichain Out[] equals
   * the outputs consumed downstream, on every shipped case). */
  for (guint t = 0; t + 1 < f.n; t++)
    g_assert_cmpfloat (fabs (f.out_sim[t] - f.out_plan[t]), <=, 0.5);
  n = n_minibatches (&f);
  cl = ds_test_flat_cluster (res->n_machines, f.bw);
  sim = simulate (plan, m, cl, n, FALSE, trace);
  free_sim = simulate (plan, m, cl, n, TRUE, FALSE);
  if (trace)
    print_trace (sim->trace);
  check_sanity (c, &f, free_sim->iteration_s, n);
  /* Without rho, zeroed activations make the transfers free and keep the
   * all-reduces; with no stage replicated, that is free_communication. */
  if (!o.has_compression && ds_plan_n_replicas (plan) == f.n)
    g_assert_true (ds_test_rel_close (sim->iteration_s, free_sim->iteration_s, EXACT));

  row->name = g_strdup (c->name);
  row->plan = format_plan (&f);
  row->objective_s = res->objective_s;
  row->sim_s = sim->iteration_s;
  row->reason = classify (c, &f, res->objective_s, sim->iteration_s, n);
  tally.cases++;
  tally.agree += row->reason[0] == '\0';
  g_test_message ("%s %s: objective %.6f s, simulated %.6f s, ratio %.4f %s", row->name,
                  row->plan, row->objective_s, row->sim_s, row->sim_s / row->objective_s,
                  row->reason);
  g_ptr_array_add (rows, row);
  figures_clear (&f);
}

/* The table of issue #5, after every case that ran. */
static void
test_summary (void)
{
  if (rows == NULL || rows->len == 0)
    {
      g_test_skip ("no case ran");
      return;
    }
  g_test_message ("%-42s %-16s %10s %10s %7s  %s", "case", "replicas", "objective",
                  "simulated", "ratio", "reason");
  for (guint i = 0; i < rows->len; i++)
    {
      const Row *r = g_ptr_array_index (rows, i);
      g_test_message ("%-42s %-16s %10.6f %10.6f %7.4f  %s", r->name, r->plan, r->objective_s,
                      r->sim_s, r->sim_s / r->objective_s,
                      r->reason[0] ? r->reason : "agrees");
    }
  g_test_message ("%u cases: %u agree within 1%%, %u differ; free communication: %u equal "
                  "max C/r, %u above it (1F1B-RR routing)", tally.cases, tally.agree,
                  tally.cases - tally.agree, tally.sanity, tally.sanity_routing);
}

static void
test_shared_skipped (void)
{
  g_free (ds_test_shared (EXP "cases.tsv"));
}

static void
add_cases (void)
{
  const char *root = g_getenv ("DS_SHARED_DATA");
  g_autofree char *path = root ? g_build_filename (root, EXP "cases.tsv", NULL) : NULL;
  g_autoptr(GPtrArray) table = NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_add_func ("/sim/planner/agreement", test_shared_skipped);
      return;
    }
  cases = g_ptr_array_new_with_free_func (case_free);
  rows = g_ptr_array_new_with_free_func (row_free);
  table = ds_test_read_tsv (path);
  for (guint i = 0; i < table->len; i++)
    {
      char **r = g_ptr_array_index (table, i);
      DsPipedreamOptions o;
      Case *c;
      g_autofree char *name = NULL;

      ds_test_pipedream_args (r[2], &o);
      if (o.n_levels != 1)
        continue;
      c = g_new0 (Case, 1);
      c->name = g_strdup (r[0]);
      c->profile = g_strdup (r[1]);
      c->args = g_strdup (r[2]);
      g_ptr_array_add (cases, c);
      name = g_strdup_printf ("/sim/planner/agreement/%s", c->name);
      g_test_add_data_func (name, c, test_case);
    }
  /* GTest runs a suite's own cases before its sub-suites: the table
   * lives in a suite of its own, created after "agreement". */
  g_test_add_func ("/sim/planner/summary/table", test_summary);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  add_cases ();
  rc = g_test_run ();
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&cases, g_ptr_array_unref);
  ds_test_pipedream_profiles_clear ();
  return rc;
}
