/* sim/tta.c - predicted epochs x simulated time per epoch (tta.h). */
#include "config.h"

#include "sim/tta.h"

#include "core/error.h"
#include "core/plan.h"

gboolean
ds_sim_tta (const DsSimResult *result, const DsModel *model, double batch, const DsEffModel *eff,
            const DsTtaSetup *setup, double *staleness, DsTtaPrediction *out, GError **error)
{
  const char *schedule = ds_schedule_name (result->schedule);

  if (batch <= 0)
    batch = ds_model_get_batch_size (model);
  if (!(batch >= 1))
    return ds_fail (error, DS_ERROR_INVALID, "the time to accuracy needs the samples per "
                    "minibatch, and model '%s' does not say it: give --minibatch",
                    ds_model_get_name (model));
  if (!ds_eff_staleness (schedule, result->n_stages, staleness))
    return ds_fail (error, DS_ERROR_INVALID, "no staleness is known for schedule '%s'", schedule);
  ds_eff_tta (eff, batch, *staleness, result->iteration_s, setup, out);
  return TRUE;
}
