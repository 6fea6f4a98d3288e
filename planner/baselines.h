/* planner/baselines.h - what the chosen plan is compared with.
 *
 * PipeDream's claim is a comparison: the hybrid plan against data
 * parallelism on every device and against a straight pipeline. This
 * module prices the three on the same antichain states and cost model
 * (reference pipedream.md, 4.6 and 4.10), so the ratios printed by
 * `dawnsim plan` compare like with like:
 *
 *   data parallel    4.10's baseline: the whole model replicated on all
 *                    machines, level by level.
 *   straight equal   GPipe-style: min(M, N) stages of (nearly) equal state
 *                    counts, one device each, ranks in stage order; a
 *                    boundary between ranks t and t+1 uses the bandwidth
 *                    of the innermost level whose group holds both.
 *   pipedream        the DP's plan (its objective).
 *
 * Communication per minibatch counts the bytes all workers send for one
 * minibatch: 2 x Out at every stage boundary (the activation forward, its
 * gradient backward) and, for a stage replicated r times, a ring
 * all-reduce of its parameters, 2 (r - 1) / r x P per minibatch (NCCL's
 * volume; each replica syncs once per minibatch it trains). The time
 * model keeps PipeDream's own 4 (r - 1) / r factor: the two answer
 * different questions (bytes on the wire vs the original's objective).
 */
#pragma once

#include "core/efficiency.h"
#include "planner/pipedream-dp.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* "data parallel", "straight pipeline", "pipedream" */
  double time_s;             /* predicted time per minibatch */
  double comm_bytes;         /* bytes sent per minibatch, all workers */
  guint n_stages;
  /* for the time-to-accuracy objective (ds_plan_baseline_tta) */
  double step_minibatches;   /* minibatches averaged into one update */
  double staleness;          /* mean staleness, optimizer steps */
} DsPlanBaseline;

typedef enum {
  DS_BASELINE_DATA_PARALLEL,
  DS_BASELINE_STRAIGHT,
  DS_BASELINE_PIPEDREAM,
  DS_BASELINE_N
} DsBaselineKind;

/* Prices the three plans for @result (solved on @dag with @options).
 *
 * Statistically (tta.md 9.6) they differ too. Data parallelism over M
 * devices averages M minibatches into each synchronous update (staleness
 * 0). The straight pipeline is priced in PipeDream's steady state (no
 * flush), so it is 1F1B with weight stashing: one minibatch per update,
 * staleness (n - 1) / 2 over n stages. PipeDream's plan is 1F1B too; a
 * stage replicated r times averages r minibatches into each update of
 * its weights, so its updates average the stages' r weighted by their
 * parameter bytes (the plain mean when no stage has parameters): our
 * summary of a plan whose stages see different batches, not PipeDream's. */
void ds_plan_baselines (const DsAntichainDag *dag,
                        const DsPipedreamOptions *options,
                        const DsPipedreamResult *result,
                        DsPlanBaseline out[DS_BASELINE_N]);

/* The time to accuracy of @bl (core/efficiency.h) for minibatches of
 * @minibatch samples: the global batch is step_minibatches x @minibatch,
 * an update takes step_minibatches x time_s. */
void ds_plan_baseline_tta (const DsPlanBaseline *bl, const DsEffModel *model,
                           double minibatch, const DsTtaSetup *setup,
                           DsTtaPrediction *out);

/* Reference 4.3's X(i, j) for the states [start, end): @per_state is
 * ds_antichain_dag_compute_s, _act_bytes or _param_bytes, cumulative over
 * down-sets, so this is what a stage over those states adds. */
double ds_plan_range_sum (double (*per_state) (const DsAntichainDag *, guint),
                          const DsAntichainDag *dag, guint start, guint end);

/* Bytes sent per minibatch by a pipeline whose final stages are
 * @stages (GArray of DsPipedreamStage in pipeline order). */
double ds_plan_comm_bytes (const DsAntichainDag *dag, const GArray *stages);

/* Each final stage's predicted time per minibatch, the 4.6 term of the
 * DP, with devices given consecutive ranks in stage order (as PipeDream's
 * runtime generator does): stage 0 pays (C + 4 (r-1) P / (B r)) / r;
 * a later stage pays the same and, with a compression ratio, 2 Out / (B r)
 * / rho at each boundary. B for the all-reduce is the bandwidth of the
 * innermost level whose groups hold r devices; B for a boundary is that
 * between the last device of one stage and the first of the next. On one
 * level this is exactly the DP's term and the objective is the maximum;
 * with one device per stage it is exact on any number of levels (the
 * straight baseline). A replicated stage on several levels has no term of
 * its own in the DP (a level prices whole pipelines of the level below),
 * so there this is only an estimate and `dawnsim plan` does not print it.
 * @out receives stages->len values. */
void ds_plan_stage_times (const DsAntichainDag *dag,
                          const DsPipedreamOptions *options,
                          const GArray *stages, double *out);

/* Bytes a device of each final stage holds (reference 4.7's charge plus
 * the stage's own current copy): (Act + Par) x (1 + ceil(downstream / r)),
 * downstream = devices of the later stages. The DP's check leaves out the
 * own copy and never charges the last stage, so with a limit no plan can
 * meet it still returns one (data parallelism); `dawnsim plan` checks
 * this after the DP so an impossible limit is an error. @out receives
 * stages->len values. */
void ds_plan_stage_memory (const DsAntichainDag *dag, const GArray *stages,
                           double *out);

/* With options->use_memory_constraint, fails (DS_ERROR_INVALID, naming
 * the stage and the bytes) when a device of a final stage cannot hold
 * what ds_plan_stage_memory charges it; otherwise TRUE. This is how
 * `dawnsim plan` turns an impossible -s into an error. */
gboolean ds_plan_check_memory (const DsAntichainDag *dag,
                               const DsPipedreamOptions *options,
                               const GArray *stages, GError **error);

/* Bandwidth between device ranks @a and @b: the innermost level whose
 * group holds both (levels innermost first, as in the options). */
double ds_plan_link_bandwidth (const DsPipedreamOptions *options, guint a,
                               guint b);

G_END_DECLS
