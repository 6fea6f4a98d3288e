/* core/efficiency.h - the statistical-efficiency model and the
 * time-to-accuracy prediction built on it (reference tta.md 9.7).
 *
 *     epochs (B, s) = e_min (1 + B / b_crit) (1 + kappa s)
 *     TTA = ceil_to_eval (epochs) x ceil (dataset / B) x t_minibatch
 *           + startup + n_eval x t_eval
 *
 * B is the global batch of one optimizer step, s the mean staleness in
 * optimizer steps (ds_eff_staleness), t_minibatch the time of one
 * minibatch (simulated or measured). The model is fitted from runs by
 * traces/efficiency.h; the simulator (sim/tta.h) and `dawnsim tta`
 * predict with it. These are the nouns and their arithmetic only.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double e_min;           /* epochs (the points' unit) as B -> 0 */
  double b_crit;          /* critical batch size, samples; may be huge
                           * when the points show no growth with B */
  double kappa;           /* relative epochs per step of staleness; 0
                           * when no point is stale */
  gboolean has_kappa;     /* kappa was fitted */
  guint n_points;         /* points the fit used */
  double rms_rel;         /* sqrt (mean of squared relative residuals) */
} DsEffModel;

/* epochs (B, s) = e_min (1 + B / b_crit) (1 + kappa s) */
double   ds_eff_predict   (const DsEffModel *model, double batch, double staleness);

/* Mean staleness in optimizer steps of a schedule over @n_stages stages
 * (tta.md 9.6): "1f1b" (PipeDream, weight stashing) (n - 1) / 2, "2bw" 1,
 * the synchronous ones ("dp", "gpipe", "1f1b-flush", "interleaved") 0.
 * FALSE for any other name. */
gboolean ds_eff_staleness (const char *schedule, guint n_stages, double *staleness);

/* What a run costs besides its minibatches (tta.md 9.7). */
typedef struct {
  double dataset_size;     /* samples per epoch, >= 1 */
  double eval_every;       /* epochs between evaluations; 0: the TTA is
                            * taken at the predicted epoch itself */
  double startup_s;        /* once, >= 0 */
  double eval_s;           /* per evaluation, >= 0 (MLPerf's time base
                            * counts it, DAWNBench's does not: 0) */
  double cov;              /* relative spread of the TTA for the band;
                            * 0: tta.md 9.7's 5 % for unknown workloads */
} DsTtaSetup;

typedef struct {
  double epochs;           /* ds_eff_predict */
  double epochs_at_eval;   /* rounded up to the next evaluation */
  double n_evals;          /* evaluations up to and including the hit */
  double steps_per_epoch;  /* ceil (dataset / B) */
  double epoch_s;          /* steps_per_epoch x t_minibatch */
  double tta_s;
  double band_s;           /* +- cov x tta_s */
} DsTtaPrediction;

/* The prediction for one plan: @minibatch_s is the time of one optimizer
 * step's minibatch of @batch samples. @setup's fields must be in range
 * (g_return_if_fail). */
void     ds_eff_tta       (const DsEffModel *model, double batch, double staleness,
                           double minibatch_s, const DsTtaSetup *setup,
                           DsTtaPrediction *out);

/* The model as a small JSON object ({"format": "dawnsim-efficiency",
 * "e_min": ..., "b_crit": ..., "kappa": ..., ...}); the caller frees. */
char    *ds_eff_model_to_json (const DsEffModel *model);
/* Reads what ds_eff_model_to_json wrote. e_min and b_crit must be > 0,
 * kappa finite. */
gboolean ds_eff_model_load    (const char *path, DsEffModel *model, GError **error);
gboolean ds_eff_model_parse   (const char *text, gsize len, const char *file,
                               DsEffModel *model, GError **error);

G_END_DECLS
