/* core/plan-json.h - dawnsim's own plan format, and PipeDream's runtime
 * configuration as an export.
 *
 * Layers are named in the file, either listed ("layers") or as an
 * inclusive range in the model's topological order ("range"), so a plan is
 * read against the model it was made for. The objective is milliseconds in
 * the file ("objective_ms") and seconds in DsPlan. Unknown fields are
 * errors; messages name the file, the line and the field. JSON -> plan ->
 * JSON is byte-identical after the first write; plan -> JSON -> plan is
 * exact (layer lists may come back as ranges: the same set, in topological
 * order).
 */
#pragma once

#include "core/plan.h"

G_BEGIN_DECLS

/* @file names the input in messages (borrowed); @model must pass
 * ds_model_check(). Returns a plan that passes ds_plan_check (plan, model,
 * NULL), or NULL. */
DsPlan *ds_plan_read_json  (const char *text, gssize len, const char *file,
                            const DsModel *model, GError **error);
/* Returns the document, ending in a newline; never fails. The plan must
 * pass ds_plan_check() against @model. */
char   *ds_plan_write_json (const DsPlan *plan, const DsModel *model,
                            gsize *len);

/* PipeDream's {dp,mp,hybrid}_conf.json shape (reference 7.2), which its
 * runtime reads: "module_to_stage_map" (the stage modules, then the
 * criterion on the last stage), "stage_to_rank_map" (string keys; a
 * stage's own ranks, else consecutive ranks in stage order), plus what the
 * original lacks: "stage_to_depth_map" (ds_plan_warmup_depth),
 * "stage_to_replicas_map" and, when set, "objective_ms". Never fails. */
char   *ds_plan_write_pipedream_conf (const DsPlan *plan, gsize *len);

G_END_DECLS
