/* exec/runtime.c - threads running the schedule's programs (see runtime.h).
 *
 * Layout: a Run holds the epoch's programs and one Agent per thread. An
 * agent owns the state of the stages it runs (StageState: weight versions,
 * gradient and momentum buffers, tapes of the micro-batches in flight),
 * its inbox (a GAsyncQueue of Msg) and the events it measured. Agents
 * share nothing but the messages they pass and the Reducers that
 * all-reduce a stage's gradients among its replicas.
 *
 * An epoch: the main thread shuffles, builds the programs for its steps,
 * starts one thread per agent, joins them, then measures the test
 * accuracy with the newest weights of replica 0 of each stage. Threads
 * start anew each epoch; the stages' states persist.
 *
 * Under MPI (exec/mpi.h) every rank builds the same Run and runs the one
 * agent whose index is its rank in its own thread; a message to another
 * agent is an MPI send tagged with its micro-batch and kind, and an
 * all-reduce is MPI's among the ranks of the group. At an epoch's end
 * rank 0 collects the loss and the weights, measures the accuracy and
 * tells the others whether to go on; at the run's end, the events.
 */
#include "config.h"

#include <gsl/gsl_statistics_double.h>
#include <hwloc.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/programs.h"
#include "exec/kernels.h"
#include "exec/mpi.h"
#include "exec/net.h"
#include "exec/runtime.h"

/* ---- weights ---- */

typedef struct {
  gint ref;
  guint64 id;
  float w[];
} Version;

static Version *
version_new (gsize n, guint64 id)
{
  Version *v = g_malloc (sizeof (Version) + n * sizeof (float));
  v->ref = 1;
  v->id = id;
  return v;
}

static Version *
version_ref (Version *v)
{
  g_atomic_int_inc (&v->ref);
  return v;
}

static void
version_unref (Version *v)
{
  if (v != NULL && g_atomic_int_dec_and_test (&v->ref))
    g_free (v);
}

/* ---- what the agents share ---- */

enum { ACTIVATION = 0, GRADIENT = 1 };

typedef struct {
  guint what, stage, mb;
  float *data;                   /* owned, rows x the boundary's size */
} Msg;

/* The all-reduce of one stage among its replicas: sum (synchronous
 * schedules: shards of one micro-batch) or mean (1f1b: DDP). A barrier
 * with a departure count, so the buffer is not reset before everyone has
 * read the result. */
typedef struct {
  GMutex lock;
  GCond cond;
  float *acc;
  gsize len;
  guint arrived, departed, expected;
  guint64 generation;
  gboolean leaving;              /* between the last arrival and the last departure */
} Reducer;

typedef struct {
  guint64 when_us, dur_us;
  guint8 kind;                   /* DsTraceKind */
  guint stage, mb;
} Event;

typedef struct _Run Run;

/* One micro-batch in flight on a stage. */
typedef struct {
  gboolean busy;
  guint mb;
  DsNetTape *tape;
  float *input;                  /* owned: the gathered rows or the message */
  guint8 *labels;                /* last stage */
  float *dlogits;                /* last stage: the loss's gradient */
  Version *version;
  guint64 forward_version;       /* the id the forward saw, for the log */
} Slot;

typedef struct {
  guint stage, first_op, last_op;
  gsize offset, n_params;        /* the slice of the network's parameters */
  Version *current;
  float *grads, *momentum;
  GPtrArray *slots;              /* Slot * */
  double loss_sum;
  guint loss_count;
  guint next_snapshot;           /* the epoch's next snapshot this stage takes */
} StageState;

typedef struct {
  Run *run;
  guint idx, worker, shard;
  GAsyncQueue *inbox;
  GHashTable *pending;           /* key -> Msg * */
  GHashTable *stages;            /* stage -> StageState * (borrowed) */
  GArray *events;                /* Event */
  GArray *versions;              /* DsExecVersionUse */
  GError *error;
  guint n_ar_done;
  DsNetWir *wir;                 /* this worker's WIR session, or NULL */
} Agent;

struct _Run {
  const DsPlan *plan;
  const DsNet *net;
  const DsDataset *train;
  const DsExecOptions *o;
  DsPrograms *progs;
  guint replicas;                /* shards per worker (synchronous), else 1 */
  guint shard_rows;              /* rows a thread runs per micro-batch */
  guint *order;                  /* this epoch's permutation */
  gint64 t0_us;
  Agent *agents;
  guint n_agents;
  StageState **states;           /* per agent x stage, NULL where not run */
  Reducer *reducers;             /* per stage (synchronous: per worker shard group) */
  guint *ar_total;               /* 1f1b: all-reduces in each worker's program */
  hwloc_topology_t topo;
  const DsMpi *mpi;              /* NULL: every agent is a thread here */
  const guint *first, *last;     /* each stage's ops */
  /* --eval-every: the primary stages' weights after every eval_every
   * minibatches of the epoch, each a whole vector that every stage fills
   * its slice of, and when each stage took it (us since the start) */
  guint n_snapshots;
  float **snapshots;
  gint64 *snapshot_us;           /* n_snapshots x n_stages */
};

/* MPI tags: a micro-batch's message is 2 mb + kind; the epoch's
 * bookkeeping is above every one of those. */
enum { TAG_LOSS = 1u << 29, TAG_WEIGHTS, TAG_GO_ON, TAG_EVENTS };

static gboolean
is_local (const Run *r, const Agent *a)
{
  return r->mpi == NULL || a->idx == r->mpi->rank;
}

/* Whether @a holds the weights that count: replica 0, shard 0. */
static gboolean
is_primary (const Run *r, const Agent *a)
{
  return a->shard == 0 && r->progs->worker_replica[a->worker] == 0;
}

/* Whether @worker runs stage @g. */
static gboolean
runs_stage (const Run *r, guint worker, guint g)
{
  return ds_schedule_is_synchronous (r->o->schedule) ? g % r->progs->n_workers == worker
                                                     : r->progs->worker_stage[worker] == g;
}

static guint64
msg_key (guint what, guint stage, guint mb)
{
  return ((guint64) stage << 33) | ((guint64) mb << 1) | what;
}

static void
msg_free (gpointer p)
{
  Msg *m = p;
  g_free (m->data);
  g_free (m);
}

/* The agent that runs @stage on @mb, for the shard @shard. */
static Agent *
agent_for (Run *r, guint stage, guint mb, guint shard)
{
  guint w = ds_programs_route (r->progs, stage, mb);
  return &r->agents[w * r->replicas + shard];
}

/* Sends @len floats of @data (taken) to the agent of (@stage, @mb). */
static void
post (Run *r, guint what, guint stage, guint mb, guint shard, float *data, gsize len)
{
  Agent *to = agent_for (r, stage, mb, shard);
  Msg *m;

  if (!is_local (r, to))
    {
      r->mpi->send (to->idx, 2 * mb + what, data, len * sizeof (float));
      return;
    }
  m = g_new (Msg, 1);
  *m = (Msg) { what, stage, mb, data };
  g_async_queue_push (to->inbox, m);
}

/* The message from another rank: the neighbour stage's agent sent it. */
static float *
receive_remote (Agent *a, guint what, guint stage, guint mb)
{
  Run *r = a->run;
  Agent *from = agent_for (r, what == ACTIVATION ? stage - 1 : stage + 1, mb, a->shard);
  guint boundary = what == ACTIVATION ? r->first[stage] - 1 : r->last[stage] - 1;
  gsize bytes = 0, want = (gsize) r->shard_rows * ds_net_op_out_size (r->net, boundary)
                          * sizeof (float);
  float *data;

  g_assert (!is_local (r, from));
  data = r->mpi->recv (from->idx, 2 * mb + what, &bytes);
  if (bytes != want)
    r->mpi->abort (1, "a message of the wrong size arrived (the ranks run different plans?)");
  return data;
}

/* The message for (what, stage, mb), waiting for it; others that arrive
 * first are kept for later. */
static float *
receive (Agent *a, guint what, guint stage, guint mb)
{
  guint64 key = msg_key (what, stage, mb);
  Msg *m;
  float *data;

  if (a->run->mpi != NULL)
    return receive_remote (a, what, stage, mb);
  m = g_hash_table_lookup (a->pending, &key);
  while (m == NULL)
    {
      Msg *got = g_async_queue_pop (a->inbox);
      guint64 *k;
      if (msg_key (got->what, got->stage, got->mb) == key)
        {
          m = got;
          break;
        }
      k = g_new (guint64, 1);
      *k = msg_key (got->what, got->stage, got->mb);
      g_hash_table_insert (a->pending, k, got);
    }
  {
    gpointer stolen_key = NULL;
    if (g_hash_table_steal_extended (a->pending, &key, &stolen_key, NULL))
      g_free (stolen_key);
  }
  data = m->data;
  g_free (m);
  return data;
}

/* The injected straggler: --slow-stage's delay, inside the op's time. */
static void
maybe_slow (const Agent *a, guint stage)
{
  if (a->run->o->slow_stage == (gint) stage && a->run->o->slow_s > 0)
    g_usleep ((gulong) (a->run->o->slow_s * 1e6));
}

static void
note (Agent *a, DsTraceKind kind, guint stage, guint mb, gint64 start_us)
{
  Event e = { (guint64) (start_us - a->run->t0_us),
              (guint64) (g_get_monotonic_time () - start_us), (guint8) kind, stage, mb };

  if (a->run->o->record_trace)
    g_array_append_val (a->events, e);
}

/* ---- the ops ---- */

static StageState *
state_of (Agent *a, guint stage)
{
  return g_hash_table_lookup (a->stages, GUINT_TO_POINTER (stage + 1));
}

static Slot *
free_slot (Agent *a, StageState *st)
{
  Run *r = a->run;
  Slot *s;

  for (guint i = 0; i < st->slots->len; i++)
    if (!((Slot *) st->slots->pdata[i])->busy)
      return st->slots->pdata[i];
  s = g_new0 (Slot, 1);
  s->tape = ds_net_tape_new (r->net, st->first_op, st->last_op, r->shard_rows);
  ds_net_tape_set_wir (s->tape, a->wir);
  g_ptr_array_add (st->slots, s);
  return s;
}

static Slot *
slot_of (StageState *st, guint mb)
{
  for (guint i = 0; i < st->slots->len; i++)
    {
      Slot *s = st->slots->pdata[i];
      if (s->busy && s->mb == mb)
        return s;
    }
  g_assert_not_reached ();
}

/* The rows of @mb this agent runs: their index in the epoch's order. */
static guint
first_row (const Run *r, const Agent *a, guint mb)
{
  guint m = r->progs->per_iteration, mbs = r->o->minibatch / m;
  guint k = mb / m, i = mb % m;

  return k * r->o->minibatch + i * mbs + a->shard * r->shard_rows;
}

static void
run_forward (Agent *a, const DsOp *op)
{
  Run *r = a->run;
  StageState *st = state_of (a, op->stage);
  Slot *s = free_slot (a, st);
  guint n = r->shard_rows, row0 = first_row (r, a, op->microbatch);
  gboolean last = op->stage + 1 == r->progs->n_stages;
  gint64 t0;

  s->busy = TRUE;
  s->mb = op->microbatch;
  if (op->stage == 0)
    {
      g_free (s->input);
      s->input = g_new (float, (gsize) n * r->net->in_features);
      if (s->labels == NULL)
        s->labels = g_new (guint8, n);
      ds_dataset_gather (r->train, r->order, row0, n, s->input, s->labels);
    }
  else
    {
      t0 = g_get_monotonic_time ();
      g_free (s->input);
      s->input = receive (a, ACTIVATION, op->stage, op->microbatch);
      note (a, DS_TRACE_RECV, op->stage, op->microbatch, t0);
    }
  if (last && op->stage > 0)
    {
      if (s->labels == NULL)
        s->labels = g_new (guint8, n);
      for (guint i = 0; i < n; i++)
        s->labels[i] = r->train->y[r->order[row0 + i]];
    }
  s->version = version_ref (st->current);
  s->forward_version = st->current->id;
  t0 = g_get_monotonic_time ();
  ds_net_forward (r->net, s->tape, s->version->w, s->input, n, r->o->seed, row0);
  if (last)
    {
      float *out = ds_net_tape_output (s->tape);
      guint k = r->net->n_classes;
      if (s->dlogits == NULL)
        s->dlogits = g_new (float, (gsize) n * k);
      st->loss_sum += ds_net_loss (a->wir, out, s->labels, s->dlogits, n, k,
                                   1.0f / r->o->minibatch) * n;
      st->loss_count += n;
    }
  maybe_slow (a, op->stage);
  note (a, DS_TRACE_FORWARD, op->stage, op->microbatch, t0);
  if (!last)
    {
      gsize len = (gsize) n * ds_net_op_out_size (r->net, st->last_op - 1);
      t0 = g_get_monotonic_time ();
      post (r, ACTIVATION, op->stage + 1, op->microbatch, a->shard,
            g_memdup2 (ds_net_tape_output (s->tape), len * sizeof (float)), len);
      note (a, DS_TRACE_SEND, op->stage, op->microbatch, t0);
    }
}

static void
run_backward (Agent *a, const DsOp *op)
{
  Run *r = a->run;
  StageState *st = state_of (a, op->stage);
  Slot *s;
  float *dy, *dx = NULL;
  guint n = r->shard_rows;
  gsize dx_len = 0;
  gboolean last = op->stage + 1 == r->progs->n_stages;
  gint64 t0;

  if (op->part > 0)
    return;                      /* buckets: the whole backward ran at part 0 */
  s = slot_of (st, op->microbatch);
  t0 = g_get_monotonic_time ();
  dy = last ? s->dlogits : receive (a, GRADIENT, op->stage, op->microbatch);
  if (!last)
    note (a, DS_TRACE_RECV, op->stage, op->microbatch, t0);
  if (op->stage > 0)
    {
      dx_len = (gsize) n * ds_net_op_out_size (r->net, st->first_op - 1);
      dx = g_new (float, dx_len);
    }
  t0 = g_get_monotonic_time ();
  ds_net_backward (r->net, s->tape, s->version->w, s->input, dy, st->grads, dx);
  maybe_slow (a, op->stage);
  note (a, DS_TRACE_BACKWARD, op->stage, op->microbatch, t0);
  if (r->o->record_versions)
    {
      DsExecVersionUse u = { op->stage, op->microbatch, a->shard, s->forward_version,
                             s->version->id, st->current->id };
      g_array_append_val (a->versions, u);
    }
  if (!last)
    g_free (dy);
  if (dx != NULL)
    {
      t0 = g_get_monotonic_time ();
      post (r, GRADIENT, op->stage - 1, op->microbatch, a->shard, dx, dx_len);
      note (a, DS_TRACE_SEND, op->stage, op->microbatch, t0);
    }
  version_unref (s->version);
  s->version = NULL;
  s->busy = FALSE;
}

/* The same among ranks: the agents @first, @first + 1, ... */
static void
allreduce_remote (Agent *a, StageState *st, guint first, guint expected, gboolean mean)
{
  g_autofree guint *ranks = g_new (guint, expected);

  for (guint i = 0; i < expected; i++)
    ranks[i] = first + i;
  a->run->mpi->allreduce (ranks, expected, st->grads, st->n_params);
  if (mean)
    for (gsize i = 0; i < st->n_params; i++)
      st->grads[i] /= expected;
}

/* Sum (synchronous) or mean (1f1b) of the stage's gradients among the
 * @expected agents from @first on, which share @red. */
static void
run_allreduce (Agent *a, const DsOp *op, Reducer *red, guint first, guint expected,
               gboolean mean)
{
  StageState *st = state_of (a, op->stage);
  gint64 t0 = g_get_monotonic_time ();
  guint64 gen;

  if (a->run->mpi != NULL)
    {
      allreduce_remote (a, st, first, expected, mean);
      note (a, DS_TRACE_ALLREDUCE, op->stage, op->microbatch, t0);
      return;
    }
  g_mutex_lock (&red->lock);
  while (red->leaving)
    g_cond_wait (&red->cond, &red->lock);
  if (red->arrived == 0)
    {
      memset (red->acc, 0, red->len * sizeof (float));
      red->expected = expected;
    }
  for (gsize i = 0; i < red->len; i++)
    red->acc[i] += st->grads[i];
  gen = red->generation;
  if (++red->arrived == red->expected)
    {
      if (mean)
        for (gsize i = 0; i < red->len; i++)
          red->acc[i] /= red->expected;
      red->leaving = TRUE;
      red->generation++;
      g_cond_broadcast (&red->cond);
    }
  while (red->generation == gen)
    g_cond_wait (&red->cond, &red->lock);
  memcpy (st->grads, red->acc, red->len * sizeof (float));
  if (++red->departed == red->expected)
    {
      red->arrived = red->departed = 0;
      red->leaving = FALSE;
      g_cond_broadcast (&red->cond);
    }
  g_mutex_unlock (&red->lock);
  note (a, DS_TRACE_ALLREDUCE, op->stage, op->microbatch, t0);
}

/* After @done minibatches of the epoch, the snapshots now due of @st
 * (a replica other than 0 may have stepped in between: it takes the
 * first one at or past each point). */
static void
take_snapshots (Agent *a, StageState *st, guint done)
{
  Run *r = a->run;

  if (!is_primary (r, a))
    return;
  while (st->next_snapshot < r->n_snapshots
         && done >= (st->next_snapshot + 1) * r->o->eval_every)
    {
      memcpy (r->snapshots[st->next_snapshot] + st->offset, st->current->w,
              st->n_params * sizeof (float));
      r->snapshot_us[st->next_snapshot * r->progs->n_stages + st->stage]
        = g_get_monotonic_time () - r->t0_us;
      st->next_snapshot++;
    }
}

static void
run_optimizer (Agent *a, const DsOp *op)
{
  Run *r = a->run;
  gint64 t0 = g_get_monotonic_time ();

  /* every stage the agent runs steps (interleaved: several) */
  for (guint g = op->stage % r->progs->n_workers; g < r->progs->n_stages;
       g += r->progs->n_workers)
    {
      StageState *st = state_of (a, g);
      Version *next;
      if (st == NULL || st->n_params == 0)
        continue;
      /* copy on write: only a forward in flight needs the old weights */
      if (g_atomic_int_get (&st->current->ref) == 1)
        st->current->id++;
      else
        {
          next = version_new (st->n_params, st->current->id + 1);
          memcpy (next->w, st->current->w, st->n_params * sizeof (float));
          version_unref (st->current);
          st->current = next;
        }
      ds_net_sgd (a->wir, st->current->w, st->grads, st->momentum, st->n_params,
                  (float) r->o->lr, (float) r->o->momentum, (float) r->o->weight_decay);
      memset (st->grads, 0, st->n_params * sizeof (float));
      take_snapshots (a, st, op->microbatch / r->progs->per_iteration + 1);
      if (!ds_schedule_is_synchronous (r->o->schedule))
        break;
    }
  note (a, DS_TRACE_OPTIMIZER, op->stage, op->microbatch, t0);
}

static gpointer
agent_main (gpointer data)
{
  Agent *a = data;
  Run *r = a->run;
  GArray *program = r->progs->programs[a->worker];

  if (r->o->pin_threads && r->topo != NULL)
    {
      hwloc_obj_t core = hwloc_get_obj_by_type (r->topo, HWLOC_OBJ_CORE, a->idx
                                                % MAX (1, hwloc_get_nbobjs_by_type (r->topo, HWLOC_OBJ_CORE)));
      if (core != NULL)
        hwloc_set_cpubind (r->topo, core->cpuset, HWLOC_CPUBIND_THREAD);
    }
  for (guint pc = 0; pc < program->len; pc++)
    {
      const DsOp *op = &g_array_index (program, DsOp, pc);
      switch ((DsOpKind) op->kind)
        {
        case DS_OP_FORWARD:
          run_forward (a, op);
          break;
        case DS_OP_BACKWARD:
          run_backward (a, op);
          break;
        case DS_OP_ALLREDUCE:
          if (op->part + 1 == op->n_parts)
            {
              gboolean sync = ds_schedule_is_synchronous (r->o->schedule);
              Reducer *red = sync ? &r->reducers[a->worker * r->progs->n_stages + op->stage]
                                  : &r->reducers[op->stage];
              guint expected = r->replicas, first = a->worker * r->replicas;
              if (!sync)
                {
                  guint n = 0;
                  const DsPlanStage *ps = ds_plan_stage_const (r->plan, op->stage);
                  first = ds_programs_route (r->progs, op->stage, 0);
                  first -= r->progs->worker_replica[first];
                  for (guint q = 0; q < ps->n_replicas; q++)
                    n += r->ar_total[first + q] > op->group_seq;
                  expected = n;
                }
              run_allreduce (a, op, red, first, expected, !sync);
            }
          break;
        case DS_OP_OPTIMIZER:
          run_optimizer (a, op);
          break;
        }
    }
  return NULL;
}

/* ---- setting up ---- */

/* Each stage's ops, a consecutive range of the chain. */
static gboolean
stage_ranges (const DsPlan *plan, const DsNet *net, guint *first, guint *last,
              GError **error)
{
  guint next = 0;

  for (guint g = 0; g < ds_plan_n_stages (plan); g++)
    {
      const DsPlanStage *st = ds_plan_stage_const (plan, g);
      guint lo = G_MAXUINT, hi = 0;
      for (guint i = 0; i < st->layers->len; i++)
        {
          gint op = ds_net_op_of_layer (net, g_array_index (st->layers, guint, i));
          g_assert (op >= 0);
          lo = MIN (lo, (guint) op);
          hi = MAX (hi, (guint) op + 1);
        }
      if (lo != next || hi - lo != st->layers->len)
        return ds_fail (error, DS_ERROR_INVALID, "stage %u is not the next run of "
                        "consecutive layers of the chain (the executor runs straight "
                        "splits)", g);
      first[g] = lo, last[g] = hi;
      next = hi;
    }
  return TRUE;
}

static gboolean
check_inputs (const DsPlan *plan, const DsModel *model, const DsNet *net,
              const DsDataset *train, const DsDataset *test, const DsExecOptions *o,
              guint *replicas, GError **error)
{
  guint m = o->schedule == DS_SCHEDULE_1F1B ? 1 : o->n_microbatches, r;

  if (!ds_plan_check (plan, model, NULL, error))
    return FALSE;
  if (train->n_features != net->in_features || test->n_features != net->in_features)
    return ds_fail (error, DS_ERROR_INVALID, "the data has %u features, model '%s' takes %u",
                    train->n_features, ds_model_get_name (model), net->in_features);
  if (train->n_classes > net->n_classes || test->n_classes > net->n_classes)
    return ds_fail (error, DS_ERROR_INVALID, "the data has %u classes, model '%s' gives %u "
                    "logits", MAX (train->n_classes, test->n_classes),
                    ds_model_get_name (model), net->n_classes);
  if (o->epochs < 1 || m < 1 || o->minibatch < 1 || !(o->lr > 0))
    return ds_fail (error, DS_ERROR_INVALID, "epochs, micro-batches and the minibatch must "
                    "be >= 1 and the learning rate > 0");
  r = ds_plan_stage_const (plan, 0)->n_replicas;
  for (guint g = 1; g < ds_plan_n_stages (plan) && ds_schedule_is_synchronous (o->schedule); g++)
    if (ds_plan_stage_const (plan, g)->n_replicas != r)
      return ds_fail (error, DS_ERROR_INVALID, "under '%s' every stage needs the same "
                      "replica count (stage %u has %u, stage 0 %u); 1f1b routes unequal "
                      "counts", ds_schedule_name (o->schedule), g,
                      ds_plan_stage_const (plan, g)->n_replicas, r);
  *replicas = ds_schedule_is_synchronous (o->schedule) ? r : 1;
  if (o->minibatch % (m * *replicas) != 0)
    return ds_fail (error, DS_ERROR_INVALID, "a minibatch of %u does not split into %u "
                    "micro-batches x %u replicas", o->minibatch, m, *replicas);
  if (train->n < o->minibatch)
    return ds_fail (error, DS_ERROR_INVALID, "the training set (%u) is smaller than a "
                    "minibatch (%u)", train->n, o->minibatch);
  return TRUE;
}

static double
evaluate (const DsNet *net, const float *params, const DsDataset *test)
{
  guint chunk = 256, correct = 0;
  g_autoptr(DsNetTape) tape = ds_net_tape_new (net, 0, net->ops->len, chunk);
  g_autofree guint *order = g_new (guint, test->n);
  g_autofree float *x = g_new (float, (gsize) chunk * net->in_features);
  g_autofree guint8 *y = g_new (guint8, chunk);

  for (guint i = 0; i < test->n; i++)
    order[i] = i;
  for (guint first = 0; first < test->n; first += chunk)
    {
      guint n = MIN (chunk, test->n - first);
      ds_dataset_gather (test, order, first, n, x, y);
      ds_net_forward (net, tape, params, x, n, 0, first);
      correct += ds_k_count_correct (ds_net_tape_output (tape), y, n, net->n_classes);
    }
  return (double) correct / test->n;
}

/* An evaluation during epoch @epoch; the first at the target is the
 * run's. */
static void
record_eval (DsExecResult *res, const DsExecOptions *o, guint epoch, const DsExecEval *e)
{
  g_array_append_val (res->evals, *e);
  if (o->target_accuracy > 0 && e->test_accuracy >= o->target_accuracy && res->reached_epoch < 0)
    {
      res->reached_epoch = (gint) epoch;
      res->reached_s = e->seconds;
      res->target_epochs = e->epochs;
    }
}

/* Joins the job mpirun started: one rank per agent. */
static gboolean
open_mpi (Run *r, GError **error)
{
  guint agents = r->progs->n_workers * r->replicas;

  if (r->o->record_versions)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "weight versions are recorded with "
                    "threads only");
  r->mpi = ds_mpi_open (error);
  if (r->mpi == NULL)
    return FALSE;
  if (r->mpi->size != agents)
    {
      guint size = r->mpi->size;
      r->mpi->finalize ();
      r->mpi = NULL;
      return ds_fail (error, DS_ERROR_INVALID, "the plan has %u workers under '%s', so it "
                      "runs on %u ranks (mpirun -np %u), not %u", agents,
                      ds_schedule_name (r->o->schedule), agents, agents, size);
    }
  if (2 * (gsize) r->progs->per_iteration * r->progs->n_iterations >= TAG_LOSS)
    {
      r->mpi->finalize ();
      r->mpi = NULL;
      return ds_fail (error, DS_ERROR_INVALID, "too many micro-batches in an epoch for "
                      "MPI's tags");
    }
  return TRUE;
}

/* ---- API ---- */

void
ds_exec_options_init (DsExecOptions *o, const DsPlan *plan)
{
  memset (o, 0, sizeof *o);
  o->schedule = ds_plan_get_schedule (plan);
  o->n_microbatches = ds_plan_get_n_microbatches (plan);
  o->minibatch = 128;
  o->epochs = 1;
  o->lr = 0.05;
  o->momentum = 0.9;
  o->seed = 1;
  o->pin_threads = TRUE;
  o->slow_stage = -1;
}

void
ds_exec_result_free (DsExecResult *r)
{
  if (r == NULL)
    return;
  g_array_unref (r->epochs);
  g_array_unref (r->evals);
  g_free (r->params);
  if (r->trace != NULL)
    ds_trace_unref (r->trace);
  if (r->versions != NULL)
    g_array_unref (r->versions);
  g_free (r);
}

static StageState *
stage_state_new (const DsNet *net, guint g, guint first, guint last, const float *init)
{
  StageState *st = g_new0 (StageState, 1);

  st->stage = g;
  st->first_op = first, st->last_op = last;
  st->offset = ds_net_range_offset (net, first);
  st->n_params = ds_net_range_params (net, first, last);
  st->current = version_new (st->n_params, 0);
  memcpy (st->current->w, init + st->offset, st->n_params * sizeof (float));
  /* zeroed by hand, not by calloc: calloc's pages fault in on their first
   * write, which made the first backward and optimizer step of each stage
   * 100-140 ms slower on mlp-wide (8k faults of a 33 MB buffer) and put
   * setup into the measured time per minibatch */
  st->grads = g_new (float, MAX (st->n_params, 1));
  st->momentum = g_new (float, MAX (st->n_params, 1));
  memset (st->grads, 0, st->n_params * sizeof (float));
  memset (st->momentum, 0, st->n_params * sizeof (float));
  st->slots = g_ptr_array_new ();
  return st;
}

static void
stage_state_free (StageState *st)
{
  if (st == NULL)
    return;
  for (guint i = 0; i < st->slots->len; i++)
    {
      Slot *s = st->slots->pdata[i];
      ds_net_tape_free (s->tape);
      g_free (s->input);
      g_free (s->labels);
      g_free (s->dlogits);
      version_unref (s->version);
      g_free (s);
    }
  g_ptr_array_unref (st->slots);
  version_unref (st->current);
  g_free (st->grads);
  g_free (st->momentum);
  g_free (st);
}

/* The newest weights of replica 0 of every stage here, as one vector. */
static void
gather_params (Run *r, float *params)
{
  for (guint a = 0; a < r->n_agents; a++)
    {
      Agent *ag = &r->agents[a];
      GHashTableIter it;
      gpointer key, value;
      if (!is_primary (r, ag))
        continue;
      g_hash_table_iter_init (&it, ag->stages);
      while (g_hash_table_iter_next (&it, &key, &value))
        {
          StageState *st = value;
          memcpy (params + st->offset, st->current->w, st->n_params * sizeof (float));
        }
    }
}

/* ---- MPI: what rank 0 collects ---- */

/* The loss over the last stage's states here, (sum, samples), reset. */
static void
take_loss (Run *r, double sum[2])
{
  guint n_stages = r->progs->n_stages;

  for (gsize i = 0; i < (gsize) r->n_agents * n_stages; i++)
    if (r->states[i] != NULL && r->states[i]->stage == n_stages - 1)
      {
        sum[0] += r->states[i]->loss_sum;
        sum[1] += r->states[i]->loss_count;
        r->states[i]->loss_sum = 0;
        r->states[i]->loss_count = 0;
      }
}

/* The slices of @full that @a's stages own, packed in stage order. */
static gpointer
pack_stages (const Run *r, const Agent *a, const float *full, gsize *bytes)
{
  GByteArray *b = g_byte_array_new ();

  for (guint g = 0; g < r->progs->n_stages; g++)
    if (runs_stage (r, a->worker, g))
      g_byte_array_append (b, (const guint8 *) (full + ds_net_range_offset (r->net, r->first[g])),
                           (guint) (ds_net_range_params (r->net, r->first[g], r->last[g])
                                    * sizeof (float)));
  *bytes = b->len;
  return g_byte_array_free (b, FALSE);
}

/* The inverse: @a's slices from @packed into @full. */
static void
unpack_stages (const Run *r, const Agent *a, const float *packed, gsize bytes, float *full)
{
  gsize at = 0;

  for (guint g = 0; g < r->progs->n_stages; g++)
    if (runs_stage (r, a->worker, g))
      {
        gsize n = ds_net_range_params (r->net, r->first[g], r->last[g]);
        memcpy (full + ds_net_range_offset (r->net, r->first[g]), packed + at, n * sizeof (float));
        at += n;
      }
  g_assert (at * sizeof (float) == bytes);
}

/* Rank 0 adds every rank's loss to @sum and gathers the primary ranks'
 * weights into @params and their snapshots; the other ranks send theirs
 * (@params is their scratch). */
static void
collect_at_root (Run *r, double sum[2], float *params)
{
  const DsMpi *mpi = r->mpi;
  gsize times = (gsize) r->n_snapshots * r->progs->n_stages * sizeof (gint64), bytes = 0;
  Agent *me = &r->agents[mpi->rank];

  gather_params (r, params);
  if (mpi->rank != 0)
    {
      mpi->send (0, TAG_LOSS, g_memdup2 (sum, 2 * sizeof (double)), 2 * sizeof (double));
      if (!is_primary (r, me))
        return;
      for (guint j = 0; j <= r->n_snapshots; j++)
        {
          gpointer packed = pack_stages (r, me, j == 0 ? params : r->snapshots[j - 1], &bytes);
          mpi->send (0, TAG_WEIGHTS, packed, bytes);
        }
      if (times > 0)
        mpi->send (0, TAG_WEIGHTS, g_memdup2 (r->snapshot_us, times), times);
      return;
    }
  for (guint src = 1; src < r->n_agents; src++)
    {
      g_autofree double *theirs = mpi->recv (src, TAG_LOSS, &bytes);
      Agent *a = &r->agents[src];
      g_assert (bytes == 2 * sizeof (double));
      sum[0] += theirs[0];
      sum[1] += theirs[1];
      if (!is_primary (r, a))
        continue;
      for (guint j = 0; j <= r->n_snapshots; j++)
        {
          g_autofree float *packed = mpi->recv (src, TAG_WEIGHTS, &bytes);
          unpack_stages (r, a, packed, bytes, j == 0 ? params : r->snapshots[j - 1]);
        }
      if (times > 0)
        {
          g_autofree gint64 *us = mpi->recv (src, TAG_WEIGHTS, &bytes);
          g_assert (bytes == times);
          for (gsize i = 0; i < times / sizeof (gint64); i++)
            r->snapshot_us[i] = MAX (r->snapshot_us[i], us[i]);
        }
    }
}

/* Rank 0 tells the others whether another epoch follows. */
static gboolean
agree_go_on (Run *r, gboolean go_on)
{
  guint8 flag = go_on != FALSE;
  gsize bytes = 0;

  if (r->mpi->rank != 0)
    {
      g_autofree guint8 *got = r->mpi->recv (0, TAG_GO_ON, &bytes);
      return bytes == 1 && got[0] != 0;
    }
  for (guint dst = 1; dst < r->n_agents; dst++)
    r->mpi->send (dst, TAG_GO_ON, g_memdup2 (&flag, 1), 1);
  return go_on;
}

/* Every rank's measured events to rank 0. */
static void
collect_events (Run *r)
{
  const DsMpi *mpi = r->mpi;

  if (mpi->rank != 0)
    {
      GArray *ev = r->agents[mpi->rank].events;
      mpi->send (0, TAG_EVENTS, g_memdup2 (ev->data, ev->len * sizeof (Event)),
                 ev->len * sizeof (Event));
      return;
    }
  for (guint src = 1; src < r->n_agents; src++)
    {
      gsize bytes = 0;
      g_autofree Event *ev = mpi->recv (src, TAG_EVENTS, &bytes);
      g_array_append_vals (r->agents[src].events, ev, (guint) (bytes / sizeof (Event)));
    }
}

static DsTrace *
merge_events (Run *r)
{
  DsTrace *t = ds_trace_new ();

  for (guint a = 0; a < r->n_agents; a++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "cpu%u", a);
      for (guint i = 0; i < r->agents[a].events->len; i++)
        {
          const Event *e = &g_array_index (r->agents[a].events, Event, i);
          DsTraceEvent *te = ds_trace_append (t, name, e->kind, e->when_us / 1e6,
                                              e->dur_us / 1e6);
          te->stage_idx = (gint) e->stage;
          te->microbatch = e->kind == DS_TRACE_OPTIMIZER ? -1 : (gint) e->mb;
        }
    }
  ds_trace_sort (t);
  g_hash_table_insert (ds_trace_get_attrs (t), g_strdup ("source"), g_strdup ("dawnsim exec"));
  return t;
}

/* What `dawnsim validate` needs to replay the run: its configuration and
 * the measured time per minibatch. */
static void
describe_run (DsTrace *t, const Run *r, guint steps, double iteration_s)
{
  GHashTable *attrs = ds_trace_get_attrs (t);
  char v[G_ASCII_DTOSTR_BUF_SIZE];

  g_hash_table_insert (attrs, g_strdup ("schedule"), g_strdup (ds_schedule_name (r->o->schedule)));
  g_hash_table_insert (attrs, g_strdup ("transport"), g_strdup (r->mpi != NULL ? "mpi" : "threads"));
  g_hash_table_insert (attrs, g_strdup ("minibatch"), g_strdup_printf ("%u", r->o->minibatch));
  g_hash_table_insert (attrs, g_strdup ("n_microbatches"),
                       g_strdup_printf ("%u", r->progs->per_iteration));
  g_hash_table_insert (attrs, g_strdup ("steps_per_epoch"), g_strdup_printf ("%u", steps));
  g_ascii_dtostr (v, sizeof v, iteration_s);
  g_hash_table_insert (attrs, g_strdup ("iteration_s"), g_strdup (v));
}

/* Builds the agents for @n_workers workers (their stages from @progs) and
 * the stage states of the local ones from the initial weights. */
static void
make_agents (Run *r, const guint *first, const guint *last, const float *init)
{
  guint n_stages = r->progs->n_stages;

  r->n_agents = r->progs->n_workers * r->replicas;
  r->agents = g_new0 (Agent, r->n_agents);
  r->states = g_new0 (StageState *, (gsize) r->n_agents * n_stages);
  for (guint i = 0; i < r->n_agents; i++)
    {
      Agent *a = &r->agents[i];
      a->run = r;
      a->idx = i;
      a->worker = i / r->replicas;
      a->shard = i % r->replicas;
      a->inbox = g_async_queue_new_full (msg_free);
      a->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, msg_free);
      a->stages = g_hash_table_new (NULL, NULL);
      a->events = g_array_new (FALSE, FALSE, sizeof (Event));
      a->versions = g_array_new (FALSE, FALSE, sizeof (DsExecVersionUse));
      if (r->o->wir != DS_NET_WIR_OFF && is_local (r, a))
        a->wir = ds_net_wir_new (r->o->wir, NULL, &a->error);   /* ds_exec_run probed */
      for (guint g = 0; g < n_stages && is_local (r, a); g++)
        {
          if (!runs_stage (r, a->worker, g))
            continue;
          r->states[(gsize) i * n_stages + g] = stage_state_new (r->net, g, first[g], last[g], init);
          g_hash_table_insert (a->stages, GUINT_TO_POINTER (g + 1),
                               r->states[(gsize) i * n_stages + g]);
        }
    }
}

static void
free_agents (Run *r)
{
  for (guint i = 0; i < r->n_agents; i++)
    {
      Agent *a = &r->agents[i];
      g_async_queue_unref (a->inbox);
      g_hash_table_unref (a->pending);
      g_hash_table_unref (a->stages);
      g_array_unref (a->events);
      g_array_unref (a->versions);
      g_clear_error (&a->error);
      ds_net_wir_free (a->wir);
    }
  for (gsize i = 0; i < (gsize) r->n_agents * r->progs->n_stages; i++)
    stage_state_free (r->states[i]);
  g_free (r->states);
  g_free (r->agents);
}

DsExecResult *
ds_exec_run (const DsPlan *plan, const DsModel *model, const DsDataset *train,
             const DsDataset *test, const DsExecOptions *o, GError **error)
{
  g_autoptr(DsNet) net = ds_net_new (model, error);
  g_autoptr(DsExecResult) res = NULL;
  g_autofree guint *first = NULL, *last = NULL;
  g_autofree float *init = NULL;
  g_autoptr(GArray) iter_s = g_array_new (FALSE, FALSE, sizeof (double));
  DsProgramsSpec spec = { 0 };
  Run r = { 0 };
  guint n_stages, steps, replicas = 1;
  gint64 start, eval_us = 0, off_clock_us = 0;
  GError *wir_error = NULL;

  if (net == NULL || !ds_kernels_init (error))
    return NULL;
  if (o->schedule == DS_SCHEDULE_2BW || o->schedule == DS_SCHEDULE_INTERLEAVED)
    return ds_fail_null (error, DS_ERROR_UNSUPPORTED, "the executor runs dp, gpipe, 1f1b "
                         "and 1f1b-flush; '%s' is simulated only", ds_schedule_name (o->schedule));
  if (!check_inputs (plan, model, net, train, test, o, &replicas, error))
    return NULL;
  if (o->wir != DS_NET_WIR_OFF)
    {
      /* no compiler, no run: fail here, before MPI and the threads */
      g_autoptr(DsNetWir) probe = ds_net_wir_new (o->wir, NULL, error);
      if (probe == NULL)
        return NULL;
    }
  n_stages = ds_plan_n_stages (plan);
  first = g_new (guint, n_stages);
  last = g_new (guint, n_stages);
  if (!stage_ranges (plan, net, first, last, error))
    return NULL;
  steps = train->n / o->minibatch;
  if (o->max_steps > 0)
    steps = MIN (steps, o->max_steps);
  init = g_new (float, net->n_params);
  ds_net_init_params (net, init, o->seed);

  res = g_new0 (DsExecResult, 1);
  res->epochs = g_array_new (FALSE, FALSE, sizeof (DsExecEpoch));
  res->evals = g_array_new (FALSE, FALSE, sizeof (DsExecEval));
  res->reached_epoch = -1;
  res->target_epochs = -1;
  res->versions = o->record_versions ? g_array_new (FALSE, FALSE, sizeof (DsExecVersionUse)) : NULL;
  r.plan = plan, r.net = net, r.train = train, r.o = o, r.replicas = replicas;
  spec.schedule = o->schedule;
  spec.n_microbatches = o->schedule == DS_SCHEDULE_1F1B ? 1 : o->n_microbatches;
  spec.n_iterations = steps;
  spec.chunks = 1;
  spec.n_buckets = 1;
  r.progs = ds_programs_new (plan, &spec, error);
  if (r.progs == NULL)
    return NULL;
  r.shard_rows = o->minibatch / r.progs->per_iteration / replicas;
  r.first = first, r.last = last;
  if (o->transport == DS_EXEC_MPI && !open_mpi (&r, error))
    {
      ds_programs_free (r.progs);
      return NULL;
    }
  res->root = r.mpi == NULL || r.mpi->rank == 0;
  make_agents (&r, first, last, init);
  r.reducers = g_new0 (Reducer, (gsize) r.progs->n_workers * n_stages);
  for (guint i = 0; i < r.progs->n_workers * n_stages; i++)
    {
      guint g = i % n_stages;
      g_mutex_init (&r.reducers[i].lock);
      g_cond_init (&r.reducers[i].cond);
      r.reducers[i].len = ds_net_range_params (net, first[g], last[g]);
      r.reducers[i].acc = g_new0 (float, r.reducers[i].len);
    }
  r.ar_total = g_new0 (guint, r.progs->n_workers);
  for (guint w = 0; w < r.progs->n_workers; w++)
    for (guint i = 0; i < r.progs->programs[w]->len; i++)
      r.ar_total[w] += g_array_index (r.progs->programs[w], DsOp, i).kind == DS_OP_ALLREDUCE;
  if (o->pin_threads && hwloc_topology_init (&r.topo) == 0 && hwloc_topology_load (r.topo) != 0)
    {
      hwloc_topology_destroy (r.topo);
      r.topo = NULL;
    }
  res->n_params = net->n_params;
  res->params = g_new0 (float, net->n_params);
  if (o->eval_every > 0)
    {
      r.n_snapshots = (steps - 1) / o->eval_every;
      r.snapshots = g_new0 (float *, r.n_snapshots + 1);
      for (guint j = 0; j < r.n_snapshots; j++)
        r.snapshots[j] = g_new0 (float, net->n_params);
      r.snapshot_us = g_new0 (gint64, (gsize) r.n_snapshots * n_stages + 1);
    }
  start = r.t0_us = g_get_monotonic_time ();
  for (guint epoch = 1; epoch <= o->epochs; epoch++)
    {
      gint64 e0 = g_get_monotonic_time ();
      double loss[2] = { 0, 0 }, per_step;
      gboolean go_on = TRUE;
      DsExecEpoch ep = { epoch, 0, 0, 0 };

      g_free (r.order);
      r.order = ds_dataset_shuffle (train->n, o->seed + epoch);
      for (gsize i = 0; i < (gsize) r.n_agents * n_stages; i++)
        if (r.states[i] != NULL)
          r.states[i]->next_snapshot = 0;
      if (r.n_snapshots > 0)
        memset (r.snapshot_us, 0, (gsize) r.n_snapshots * n_stages * sizeof (gint64));
      if (r.mpi != NULL)
        agent_main (&r.agents[r.mpi->rank]);
      else
        {
          g_autoptr(GPtrArray) threads = g_ptr_array_new ();
          for (guint a = 0; a < r.n_agents; a++)
            g_ptr_array_add (threads, g_thread_new ("dawnsim-stage", agent_main, &r.agents[a]));
          for (guint a = 0; a < threads->len; a++)
            g_thread_join (threads->pdata[a]);
        }
      per_step = (g_get_monotonic_time () - e0) / 1e6 / steps;
      g_array_append_val (iter_s, per_step);
      take_loss (&r, loss);
      if (r.mpi != NULL)
        collect_at_root (&r, loss, res->params);
      else
        gather_params (&r, res->params);
      if (res->root)
        {
          /* training time leaves every evaluation out (DAWNBench's base);
           * wall time keeps the epochs' ends in, snapshots being
           * evaluated off the clock as MLPerf allows for checkpoints
           * (reference/tta.md 2.5) */
          gint64 e1 = g_get_monotonic_time (), eval_before = eval_us, off_before = off_clock_us;
          for (guint j = 0; j < r.n_snapshots; j++)
            {
              DsExecEval e = { epoch - 1 + (double) (j + 1) * o->eval_every / steps, 0, 0, 0 };
              gint64 us = 0;
              for (guint g = 0; g < n_stages; g++)
                us = MAX (us, r.snapshot_us[j * n_stages + g]);
              e.seconds = (us - eval_before) / 1e6;
              e.wall_s = (us - off_before) / 1e6;
              e.test_accuracy = evaluate (net, r.snapshots[j], test);
              record_eval (res, o, epoch, &e);
            }
          off_clock_us += g_get_monotonic_time () - e1;
          eval_us += g_get_monotonic_time () - e1;
          e1 = g_get_monotonic_time ();
          ep.train_loss = loss[1] > 0 ? loss[0] / loss[1] : 0;
          ep.seconds = (e1 - start - eval_us) / 1e6;
          ep.test_accuracy = evaluate (net, res->params, test);
          eval_us += g_get_monotonic_time () - e1;
          g_array_append_val (res->epochs, ep);
          {
            DsExecEval e = { epoch, ep.seconds, (g_get_monotonic_time () - start - off_clock_us) / 1e6,
                             ep.test_accuracy };
            record_eval (res, o, epoch, &e);
          }
          if (o->progress != NULL)
            o->progress (epoch, ep.train_loss, ep.test_accuracy, o->progress_data);
          go_on = res->reached_epoch < 0;
        }
      if (r.mpi != NULL)
        go_on = agree_go_on (&r, go_on);
      if (!go_on)
        break;
    }
  res->iteration_s = gsl_stats_median ((double *) iter_s->data, 1, iter_s->len);
  if (o->record_trace && r.mpi != NULL)
    collect_events (&r);
  if (o->record_trace && res->root)
    {
      res->trace = merge_events (&r);
      describe_run (res->trace, &r, steps, res->iteration_s);
    }
  for (guint a = 0; a < r.n_agents && res->versions != NULL; a++)
    g_array_append_vals (res->versions, r.agents[a].versions->data, r.agents[a].versions->len);
  for (guint a = 0; a < r.n_agents && o->wir != DS_NET_WIR_OFF; a++)
    {
      Agent *ag = &r.agents[a];
      const GError *e = ag->wir != NULL ? ds_net_wir_error (ag->wir) : ag->error;
      if (ag->wir != NULL)
        {
          res->wir_kernels += ds_net_wir_n_kernels (ag->wir);
          res->wir_reused += ds_net_wir_n_reused (ag->wir);
        }
      if (e != NULL && wir_error == NULL)
        g_propagate_prefixed_error (&wir_error, g_error_copy (e), "worker %u: ", ag->worker);
    }
  if (wir_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&wir_error));
      g_clear_pointer (&res, ds_exec_result_free);
    }
  if (r.topo != NULL)
    hwloc_topology_destroy (r.topo);
  for (guint i = 0; i < r.progs->n_workers * n_stages; i++)
    {
      g_mutex_clear (&r.reducers[i].lock);
      g_cond_clear (&r.reducers[i].cond);
      g_free (r.reducers[i].acc);
    }
  g_free (r.reducers);
  g_free (r.ar_total);
  for (guint j = 0; j < r.n_snapshots; j++)
    g_free (r.snapshots[j]);
  g_free (r.snapshots);
  g_free (r.snapshot_us);
  g_free (r.order);
  free_agents (&r);
  ds_programs_free (r.progs);
  if (r.mpi != NULL)
    r.mpi->finalize ();
  return g_steal_pointer (&res);
}
