/* sim/pipeline.c - play a schedule's programs on the engine.
 *
 * Three parts: pricing (the plan's stages turned into per-micro-batch
 * times and bytes, the cost model of pipeline.h), the players (event
 * handlers: a worker's compute stream, its communication stream, the
 * transfers between stages), and the summary (iteration time, bubble,
 * bytes per level, memory).
 *
 * Invariants the handlers keep: a worker's compute stream runs at most
 * one op at a time, in program order (pc only grows); an op starts only
 * when its input has arrived (ready[]); an optimizer step starts only
 * when the worker has no all-reduce pending. A run that ends with a
 * worker short of its program's end is a deadlock, reported as an error
 * naming the op it waits in, never a silent result.
 */
#include "config.h"

#include "sim/pipeline.h"
#include "core/error.h"
#include "hwmodels/cost.h"
#include "sim/engine.h"
#include "sim/link.h"
#include "core/programs.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_BUCKET_BYTES (25.0 * 1024 * 1024)   /* PyTorch DDP's */
#define MAX_DEFAULT_MINIBATCHES 4096                /* 1f1b's default run */
#define MAX_STAGE_MICROBATCHES (1u << 24)           /* stages x micro-batches */
/* Work on a shared core is a flow of nanoseconds at 1e9 per second, so
 * link.c's residue (1e-6 of a unit) is 1e-15 s, well under a test's
 * tolerance; in seconds it would be a microsecond. */
#define CORE_WORK_PER_S 1e9

typedef struct {
  double fwd_s, bwd_s;        /* one micro-batch on one worker */
  double act_bytes;           /* stashed per micro-batch, per device */
  double in_bytes;            /* its input, per micro-batch (recompute) */
  double out_bytes;           /* to the next stage, per transfer */
  double out_copies;          /* transfers the one simulated stands for */
  double param_bytes;         /* per device */
  double unfused_fwd_s;       /* --no-fusion: in fwd_s, per micro-batch */
  double unfused_opt_s;       /* --no-fusion: added to its optimizer step */
  double allreduce_s;         /* the whole stage's gradients, once */
  double allreduce_wire;      /* bytes all its devices send for it */
  gint allreduce_level;
  double tp_wire;             /* tensor-parallel bytes per micro-batch, fwd */
  gint tp_level;
  guint n_replicas;
  guint first_worker;         /* 1f1b: its replicas' workers follow */
  guint *arrivals;            /* 1f1b: all-reduce barrier, per sequence */
} Stage;

typedef struct _Sim Sim;

typedef struct {
  Sim *sim;
  guint idx, rank;
  GArray *program;
  guint pc;
  gboolean busy;              /* the compute stream runs an op */
  gboolean blocked;           /* ... which is a blocking all-reduce */
  double op_start_s;
  guint pending_ar;           /* issued, not finished */
  guint n_ar_total;           /* in its program (1f1b barrier) */
  double comm_free_s;         /* the communication stream is busy until */
  double optimizer_s;         /* one step */
  guint *links;               /* per level: send link, receive link
                               * (network indices, G_MAXUINT until used) */
  guint *cores;               /* shared processors: the core of each of its
                               * devices (links of Sim.cores), else NULL */
  guint n_cores;
  double act_bytes, peak_act; /* stashed activations now, and their peak */
  DsSimWorker *out;
} Worker;

typedef struct {
  Sim *sim;
  guint key;                  /* (stage x n_mb + mb) x 2 + is_gradient */
  guint from, to;             /* workers */
  double start_s;
  double bytes;
  gint level;                 /* the cluster level joining the two */
} Transfer;

struct _Sim {
  const DsSimOptions *options;
  const DsPlan *plan;
  gboolean pd_allreduce, lockstep, latency, optimizer;   /* see the options */
  const DsCluster *cluster;
  DsPrograms *progs;
  DsEngine *engine;
  DsNetwork *net;
  DsNetwork *cores;           /* shared processors, else NULL */
  Stage *stages;
  Worker *workers;
  GPtrArray *transfers;       /* every Transfer allocated (owned) */
  GPtrArray *spare;           /* those not in flight */
  guint8 *ready;              /* indexed by key */
  double *iter_done_s;
  double *bytes_per_level;
  guint n_levels;
  DsTrace *trace;
};

enum { ACTIVATION = 0, GRADIENT = 1 };

static guint
key_of (const Sim *s, guint stage, guint mb, guint what)
{
  return (stage * s->progs->n_microbatches + mb) * 2 + what;
}

/* ---- pricing ---- */

static const DsClusterLevel *
level_of (const DsCluster *cluster, gint level)
{
  return ds_cluster_level (cluster, level < 0 ? 0 : (guint) level);
}

/* A ring all-reduce of @bytes per device over @n devices at @level. */
static double
ring_s (const Sim *s, guint n, double bytes, gint level)
{
  const DsClusterLevel *l;

  if (n <= 1 || level < 0 || s->options->free_communication)
    return 0;
  l = level_of (s->cluster, level);
  return ds_hw_collective_time_s (DS_HW_ALLREDUCE_RING, n, bytes, l->bw_bytes_per_s,
                                  s->latency ? l->latency_s : 0);
}

/* The device ranks of each stage's replicas: the plan's, else consecutive
 * blocks of replicas x t devices in stage order (the first p stages under
 * interleaved, whose later chunks reuse them). */
static gboolean
place_stages (Sim *s, const DsPlan *plan, guint t, guint *first_rank, GError **error)
{
  guint n_dev = ds_cluster_n_devices (s->cluster), n_stages = ds_plan_n_stages (plan);
  guint p = s->progs->n_workers, next = 0;
  gboolean interleaved = s->progs->schedule == DS_SCHEDULE_INTERLEAVED;

  for (guint g = 0; g < n_stages; g++)
    {
      const DsPlanStage *st = ds_plan_stage_const (plan, g);
      guint64 need = (guint64) st->n_replicas * t;

      if (interleaved && g >= p)
        {
          if (st->n_replicas != ds_plan_stage_const (plan, g % p)->n_replicas)
            return ds_fail (error, DS_ERROR_INVALID, "interleaved: stage %u has %u replicas "
                            "but runs on the devices of stage %u, which has %u", g,
                            st->n_replicas, g % p,
                            ds_plan_stage_const (plan, g % p)->n_replicas);
          first_rank[g] = first_rank[g % p];
          continue;
        }
      if (st->ranks->len > 0)
        {
          for (guint q = 0; q < st->ranks->len; q++)
            if ((guint64) g_array_index (st->ranks, guint, q) + t > n_dev)
              return ds_fail (error, DS_ERROR_INVALID, "stage %u: rank %u (with %u "
                              "tensor-parallel devices) is outside the cluster's %u devices",
                              g, g_array_index (st->ranks, guint, q), t, n_dev);
          first_rank[g] = g_array_index (st->ranks, guint, 0);
          continue;
        }
      if (next + need > n_dev)
        return ds_fail (error, DS_ERROR_INVALID, "the plan needs more devices than the "
                        "cluster's %u: stage %u alone takes %" G_GUINT64_FORMAT
                        " (%u replicas x %u tensor-parallel)", n_dev, g, need,
                        st->n_replicas, t);
      first_rank[g] = next;
      next += (guint) need;
    }
  return TRUE;
}

static guint
replica_rank (const DsPlan *plan, guint g, guint q, guint first, guint t)
{
  const DsPlanStage *st = ds_plan_stage_const (plan, g);

  return st->ranks->len > 0 ? g_array_index (st->ranks, guint, q) : first + q * t;
}

/* Bytes a layer's forward leaves for its backward: its output, except
 * for an in-place ReLU (torchvision's and Megatron's), whose output is
 * its input's storage, already counted; attribute inplace=false says
 * otherwise. */
static double
stash_bytes (const DsLayer *layer)
{
  const char *inplace = g_hash_table_lookup (layer->attrs, "inplace");

  if (strcmp (layer->kind, "relu") == 0 && g_strcmp0 (inplace, "false") != 0)
    return 0;
  return (double) layer->out_bytes;
}

static gboolean
is_tensor_split (const char *kind)
{
  return strcmp (kind, "attention") == 0 || strcmp (kind, "mlp") == 0;
}

void
ds_sim_boundary_bytes (const DsPlan *plan, const DsModel *model, double *out)
{
  guint n_stages = ds_plan_n_stages (plan), n_layers = ds_model_n_layers (model);
  g_autofree guint *stage_of = g_new0 (guint, n_layers);
  g_autofree guint *last_use = g_new0 (guint, n_layers);

  memset (out, 0, n_stages * sizeof (double));
  for (guint g = 0; g < n_stages; g++)
    {
      const DsPlanStage *st = ds_plan_stage_const (plan, g);
      for (guint i = 0; i < st->layers->len; i++)
        stage_of[g_array_index (st->layers, guint, i)] =
          last_use[g_array_index (st->layers, guint, i)] = g;
    }
  for (guint e = 0; e < ds_model_n_edges (model); e++)
    {
      guint a, b;
      ds_model_edge (model, e, &a, &b);
      last_use[a] = MAX (last_use[a], stage_of[b]);
    }
  for (guint l = 0; l < n_layers; l++)
    for (guint g = stage_of[l]; g < last_use[l]; g++)
      out[g] += ds_model_layer_const (model, l)->out_bytes;
}

/* The cores of the devices @w stands for (all of the stage's replicas
 * under the synchronous schedules, else its own), t devices each; a core
 * hosting two of them is listed twice (sim/link.h). */
static void
place_on_cores (Sim *s, Worker *w, guint g, guint first, guint t)
{
  gboolean sync = ds_schedule_is_synchronous (s->options->schedule);
  guint r = sync ? s->stages[g].n_replicas : 1;
  guint q0 = sync ? 0 : s->progs->worker_replica[w->idx];

  w->n_cores = r * t;
  w->cores = g_new (guint, w->n_cores);
  for (guint q = 0; q < r; q++)
    for (guint j = 0; j < t; j++)
      w->cores[q * t + j] = (replica_rank (s->plan, g, q0 + q, first, t) + j)
                            % s->options->n_cores;
}

/* The unfused_* options' extra for layer @l (pipeline.h): bytes at the
 * device's memory bandwidth, launches at launch_s. The forward's bytes
 * split like the layer's times; each device launches every kernel. */
static void
price_unfused (const Sim *s, Stage *sg, guint l, double split, guint t)
{
  const DsSimOptions *o = s->options;
  double bw = ds_cluster_device_const (s->cluster)->mem_bw_bytes_per_s;

  if (o->unfused_fwd_bytes != NULL)
    sg->unfused_fwd_s += o->unfused_fwd_bytes[l] / split / bw
                         + o->unfused_fwd_launches[l] * o->launch_s;
  if (o->unfused_opt_bytes != NULL)
    sg->unfused_opt_s += o->unfused_opt_bytes[l] / t / bw
                         + o->unfused_opt_launches[l] * o->launch_s;
}

/* Per-stage sums over layers, and the bytes crossing each boundary. */
static gboolean
price_stages (Sim *s, const DsPlan *plan, const DsModel *model, GError **error)
{
  const DsSimOptions *o = s->options;
  guint n_stages = ds_plan_n_stages (plan);
  guint m = s->progs->per_iteration, t = MAX (o->tensor_parallel, 1);
  gboolean sync = ds_schedule_is_synchronous (o->schedule);
  g_autofree guint *first_rank = g_new (guint, n_stages);
  g_autofree double *boundary = g_new0 (double, n_stages);
  g_autofree double *tp_bytes = g_new0 (double, n_stages);

  if (!place_stages (s, plan, t, first_rank, error))
    return FALSE;
  for (guint g = 0; g < n_stages; g++)
    {
      const DsPlanStage *st = ds_plan_stage_const (plan, g);
      Stage *sg = &s->stages[g];
      double split = m * (sync ? st->n_replicas : 1) * (double) t;

      sg->n_replicas = st->n_replicas;
      for (guint i = 0; i < st->layers->len; i++)
        {
          guint l = g_array_index (st->layers, guint, i);
          const DsLayer *layer = ds_model_layer_const (model, l);
          if (!layer->has_times)
            return ds_fail (error, DS_ERROR_INVALID, "layer '%s' has no times: price the "
                            "model on a device first (--device)", layer->name);
          sg->fwd_s += layer->fwd_s / split;
          price_unfused (s, sg, l, split, t);
          sg->bwd_s += layer->bwd_s / split;
          sg->act_bytes += stash_bytes (layer) / split;
          sg->param_bytes += layer->param_bytes / (double) t;
          if (t > 1 && is_tensor_split (layer->kind))
            tp_bytes[g] += layer->out_bytes / (m * (sync ? st->n_replicas : 1.0));
        }
    }
  ds_sim_boundary_bytes (plan, model, boundary);
  for (guint g = 0; g < n_stages; g++)
    {
      Stage *sg = &s->stages[g];
      guint r = sg->n_replicas;
      gint level = -1;

      for (guint q = 1; q < r; q++)
        level = MAX (level, ds_cluster_link_level (s->cluster, first_rank[g],
                                                   replica_rank (plan, g % s->progs->n_workers,
                                                                 q, first_rank[g], t)));
      sg->allreduce_level = level;
      sg->allreduce_s = ring_s (s, r, sg->param_bytes, level);
      if (o->parameter_server && o->schedule == DS_SCHEDULE_DP && !o->free_communication)
        sg->allreduce_s = ds_hw_ps_exchange_time_s (s->cluster, sg->param_bytes);
      else if (s->pd_allreduce && level >= 0 && !o->free_communication)
        sg->allreduce_s = 4.0 * (r - 1) * sg->param_bytes
                          / (level_of (s->cluster, level)->bw_bytes_per_s * r);
      sg->allreduce_wire = 2.0 * (r - 1) * sg->param_bytes * t;
      sg->tp_level = t > 1 ? ds_cluster_link_level (s->cluster, first_rank[g],
                                                    first_rank[g] + t - 1) : -1;
      sg->tp_wire = 2.0 * (t - 1) * tp_bytes[g] * (sync ? r : 1);
      sg->fwd_s += sg->unfused_fwd_s;
      if (t > 1)
        {
          double tp_s = ring_s (s, t, tp_bytes[g], sg->tp_level);
          sg->fwd_s += tp_s;
          sg->bwd_s += tp_s;
        }
      if (g + 1 < n_stages)
        {
          guint r2 = s->stages[g + 1].n_replicas;
          double copies = sync ? MIN (r, r2) : 1;
          sg->out_bytes = boundary[g] / (sync ? m : 1) / copies / t;
          sg->out_copies = copies * t;
        }
      if (g > 0)
        sg->in_bytes = boundary[g - 1] / (sync ? m * (double) r : 1) / t;
    }
  /* Workers: their ranks (and cores) and what the 1f1b barrier needs. */
  for (guint w = 0; w < s->progs->n_workers; w++)
    {
      guint g = s->progs->worker_stage[w];
      s->workers[w].rank = replica_rank (plan, g, s->progs->worker_replica[w], first_rank[g], t);
      if (s->cores != NULL)
        place_on_cores (s, &s->workers[w], g, first_rank[g], t);
    }
  if (!sync)
    for (guint g = 0, first = 0; g < n_stages; first += s->stages[g].n_replicas, g++)
      {
        s->stages[g].first_worker = first;
        s->stages[g].arrivals = g_new0 (guint, s->progs->n_microbatches + 1);
      }
  return TRUE;
}

/* The compute time @w's program spends on unfused_* work, per iteration:
 * its forwards, their recomputation and its optimizer steps. */
static double
unfused_per_iteration (const Sim *s, const Worker *w, double opt_s)
{
  double sum = 0;

  for (guint i = 0; i < w->program->len; i++)
    {
      const DsOp *op = &g_array_index (w->program, DsOp, i);
      const Stage *st = &s->stages[op->stage];
      if (op->kind == DS_OP_FORWARD)
        sum += st->unfused_fwd_s;
      else if (op->kind == DS_OP_BACKWARD && s->options->recompute)
        sum += st->unfused_fwd_s / op->n_parts;
      else if (op->kind == DS_OP_OPTIMIZER && s->optimizer)
        sum += opt_s;
    }
  return sum / s->progs->n_iterations;
}

/* Parameters, their versions, gradients and optimizer state per worker;
 * the optimizer step at the device's memory bandwidth. */
static void
price_workers (Sim *s, const DsPlan *plan)
{
  const DsSimOptions *o = s->options;
  const DsDevice *dev = ds_cluster_device_const (s->cluster);
  guint t = MAX (o->tensor_parallel, 1);

  for (guint w = 0; w < s->progs->n_workers; w++)
    {
      Worker *wk = &s->workers[w];
      DsSimWorker *out = wk->out;
      double params = 0, versions = 1, unfused_opt = 0;

      for (guint g = s->progs->worker_stage[w]; g < s->progs->n_stages;
           g += s->progs->n_workers)
        {
          params += s->stages[g].param_bytes;
          unfused_opt += s->stages[g].unfused_opt_s;
          if (!ds_schedule_is_synchronous (o->schedule))
            break;
        }
      if (o->schedule == DS_SCHEDULE_1F1B)
        versions = s->progs->warmup[w] + 1;
      else if (o->schedule == DS_SCHEDULE_2BW)
        versions = 2;
      out->rank = wk->rank;
      out->first_stage = s->progs->worker_stage[w];
      out->replica = s->progs->worker_replica[w];
      out->n_devices = t * (ds_schedule_is_synchronous (o->schedule)
                            ? ds_plan_stage_const (plan, out->first_stage)->n_replicas : 1);
      out->static_bytes = params * (versions + 1 + o->optimizer_state_factor);
      out->peak_bytes = out->static_bytes;
      /* SGD-like: read weights, gradients and state, write weights and
       * state, zero the gradients; stashing first copies the weights */
      if (dev->mem_bw_bytes_per_s > 0 && s->optimizer)
        wk->optimizer_s = params * (4 + 2 * o->optimizer_state_factor + (versions > 1 ? 2 : 0))
                          / dev->mem_bw_bytes_per_s + unfused_opt;
      for (guint i = 0; i < wk->program->len; i++)
        wk->n_ar_total += g_array_index (wk->program, DsOp, i).kind == DS_OP_ALLREDUCE;
      out->unfused_s = unfused_per_iteration (s, wk, unfused_opt);
    }
}

/* ---- tracing ---- */

static void
trace_op (Sim *s, const char *prefix, guint rank, DsTraceKind kind, const DsOp *op,
          double start_s, double dur_s)
{
  char name[32];
  DsTraceEvent *e;

  g_snprintf (name, sizeof name, "%s%u", prefix, rank);
  e = ds_trace_append (s->trace, name, kind, start_s, dur_s);
  e->stage_idx = (gint) op->stage;
  e->microbatch = op->kind == DS_OP_OPTIMIZER ? -1 : (gint) op->microbatch;
}

/* ---- the players ---- */

static void try_start (Sim *s, Worker *w);

static void
note_done (Sim *s, guint mb, double now_s)
{
  guint k = mb / s->progs->per_iteration;

  s->iter_done_s[k] = MAX (s->iter_done_s[k], now_s);
}

/* The worker's memory now, as a counter sample in the trace. */
static void
trace_memory (Sim *s, const Worker *w)
{
  char name[32];
  DsTraceEvent *e;

  if (s->trace == NULL)
    return;
  g_snprintf (name, sizeof name, "gpu%u", w->rank);
  e = ds_trace_append (s->trace, name, DS_TRACE_MEMORY, ds_engine_now_s (s->engine), 0);
  e->bytes = (guint64) (w->out->static_bytes + MAX (w->act_bytes, 0));
}

static void
change_stash (Sim *s, Worker *w, double bytes)
{
  w->act_bytes += bytes;
  w->peak_act = MAX (w->peak_act, w->act_bytes);
  trace_memory (s, w);
}

static void
arrive (Sim *s, guint key, guint to)
{
  s->ready[key] = 1;
  try_start (s, &s->workers[to]);
}

static void
flow_done (DsNetwork *net, DsFlowId flow, gpointer data)
{
  Transfer *tr = data;
  Sim *s = tr->sim;
  double now = ds_engine_now_s (s->engine);

  (void) net, (void) flow;
  if (s->trace != NULL)
    {
      guint a = MIN (s->workers[tr->from].rank, s->workers[tr->to].rank);
      guint b = MAX (s->workers[tr->from].rank, s->workers[tr->to].rank);
      guint dest = tr->key / 2 / s->progs->n_microbatches;
      char name[48];
      DsTraceEvent *e;

      g_snprintf (name, sizeof name, "link%u-%u", a, b);
      e = ds_trace_append (s->trace, name, DS_TRACE_SEND, tr->start_s, now - tr->start_s);
      e->stage_idx = (gint) (tr->key % 2 == ACTIVATION ? dest - 1 : dest + 1);
      e->microbatch = (gint) (tr->key / 2 % s->progs->n_microbatches);
      e->bytes = (guint64) tr->bytes;
      ds_trace_event_set_attr (e, "what", tr->key % 2 == ACTIVATION ? "activation" : "gradient");
    }
  g_ptr_array_add (s->spare, tr);
  arrive (s, tr->key, tr->to);
}

static guint
device_link (Sim *s, Worker *w, gint level, guint direction)
{
  guint *link = &w->links[2 * level + direction];

  if (*link == G_MAXUINT)
    *link = ds_network_add_link (s->net, level_of (s->cluster, level)->bw_bytes_per_s);
  return *link;
}

static void
start_flow (Sim *s, Transfer *tr)
{
  guint links[2] = { device_link (s, &s->workers[tr->from], tr->level, 0),
                     device_link (s, &s->workers[tr->to], tr->level, 1) };

  ds_network_start_flow (s->net, links, 2, tr->bytes, flow_done, tr);
}

static double
latency_over (DsEngine *engine, DsEventId id, gpointer data)
{
  Transfer *tr = data;

  (void) engine, (void) id;
  start_flow (tr->sim, tr);
  return DS_EVENT_DONE;
}

/* The activation (or gradient) of @stage on @mb leaves worker @from for
 * the worker that runs the next (previous) stage on it. */
static void
send (Sim *s, Worker *from, guint stage, guint mb, guint what)
{
  guint next = what == ACTIVATION ? stage + 1 : stage - 1;
  guint to = ds_programs_route (s->progs, next, mb);
  guint key = key_of (s, next, mb, what);
  const Stage *b = &s->stages[what == ACTIVATION ? stage : stage - 1];
  gint level;
  Transfer *tr;

  if (to == from->idx || s->workers[to].rank == from->rank || s->options->free_communication
      || s->options->free_transfers || b->out_bytes <= 0)
    {
      arrive (s, key, to);
      return;
    }
  level = ds_cluster_link_level (s->cluster, from->rank, s->workers[to].rank);
  s->bytes_per_level[level] += b->out_bytes * b->out_copies;
  if (s->spare->len > 0)
    tr = g_ptr_array_steal_index_fast (s->spare, s->spare->len - 1);
  else
    g_ptr_array_add (s->transfers, tr = g_new (Transfer, 1));
  *tr = (Transfer) { s, key, from->idx, to, ds_engine_now_s (s->engine), b->out_bytes, level };
  if (level_of (s->cluster, level)->latency_s > 0 && s->latency)
    ds_engine_schedule (s->engine, level_of (s->cluster, level)->latency_s, latency_over,
                        tr, NULL);
  else
    start_flow (s, tr);
}

/* The op at @w's pc is done: account, send what it made, go on. */
static void
finish_compute (Worker *w)
{
  Sim *s = w->sim;
  const DsOp op = g_array_index (w->program, DsOp, w->pc);
  const Stage *st = &s->stages[op.stage];
  double now = ds_engine_now_s (s->engine);

  w->out->busy_s += now - w->op_start_s;
  if (s->trace != NULL)
    trace_op (s, "gpu", w->rank, op.kind == DS_OP_FORWARD ? DS_TRACE_FORWARD
              : op.kind == DS_OP_BACKWARD ? DS_TRACE_BACKWARD : DS_TRACE_OPTIMIZER,
              &op, w->op_start_s, now - w->op_start_s);
  w->pc++;
  w->busy = FALSE;
  note_done (s, op.microbatch, now);
  if (st->tp_level >= 0 && op.kind != DS_OP_OPTIMIZER)
    s->bytes_per_level[st->tp_level] += st->tp_wire / op.n_parts;
  if (op.kind == DS_OP_FORWARD && op.stage + 1 < s->progs->n_stages)
    send (s, w, op.stage, op.microbatch, ACTIVATION);
  if (op.kind == DS_OP_BACKWARD && op.part + 1 == op.n_parts)
    {
      change_stash (s, w, -(st->act_bytes + (s->options->recompute ? st->in_bytes : 0)));
      if (op.stage > 0)
        send (s, w, op.stage, op.microbatch, GRADIENT);
    }
  try_start (s, w);
}

static double
compute_done (DsEngine *engine, DsEventId id, gpointer data)
{
  (void) engine, (void) id;
  finish_compute (data);
  return DS_EVENT_DONE;
}

static void
core_work_done (DsNetwork *net, DsFlowId flow, gpointer data)
{
  (void) net, (void) flow;
  finish_compute (data);
}

/* @dur_s of work alone: on a shared core a flow of it at the core's fair
 * share, else that long. */
static void
run_compute (Sim *s, Worker *w, double dur_s)
{
  w->busy = TRUE;
  w->op_start_s = ds_engine_now_s (s->engine);
  if (w->cores != NULL && dur_s > 0)
    ds_network_start_flow (s->cores, w->cores, w->n_cores, dur_s * CORE_WORK_PER_S,
                           core_work_done, w);
  else
    ds_engine_schedule (s->engine, dur_s, compute_done, w, NULL);
}

static double
allreduce_done (DsEngine *engine, DsEventId id, gpointer data)
{
  Worker *w = data;

  (void) engine, (void) id;
  w->pending_ar--;
  if (w->blocked)
    {
      w->blocked = w->busy = FALSE;
      w->pc++;
    }
  try_start (w->sim, w);
  return DS_EVENT_DONE;
}

/* Occupies the communication streams of @members from when all are free
 * (and no earlier than now) for @dur_s. */
static void
run_allreduce (Sim *s, Worker **members, guint n, const DsOp *op, double dur_s)
{
  double now = ds_engine_now_s (s->engine), start = now;

  for (guint i = 0; i < n; i++)
    start = MAX (start, members[i]->comm_free_s);
  for (guint i = 0; i < n; i++)
    {
      Worker *w = members[i];
      w->comm_free_s = start + dur_s;
      w->out->comm_busy_s += dur_s;
      if (s->trace != NULL)
        trace_op (s, "comm", w->rank, DS_TRACE_ALLREDUCE, op, start, dur_s);
      ds_engine_schedule (s->engine, start + dur_s - now, allreduce_done, w, NULL);
    }
}

/* An all-reduce reaches the front of @w's program. Under the synchronous
 * schedules the worker stands for all replicas, so it runs at once (on
 * the comm stream); under 1f1b it is a barrier, as DDP's collectives are:
 * the replicas that have a seq-th all-reduce run it together once the
 * last of them arrives. PipeDream's planner has no barrier (each replica
 * just pays the time), nor has the option no_lockstep. */
static void
issue_allreduce (Sim *s, Worker *w, const DsOp *op)
{
  Stage *st = &s->stages[op->stage];
  double dur = st->allreduce_s / op->n_parts;

  w->pending_ar++;
  if (s->options->blocking_allreduce || s->pd_allreduce)
    w->busy = w->blocked = TRUE;
  if (st->allreduce_level >= 0)
    s->bytes_per_level[st->allreduce_level] += st->allreduce_wire / op->n_parts
                                               / (st->arrivals != NULL ? st->n_replicas : 1);
  if (st->arrivals == NULL || !s->lockstep)
    {
      run_allreduce (s, &w, 1, op, dur);
      return;
    }
  st->arrivals[op->group_seq]++;
  {
    g_autofree Worker **members = g_new (Worker *, st->n_replicas);
    guint n = 0, expected = 0;
    for (guint q = 0; q < st->n_replicas; q++)
      {
        Worker *m = &s->workers[st->first_worker + q];
        if (m->n_ar_total > op->group_seq)
          members[expected++] = m;
      }
    if (st->arrivals[op->group_seq] < expected)
      return;
    n = expected;
    run_allreduce (s, members, n, op, dur);
  }
}

/* Starts what the worker can: all-reduces are issued and passed, a
 * compute op starts when its input is there, then the worker waits for
 * its completion (or for the input, whose arrival calls this again). */
static void
try_start (Sim *s, Worker *w)
{
  while (!w->busy && w->pc < w->program->len)
    {
      const DsOp *op = &g_array_index (w->program, DsOp, w->pc);
      const Stage *st = &s->stages[op->stage];

      switch ((DsOpKind) op->kind)
        {
        case DS_OP_FORWARD:
          if (op->stage > 0 && !s->ready[key_of (s, op->stage, op->microbatch, ACTIVATION)])
            return;
          change_stash (s, w, s->options->recompute ? st->in_bytes : st->act_bytes);
          run_compute (s, w, st->fwd_s);
          return;
        case DS_OP_BACKWARD:
          if (op->part == 0 && op->stage + 1 < s->progs->n_stages
              && !s->ready[key_of (s, op->stage, op->microbatch, GRADIENT)])
            return;
          if (s->options->recompute && op->part == 0)
            change_stash (s, w, st->act_bytes);
          run_compute (s, w, (st->bwd_s + (s->options->recompute ? st->fwd_s : 0))
                       / op->n_parts);
          return;
        case DS_OP_ALLREDUCE:
          issue_allreduce (s, w, op);
          if (!w->busy)
            w->pc++;
          break;
        case DS_OP_OPTIMIZER:
          if (w->pending_ar > 0)
            return;
          run_compute (s, w, w->optimizer_s);
          return;
        }
    }
}

/* ---- summary ---- */

/* The lcm of the stages' replica counts, or 0 when it exceeds @cap. */
static guint
replica_lcm (const DsPlan *plan, guint cap)
{
  guint l = 1;

  for (guint g = 0; g < ds_plan_n_stages (plan); g++)
    {
      guint r = ds_plan_stage_const (plan, g)->n_replicas, a = l, b = r;
      while (b != 0)
        {
          guint t = a % b;
          a = b;
          b = t;
        }
      l = l / a * r;
      if (l > cap)
        return 0;
    }
  return l;
}

/* 1f1b's round-robin routing repeats every lcm of the replica counts
 * minibatches (1 under the other schedules, or when it exceeds @cap). */
static guint
routing_period (const Sim *s, guint cap)
{
  guint l = s->options->schedule == DS_SCHEDULE_1F1B ? replica_lcm (s->plan, cap) : 1;

  return l > 0 ? l : 1;
}

/* Time per iteration: the makespan for one iteration; else the period
 * over the middle half (the first quarter fills the pipeline, the last
 * drains it, and both run faster or slower than the steady state), cut to
 * a whole number of routing periods (a window of 2.5 periods of a
 * 4-replica stage measured 0.6 s for 0.75). */
static double
iteration_time (const Sim *s, double makespan)
{
  guint n = s->progs->n_iterations, h, e, l;

  if (n == 1)
    return makespan;
  h = n >= 4 ? n / 4 : 0;
  e = n >= 4 ? (3 * n) / 4 : n - 1;
  if (e <= h)
    e = h + 1;
  l = routing_period (s, e - h);
  e = h + (e - h) / l * l;
  return (s->iter_done_s[e] - s->iter_done_s[h]) / (e - h);
}

static gboolean
check_finished (const Sim *s, GError **error)
{
  for (guint w = 0; w < s->progs->n_workers; w++)
    {
      const Worker *wk = &s->workers[w];
      if (wk->pc < wk->program->len)
        {
          const DsOp *op = &g_array_index (wk->program, DsOp, wk->pc);
          return ds_fail (error, DS_ERROR_INVALID, "the schedule deadlocked: worker %u "
                          "(gpu%u) waits in op %u of %u (stage %u, micro-batch %u)",
                          w, wk->rank, wk->pc, wk->program->len, op->stage, op->microbatch);
        }
    }
  return TRUE;
}

static void
summarise (Sim *s, DsSimResult *r, const DsModel *model)
{
  double busy = 0, makespan = ds_engine_now_s (s->engine);
  guint batch = ds_model_get_batch_size (model);
  const DsDevice *dev = ds_cluster_device_const (s->cluster);

  r->makespan_s = makespan;
  r->iteration_s = iteration_time (s, makespan);
  r->samples_per_s = batch > 0 && r->iteration_s > 0 ? batch / r->iteration_s : 0;
  r->capacity_bytes = (double) dev->memory_bytes;
  r->oom_worker = -1;
  for (guint w = 0; w < s->progs->n_workers; w++)
    {
      DsSimWorker *out = s->workers[w].out;
      busy += out->busy_s;
      out->peak_bytes = out->static_bytes + s->workers[w].peak_act;
      if (r->oom_worker < 0 && r->capacity_bytes > 0 && out->peak_bytes > r->capacity_bytes)
        r->oom_worker = (gint) w;
    }
  if (makespan > 0)
    r->bubble_fraction = 1 - busy / (s->progs->n_workers * makespan);
  r->bubble_overhead = busy > 0 ? (s->progs->n_workers * makespan - busy) / busy : 0;
}

/* ---- API ---- */

void
ds_sim_options_init (DsSimOptions *o)
{
  memset (o, 0, sizeof *o);
  o->schedule = DS_SCHEDULE_1F1B;
  o->chunks = 1;
  o->tensor_parallel = 1;
  o->optimizer_state_factor = 1;
}

void
ds_sim_result_free (DsSimResult *r)
{
  if (r == NULL)
    return;
  if (r->workers != NULL)
    g_array_unref (r->workers);
  g_free (r->bytes_per_level);
  if (r->trace != NULL)
    ds_trace_unref (r->trace);
  g_free (r);
}

static guint
default_iterations (const DsSimOptions *o, const DsPlan *plan)
{
  if (o->n_iterations > 0)
    return o->n_iterations;
  if (o->schedule == DS_SCHEDULE_2BW)
    return 8;
  if (o->schedule == DS_SCHEDULE_1F1B)
    {
      /* Enough minibatches that the middle half is steady: eight times
       * the deepest warm-up plus the replicas (four was short for
       * squeezenet's 4-10-2 plan), a multiple of every count. */
      guint64 want = 8 * ((guint64) ds_plan_n_replicas (plan) + ds_plan_warmup_depth (plan, 0) + 1);
      guint n = (guint) MIN (want, MAX_DEFAULT_MINIBATCHES), l = replica_lcm (plan, 1024);
      return l > 0 ? (n + l - 1) / l * l : n;
    }
  return 1;
}

/* What must hold before anything is allocated by the plan's numbers: the
 * replicas fit the cluster (ranks are checked when placing), and the run
 * has at most MAX_STAGE_MICROBATCHES (stage, micro-batch) pairs. */
static gboolean
check_size (const DsPlan *plan, const DsCluster *cluster, const DsProgramsSpec *spec,
            const DsSimOptions *o, GError **error)
{
  guint n_stages = ds_plan_n_stages (plan), n_dev = ds_cluster_n_devices (cluster);
  guint positions = n_stages;
  guint64 devices = 0, pairs;

  if (spec->schedule == DS_SCHEDULE_INTERLEAVED && spec->chunks > 0
      && n_stages % spec->chunks == 0)
    positions = n_stages / spec->chunks;
  for (guint g = 0; g < positions; g++)
    devices += (guint64) ds_plan_stage_const (plan, g)->n_replicas * MAX (o->tensor_parallel, 1);
  if (devices > n_dev)
    return ds_fail (error, DS_ERROR_INVALID, "the plan needs more devices than the cluster's "
                    "%u: %" G_GUINT64_FORMAT " (replicas x %u tensor-parallel)", n_dev,
                    devices, MAX (o->tensor_parallel, 1));
  pairs = (guint64) n_stages * spec->n_iterations
          * (spec->schedule == DS_SCHEDULE_1F1B ? 1 : spec->n_microbatches);
  if (pairs > MAX_STAGE_MICROBATCHES)
    return ds_fail (error, DS_ERROR_INVALID, "the run is too large: %u stages x %"
                    G_GUINT64_FORMAT " micro-batches (at most %u pairs); simulate fewer "
                    "iterations or micro-batches", n_stages, pairs / n_stages,
                    MAX_STAGE_MICROBATCHES);
  return TRUE;
}

static void
sim_clear (Sim *s)
{
  for (guint g = 0; s->stages != NULL && g < s->progs->n_stages; g++)
    g_free (s->stages[g].arrivals);
  for (guint w = 0; s->workers != NULL && w < s->progs->n_workers; w++)
    {
      g_free (s->workers[w].links);
      g_free (s->workers[w].cores);
    }
  g_free (s->stages);
  g_free (s->workers);
  g_clear_pointer (&s->transfers, g_ptr_array_unref);
  g_clear_pointer (&s->spare, g_ptr_array_unref);
  g_free (s->ready);
  g_free (s->iter_done_s);
  g_clear_pointer (&s->cores, ds_network_free);
  g_clear_pointer (&s->net, ds_network_free);
  g_clear_pointer (&s->engine, ds_engine_free);
  g_clear_pointer (&s->progs, ds_programs_free);
}

DsSimResult *
ds_sim_run (const DsPlan *plan, const DsModel *model, const DsCluster *cluster,
            const DsSimOptions *options, GError **error)
{
  g_autoptr(DsSimResult) r = g_new0 (DsSimResult, 1);
  DsProgramsSpec spec = { 0 };
  Sim s = { 0 };
  gsize n_keys;
  gboolean ok = FALSE;

  spec.schedule = options->schedule;
  spec.n_microbatches = options->n_microbatches > 0 ? options->n_microbatches
                        : ds_plan_get_n_microbatches (plan);
  spec.n_iterations = default_iterations (options, plan);
  spec.chunks = MAX (options->chunks, 1);
  s.options = options;
  s.plan = plan;
  s.pd_allreduce = options->pipedream_costs || options->pipedream_allreduce;
  s.lockstep = !(options->pipedream_costs || options->no_lockstep);
  s.latency = !(options->pipedream_costs || options->no_latency);
  s.optimizer = !(options->pipedream_costs || options->no_optimizer);
  s.cluster = cluster;
  s.n_levels = ds_cluster_n_levels (cluster);
  if (s.n_levels == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "cluster '%s' has no levels",
                         ds_cluster_get_name (cluster));
  if (ds_plan_n_stages (plan) == 1)
    {
      guint64 params = 0;
      const DsPlanStage *st = ds_plan_stage_const (plan, 0);
      double bucket = options->bucket_bytes > 0 ? options->bucket_bytes : DEFAULT_BUCKET_BYTES;
      for (guint i = 0; i < st->layers->len; i++)
        params += ds_model_layer_const (model, g_array_index (st->layers, guint, i))->param_bytes;
      spec.n_buckets = (guint) MIN (ceil (params / bucket), 255.0);
    }
  if (!check_size (plan, cluster, &spec, options, error))
    return NULL;
  if ((options->unfused_fwd_bytes != NULL || options->unfused_opt_bytes != NULL)
      && !(ds_cluster_device_const (cluster)->mem_bw_bytes_per_s > 0))
    return ds_fail_null (error, DS_ERROR_INVALID, "unfused work is priced at the device's "
                         "memory bandwidth, which cluster '%s' does not give",
                         ds_cluster_get_name (cluster));
  if (options->parameter_server && options->schedule != DS_SCHEDULE_DP)
    return ds_fail_null (error, DS_ERROR_INVALID, "a parameter server serves the 'dp' "
                         "schedule only, not '%s'", ds_schedule_name (options->schedule));
  s.progs = ds_programs_new (plan, &spec, error);
  if (s.progs == NULL)
    return NULL;
  s.engine = ds_engine_new ();
  s.net = ds_network_new (s.engine);
  if (options->n_cores > 0 && options->n_cores < ds_cluster_n_devices (cluster))
    {
      s.cores = ds_network_new (s.engine);
      for (guint c = 0; c < options->n_cores; c++)
        ds_network_add_link (s.cores, CORE_WORK_PER_S);
    }
  s.stages = g_new0 (Stage, s.progs->n_stages);
  s.workers = g_new0 (Worker, s.progs->n_workers);
  n_keys = (gsize) s.progs->n_stages * s.progs->n_microbatches * 2;
  s.transfers = g_ptr_array_new_with_free_func (g_free);
  s.spare = g_ptr_array_new ();
  s.ready = g_new0 (guint8, n_keys);
  s.iter_done_s = g_new0 (double, s.progs->n_iterations);
  r->bytes_per_level = s.bytes_per_level = g_new0 (double, s.n_levels);
  r->n_levels = s.n_levels;
  r->workers = g_array_sized_new (FALSE, TRUE, sizeof (DsSimWorker), s.progs->n_workers);
  g_array_set_size (r->workers, s.progs->n_workers);
  for (guint w = 0; w < s.progs->n_workers; w++)
    {
      Worker *wk = &s.workers[w];
      wk->sim = &s;
      wk->idx = w;
      wk->program = s.progs->programs[w];
      wk->out = &g_array_index (r->workers, DsSimWorker, w);
      wk->links = g_new (guint, 2 * s.n_levels);
      memset (wk->links, 0xff, 2 * s.n_levels * sizeof (guint));
    }
  if (options->record_trace)
    r->trace = s.trace = ds_trace_new ();
  if (price_stages (&s, plan, model, error))
    {
      price_workers (&s, plan);
      for (guint w = 0; w < s.progs->n_workers; w++)
        trace_memory (&s, &s.workers[w]);
      for (guint w = 0; w < s.progs->n_workers; w++)
        try_start (&s, &s.workers[w]);
      r->n_events = ds_engine_run (s.engine, INFINITY);
      if (check_finished (&s, error))
        {
          r->schedule = options->schedule;
          r->n_stages = s.progs->n_stages;
          r->n_workers = s.progs->n_workers;
          r->n_microbatches = s.progs->per_iteration;
          r->n_iterations = s.progs->n_iterations;
          summarise (&s, r, model);
          if (s.trace != NULL)
            ds_trace_sort (s.trace);
          ok = TRUE;
        }
    }
  sim_clear (&s);
  return ok ? g_steal_pointer (&r) : NULL;
}
