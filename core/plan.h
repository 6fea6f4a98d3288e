/* core/plan.h - DsPlan: how a model is split over a cluster.
 *
 * A plan is a pipeline of stages. Each stage holds a set of layers (indices
 * into a DsModel), runs on n_replicas devices (data parallel inside the
 * stage) and may name those devices by rank; it may also fix its warm-up
 * depth (minibatches admitted before the first backward, PipeDream's
 * stage_to_depth_map). The plan also names its schedule, the micro-batch
 * count and size, and may carry the planner's objective (predicted time
 * per minibatch, seconds).
 *
 * A plan does not hold its model: layer indices mean something only with
 * the model it was made for, which callers pass to check, read and write.
 * ds_plan_check() is the invariant checker; the JSON reader calls it
 * before returning a plan.
 *
 * Ownership: reference counted. The plan owns its stages; DsPlanStage
 * pointers are valid until the next ds_plan_add_stage().
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "core/model.h"

G_BEGIN_DECLS

typedef enum {
#define DS_SCHEDULE(id, name, desc) DS_SCHEDULE_##id,
#include "core/schedule.def"
#undef DS_SCHEDULE
  DS_SCHEDULE_N
} DsSchedule;

/* "1f1b-flush" for DS_SCHEDULE_1F1B_FLUSH; static strings. */
const char *ds_schedule_name        (DsSchedule schedule);
const char *ds_schedule_description (DsSchedule schedule);
/* FALSE (and *out untouched) when @name is not a schedule. */
gboolean    ds_schedule_from_name   (const char *name, DsSchedule *out);

typedef struct {
  GArray  *layers;          /* guint layer indices, owned, never NULL */
  guint    n_replicas;      /* >= 1 */
  GArray  *ranks;           /* guint device ranks, owned, never NULL;
                             * empty = not placed, else n_replicas long */
  gboolean has_warmup_depth;
  guint    warmup_depth;    /* minibatches in flight before the first
                             * backward; meaningful when has_warmup_depth */
} DsPlanStage;

typedef struct _DsPlan DsPlan;

/* A plan with no stages, schedule 1f1b, one micro-batch of size 0
 * (unknown), no objective. */
DsPlan      *ds_plan_new            (void);
DsPlan      *ds_plan_ref            (DsPlan *plan);
void         ds_plan_unref          (DsPlan *plan);

DsSchedule   ds_plan_get_schedule   (const DsPlan *plan);
void         ds_plan_set_schedule   (DsPlan *plan, DsSchedule schedule);
/* Micro-batches per minibatch, >= 1. */
guint        ds_plan_get_n_microbatches (const DsPlan *plan);
void         ds_plan_set_n_microbatches (DsPlan *plan, guint n);
/* Samples per micro-batch; 0 = not known. */
guint        ds_plan_get_microbatch_size (const DsPlan *plan);
void         ds_plan_set_microbatch_size (DsPlan *plan, guint size);
/* The planner's predicted time per minibatch, seconds; FALSE when none. */
gboolean     ds_plan_get_objective_s (const DsPlan *plan, double *objective_s);
void         ds_plan_set_objective_s (DsPlan *plan, double objective_s);
void         ds_plan_clear_objective (DsPlan *plan);

guint        ds_plan_n_stages       (const DsPlan *plan);
DsPlanStage *ds_plan_stage          (DsPlan *plan, guint idx);
const DsPlanStage *ds_plan_stage_const (const DsPlan *plan, guint idx);
/* Appends an empty stage with one replica and returns it to fill in. */
DsPlanStage *ds_plan_add_stage      (DsPlan *plan);
/* Sum of n_replicas over the stages. */
guint        ds_plan_n_replicas     (const DsPlan *plan);
/* The stage's warm-up depth: its own when set, else PipeDream's default
 * ceil((replicas of later stages) / (replicas of this stage)). */
guint        ds_plan_warmup_depth   (const DsPlan *plan, guint stage_idx);

/* Invariants against @model and, when not NULL, @cluster:
 *   - at least one stage, each with at least one layer and n_replicas >= 1;
 *     n_microbatches >= 1; a set objective is finite and >= 0;
 *   - every layer of the model in exactly one stage (names the layer);
 *   - no model edge from a later stage to an earlier one (names the edge);
 *   - the 'dp' schedule has exactly one stage;
 *   - a stage's ranks, when given, number n_replicas, are distinct and
 *     < the cluster's device count;
 *   - ranks distinct across stages and the sum of replicas <= devices,
 *     except under 'interleaved', where a device runs several stages.
 * Fails with DS_ERROR_INVALID, or DS_ERROR_DUPLICATE for a repeated layer
 * or rank. */
gboolean     ds_plan_check          (const DsPlan *plan, const DsModel *model,
                                     const DsCluster *cluster, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsPlan, ds_plan_unref)

G_END_DECLS
