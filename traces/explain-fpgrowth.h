/* traces/explain-fpgrowth.h - the FPGrowth explainer (MacroBase spec
 * section 8) and the exact frequent-itemset miner under it.
 *
 * Counts rows, not weights: rows with o > 0 are outlier transactions,
 * the rest inlier ones; the ratio is the plain risk ratio. An item is
 * good when its outlier count reaches req = floor(|O| x min_support) and
 * its RR is strictly above min_ratio. Itemsets of good items are mined
 * over the outlier transactions (Eclat on tid-lists: exact, which is all
 * the spec asks of "FP-growth or any exact miner"), deduplicated (an
 * itemset with the count of the last kept one and inside it is skipped),
 * and reported: every kept singleton, and every kept larger set whose RR
 * reaches min_ratio. Fields: support co/|O|, o = co, t = co + ci.
 */
#pragma once

#include "traces/explain-data.h"
#include "traces/explain-result.h"

G_BEGIN_DECLS

typedef struct {
  double min_support;        /* 0.1 */
  double min_ratio;          /* 3.0 (risk ratio, strict for singletons) */
  gboolean combinations;     /* TRUE; FALSE reports good single items only */
  guint n_attrs;             /* explain the first n_attrs columns; 0: all */
} DsExplainFpgOptions;

void             ds_explain_fpg_options_init (DsExplainFpgOptions *o);
/* @d must be classified. Never fails. */
DsExplainResult *ds_explain_fpgrowth (const DsExplainData *d, const DsExplainFpgOptions *o);

typedef struct {
  guint count;               /* transactions holding every item */
  guint n_items;
  guint items[];             /* ascending */
} DsItemset;

/* Every itemset held by at least max(@min_count, 1) of the transactions;
 * transaction k is items[offsets[k] .. offsets[k + 1]), ascending item
 * ids without repeats. Returns DsItemset* (g_free), each set once, in
 * depth-first order. */
GPtrArray *ds_explain_mine_itemsets (const guint *items, const guint *offsets,
                                     guint n_txns, guint min_count);

G_END_DECLS
