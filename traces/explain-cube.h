/* traces/explain-cube.h - classifiers for pre-aggregated ("cube") rows
 * (MacroBase spec 5.5) and the statistics they rest on.
 *
 * A cube row stands for count events (its total weight t, the --weight
 * column; 1 without one) summarised by a mean and a std, or by quantile
 * columns. The classifiers give each row a fractional outlier weight o in
 * [0, t] (how many of its events lie beyond the cut-offs), or, for the
 * explainer metrics mean_deviation and mean_shift, the extra per-row sums
 * those aggregate (DsExplainData.sums). The kinds, on d's metrics in the
 * order named:
 *
 *   arithmetic        metrics mean, std: cut-offs are count-weighted
 *                     percentiles of the means; o = t (1 - Phi((high -
 *                     mean)/std)) + t Phi((low - mean)/std) on the enabled
 *                     tails; std 0 or NaN: o = t iff mean is beyond a
 *                     cut-off (the low side against the low one: bug B4)
 *   quantile          metrics q_0..q_m at levels l_0..l_m: cut-offs from
 *                     the pseudo-points (q_j + q_j+1)/2 weighted (l_j+1 -
 *                     l_j) t; o from the piecewise-linear CDF through
 *                     (q_j, l_j)
 *   count-mean-shift  metric mean, and the predicate: o = t where it holds;
 *                     sums[0] = mean t where it holds, sums[1] = mean t
 *                     where it does not
 *   mean-deviation    metrics mean, std: global mean and std from the
 *                     moments (m1 = sum mean t, m2 = sum (std^2 + mean^2) t);
 *                     o = t iff |mean - global mean| / global std >
 *                     score_threshold; sums[0] = mean t
 */
#pragma once

#include "traces/explain-classify.h"

G_BEGIN_DECLS

/* Weighted percentile at @p percent of @n (value, weight) pairs (spec
 * 5.5): for p >= 50, walking down from the largest value, the first value
 * at which the weight passed reaches floor((100 - p)/100 N), N = the total
 * weight; for p < 50 the same upwards with floor(p/100 N). Sums in double
 * (bug B11). Neither array is changed. */
double   ds_explain_weighted_percentile (const double *values, const double *weights,
                                         gsize n, double p);
/* The normal CDF at @x from a table of Phi(z), z = -3.5, -3.4, ..., 3.5,
 * each rounded to 6 decimals, linearly interpolated; 0 below the table,
 * 1 above. */
double   ds_explain_normal_cdf          (double mean, double std, double x);
/* The piecewise-linear function through (x_i, y_i), x ascending, at @v:
 * NaN outside [x_0, x_n-1]; where x repeats, the first match wins. */
double   ds_explain_interpolate         (const double *x, const double *y, gsize n,
                                         double v);
/* Classifies @d with one of the cube kinds above (c->kind); fills
 * d->outlier (already allocated), d->sums where the kind has them, and
 * @fit (low/high cut-offs; mean-deviation: center and spread = the global
 * mean and std). Errors: too few metrics for the kind. */
gboolean ds_explain_classify_cube       (DsExplainData *d, const DsExplainClassifier *c,
                                         DsExplainFit *fit, GError **error);

G_END_DECLS
