/* planner/split.h - straight pipelines cut by balance, for what the
 * PipeDream DP does not plan.
 *
 * The DP chooses stages and replicas together; the 3D layouts of large
 * transformers (tensor x pipeline x data, Megatron's) fix the pipeline
 * depth and the replica count and only need the cut: consecutive layers
 * (in topological order) in each stage, the largest stage time (fwd + bwd)
 * as small as it can be. That is the linear partition problem; solved
 * exactly by a binary search on the bottleneck with a greedy check.
 */
#pragma once

#include "core/model.h"
#include "core/plan.h"

G_BEGIN_DECLS

/* A plan of @n_stages stages over @model's layers in topological order,
 * each stage non-empty and replicated @n_replicas times, minimising the
 * largest stage time (layers' fwd_s + bwd_s; every layer must have
 * times). Fails (DS_ERROR_INVALID) when n_stages is 0 or exceeds the
 * layer count, n_replicas is 0, or a layer has no times. */
DsPlan *ds_plan_split_balanced (const DsModel *model, guint n_stages, guint n_replicas,
                                GError **error);
/* The same, for a model that may have no times (a zoo model not priced on
 * any device): a layer without times weighs its FLOPs plus its bytes
 * (fwd_flops + mem_bytes forward, bwd_flops + 2 x mem_bytes backward),
 * proportions enough for a cut. */
DsPlan *ds_plan_split_by_work  (const DsModel *model, guint n_stages, guint n_replicas,
                                GError **error);

G_END_DECLS
