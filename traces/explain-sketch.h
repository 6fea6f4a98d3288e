/* traces/explain-sketch.h - the paper-era sketch summarizer (MacroBase
 * spec 10.6), the explainer of `dawnsim explain --stream --sketch`.
 *
 * Single items are counted in two AMCs (explain-stream.h), one for the
 * inliers and one for the outliers; every summary period both decay and
 * the *interesting* items are recomputed: outlier estimate >=
 * floor(O s) and, when the item was seen among the inliers, risk ratio
 * >= rho. Pairs and triples of interesting items (one per column) are
 * counted exactly, decayed with the AMCs, in place of upstream's
 * streaming FP-tree. Results are approximate (AMC estimates over-count by
 * at most the eviction floor); every count is a decayed count, so the
 * reported totals are the decayed totals, not rows.
 */
#pragma once

#include "traces/explain-result.h"

G_BEGIN_DECLS

typedef struct _DsExplainSketch DsExplainSketch;

/* Explains the first @n_cols columns; @amc_size is each AMC's stable
 * size, @decay the share lost per period (0.01). */
DsExplainSketch *ds_explain_sketch_new        (guint n_cols, guint amc_size, double decay,
                                               double min_support, double min_ratio);
void             ds_explain_sketch_free       (DsExplainSketch *s);
/* One row: its value ids (@codes, n_cols of them) and its class. */
void             ds_explain_sketch_observe    (DsExplainSketch *s, const guint32 *codes,
                                               gboolean is_outlier);
/* The end of a summary period: decay, then refresh the interesting items
 * (combinations of items no longer interesting are forgotten). */
void             ds_explain_sketch_end_period (DsExplainSketch *s);
/* The current explanations (spec 8 steps 5-6 over the interesting items
 * and the counted combinations), risk ratio, sorted; O and T are the
 * decayed totals. @d names the values. Caller frees. */
DsExplainResult *ds_explain_sketch_results    (DsExplainSketch *s, const DsExplainData *d);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsExplainSketch, ds_explain_sketch_free)

G_END_DECLS
