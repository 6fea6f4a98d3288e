/* traces/explain-cube.c - the cube classifiers (MacroBase spec 5.5):
 * arithmetic, quantile, count-mean-shift and mean-deviation, with the
 * weighted percentile, the tabulated normal CDF and the interpolator they
 * use.
 *
 * Cube inputs are small (one row per group), so clarity wins over speed
 * here: the weighted percentile sorts an index (gsl_sort_index) per call.
 * Phi's table is not stored: entry i is Phi(-3.5 + i/10) from erfc,
 * rounded to 6 decimals, computed when needed, which gives the values of
 * a table generated at build time without a generator in the build.
 */
#include "config.h"

#include <gsl/gsl_sort.h>
#include <math.h>

#include "core/error.h"
#include "traces/explain-cube.h"

/* ---- statistics ---- */

double
ds_explain_weighted_percentile (const double *values, const double *weights, gsize n,
                                double p)
{
  g_autofree size_t *order = g_new (size_t, MAX (n, 1));
  double total = 0, need, passed = 0;

  g_return_val_if_fail (n > 0, NAN);
  gsl_sort_index (order, values, 1, n);
  for (gsize i = 0; i < n; i++)
    total += weights[i];
  if (p >= 50)
    {
      need = floor ((100 - p) / 100 * total);
      for (gsize i = n; i-- > 0;)
        if ((passed += weights[order[i]]) >= need)
          return values[order[i]];
      return values[order[0]];
    }
  need = floor (p / 100 * total);
  for (gsize i = 0; i < n; i++)
    if ((passed += weights[order[i]]) >= need)
      return values[order[i]];
  return values[order[n - 1]];
}

#define PHI_STEPS 70                 /* z = -3.5 .. 3.5 by 0.1 */

/* Phi(-3.5 + i/10), rounded to 6 decimals as the upstream table is. */
static double
phi_entry (int i)
{
  double z = (i - PHI_STEPS / 2) / 10.0;
  return round (0.5 * erfc (-z / M_SQRT2) * 1e6) / 1e6;
}

double
ds_explain_normal_cdf (double mean, double std, double x)
{
  double z = (x - mean) / std, pos, frac;
  int i;

  if (isnan (z))
    return NAN;
  if (z < -3.5)
    return 0;
  if (z > 3.5)
    return 1;
  pos = (z + 3.5) * 10;
  i = MIN ((int) floor (pos), PHI_STEPS - 1);
  frac = pos - i;
  return phi_entry (i) + frac * (phi_entry (i + 1) - phi_entry (i));
}

double
ds_explain_interpolate (const double *x, const double *y, gsize n, double v)
{
  if (n == 0 || !(v >= x[0] && v <= x[n - 1]))
    return NAN;
  for (gsize i = 0; i < n; i++)               /* an exact x: the first wins */
    if (x[i] == v)
      return y[i];
  for (gsize i = 0; i + 1 < n; i++)
    if (x[i + 1] > v)
      return y[i] + (v - x[i]) / (x[i + 1] - x[i]) * (y[i + 1] - y[i]);
  return NAN;
}

/* ---- classifiers ---- */

static gboolean
need_metrics (const DsExplainData *d, const DsExplainClassifier *c, guint n, const char *what,
              GError **error)
{
  if (d->n_metrics < n)
    return ds_fail (error, DS_ERROR_INVALID, "the %s classifier needs %u metrics (%s), got %u",
                    ds_explain_classifier_name (c->kind), n, what, d->n_metrics);
  return TRUE;
}

static double *
row_weights (const DsExplainData *d)
{
  double *t = g_new (double, MAX (d->n_rows, 1));
  for (guint i = 0; i < d->n_rows; i++)
    t[i] = ds_explain_data_t (d, i);
  return t;
}

static void
cube_cutoffs (const double *v, const double *w, gsize n, const DsExplainClassifier *c,
              DsExplainFit *fit)
{
  fit->low = ds_explain_weighted_percentile (v, w, n, c->cutoff_pct);
  fit->high = ds_explain_weighted_percentile (v, w, n, 100 - c->cutoff_pct);
}

/* o = hi n (1 - Phi((high - mean)/std)) + lo n Phi((low - mean)/std) */
static void
classify_arithmetic (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit)
{
  const double *mean = d->metrics[0], *std = d->metrics[1];
  g_autofree double *t = row_weights (d);
  gboolean hi = c->tails != DS_EXPLAIN_TAILS_LOW, lo = c->tails != DS_EXPLAIN_TAILS_HIGH;

  cube_cutoffs (mean, t, d->n_rows, c, fit);
  for (guint i = 0; i < d->n_rows; i++)
    {
      if (std[i] == 0 || isnan (std[i]))               /* bug B4: low against low */
        d->outlier[i] = (hi && mean[i] > fit->high) || (lo && mean[i] < fit->low) ? t[i] : 0;
      else
        d->outlier[i] = (hi ? t[i] * (1 - ds_explain_normal_cdf (mean[i], std[i], fit->high)) : 0)
                        + (lo ? t[i] * ds_explain_normal_cdf (mean[i], std[i], fit->low) : 0);
    }
}

/* One row's outlier weight from its quantiles q (m + 1 of them). */
static double
quantile_outliers (const double *q, const double *levels, guint m1, double n, gboolean hi,
                   gboolean lo, double low, double high)
{
  double o = 0;

  if (hi)
    o += high < q[0] ? n
         : high < q[m1 - 1] ? (1 - ds_explain_interpolate (q, levels, m1, high)) * n : 0;
  if (lo)
    o += low > q[m1 - 1] ? n
         : low > q[0] ? ds_explain_interpolate (q, levels, m1, low) * n : 0;
  return o;
}

static void
classify_quantile (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit)
{
  guint m1 = c->n_quantile_levels, n_pts = (m1 - 1) * d->n_rows;
  const double *levels = c->quantile_levels;
  g_autofree double *v = g_new (double, MAX (n_pts, 1));
  g_autofree double *w = g_new (double, MAX (n_pts, 1));
  g_autofree double *q = g_new (double, m1);
  gboolean hi = c->tails != DS_EXPLAIN_TAILS_LOW, lo = c->tails != DS_EXPLAIN_TAILS_HIGH;

  for (guint i = 0, k = 0; i < d->n_rows; i++)          /* pseudo-points */
    for (guint j = 0; j + 1 < m1; j++, k++)
      {
        v[k] = (d->metrics[j][i] + d->metrics[j + 1][i]) / 2;
        w[k] = (levels[j + 1] - levels[j]) * ds_explain_data_t (d, i);
      }
  cube_cutoffs (v, w, n_pts, c, fit);
  for (guint i = 0; i < d->n_rows; i++)
    {
      for (guint j = 0; j < m1; j++)
        q[j] = d->metrics[j][i];
      d->outlier[i] = quantile_outliers (q, levels, m1, ds_explain_data_t (d, i), hi, lo,
                                         fit->low, fit->high);
    }
}

static gboolean
classify_count_mean_shift (DsExplainData *d, const DsExplainClassifier *c, GError **error)
{
  g_autofree gboolean *match = g_new (gboolean, MAX (d->n_rows, 1));

  if (!ds_explain_predicate_match (d, &c->predicate, match, error))
    return FALSE;
  d->sums[0] = g_new0 (double, MAX (d->capacity, 1));
  d->sums[1] = g_new0 (double, MAX (d->capacity, 1));
  for (guint i = 0; i < d->n_rows; i++)
    {
      double t = ds_explain_data_t (d, i);
      d->outlier[i] = match[i] ? t : 0;
      d->sums[match[i] ? 0 : 1][i] = d->metrics[0][i] * t;
    }
  return TRUE;
}

/* mean = m1/N, std = sqrt(m2/N - mean^2), m1 = sum mean t,
 * m2 = sum (std^2 + mean^2) t */
static void
classify_mean_deviation (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit)
{
  const double *mean = d->metrics[0], *std = d->metrics[1];
  double n = 0, m1 = 0, m2 = 0;

  d->sums[0] = g_new0 (double, MAX (d->capacity, 1));
  for (guint i = 0; i < d->n_rows; i++)
    {
      double t = ds_explain_data_t (d, i);
      n += t;
      m1 += mean[i] * t;
      m2 += (std[i] * std[i] + mean[i] * mean[i]) * t;
      d->sums[0][i] = mean[i] * t;
    }
  fit->center = m1 / n;
  fit->spread = sqrt (m2 / n - fit->center * fit->center);
  fit->score_cutoff = c->score_threshold;
  for (guint i = 0; i < d->n_rows; i++)
    d->outlier[i] = fabs (mean[i] - fit->center) / fit->spread > c->score_threshold
                    ? ds_explain_data_t (d, i) : 0;
}

gboolean
ds_explain_classify_cube (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit,
                          GError **error)
{
  switch (c->kind)
    {
    case DS_EXPLAIN_CLS_ARITHMETIC:
      if (!need_metrics (d, c, 2, "mean, std", error))
        return FALSE;
      classify_arithmetic (d, c, fit);
      return TRUE;
    case DS_EXPLAIN_CLS_QUANTILE:
      if (c->n_quantile_levels < 2)
        return ds_fail (error, DS_ERROR_INVALID, "the quantile classifier needs at least 2 "
                        "quantile levels");
      if (!need_metrics (d, c, c->n_quantile_levels, "one per quantile level", error))
        return FALSE;
      classify_quantile (d, c, fit);
      return TRUE;
    case DS_EXPLAIN_CLS_COUNT_MEAN_SHIFT:
      return classify_count_mean_shift (d, c, error);
    case DS_EXPLAIN_CLS_MEAN_DEVIATION:
      if (!need_metrics (d, c, 2, "mean, std", error))
        return FALSE;
      classify_mean_deviation (d, c, fit);
      return TRUE;
    default:
      g_return_val_if_reached (FALSE);
    }
}
