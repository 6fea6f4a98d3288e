/* traces/explain-classify.c - percentile, predicate, MAD, z-score and MCD
 * classifiers, and metric bucketing.
 *
 * Order statistics come from gsl_stats_select (O(n) expected), twice per
 * percentile (x(k) and x(k+1)), never from a full sort: the batch
 * pipeline's budget is about 100 ns per row (bench/bench-explain.c).
 * MCD uses GSL's LU for the inverse and determinant, its SVD for the
 * pseudo-inverse of a singular covariance, and mt19937 for the start.
 */
#include "config.h"

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "traces/explain-classify.h"
#include "traces/explain-cube.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (gsl_matrix, gsl_matrix_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (gsl_vector, gsl_vector_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (gsl_permutation, gsl_permutation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (gsl_rng, gsl_rng_free)

/* ---- names, defaults, predicates ---- */

static const char *const kind_names[] = {
  "percentile", "predicate", "mad", "zscore", "mcd", "column",
  "arithmetic", "quantile", "count-mean-shift", "mean-deviation",
};

gboolean
ds_explain_classifier_uses_predicate (DsExplainClassifierKind kind)
{
  return kind == DS_EXPLAIN_CLS_PREDICATE || kind == DS_EXPLAIN_CLS_COUNT_MEAN_SHIFT;
}

const char *
ds_explain_classifier_name (DsExplainClassifierKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), "?");
  return kind_names[kind];
}

gboolean
ds_explain_classifier_from_name (const char *name, DsExplainClassifierKind *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (strcmp (name, kind_names[i]) == 0)
      {
        *out = (DsExplainClassifierKind) i;
        return TRUE;
      }
  return FALSE;
}

void
ds_explain_classifier_init (DsExplainClassifier *c)
{
  memset (c, 0, sizeof *c);
  c->kind = DS_EXPLAIN_CLS_PERCENTILE;
  c->cutoff_pct = 1.0;
  c->tails = DS_EXPLAIN_TAILS_BOTH;
  c->score_percentile = 0.99;
  c->mcd_alpha = 0.5;
  c->mcd_delta = 1e-3;
  c->mcd_max_steps = 100;
}

void
ds_explain_classifier_clear (DsExplainClassifier *c)
{
  ds_explain_predicate_clear (&c->predicate);
  g_clear_pointer (&c->low_metrics, g_strfreev);
  g_clear_pointer (&c->quantile_levels, g_free);
  c->n_quantile_levels = 0;
}

void
ds_explain_predicate_clear (DsExplainPredicate *p)
{
  g_clear_pointer (&p->column, g_free);
  g_clear_pointer (&p->string, g_free);
}

/* predicate -> name op (number | "string") */
gboolean
ds_explain_predicate_parse (const char *text, DsExplainPredicate *out, GError **error)
{
  static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">" };
  static const DsExplainOp codes[] = { DS_EXPLAIN_OP_EQ, DS_EXPLAIN_OP_NE, DS_EXPLAIN_OP_LE,
                                       DS_EXPLAIN_OP_GE, DS_EXPLAIN_OP_LT, DS_EXPLAIN_OP_GT };
  const char *p = text, *name_end, *v;
  g_autofree char *value = NULL;
  guint i;

  memset (out, 0, sizeof *out);
  while (g_ascii_isspace (*p))
    p++;
  v = p;
  while (*p != '\0' && !g_ascii_isspace (*p) && strchr ("=!<>", *p) == NULL)
    p++;
  name_end = p;
  while (g_ascii_isspace (*p))
    p++;
  for (i = 0; i < G_N_ELEMENTS (ops); i++)
    if (g_str_has_prefix (p, ops[i]))
      break;
  if (name_end == v || i == G_N_ELEMENTS (ops))
    return ds_fail (error, DS_ERROR_SYNTAX, "predicate '%s': expected 'COLUMN OP VALUE' with "
                    "OP one of == != < > <= >=", text);
  out->column = g_strndup (v, name_end - v);
  out->op = codes[i];
  p += strlen (ops[i]);
  value = g_strstrip (g_strdup (p));
  if (value[0] == '"' || value[0] == '\'')
    {
      gsize n = strlen (value);
      if (n < 2 || value[n - 1] != value[0])
        return ds_fail (error, DS_ERROR_SYNTAX, "predicate '%s': the string value is not "
                        "closed", text);
      out->string = g_strndup (value + 1, n - 2);
      return TRUE;
    }
  {
    char *end = NULL;
    out->value = g_ascii_strtod (value, &end);
    if (end == value || *end != '\0' || isnan (out->value))
      return ds_fail (error, DS_ERROR_SYNTAX, "predicate '%s': '%s' is not a number (quote a "
                      "string value)", text, value);
  }
  return TRUE;
}

gboolean
ds_explain_compare_double (DsExplainOp op, double x, double value)
{
  switch (op)
    {
    case DS_EXPLAIN_OP_EQ: return x == value;
    case DS_EXPLAIN_OP_NE: return x != value;
    case DS_EXPLAIN_OP_LT: return x < value;
    case DS_EXPLAIN_OP_GT: return x > value;
    case DS_EXPLAIN_OP_LE: return x <= value;
    case DS_EXPLAIN_OP_GE: default: return x >= value;
    }
}

gboolean
ds_explain_compare_string (DsExplainOp op, const char *x, const char *value)
{
  int c = strcmp (x, value);
  return ds_explain_compare_double (op, c, 0);
}

/* ---- order statistics ---- */

/* x(k+1) (0-based index k) and x(k) (index k - 1, k >= 1) in one
 * selection: gsl_stats_select is a quickselect that leaves the array
 * partitioned around index k (every value left of it is <= it), so x(k)
 * is the largest value left of k, one scan instead of a second
 * selection (tests/test-explain.c checks both against a sort). The MAD
 * pipeline's time is mostly selections (bench/bench-explain.c). */
static double
select_pair (double *v, gsize n, gsize k, double *below)
{
  double at = gsl_stats_select (v, 1, n, k);
  double m = -INFINITY;

  for (gsize i = 0; i < k; i++)
    m = v[i] > m ? v[i] : m;
  *below = m;
  return at;
}

/* commons-math Percentile, LEGACY: pos = p (n + 1) / 100 */
double
ds_explain_percentile (double *values, gsize n, double p)
{
  double pos = p * (double) (n + 1) / 100, d, lo, hi;
  gsize k;

  g_return_val_if_fail (n > 0, NAN);
  if (pos < 1)
    return gsl_stats_select (values, 1, n, 0);
  if (pos >= (double) n)
    return gsl_stats_select (values, 1, n, n - 1);
  k = (gsize) floor (pos);
  d = pos - (double) k;
  hi = select_pair (values, n, k, &lo);
  if (d == 0)
    return lo;
  return hi == lo ? lo : lo + d * (hi - lo);
}

/* The middle value; for even n the mean of the two middle ones. */
static double
median_of (double *v, gsize n)
{
  double lo, hi;

  if (n % 2 == 1)
    return gsl_stats_select (v, 1, n, n / 2);
  hi = select_pair (v, n, n / 2, &lo);
  return (lo + hi) / 2;
}

void
ds_explain_mad_fit (const double *values, gsize n, double *median, double *mad)
{
  g_autofree double *v = g_memdup2 (values, n * sizeof *v);

  *median = median_of (v, n);
  for (gsize i = 0; i < n; i++)
    v[i] = fabs (values[i] - *median);
  *mad = median_of (v, n);
  if (*mad == 0)
    {
      /* LEG-02: the mean of the sorted residuals over [0.05 n, 0.95 n) */
      gsize lo = (gsize) floor (0.05 * (double) n), hi = (gsize) floor (0.95 * (double) n);
      double sum = 0;
      gsl_sort (v, 1, n);
      for (gsize i = lo; i < hi; i++)
        sum += v[i];
      *mad = hi > lo ? sum / (double) (hi - lo) : 0;
    }
}

void
ds_explain_mad_scores (const double *values, gsize n, double median, double mad,
                       double *scores)
{
  if (mad == 0)
    {
      for (gsize i = 0; i < n; i++)
        scores[i] = values[i] == median ? 0 : INFINITY;
      return;
    }
  for (gsize i = 0; i < n; i++)
    scores[i] = fabs (values[i] - median) / mad;
}

/* ---- the classifiers ---- */

static void
mark (DsExplainData *d, guint row, gboolean is_outlier)
{
  d->outlier[row] = is_outlier ? ds_explain_data_t (d, row) : 0;
}

static gboolean
is_low_metric (const DsExplainClassifier *c, const char *name)
{
  return c->low_metrics != NULL && g_strv_contains ((const char *const *) c->low_metrics, name);
}

/* A metric's values, with the "low is bad" transform when asked (LEG-08). */
static double *
metric_values (const DsExplainData *d, const DsExplainClassifier *c, guint m)
{
  double *v = g_memdup2 (d->metrics[m], (gsize) d->n_rows * sizeof *v);

  if (is_low_metric (c, d->metric_names[m]))
    for (guint i = 0; i < d->n_rows; i++)
      v[i] = 1 / MAX (v[i], 0.1);
  return v;
}

static void
classify_percentile (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit)
{
  g_autofree double *v = metric_values (d, c, 0);
  g_autofree double *x = metric_values (d, c, 0);
  gboolean hi = c->tails != DS_EXPLAIN_TAILS_LOW, lo = c->tails != DS_EXPLAIN_TAILS_HIGH;

  fit->low = ds_explain_percentile (v, d->n_rows, c->cutoff_pct);
  fit->high = ds_explain_percentile (v, d->n_rows, 100 - c->cutoff_pct);
  for (guint i = 0; i < d->n_rows; i++)
    mark (d, i, (hi && x[i] > fit->high) || (lo && x[i] < fit->low));
}

gboolean
ds_explain_predicate_match (const DsExplainData *d, const DsExplainPredicate *p,
                            gboolean *match, GError **error)
{
  int col;

  if (p->string == NULL)
    {
      int m = ds_explain_data_metric (d, p->column);
      if (m < 0)
        return ds_fail (error, DS_ERROR_UNKNOWN_NAME, "predicate: no metric '%s'", p->column);
      for (guint i = 0; i < d->n_rows; i++)
        match[i] = ds_explain_compare_double (p->op, d->metrics[m][i], p->value);
      return TRUE;
    }
  col = ds_explain_data_attr (d, p->column);
  if (col < 0)
    return ds_fail (error, DS_ERROR_UNKNOWN_NAME, "predicate: no column '%s'", p->column);
  {
    /* compare each distinct value once */
    const DsExplainColumn *column = &d->attrs[col];
    g_autofree gboolean *hit = g_new (gboolean, column->values->len + 1);
    for (guint v = 0; v < column->values->len; v++)
      hit[v] = ds_explain_compare_string (p->op, g_ptr_array_index (column->values, v),
                                          p->string);
    for (guint i = 0; i < d->n_rows; i++)
      match[i] = hit[d->codes[(gsize) i * d->n_attrs + col]];
  }
  return TRUE;
}

static gboolean
classify_predicate (DsExplainData *d, const DsExplainPredicate *p, GError **error)
{
  g_autofree gboolean *match = g_new (gboolean, d->n_rows + 1);

  if (!ds_explain_predicate_match (d, p, match, error))
    return FALSE;
  for (guint i = 0; i < d->n_rows; i++)
    mark (d, i, match[i]);
  return TRUE;
}

/* Percentile mode: score >= P(100 q) or +inf; static: score > T. */
static void
threshold_scores (DsExplainData *d, const DsExplainClassifier *c, double *scores,
                  DsExplainFit *fit)
{
  if (c->score_threshold > 0)
    fit->score_cutoff = c->score_threshold;
  else
    {
      g_autofree double *tmp = g_memdup2 (scores, (gsize) d->n_rows * sizeof *tmp);
      fit->score_cutoff = ds_explain_percentile (tmp, d->n_rows, 100 * c->score_percentile);
    }
  for (guint i = 0; i < d->n_rows; i++)
    mark (d, i, c->score_threshold > 0 ? scores[i] > fit->score_cutoff
                : scores[i] >= fit->score_cutoff || isinf (scores[i]));
}

static void
classify_mad (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit)
{
  g_autofree double *v = metric_values (d, c, 0);
  g_autofree double *scores = g_new (double, d->n_rows);

  ds_explain_mad_fit (v, d->n_rows, &fit->center, &fit->spread);
  ds_explain_mad_scores (v, d->n_rows, fit->center, fit->spread, scores);
  threshold_scores (d, c, scores, fit);
}

static void
classify_zscore (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit)
{
  g_autofree double *v = metric_values (d, c, 0);
  g_autofree double *scores = g_new (double, d->n_rows);

  fit->center = gsl_stats_mean (v, 1, d->n_rows);
  fit->spread = gsl_stats_sd_with_fixed_mean (v, 1, d->n_rows, fit->center);
  for (guint i = 0; i < d->n_rows; i++)
    scores[i] = fit->spread > 0 ? fabs (v[i] - fit->center) / fit->spread
                : v[i] == fit->center ? 0 : INFINITY;
  threshold_scores (d, c, scores, fit);
}

/* ---- MCD ---- */

typedef struct {
  gsize n, p;
  gsl_matrix *x;             /* n x p, transformed metrics */
  gsl_vector *mean;
  gsl_matrix *inv;           /* inverse (or pseudo-inverse) covariance */
} Mcd;

/* Mean and sample covariance of the rows in @subset (h of them), then the
 * inverse; returns the determinant (0 when singular: pseudo-inverse). */
static double
mcd_fit (Mcd *m, const size_t *subset, gsize h)
{
  g_autoptr(gsl_matrix) cov = gsl_matrix_calloc (m->p, m->p);
  g_autoptr(gsl_matrix) lu = gsl_matrix_alloc (m->p, m->p);
  g_autoptr(gsl_permutation) perm = gsl_permutation_alloc (m->p);
  double det;
  int sign;

  gsl_vector_set_zero (m->mean);
  for (gsize i = 0; i < h; i++)
    for (gsize a = 0; a < m->p; a++)
      *gsl_vector_ptr (m->mean, a) += gsl_matrix_get (m->x, subset[i], a) / (double) h;
  for (gsize i = 0; i < h; i++)
    for (gsize a = 0; a < m->p; a++)
      for (gsize b = 0; b < m->p; b++)
        *gsl_matrix_ptr (cov, a, b) += (gsl_matrix_get (m->x, subset[i], a)
                                        - gsl_vector_get (m->mean, a))
                                       * (gsl_matrix_get (m->x, subset[i], b)
                                          - gsl_vector_get (m->mean, b)) / (double) (h - 1);
  gsl_matrix_memcpy (lu, cov);
  gsl_linalg_LU_decomp (lu, perm, &sign);
  det = gsl_linalg_LU_det (lu, sign);
  if (det != 0 && isfinite (det))
    {
      gsl_linalg_LU_invert (lu, perm, m->inv);
      return det;
    }
  {
    /* SVD pseudo-inverse: V diag(1/s) U', small singular values dropped */
    g_autoptr(gsl_matrix) v = gsl_matrix_alloc (m->p, m->p);
    g_autoptr(gsl_vector) s = gsl_vector_alloc (m->p);
    g_autoptr(gsl_vector) work = gsl_vector_alloc (m->p);
    gsl_linalg_SV_decomp (cov, v, s, work);       /* cov becomes U */
    gsl_matrix_set_zero (m->inv);
    for (gsize k = 0; k < m->p; k++)
      {
        double sk = gsl_vector_get (s, k);
        if (sk <= 1e-12 * gsl_vector_get (s, 0))
          continue;
        for (gsize a = 0; a < m->p; a++)
          for (gsize b = 0; b < m->p; b++)
            *gsl_matrix_ptr (m->inv, a, b) += gsl_matrix_get (v, a, k)
                                              * gsl_matrix_get (cov, b, k) / sk;
      }
  }
  return 0;
}

static double
mcd_distance2 (const Mcd *m, gsize row)
{
  double sum = 0;
  for (gsize a = 0; a < m->p; a++)
    for (gsize b = 0; b < m->p; b++)
      sum += (gsl_matrix_get (m->x, row, a) - gsl_vector_get (m->mean, a))
             * gsl_matrix_get (m->inv, a, b)
             * (gsl_matrix_get (m->x, row, b) - gsl_vector_get (m->mean, b));
  return sum;
}

/* FastMCD from one seeded start on m->x (spec 5.4): h rows drawn, then
 * C-steps until the determinant stops falling by delta; leaves the fit in
 * m->mean and m->inv and returns the number of C-steps. */
static guint
mcd_run (Mcd *m, double alpha, double delta, guint max_steps, guint64 seed)
{
  gsize h = (gsize) floor ((double) (m->n + m->p + 1) * alpha);
  g_autofree size_t *all = g_new (size_t, m->n);
  g_autofree size_t *subset = NULL;
  g_autofree double *dist = g_new (double, m->n);
  g_autoptr(gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  double det, prev;
  guint steps;

  h = CLAMP (h, m->p + 1, m->n);                     /* bug B18 */
  subset = g_new (size_t, h);
  for (gsize i = 0; i < m->n; i++)
    all[i] = i;
  gsl_rng_set (rng, (unsigned long) seed);
  gsl_ran_choose (rng, subset, h, all, m->n, sizeof (size_t));
  det = mcd_fit (m, subset, h);
  for (steps = 1; steps < max_steps && det != 0; steps++)
    {
      /* C-step: the h rows of smallest Mahalanobis distance */
      for (gsize i = 0; i < m->n; i++)
        dist[i] = mcd_distance2 (m, i);
      gsl_sort_smallest_index (subset, h, dist, 1, m->n);
      prev = det;
      det = mcd_fit (m, subset, h);
      if (det == 0 || prev - det < delta)
        break;
    }
  return steps;
}

static void
mcd_alloc (Mcd *m, gsize n, gsize p)
{
  m->n = n;
  m->p = p;
  m->x = gsl_matrix_alloc (n, p);
  m->mean = gsl_vector_alloc (p);
  m->inv = gsl_matrix_alloc (p, p);
}

static void
mcd_clear (Mcd *m)
{
  gsl_matrix_free (m->x);
  gsl_vector_free (m->mean);
  gsl_matrix_free (m->inv);
}

guint
ds_explain_mcd_fit (const double *x, gsize n, gsize p, const DsExplainClassifier *c,
                    double *mean, double *inv)
{
  Mcd m;
  guint steps;

  g_return_val_if_fail (p >= 1 && n >= p + 1, 0);
  mcd_alloc (&m, n, p);
  memcpy (m.x->data, x, n * p * sizeof *x);          /* gsl_matrix_alloc: tda = p */
  steps = mcd_run (&m, c->mcd_alpha, c->mcd_delta, c->mcd_max_steps, c->seed);
  memcpy (mean, m.mean->data, p * sizeof *mean);
  memcpy (inv, m.inv->data, p * p * sizeof *inv);
  mcd_clear (&m);
  return steps;
}

double
ds_explain_mcd_score (const double *row, gsize p, const double *mean, const double *inv)
{
  double sum = 0;
  for (gsize a = 0; a < p; a++)
    for (gsize b = 0; b < p; b++)
      sum += (row[a] - mean[a]) * inv[a * p + b] * (row[b] - mean[b]);
  return sqrt (MAX (sum, 0));
}

static gboolean
classify_mcd (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit,
              GError **error)
{
  Mcd m;
  g_autofree double *dist = NULL;

  if (d->n_metrics < 2)
    return ds_fail (error, DS_ERROR_INVALID, "mcd: needs at least 2 metrics, got %u",
                    d->n_metrics);
  if (d->n_rows < d->n_metrics + 1)
    return ds_fail (error, DS_ERROR_INVALID, "mcd: needs at least %u rows, got %u",
                    d->n_metrics + 1, d->n_rows);
  mcd_alloc (&m, d->n_rows, d->n_metrics);
  for (gsize a = 0; a < m.p; a++)
    {
      g_autofree double *v = metric_values (d, c, (guint) a);
      for (gsize i = 0; i < m.n; i++)
        gsl_matrix_set (m.x, i, a, v[i]);
    }
  fit->mcd_steps = mcd_run (&m, c->mcd_alpha, c->mcd_delta, c->mcd_max_steps, c->seed);
  dist = g_new (double, m.n);
  for (gsize i = 0; i < m.n; i++)
    dist[i] = sqrt (MAX (mcd_distance2 (&m, i), 0));
  threshold_scores (d, c, dist, fit);
  mcd_clear (&m);
  return TRUE;
}

static gboolean
classify_column (DsExplainData *d)
{
  for (guint i = 0; i < d->n_rows; i++)
    d->outlier[i] = MAX (d->metrics[0][i], 0);
  return TRUE;
}

gboolean
ds_explain_classify (DsExplainData *d, const DsExplainClassifier *c, DsExplainFit *fit,
                     GError **error)
{
  gboolean ok = TRUE;

  memset (fit, 0, sizeof *fit);
  fit->low = fit->high = fit->center = fit->spread = fit->score_cutoff = NAN;
  g_clear_pointer (&d->outlier, g_free);
  g_clear_pointer (&d->sums[0], g_free);
  g_clear_pointer (&d->sums[1], g_free);
  d->outlier = g_new0 (double, MAX (d->capacity, 1));
  if (d->n_rows == 0)
    return ds_fail (error, DS_ERROR_INVALID, "no rows to classify");
  if (c->kind != DS_EXPLAIN_CLS_PREDICATE && d->n_metrics == 0)
    return ds_fail (error, DS_ERROR_INVALID, "the %s classifier needs a metric",
                    ds_explain_classifier_name (c->kind));
  switch (c->kind)
    {
    case DS_EXPLAIN_CLS_PERCENTILE: classify_percentile (d, c, fit); break;
    case DS_EXPLAIN_CLS_PREDICATE: ok = classify_predicate (d, &c->predicate, error); break;
    case DS_EXPLAIN_CLS_MAD: classify_mad (d, c, fit); break;
    case DS_EXPLAIN_CLS_ZSCORE: classify_zscore (d, c, fit); break;
    case DS_EXPLAIN_CLS_MCD: ok = classify_mcd (d, c, fit, error); break;
    case DS_EXPLAIN_CLS_COLUMN: ok = classify_column (d); break;
    default: ok = ds_explain_classify_cube (d, c, fit, error); break;
    }
  if (!ok)
    return FALSE;
  for (guint i = 0; i < d->n_rows; i++)
    {
      fit->outliers += d->outlier[i];
      fit->total += ds_explain_data_t (d, i);
    }
  return TRUE;
}

/* ---- bucketing ---- */

static char *
bucket_label (const char *metric, const double *b, guint n, guint i)
{
  char lo[G_ASCII_DTOSTR_BUF_SIZE] = "", hi[G_ASCII_DTOSTR_BUF_SIZE] = "";

  if (i > 0)
    g_ascii_formatd (lo, sizeof lo, "%#.6g", b[i - 1]);
  if (i < n)
    g_ascii_formatd (hi, sizeof hi, "%#.6g", b[i]);
  return g_strdup_printf ("%s:[%s,%s]", metric, lo, hi);
}

gboolean
ds_explain_bucket (DsExplainData *d, const char *metric, const double *levels,
                   guint n_levels, GError **error)
{
  static const double defaults[] = { 10, 90 };
  int m = ds_explain_data_metric (d, metric);
  g_autofree double *b = NULL, *v = NULL;
  g_autofree char *name = g_strdup_printf ("%s_a", metric);
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree const char **rows = NULL;

  if (m < 0)
    return ds_fail (error, DS_ERROR_UNKNOWN_NAME, "bucket: no metric '%s'", metric);
  if (d->n_rows == 0)
    return ds_fail (error, DS_ERROR_INVALID, "bucket: no rows");
  if (n_levels == 0)
    {
      levels = defaults;
      n_levels = G_N_ELEMENTS (defaults);
    }
  b = g_new (double, n_levels);
  v = g_memdup2 (d->metrics[m], (gsize) d->n_rows * sizeof *v);
  for (guint k = 0; k < n_levels; k++)
    b[k] = ds_explain_percentile (v, d->n_rows, levels[k]);
  for (guint k = 0; k <= n_levels; k++)
    g_ptr_array_add (labels, bucket_label (metric, b, n_levels, k));
  rows = g_new (const char *, d->n_rows + 1);
  for (guint i = 0; i < d->n_rows; i++)
    {
      guint k = 0;
      while (k < n_levels && b[k] < d->metrics[m][i])
        k++;
      rows[i] = g_ptr_array_index (labels, k);
    }
  ds_explain_data_add_attr (d, name, rows);
  return TRUE;
}
