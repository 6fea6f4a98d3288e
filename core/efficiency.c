/* core/efficiency.c - the statistical-efficiency model, the TTA
 * prediction of tta.md 9.7, and the model's JSON file (efficiency.h). */
#include "config.h"

#include "core/efficiency.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/json-reader.h"
#include "core/json-writer.h"

/* tta.md 9.7: the spread when the workload's own CoV is not known */
#define DEFAULT_COV 0.05

double
ds_eff_predict (const DsEffModel *model, double batch, double staleness)
{
  return model->e_min * (1 + batch / model->b_crit) * (1 + model->kappa * staleness);
}

gboolean
ds_eff_staleness (const char *schedule, guint n_stages, double *staleness)
{
  static const char *const synchronous[] = { "dp", "gpipe", "1f1b-flush", "interleaved" };

  g_return_val_if_fail (n_stages >= 1, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (synchronous); i++)
    if (strcmp (schedule, synchronous[i]) == 0)
      {
        *staleness = 0;
        return TRUE;
      }
  if (strcmp (schedule, "1f1b") == 0)
    *staleness = (n_stages - 1) / 2.0;
  else if (strcmp (schedule, "2bw") == 0)
    *staleness = 1;
  else
    return FALSE;
  return TRUE;
}

void
ds_eff_tta (const DsEffModel *model, double batch, double staleness, double minibatch_s,
            const DsTtaSetup *setup, DsTtaPrediction *out)
{
  g_return_if_fail (batch >= 1 && staleness >= 0 && minibatch_s >= 0);
  g_return_if_fail (setup->dataset_size >= 1 && setup->eval_every >= 0
                    && setup->startup_s >= 0 && setup->eval_s >= 0 && setup->cov >= 0);
  *out = (DsTtaPrediction) { 0 };
  out->epochs = ds_eff_predict (model, batch, staleness);
  if (setup->eval_every > 0)
    {
      /* the first evaluation at or after the predicted epoch; a hair of
       * tolerance so that an exact multiple is not pushed one further */
      out->n_evals = ceil (out->epochs / setup->eval_every * (1 - 1e-12));
      out->epochs_at_eval = out->n_evals * setup->eval_every;
    }
  else
    out->epochs_at_eval = out->epochs;
  out->steps_per_epoch = ceil (setup->dataset_size / batch);
  out->epoch_s = out->steps_per_epoch * minibatch_s;
  out->tta_s = out->epochs_at_eval * out->epoch_s + setup->startup_s
               + out->n_evals * setup->eval_s;
  out->band_s = (setup->cov > 0 ? setup->cov : DEFAULT_COV) * out->tta_s;
}

/* ---- model files ---- */

char *
ds_eff_model_to_json (const DsEffModel *m)
{
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "format", "dawnsim-efficiency");
  ds_json_member_string (w, "model", "epochs = e_min (1 + B / b_crit) (1 + kappa s)");
  ds_json_member_double (w, "e_min", m->e_min);
  ds_json_member_double (w, "b_crit", m->b_crit);
  ds_json_member_double (w, "kappa", m->kappa);
  ds_json_member_bool (w, "kappa_fitted", m->has_kappa);
  ds_json_member_uint64 (w, "n_points", m->n_points);
  ds_json_member_double (w, "rms_relative_error", m->rms_rel);
  ds_json_end_object (w);
  return ds_json_writer_finish (g_steal_pointer (&w), NULL);
}

gboolean
ds_eff_model_parse (const char *text, gsize len, const char *file, DsEffModel *m,
                    GError **error)
{
  static const char *const known[] = {
    "format", "model", "e_min", "b_crit", "kappa", "kappa_fitted", "n_points",
    "rms_relative_error", NULL
  };
  g_autoptr(DsJsonDoc) doc = ds_json_doc_parse (text, (gssize) len, file, error);
  JsonObject *root;

  *m = (DsEffModel) { 0 };
  if (doc == NULL || (root = ds_json_doc_root_object (doc, error)) == NULL
      || !ds_json_check_members (doc, root, known, error)
      || !ds_json_check_format (doc, root, "dawnsim-efficiency", 1, error)
      || !ds_json_get_double (doc, root, "e_min", TRUE, &m->e_min, error)
      || !ds_json_get_double (doc, root, "b_crit", TRUE, &m->b_crit, error)
      || !ds_json_get_double (doc, root, "kappa", FALSE, &m->kappa, error)
      || !ds_json_get_bool (doc, root, "kappa_fitted", FALSE, &m->has_kappa, error)
      || !ds_json_get_uint (doc, root, "n_points", FALSE, &m->n_points, error)
      || !ds_json_get_double (doc, root, "rms_relative_error", FALSE, &m->rms_rel, error))
    return FALSE;
  if (!(m->e_min > 0 && m->b_crit > 0 && isfinite (m->e_min) && isfinite (m->b_crit)
        && isfinite (m->kappa)))
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, root, "e_min"),
                       "e_min and b_crit must be > 0 and kappa finite, got %g, %g, %g",
                       m->e_min, m->b_crit, m->kappa);
  return TRUE;
}

gboolean
ds_eff_model_load (const char *path, DsEffModel *m, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return FALSE;
  return ds_eff_model_parse (text, len, path, m, error);
}
