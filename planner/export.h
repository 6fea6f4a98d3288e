/* planner/export.h - a plan in the original PipeDream's artefacts.
 *
 * So a PipeDream runtime user can take a dawnsim plan: DIR/gpus=N.txt,
 * the profile with " -- stage_id=K" on every node (N = devices the plan
 * uses; reference pipedream.md 7.1, with the input's number texts kept
 * rather than re-printed with three decimals), and DIR/hybrid_conf.json,
 * the runtime's stage-to-rank configuration (7.2). DIR is created if
 * missing; each file is written atomically.
 * Errors: DS_ERROR_IO for the folder or a file; DS_ERROR_UNSUPPORTED when
 * the model cannot be written as graph.txt (graphtxt.h).
 */
#pragma once

#include "core/model.h"
#include "core/plan.h"

G_BEGIN_DECLS

/* The model with each layer's "stage_id" attribute set from @plan: a new
 * model; @model is not changed. */
DsModel *ds_plan_partitioned_model (const DsPlan *plan, const DsModel *model);

gboolean ds_plan_export_pipedream  (const DsPlan *plan, const DsModel *model,
                                    const char *dir, GError **error);

G_END_DECLS
