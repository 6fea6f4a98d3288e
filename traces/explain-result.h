/* traces/explain-result.h - explanations, the quality metrics that rank
 * them, and their order (MacroBase spec sections 6 and 9).
 *
 * An explanation is a set of items (column, value id), at most one per
 * column, kept sorted by column; its aggregates are o = the outlier
 * weight and t = the total weight of the rows matching every item. The
 * metrics take those and the global totals O (all outliers) and T (all
 * rows). Support is always o / O over all outliers (upstream issue #53).
 */
#pragma once

#include <glib.h>

#include "traces/explain-data.h"

G_BEGIN_DECLS

typedef enum {
  DS_EXPLAIN_GLOBAL_RATIO,       /* (o/t) / (O/T) */
  DS_EXPLAIN_RISK_RATIO,         /* RR(t - o, o, T - O, O) */
  DS_EXPLAIN_PREVALENCE_RATIO,   /* (o/(t - o)) / (O/(T - O)), with guards */
  DS_EXPLAIN_MEAN_DEVIATION,     /* cube: |m1/t - mean| / std (APriori-linear only) */
  DS_EXPLAIN_MEAN_SHIFT,         /* cube: outlier mean / inlier mean (APriori-linear only) */
} DsExplainRatio;

/* "global_ratio", ...; FALSE for an unknown name. */
const char *ds_explain_ratio_name      (DsExplainRatio r);
gboolean    ds_explain_ratio_from_name (const char *name, DsExplainRatio *out);

/* Relative risk of being an outlier, exposed against unexposed:
 * E = eI + eO, R = I + O - E, uO = O - eO; 0 when E or R is 0, +inf when
 * uO is 0, else (eO/E) / (uO/R). (Plain RR: not upstream's "corrected"
 * one, bug B8.) */
double ds_explain_risk_ratio       (double e_inliers, double e_outliers,
                                    double inliers, double outliers);
/* (o/mi) / (O/I), mi = t - o or 1 when that is 0, I = T - O; 0 when
 * I = 0 (spec MET-02); O = 0 counts as 1. */
double ds_explain_prevalence_ratio (double o, double t, double outliers, double total);
double ds_explain_global_ratio     (double o, double t, double outliers, double total);
/* The ratios of (o, t) alone; NaN for the cube metrics, which need more
 * sums (below). */
double ds_explain_ratio            (DsExplainRatio r, double o, double t,
                                    double outliers, double total);
/* mean_deviation: |m1/n - mean| / std for a set of n events whose means
 * sum (weighted by count) to m1, against the global @mean and @std. */
double ds_explain_mean_deviation   (double n, double m1, double mean, double std);
/* mean_shift: (o_sum/o) / (i_sum/i), the outliers' mean over the
 * inliers'; 0 without outliers, +inf without inliers or when their
 * mean is 0. */
double ds_explain_mean_shift       (double o, double o_sum, double i, double i_sum);

typedef struct {
  guint col;                     /* attribute column */
  guint32 value;                 /* value id in that column */
} DsExplainItem;

typedef struct {
  guint n_items;
  DsExplainItem *items;          /* sorted by column */
  double support;                /* o / O */
  double ratio;                  /* the run's ratio metric */
  double o, t;                   /* outlier and total weight matched */
} DsExplanation;

DsExplanation *ds_explanation_new  (const DsExplainItem *items, guint n_items);
void           ds_explanation_free (DsExplanation *x);

typedef struct {
  GPtrArray *explanations;       /* DsExplanation*, owned, in report order */
  DsExplainRatio ratio;
  double outliers, total;        /* O and T */
} DsExplainResult;

DsExplainResult *ds_explain_result_new  (DsExplainRatio ratio, double outliers,
                                         double total);
void             ds_explain_result_free (DsExplainResult *res);
/* Appends an explanation of @items (copied) with its values. */
void             ds_explain_result_add  (DsExplainResult *res, const DsExplainItem *items,
                                         guint n_items, double support, double ratio,
                                         double o, double t);
/* Spec section 9: ratio descending (+inf first, NaN last), support
 * descending, fewer items first, then items by (column, value text). */
void             ds_explain_result_sort (DsExplainResult *res, const DsExplainData *d);
/* Redundancy pruning (--prune, spec FPG-08): sorts, then drops every
 * explanation that is a superset of an earlier one. */
void             ds_explain_result_prune (DsExplainResult *res, const DsExplainData *d);
/* TRUE when every item of @a is in @b. */
gboolean         ds_explanation_is_subset (const DsExplanation *a, const DsExplanation *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsExplainResult, ds_explain_result_free)

G_END_DECLS
