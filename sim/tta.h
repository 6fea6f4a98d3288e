/* sim/tta.h - the simulator's time-to-accuracy objective (reference
 * tta.md 9.7): predicted epochs to the target (core/efficiency.h) x the
 * simulated time per epoch.
 *
 * One simulated iteration is one minibatch and one optimizer step: the
 * synchronous schedules split the model's minibatch over replicas and
 * micro-batches, 1F1B and 2BW run one minibatch per iteration. So the
 * global batch B is the model's batch size, and the staleness is the
 * schedule's over the plan's stages (ds_eff_staleness: (n - 1) / 2 for
 * PipeDream's 1F1B, 1 for 2BW, 0 for the synchronous ones).
 */
#pragma once

#include "core/efficiency.h"
#include "core/model.h"
#include "sim/pipeline.h"

G_BEGIN_DECLS

/* Predicts the TTA of @result (a run of a plan of @model) under @eff,
 * for minibatches of @batch samples (0: the model's batch size).
 * *staleness gets the schedule's mean staleness. Fails
 * (DS_ERROR_INVALID) when the batch size is not known, or the schedule
 * has no known staleness. */
gboolean ds_sim_tta (const DsSimResult *result, const DsModel *model, double batch,
                     const DsEffModel *eff, const DsTtaSetup *setup, double *staleness,
                     DsTtaPrediction *out, GError **error);

G_END_DECLS
