/* traces/efficiency.h - statistical efficiency: epochs to a target as a
 * function of the global batch size and of staleness, fitted from runs.
 *
 * TTA = epochs to target x time per epoch (reference/tta.md 9.1): the
 * simulator gives the second factor, this module the first. The model
 * (tta.md 9.2 and 9.7):
 *
 *     epochs (B, s) = e_min (1 + B / b_crit) (1 + kappa s)
 *
 * McCandlish et al. (arXiv:1812.06162): steps S and examples E to a given
 * loss trade off as (S / S_min - 1)(E / E_min - 1) = 1, whose solution
 * along a batch size B = E / S is S = S_min (1 + B_crit / B) and
 * E = E_min (1 + B / B_crit), with B_crit = E_min / S_min (the paper finds
 * it close to the gradient noise scale B_noise). Epochs are E over the
 * dataset size, so e_min is E_min in epochs (or in the caller's unit: the
 * MLPerf BERT points count samples). s is the mean staleness in optimizer
 * steps (0 for synchronous schedules, (n - 1) / 2 for PipeDream's 1F1B
 * over n stages, 1 for 2BW: ds_eff_staleness) and kappa the relative
 * cost of one step of it. kappa is not a constant of nature: it depends
 * on the learning rate and the momentum (docs/exec.md measured 1.05 to
 * 1.81 for the 1F1B / 1-stage ratio on one model), so a fitted kappa is
 * valid only for the settings it was fitted at.
 *
 * The fit minimises the relative residuals sum ((model_i / observed_i -
 * 1)^2) over points, as tta.md 9.5 does for the MLPerf presets: without
 * staleness that is a weighted linear least-squares problem in
 * (e_min, e_min / b_crit) with weights 1 / observed^2 (gsl_fit_wlinear),
 * whose answer starts a GSL trust-region solve in (ln e_min, ln b_crit,
 * kappa), the same solver hwmodels/calibrate.c uses.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double batch;           /* global batch size, samples, > 0 */
  double staleness;       /* mean staleness, optimizer steps, >= 0 */
  double epochs;          /* to the target, > 0 (one run, or a summary) */
} DsEffPoint;

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

/* Fits @model to @n points. Needs points at >= 2 distinct batch sizes;
 * kappa is fitted when some point has staleness > 0 (and then needs a
 * third distinct (batch, staleness) pair), else it is 0. Points of equal
 * batch and staleness all count (pass ds_eff_group_medians' output to
 * fit their medians instead). Fails with DS_ERROR_INVALID on a
 * non-positive or non-finite value, too few points, or a solve that does
 * not converge. */
gboolean ds_eff_fit       (const DsEffPoint *points, guint n, DsEffModel *model,
                           GError **error);

/* One point per distinct (batch, staleness): the median epochs of its
 * runs, ordered by staleness then batch. *n_runs (may be NULL) gets a
 * new array of the runs behind each (guint). Returns a new GArray of
 * DsEffPoint. */
GArray  *ds_eff_group_medians (const DsEffPoint *points, guint n, GArray **n_runs);

/* Mean staleness in optimizer steps of a schedule over @n_stages stages
 * (tta.md 9.6): "1f1b" (PipeDream, weight stashing) (n - 1) / 2, "2bw" 1,
 * the synchronous ones ("dp", "gpipe", "1f1b-flush", "interleaved") 0.
 * FALSE for any other name. */
gboolean ds_eff_staleness (const char *schedule, guint n_stages, double *staleness);

/* ---- files ---- */

/* Reads points from a TSV with a header naming `batch_size` and `epochs`
 * (and optionally `staleness`, else 0), one row per run, other columns
 * ignored; the TSV conventions of traces/tta.h (CRLF, blank lines,
 * spaces). A row whose epochs field is "none" (a run that did not reach
 * the target) is skipped and counted in *n_not_reached (may be NULL).
 * Errors name the file and line. Returns a GArray of DsEffPoint. */
GArray  *ds_eff_points_load (const char *path, guint *n_not_reached, GError **error);
GArray  *ds_eff_points_parse (const char *text, gsize len, const char *file,
                              guint *n_not_reached, GError **error);

/* The model as a small JSON object ({"format": "dawnsim-efficiency",
 * "e_min": ..., "b_crit": ..., "kappa": ..., ...}); the caller frees. */
char    *ds_eff_model_to_json (const DsEffModel *model);
/* Reads what ds_eff_model_to_json wrote. e_min and b_crit must be > 0,
 * kappa finite. */
gboolean ds_eff_model_load    (const char *path, DsEffModel *model, GError **error);
gboolean ds_eff_model_parse   (const char *text, gsize len, const char *file,
                               DsEffModel *model, GError **error);

G_END_DECLS
