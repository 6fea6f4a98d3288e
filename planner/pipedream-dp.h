/* planner/pipedream-dp.h - PipeDream's hierarchical partitioning DP.
 *
 * Bug-compatible with the original optimizer (reference pipedream.md,
 * 4.4-4.11, the 'code' column of section 5): a stage's time is the *sum*
 * of compute and a 4(r-1)P/(Br) all-reduce, divided by its replicas; the
 * all-reduce is divided by the previous level's machine count (iota) in
 * the base case only; activation transfers cost nothing unless a
 * compression ratio is given; the memory check is optional.
 *
 * Determinism and ties: Pred(j) is scanned in ascending state order and
 * the first strictly better candidate wins, so equal inputs give equal
 * plans. Where the original's hash order picks another of several
 * equal-time plans (reference section 6), the objective still agrees.
 *
 * Units: seconds and bytes per second in, seconds out. Levels are given
 * innermost first (-n 4 4: 4 GPUs per server, then 4 servers).
 * Errors (DS_ERROR_INVALID): no level or more than DS_PIPEDREAM_MAX_LEVELS,
 * a level with zero machines, a bandwidth that is not finite and > 0, a
 * compression ratio or memory capacity that is not > 0; when no plan is
 * feasible, "no plan fits in X bytes per device".
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"

#include "core/model.h"
#include "core/plan.h"
#include "planner/antichain.h"

G_BEGIN_DECLS

#define DS_PIPEDREAM_MAX_LEVELS 8

typedef struct {
  guint n_machines;               /* >= 1 */
  double bandwidth_bytes_per_s;   /* > 0 */
} DsPipedreamLevel;

typedef struct {
  guint n_levels;                 /* 1..DS_PIPEDREAM_MAX_LEVELS */
  DsPipedreamLevel levels[DS_PIPEDREAM_MAX_LEVELS];  /* innermost first */
  gboolean straight;              /* --straight_pipeline: no replication */
  gboolean fewer_machines;        /* --use_fewer_machines */
  gboolean use_memory_constraint; /* --use_memory_constraint */
  double memory_bytes;            /* -s, per device; default 16e9 */
  gboolean has_compression;       /* --activation_compression_ratio given */
  double compression_ratio;       /* > 0 when has_compression */
  gboolean exhaustive;            /* scan every candidate, no bound-based
                                   * pruning (same result; for tests) */
  guint n_threads;                /* workers for the rows of lower levels;
                                   * 0: one per processor (same result) */
} DsPipedreamOptions;

/* The original's defaults: one level of @n_machines at 1e9 B/s, no flags,
 * 16e9 bytes of memory (unchecked), no compression ratio. */
void ds_pipedream_options_init (DsPipedreamOptions *options, guint n_machines);
/* The defaults with @cluster's levels as the DP's: devices per group and
 * link bandwidth, innermost first. Fails (DS_ERROR_UNSUPPORTED) for a
 * cluster of no levels or more than DS_PIPEDREAM_MAX_LEVELS. */
gboolean ds_pipedream_options_from_cluster (DsPipedreamOptions *options,
                                            const DsCluster *cluster, GError **error);

/* One stage of one level's table (stage_tables.tsv's row). */
typedef struct {
  guint start, end;        /* antichain states [start, end) */
  guint replicas;          /* at this level */
  guint total_replicas;    /* product of the counts from the top down */
  gint parent;             /* index of the enclosing stage one level up,
                            * -1 at the top level */
  guint index;             /* position within the parent's pipeline */
  double compute_s;        /* C[end-1] - C[start-1]: raw fwd+bwd, neither
                            * divided by replicas nor with communication */
} DsPipedreamStage;

typedef struct {
  guint n_states;
  double objective_s;      /* "Time per stage in pipeline" */
  double single_stage_s;   /* C[N-1] */
  double data_parallel_s;  /* the baseline of 4.10 */
  guint n_machines;        /* product of the levels' machines */
  guint n_machines_used;   /* sum of the final stages' total replicas */
  guint n_levels;
  /* levels[0] is level 1 (innermost): the final stages in pipeline order
   * (grouped by parent); levels[n_levels - 1] the top. GArray of
   * DsPipedreamStage, owned. */
  GArray *levels[DS_PIPEDREAM_MAX_LEVELS];
} DsPipedreamResult;

/* Solves every level and reconstructs the plan. @dag is borrowed. Cost:
 * about (M^2/2) sum_j |Pred(j)| steps at the top level and N times that
 * at each lower level (all rows i are needed there, solved by
 * options->n_threads threads), less where compute bounds prune the scan;
 * memory N x N doubles per lower level plus N x M table entries. */
DsPipedreamResult *ds_pipedream_solve (const DsAntichainDag *dag,
                                       const DsPipedreamOptions *options,
                                       GError **error);
void               ds_pipedream_result_free (DsPipedreamResult *result);

/* Time per minibatch of the given single-level plan under the 4.6 cost
 * model (a test oracle): stage t of @n_stages covers states
 * [starts[t], starts[t+1]) (the last up to N) with replicas[t] devices.
 * +infinity for a plan the memory check rejects. */
double ds_pipedream_plan_cost (const DsAntichainDag *dag,
                               const DsPipedreamOptions *options,
                               const guint *starts, const guint *replicas,
                               guint n_stages);

/* The result as a DsPlan for @model (the model @dag was built from): one
 * stage per final stage, n_replicas = total replicas, schedule 1f1b,
 * objective set. A layer goes to the earliest stage whose down-set holds
 * it (4.11); removed Input layers go to stage 0, removed __getitem__
 * sinks to the latest stage of their inputs. Fails (DS_ERROR_UNSUPPORTED)
 * if a stage would get no layer (down-sets of a branching graph that are
 * not nested), which DsPlan cannot express. */
DsPlan *ds_pipedream_result_to_plan (const DsPipedreamResult *result,
                                     const DsAntichainDag *dag,
                                     const DsModel *model, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsPipedreamResult, ds_pipedream_result_free)

G_END_DECLS
