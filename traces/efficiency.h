/* traces/efficiency.h - statistical efficiency fitted from runs: the
 * points (runs TSV), their medians and the GSL fit of the model in
 * core/efficiency.h (epochs to a target as a function of the global
 * batch and of staleness; TTA = epochs x time per epoch, tta.md 9.1).
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
 * steps (ds_eff_staleness) and kappa the relative cost of one step of
 * it. kappa is not a constant of nature: it depends on the learning rate
 * and the momentum (docs/exec.md measured 1.05 to 1.81 for the 1F1B /
 * 1-stage ratio on one model), so a fitted kappa is valid only for the
 * settings it was fitted at.
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

#include "core/efficiency.h"

G_BEGIN_DECLS

typedef struct {
  double batch;           /* global batch size, samples, > 0 */
  double staleness;       /* mean staleness, optimizer steps, >= 0 */
  double epochs;          /* to the target, > 0 (one run, or a summary) */
} DsEffPoint;

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

G_END_DECLS
