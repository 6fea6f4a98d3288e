/* exec/runtime.h - train a plan for real: stages on threads, PipeDream's
 * schedules, weight stashing, a measured trace.
 *
 * The plan's stages are ranges of the network's ops (exec/net.h). Each
 * worker of the schedule's programs (core/programs.h, the very programs
 * the simulator plays) is a thread pinned to a core with hwloc, running
 * its ops in order; activations and gradients travel between threads as
 * messages. Under the synchronous schedules (gpipe, 1f1b-flush, dp) a
 * stage of r replicas is r threads running the same program, each on its
 * 1/r of every micro-batch (all stages then need the same r), summing
 * their gradients at the all-reduce. Under 1f1b each replica is its own
 * worker, taking whole minibatches round-robin, and the replicas of a
 * stage average their gradients after each backward, in lockstep (DDP).
 *
 * Weights: each stage keeps reference-counted versions. A forward uses
 * the newest version and keeps a reference in its micro-batch's tape;
 * the backward runs with that same version (PipeDream's weight
 * stashing); the optimizer step makes a new version (SGD with momentum
 * and weight decay, PyTorch's rule). Under the flushing schedules no step
 * falls between a forward and its backward, so one version serves.
 *
 * Under MPI each rank runs one worker (replica, shard); messages become
 * MPI sends, all-reduces MPI's, and rank 0 evaluates, decides when to
 * stop, and gathers the trace. The MPI job ends inside ds_exec_run.
 *
 * Loss: softmax cross-entropy of the last stage's output, the mean over
 * the minibatch (each micro-batch's gradient scaled by 1 / minibatch), so
 * micro-batches and replicas add up to the minibatch's gradient.
 */
#pragma once

#include <glib.h>

#include "core/model.h"
#include "core/plan.h"
#include "core/trace.h"
#include "exec/dataset.h"
#include "exec/net.h"

G_BEGIN_DECLS

/* Where the workers run: threads of this process, or one MPI rank each
 * (`mpirun -np WORKERS dawnsim exec ...`, exec/mpi.h). */
typedef enum {
  DS_EXEC_THREADS,
  DS_EXEC_MPI,
} DsExecTransport;

typedef struct {
  DsSchedule schedule;           /* what the workers run */
  DsExecTransport transport;
  guint n_microbatches;          /* per minibatch, >= 1 (1 under 1f1b) */
  guint minibatch;               /* samples per minibatch */
  guint epochs;                  /* >= 1 */
  guint max_steps;               /* minibatches per epoch; 0 = the whole set */
  double lr, momentum, weight_decay;
  guint64 seed;                  /* initial weights, shuffling, dropout */
  double target_accuracy;        /* stop after the epoch that reaches it; 0 = never */
  guint eval_every;              /* also measure the test accuracy after every N
                                  * minibatches of an epoch, on the weights each
                                  * stage had after its Nth step (snapshots,
                                  * evaluated after the epoch, off the clock);
                                  * 0 = at the epochs' ends only */
  gboolean record_trace;
  gboolean record_versions;      /* each micro-batch's forward and backward
                                  * weight version, for tests */
  gboolean pin_threads;          /* bind each worker to a core (hwloc) */
  gint slow_stage;               /* inject a delay into this stage's forwards and
                                  * backwards (a straggler, for tests and
                                  * `dawnsim explain`); -1 = none */
  double slow_s;                 /* the delay, seconds, inside the op's time */
  DsNetWirMode wir;              /* the non-GEMM work, the loss and the update
                                  * through lazy WIR kernels (exec/net.h), one
                                  * session per worker; OFF: the hand kernels */
  void (*progress) (guint epoch, double loss, double accuracy, gpointer data);
  gpointer progress_data;
} DsExecOptions;

/* Defaults: the plan's schedule and micro-batches, minibatch 128, 1
 * epoch, lr 0.05, momentum 0.9, no weight decay, seed 1, threads pinned,
 * no slow stage. */
void ds_exec_options_init (DsExecOptions *options, const DsPlan *plan);

typedef struct {
  guint epoch;                   /* 1, 2, ... */
  double seconds;                /* training time since the start, at its end
                                  * (evaluations left out) */
  double train_loss;             /* mean over the epoch's minibatches */
  double test_accuracy;          /* on the whole test set */
} DsExecEpoch;

/* A test accuracy measured during training, after @epochs epochs
 * (fractional within an epoch). Two clocks (reference/tta.md 2.5):
 * @seconds is training time, every evaluation left out (DAWNBench's);
 * @wall_s the wall time at the evaluation's end, the epochs' ends on the
 * clock and the snapshots of eval_every off it (MLPerf's). */
typedef struct {
  double epochs;
  double seconds;
  double wall_s;
  double test_accuracy;
} DsExecEval;

/* Which weights a micro-batch met: the version its forward used, the one
 * its backward used, and the stage's newest when the backward ran (newer
 * than the forward's when steps fell between: what stashing is for). */
typedef struct {
  guint stage, microbatch, replica;
  guint64 forward_version, backward_version, current_version;
} DsExecVersionUse;

/* Under MPI every rank returns a result, but only rank 0's (root) holds
 * the epochs, the trained weights and the merged trace. */
typedef struct {
  gboolean root;                 /* threads, or MPI rank 0 */
  GArray *epochs;                /* DsExecEpoch */
  GArray *evals;                 /* DsExecEval: --eval-every's and the epochs' ends */
  double iteration_s;            /* median wall time per minibatch */
  gint reached_epoch;            /* the epoch in which an evaluation first met
                                  * the target, or -1 */
  double reached_s;              /* that evaluation's time, or 0 */
  double target_epochs;          /* its epochs (fractional), or -1 */
  float *params;                 /* the trained network, owned */
  gsize n_params;
  DsTrace *trace;                /* with record_trace */
  GArray *versions;              /* DsExecVersionUse, with record_versions */
  guint64 wir_kernels;           /* with wir: WIR kernels the workers of this
                                  * process ran (0 when off) */
  guint64 wir_reused;            /* of those, forces of a graph already built */
} DsExecResult;

/* Trains @model (which must build a DsNet) split as @plan on @train,
 * measuring accuracy on @test after each epoch. Fails (DS_ERROR_INVALID)
 * when the plan is not for this model, its stages are not consecutive
 * ranges of the chain, a synchronous schedule has stages of unequal
 * replica counts, the minibatch does not split into micro-batches and
 * replicas, or the dataset does not fit the model's input and classes;
 * with options->wir, when there is no C compiler (WIR_ERROR). */
DsExecResult *ds_exec_run         (const DsPlan *plan, const DsModel *model,
                                   const DsDataset *train, const DsDataset *test,
                                   const DsExecOptions *options, GError **error);
void          ds_exec_result_free (DsExecResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsExecResult, ds_exec_result_free)

G_END_DECLS
