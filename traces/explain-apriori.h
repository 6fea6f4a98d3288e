/* traces/explain-apriori.h - the APriori-linear explainer (DIFF's kernel;
 * MacroBase spec section 7), dawnsim's default.
 *
 * Reports every explanation X of 1 to max_order items in distinct
 * columns with support(X) >= min_support and ratio(X) >= min_ratio whose
 * every non-empty proper subset has support >= min_support and ratio
 * < min_ratio: minimal explanations only, since a set that passes is
 * never extended. Works on weighted rows (o, t), so pre-aggregated rows
 * count by their weight. Results come sorted (explain-result.h).
 * The cube metrics (spec section 6) use the data's extra sums
 * (DsExplainData.sums, from the cube classifiers): mean_deviation takes
 * support as the share of all events (t / T) and needs @mean and @std;
 * mean_shift needs support >= min_support among the outliers (o / O, the
 * support reported) and among the inliers ((t - o) / (T - O)).
 * Counting: order 1 in dense per-column arrays, orders 2 and 3 in dense
 * arrays over the candidates when they fit, else in an open-addressing
 * table of packed keys; cost O(rows x (columns choose order)).
 */
#pragma once

#include "traces/explain-data.h"
#include "traces/explain-result.h"

G_BEGIN_DECLS

typedef struct {
  double min_support;        /* 0.01 */
  double min_ratio;          /* 3.0 */
  DsExplainRatio ratio;      /* global_ratio */
  guint max_order;           /* 1..3, default 3 */
  guint n_attrs;             /* explain the first n_attrs columns; 0: all */
  double mean, std;          /* mean_deviation: the global mean and std */
} DsExplainAprioriOptions;

void             ds_explain_apriori_options_init (DsExplainAprioriOptions *o);
/* @d must be classified (d->outlier set). Never fails; with no outliers
 * the result is empty. */
DsExplainResult *ds_explain_apriori (const DsExplainData *d,
                                     const DsExplainAprioriOptions *o);

G_END_DECLS
