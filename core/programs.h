/* core/programs.h - what each worker of a pipeline does, in what order.
 *
 * A schedule is a program per worker: a list of operations (forward or
 * backward of a stage on a micro-batch, gradient all-reduce, optimizer
 * step) that the worker's compute stream runs in list order, each op
 * waiting for its inputs (sim/pipeline.c plays the programs). Nothing here
 * knows about time: the same programs serve every cost model.
 *
 * Workers and stages: a pipeline has n_stages stages (model chunks) in
 * order. Under the synchronous schedules (dp, gpipe, 1f1b-flush, 2bw,
 * interleaved) the replicas of a stage do the same thing on different
 * data, so one worker stands for them all (symmetric ranks are simulated
 * once): n_workers = n_stages / v, and stage g runs on worker g mod
 * n_workers (v = 1 except under interleaved). Under PipeDream's 1f1b the
 * replicas of a stage take different minibatches (round-robin, reference
 * pipedream.md 8.4), so each replica is its own worker.
 *
 * Micro-batch ids are global: iteration k of m micro-batches uses ids
 * k m .. k m + m - 1 (under 1f1b a "micro-batch" is a whole minibatch,
 * m = 1). route[g * n_microbatches + id] is the worker that runs stage g
 * on that micro-batch.
 */
#pragma once

#include <glib.h>

#include "core/plan.h"

G_BEGIN_DECLS

typedef enum {
  DS_OP_FORWARD,
  DS_OP_BACKWARD,       /* part/n_parts of it: DDP buckets split the last
                             * backward of a data-parallel iteration */
  DS_OP_ALLREDUCE,      /* the stage's gradients (part/n_parts of them)
                             * among its replicas; issued to the comm stream */
  DS_OP_OPTIMIZER,      /* waits for the worker's all-reduces */
} DsOpKind;

typedef struct {
  guint8 kind;              /* DsOpKind */
  guint8 part, n_parts;     /* 0 and 1 unless split into buckets */
  guint stage;
  guint microbatch;         /* global id; for all-reduce and optimizer, the
                             * last micro-batch whose gradients they carry */
  guint group_seq;          /* all-reduce under 1f1b: the k-th of its stage's
                             * replica group (a barrier); 0 otherwise */
} DsOp;

typedef struct {
  DsSchedule schedule;
  guint n_stages;           /* pipeline stages (model chunks) */
  guint n_workers;
  guint n_microbatches;     /* total over all iterations (the route's width) */
  guint per_iteration;      /* micro-batches per iteration (1 under 1f1b) */
  guint n_iterations;
  GArray **programs;        /* n_workers arrays of DsOp */
  guint *worker_stage;      /* the first stage each worker runs */
  guint *worker_replica;    /* which replica of it (0 when symmetric) */
  guint *route;             /* n_stages x n_microbatches worker indices */
  guint *warmup;            /* per worker: forwards before the first backward */
} DsPrograms;

typedef struct {
  DsSchedule schedule;
  guint n_microbatches;     /* per iteration, >= 1 (ignored under 1f1b) */
  guint n_iterations;       /* >= 1 */
  guint chunks;             /* v, interleaved only: stages per worker */
  guint n_buckets;          /* dp: the last backward split into this many
                             * all-reduce buckets (>= 1) */
} DsProgramsSpec;

/* The programs of @plan's stages (their replica counts and warm-up depths)
 * under @spec. Fails with DS_ERROR_INVALID when the plan does not suit the
 * schedule: dp with more than one stage; interleaved when the stage count
 * is not a multiple of the chunks, or m is not a multiple of the workers
 * (as Megatron requires); 1f1b when a replica's share of minibatches would
 * be empty. */
DsPrograms *ds_programs_new  (const DsPlan *plan, const DsProgramsSpec *spec,
                                     GError **error);
void           ds_programs_free (DsPrograms *programs);

/* Whether a stage's replicas run one program on shares of each
 * micro-batch (every schedule but PipeDream's 1f1b, whose replicas take
 * whole minibatches round-robin): then one worker stands for them all. */
static inline gboolean
ds_schedule_is_synchronous (DsSchedule schedule)
{
  return schedule != DS_SCHEDULE_1F1B;
}

static inline guint
ds_programs_route (const DsPrograms *p, guint stage, guint microbatch)
{
  return p->route[(gsize) stage * p->n_microbatches + microbatch];
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsPrograms, ds_programs_free)

G_END_DECLS
