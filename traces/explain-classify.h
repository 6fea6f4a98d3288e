/* traces/explain-classify.h - label rows as outliers (MacroBase spec
 * section 5).
 *
 * A classifier reads metrics and writes each row's outlier weight o: its
 * total weight t when the row is an outlier, else 0. The kinds and their
 * defaults (spec 5.7):
 *
 *   percentile  o iff x > P(100 - c) (high tail) or x < P(c) (low tail),
 *               strict; c = 1.0 per tail, both tails
 *   predicate   o iff `metric OP value` (== != < > <= >=); numeric, or
 *               byte-wise when the value is a quoted string (then the
 *               column is read as an attribute)
 *   mad         score |x - median| / MAD, no 1.4826 scaling
 *   zscore      score |x - mean| / sigma, population sigma
 *   mcd         score sqrt((x - mu)' S^-1 (x - mu)) over several metrics,
 *               FastMCD with one seeded start, alpha 0.5, delta 1e-3
 *   column      o = the value of a metric column (pre-classified rows)
 *   arithmetic, quantile, count-mean-shift, mean-deviation
 *               pre-aggregated rows (explain-cube.h)
 *
 * Score classifiers threshold in percentile mode by default: outlier iff
 * score >= P(100 q) of all scores, or score = +inf, q = 0.99; static mode
 * (score_threshold > 0) makes it score > T. Percentiles use the LEGACY
 * estimator of Apache commons-math (ds_explain_percentile), on which
 * every upstream value depends; not GSL's quantile, which differs.
 */
#pragma once

#include <glib.h>

#include "traces/explain-data.h"

G_BEGIN_DECLS

typedef enum {
  DS_EXPLAIN_CLS_PERCENTILE,
  DS_EXPLAIN_CLS_PREDICATE,
  DS_EXPLAIN_CLS_MAD,
  DS_EXPLAIN_CLS_ZSCORE,
  DS_EXPLAIN_CLS_MCD,
  DS_EXPLAIN_CLS_COLUMN,
  DS_EXPLAIN_CLS_ARITHMETIC,
  DS_EXPLAIN_CLS_QUANTILE,
  DS_EXPLAIN_CLS_COUNT_MEAN_SHIFT,
  DS_EXPLAIN_CLS_MEAN_DEVIATION,
} DsExplainClassifierKind;

typedef enum { DS_EXPLAIN_TAILS_BOTH, DS_EXPLAIN_TAILS_HIGH, DS_EXPLAIN_TAILS_LOW } DsExplainTails;

typedef enum {
  DS_EXPLAIN_OP_EQ, DS_EXPLAIN_OP_NE, DS_EXPLAIN_OP_LT,
  DS_EXPLAIN_OP_GT, DS_EXPLAIN_OP_LE, DS_EXPLAIN_OP_GE,
} DsExplainOp;

typedef struct {
  char *column;              /* the metric (or, for a string, the attribute) */
  DsExplainOp op;
  double value;
  char *string;              /* non-NULL: compare bytes with this */
} DsExplainPredicate;

/* Parses "error > 0.2", "release >= \"12-11-17\"", "usage==2"; the error
 * (DS_ERROR_SYNTAX) quotes the expression. Free with
 * ds_explain_predicate_clear. */
gboolean ds_explain_predicate_parse (const char *text, DsExplainPredicate *out,
                                     GError **error);
void     ds_explain_predicate_clear (DsExplainPredicate *p);
/* match[i] = whether row i of @d satisfies @p (a metric, or an attribute
 * for a string); fails when the column is not loaded. */
gboolean ds_explain_predicate_match (const DsExplainData *d, const DsExplainPredicate *p,
                                     gboolean *match, GError **error);
gboolean ds_explain_compare_double  (DsExplainOp op, double x, double value);
gboolean ds_explain_compare_string  (DsExplainOp op, const char *x, const char *value);

typedef struct {
  DsExplainClassifierKind kind;
  double cutoff_pct;         /* percentile: per tail, in percent (1.0) */
  DsExplainTails tails;      /* percentile (both) */
  DsExplainPredicate predicate;
  double score_percentile;   /* score classifiers, percentile mode (0.99) */
  double score_threshold;    /* > 0: static mode, outlier iff score > this */
  char **low_metrics;        /* metrics transformed x -> 1/max(x, 0.1) first */
  double mcd_alpha, mcd_delta;  /* 0.5, 1e-3 */
  guint mcd_max_steps;       /* 100 */
  guint64 seed;              /* 0 */
  double *quantile_levels;   /* quantile: the level of each metric, in [0, 1] */
  guint n_quantile_levels;
} DsExplainClassifier;

/* The defaults above (percentile classifier). */
void ds_explain_classifier_init  (DsExplainClassifier *c);
void ds_explain_classifier_clear (DsExplainClassifier *c);
/* "percentile", ...; FALSE when unknown. */
gboolean    ds_explain_classifier_from_name (const char *name, DsExplainClassifierKind *out);
const char *ds_explain_classifier_name      (DsExplainClassifierKind kind);
/* TRUE for the kinds that read the predicate (predicate, count-mean-shift). */
gboolean    ds_explain_classifier_uses_predicate (DsExplainClassifierKind kind);

/* What the classifier learned, for the run summary (upstream issue #260). */
typedef struct {
  double low, high;          /* percentile cut-offs (NaN where unused) */
  double center, spread;     /* MAD: median and MAD; zscore, mean-deviation: mean
                              * and sigma */
  double score_cutoff;       /* score classifiers */
  guint mcd_steps;           /* C-steps MCD took */
  double outliers, total;    /* O and T */
} DsExplainFit;

/* Classifies @d with its metrics (all of them for MCD, the first for the
 * single-metric classifiers, the first two or n_quantile_levels for the
 * cube ones) and fills d->outlier (and d->sums for count-mean-shift and
 * mean-deviation). Errors: no metric, a predicate column that does not
 * exist, MCD with fewer than 2 metrics or fewer rows than metrics + 1, a
 * cube classifier with too few metrics. */
gboolean ds_explain_classify (DsExplainData *d, const DsExplainClassifier *c,
                              DsExplainFit *fit, GError **error);

/* LEGACY percentile of @values at @p percent: pos = p (n + 1) / 100,
 * x(1) below 1, x(n) from n, else interpolated. Reorders @values. */
double ds_explain_percentile (double *values, gsize n, double p);
/* Median (the mean of the middle two for even n) and MAD, with the
 * trimmed-mean fallback when the MAD is 0 (LEG-02). Reorders nothing. */
void   ds_explain_mad_fit    (const double *values, gsize n, double *median, double *mad);
/* Fills @scores (n) with |x - median| / mad: 0 at the median and +inf
 * elsewhere when mad is 0. */
void   ds_explain_mad_scores (const double *values, gsize n, double median, double mad,
                              double *scores);

/* FastMCD (spec 5.4, with @c's alpha, delta, step cap and seed) over the
 * @n rows of @p values in @x (row-major, n >= p + 1): fills @mean (p)
 * and @inv (p x p, row-major: the inverse covariance, or its SVD
 * pseudo-inverse when singular); returns the C-steps taken. For a model
 * refit outside a data set (the streaming classifier). */
guint  ds_explain_mcd_fit   (const double *x, gsize n, gsize p, const DsExplainClassifier *c,
                             double *mean, double *inv);
/* The Mahalanobis distance of @row from such a fit. */
double ds_explain_mcd_score (const double *row, gsize p, const double *mean,
                             const double *inv);

/* Metric bucketing (spec 5.6): adds the attribute column NAME_a holding
 * labels "NAME:[,b0]", "NAME:[b0,b1]", ..., "NAME:[bk,]" for the metric
 * NAME, with boundaries at the LEGACY percentiles @levels (n_levels, in
 * percent; {10, 90} when 0). A value equal to a boundary goes below it. */
gboolean ds_explain_bucket (DsExplainData *d, const char *metric, const double *levels,
                            guint n_levels, GError **error);

G_END_DECLS
