/* sim/pipeline.h - training iterations of a plan, played event by event.
 *
 * Input: a plan (stages of a model's layers, replicas, ranks), the model
 * (per-layer times, activation and parameter bytes), the cluster (levels,
 * bandwidths, latencies, device memory) and options. The schedule's
 * programs (core/programs.h) run on the engine (sim/engine.h): each worker
 * has a compute stream that runs its ops in order, each op waiting for
 * its input (the activation from the stage before, the gradient from the
 * stage after), and a communication stream for its gradient all-reduces,
 * so compute and communication overlap. Activations and gradients between
 * stages are flows on the links (sim/link.h, max-min fair): each device
 * has, per cluster level, a send and a receive link (full duplex, the
 * level's bandwidth each), and a transfer between devices joined at level
 * l crosses the sender's level-l send link and the receiver's receive
 * link, so transfers that leave (or reach) one device share its
 * bandwidth. A stage in the middle of a pipeline sends its activations
 * and its input's gradients on one link: with equal boundaries that is
 * PipeDream's 2 x Out / B per minibatch.
 *
 * Cost model (every time in seconds):
 *   forward / backward of stage s on a micro-batch: the sum of its layers'
 *     fwd_s / bwd_s, divided by m (the layer figures are per minibatch),
 *     by the stage's replicas under the synchronous schedules (each
 *     replica takes 1/r of the micro-batch) and by the tensor-parallel
 *     degree t, plus, with t > 1, a ring all-reduce over t devices of the
 *     output of every attention and mlp layer, in the forward and again in
 *     the backward (Megatron's f and g);
 *   with recomputation the backward repeats the forward;
 *   transfer of the boundary between stages s and s+1: the output bytes
 *     of layers in stages <= s consumed after s, / m, / min(r_s, r_s+1)
 *     under the synchronous schedules; latency + bytes at the fair rate;
 *   gradient all-reduce of stage s: ring over its r_s replicas
 *     (hwmodels ds_hw_collective_time_s) of its parameter bytes / t, at
 *     the outermost level its replicas span;
 *   optimizer step: at the device's memory bandwidth (0 when unknown),
 *     P x (4 + 2 f) bytes for P bytes of parameters and f of optimizer
 *     state per parameter byte (read weights, gradients and state, write
 *     weights and state, zero the gradients), plus 2 P to copy the
 *     weights where a schedule stashes versions;
 *   these are the fused executor's; the unfused_* options (below
 *     DsSimOptions) add the what-if of unfused non-GEMM work.
 *
 * Memory per worker: parameters x versions (1f1b: warm-up + 1, 2bw: 2,
 * else 1), gradients, optimizer state (options->optimizer_state_factor x
 * parameters), all / t, plus the activations of every micro-batch between
 * its forward and its backward: the outputs of the stage's layers, but for
 * in-place ReLUs, which reuse their input's storage (with recomputation:
 * only the stage's input is kept, the rest comes back during the
 * backward). The peak is checked against the device's memory when the
 * cluster gives it; with a trace, every change is a memory sample on the
 * worker's device (a counter track in Perfetto).
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "core/model.h"
#include "core/plan.h"
#include "core/trace.h"

G_BEGIN_DECLS

typedef struct {
  DsSchedule schedule;
  guint n_microbatches;          /* per iteration; 0 = the plan's */
  guint n_iterations;            /* 0 = 1 for the flushing schedules, 4 for
                                  * 2bw, enough minibatches for a steady
                                  * state under 1f1b */
  guint chunks;                  /* interleaved: stages per device, >= 1 */
  guint tensor_parallel;         /* t >= 1 devices per replica */
  gboolean recompute;            /* activation recomputation */
  gboolean blocking_allreduce;   /* the all-reduce holds the compute stream
                                  * (PipeDream's planner prices it so) */
  gboolean free_communication;   /* transfers and collectives take no time */
  gboolean free_transfers;       /* activations and gradients between
                                  * stages take no time, collectives still
                                  * do (PipeDream's planner without
                                  * --activation_compression_ratio) */
  /* Each of PipeDream's planner's simplifications, to switch on alone
   * (and so measure what each costs): */
  gboolean pipedream_allreduce;  /* a stage's all-reduce takes 4 (r-1)/r x
                                  * P / B (its factor; a ring needs 2), on
                                  * the compute stream */
  gboolean no_lockstep;          /* 1f1b replicas all-reduce without waiting
                                  * for each other (DDP makes them wait) */
  gboolean no_latency;           /* links and collectives have none */
  gboolean no_optimizer;         /* the optimizer step takes no time */
  gboolean pipedream_costs;      /* all four: the planner's cost model */
  double bucket_bytes;           /* dp: all-reduce bucket; 0 = 25 MiB */
  gboolean parameter_server;     /* dp: PipeDream's baseline, weights
                                  * exchanged with parameter servers sharded
                                  * over every device (hwmodels'
                                  * ds_hw_ps_exchange_time_s), not a ring */
  double optimizer_state_factor; /* optimizer bytes per parameter byte */
  guint n_cores;                 /* shared processors; 0 = none (below) */
  gboolean record_trace;
  /* Unfused non-GEMM work (`--no-fusion`, below); all NULL by default.
   * Per model layer, borrowed, as exec/fusion.h fills them: */
  const double *unfused_fwd_bytes;     /* extra bytes per minibatch forward */
  const double *unfused_fwd_launches;  /* extra kernels per forward pass */
  const double *unfused_opt_bytes;     /* extra bytes per optimizer step */
  const double *unfused_opt_launches;  /* extra kernels per optimizer step */
  double launch_s;                     /* per extra kernel, >= 0 */
} DsSimOptions;

/* Fused and unfused non-GEMM work. By default the step is the fused
 * executor's: a layer's fwd_s / bwd_s are taken to already hold its
 * elementwise work as the fused executor runs it (one pass per
 * epilogue), and the optimizer step is the one-pass update priced above.
 * The unfused_* arrays are the what-if of running every fragment as its
 * own kernel: a stage's forward on a micro-batch adds, over its layers,
 * unfused_fwd_bytes / (m r t) at the device's memory bandwidth plus
 * unfused_fwd_launches x launch_s (recomputation repeats it), and its
 * optimizer step adds unfused_opt_bytes / t at that bandwidth plus
 * unfused_opt_launches x launch_s. Nothing else changes. They need the
 * device's memory bandwidth (DS_ERROR_INVALID without it). */

/* Shared processors (n_cores > 0, fewer than the cluster's devices): the
 * devices are threads on n_cores cores, device d on core d % n_cores (as
 * `dawnsim exec` pins worker d). The ops that compute on one core at once
 * share it fairly (processor sharing, the fluid limit of a fair
 * scheduler): k of them each run at 1/k of their speed alone, and an op
 * alone runs at full speed. Forwards, backwards and optimizer steps are
 * such ops; transfers and all-reduces keep their links. A worker that
 * stands for several devices (replicas, tensor-parallel) computes on all
 * their cores in lockstep, at the rate of its most shared one. */

/* Defaults: schedule 1f1b, everything else 0 or FALSE, t = 1, chunks 1,
 * optimizer state 1 (SGD with momentum, as PipeDream trained). */
void ds_sim_options_init (DsSimOptions *options);

typedef struct {
  guint rank;                    /* first device of the worker */
  guint first_stage;             /* the stage it runs (the first, under
                                  * interleaved) */
  guint replica;                 /* which replica (1f1b), else 0 */
  guint n_devices;               /* devices it stands for (replicas x t) */
  double busy_s;                 /* compute stream busy over the run (wall
                                  * time: on a shared core, stretched) */
  double comm_busy_s;            /* communication stream busy */
  double static_bytes;           /* parameters, versions, gradients, state */
  double peak_bytes;             /* static + the largest activation stash */
  double unfused_s;              /* per iteration: compute time the unfused_*
                                  * work added (unshared seconds); 0 without */
} DsSimWorker;

typedef struct {
  DsSchedule schedule;
  guint n_stages, n_workers;
  guint n_microbatches;          /* per iteration */
  guint n_iterations;
  double makespan_s;             /* all iterations, fill and drain included */
  double iteration_s;            /* time per iteration (minibatch): the
                                  * steady-state period when more than one
                                  * was simulated, else the makespan */
  double samples_per_s;          /* 0 when the plan's sample count is unknown */
  double bubble_fraction;        /* idle share of the workers' compute time
                                  * over the makespan */
  double bubble_overhead;        /* idle time over busy time (Megatron's
                                  * bubble time fraction) */
  GArray *workers;               /* DsSimWorker */
  guint n_levels;
  double *bytes_per_level;       /* moved between stages and by all-reduces,
                                  * per cluster level, all devices counted */
  guint64 n_events;              /* engine handlers run */
  double capacity_bytes;         /* the device's memory; 0 = unknown */
  gint oom_worker;               /* the first worker over capacity, or -1 */
  DsTrace *trace;                /* with options->record_trace, else NULL */
} DsSimResult;

/* Simulates @plan of @model on @cluster. Fails (DS_ERROR_INVALID) when the
 * plan does not fit the cluster (more devices than it has, ranks out of
 * range), a layer has no times, or the schedule cannot run the plan (see
 * ds_programs_new). Running out of memory is not an error: the result
 * says where (oom_worker). */
DsSimResult *ds_sim_run         (const DsPlan *plan, const DsModel *model,
                                 const DsCluster *cluster, const DsSimOptions *options,
                                 GError **error);
void         ds_sim_result_free (DsSimResult *result);

/* The bytes crossing each stage boundary per minibatch, into @out
 * (n_stages values, the last 0): the output of a layer in stage a that a
 * layer of stage b > a consumes crosses boundaries a .. b-1 once (a skip
 * connection is forwarded through the stages between). */
void         ds_sim_boundary_bytes (const DsPlan *plan, const DsModel *model,
                                    double *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsSimResult, ds_sim_result_free)

G_END_DECLS
