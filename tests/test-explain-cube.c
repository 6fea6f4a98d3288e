/* tests/test-explain-cube.c - the cube classifiers and their statistics
 * (traces/explain-cube.h) against MacroBase's inline cases CLS-03..08
 * and APL-06's classifier values (../shared/data/macrobase/cases.md).
 * The CLI-level cube cases (APL-04..06, CORE-04, 06, 07) are in
 * tests/data/explain/cases.txt. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "traces/explain-csv.h"
#include "traces/explain-cube.h"
#include "traces/explain.h"
#include "tests/testutil.h"

/* CLS-03: values = weights = 1..1000. */
static void
test_weighted_percentile (void)
{
  static const double p[] = { 100, 99, 90, 50, 1, 0 };
  static const double want[] = { 1000, 995, 949, 707, 100, 1 };
  double v[1000];

  for (guint i = 0; i < 1000; i++)
    v[i] = 1000 - i;                     /* unsorted on purpose */
  for (guint k = 0; k < G_N_ELEMENTS (p); k++)
    g_assert_cmpfloat (ds_explain_weighted_percentile (v, v, 1000, p[k]), ==, want[k]);
}

/* CLS-04, and the table's ends and exact entries. */
static void
test_normal_cdf (void)
{
  g_assert_cmpfloat_with_epsilon (ds_explain_normal_cdf (0, 1, 0.5), 0.6915, 0.001);
  g_assert_cmpfloat_with_epsilon (ds_explain_normal_cdf (5, 2, 4), 0.3085, 0.001);
  g_assert_cmpfloat (ds_explain_normal_cdf (0, 1, 0), ==, 0.5);
  g_assert_cmpfloat (ds_explain_normal_cdf (0, 1, 1), ==, 0.841345);   /* rounded entry */
  g_assert_cmpfloat (ds_explain_normal_cdf (0, 1, -3.6), ==, 0);
  g_assert_cmpfloat (ds_explain_normal_cdf (0, 1, 3.6), ==, 1);
  g_assert_cmpfloat (ds_explain_normal_cdf (0, 1, 3.5), ==, 0.999767);
}

/* CLS-08: a repeated x takes its first y. */
static void
test_interpolate (void)
{
  static const double x[] = { -2, 0, 1, 1, 3 }, y[] = { 1, 3, 3, 7, -1 };
  static const double at[] = { -3, -2, -1, 0, 0.5, 1, 1.5, 3, 3.5 };
  static const double want[] = { NAN, 1, 2, 3, 3, 3, 5, -1, NAN };

  for (guint k = 0; k < G_N_ELEMENTS (at); k++)
    {
      double got = ds_explain_interpolate (x, y, 5, at[k]);
      if (isnan (want[k]))
        g_assert_true (isnan (got));
      else
        g_assert_cmpfloat (got, ==, want[k]);
    }
}

/* Groups with one attribute "g" = i, weighted rows. */
static DsExplainData *
groups (const char *const *metrics)
{
  static const char *const attrs[] = { "g", NULL };
  return ds_explain_data_new (attrs, metrics, TRUE);
}

/* CLS-05 and CLS-06: group i has count = mean = i and std 10. */
static DsExplainData *
arithmetic_groups (void)
{
  static const char *const metrics[] = { "mean", "std", NULL };
  DsExplainData *d = groups (metrics);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *g = g_strdup_printf ("%u", i);
      const char *row[] = { g };
      double m[] = { i, 10 };
      ds_explain_data_add_row (d, row, m, i);
    }
  return d;
}

static void
test_arithmetic (void)
{
  g_autoptr(DsExplainData) d = arithmetic_groups ();
  DsExplainClassifier c;
  DsExplainFit fit;
  guint n_flagged = 0;

  ds_explain_classifier_init (&c);
  c.kind = DS_EXPLAIN_CLS_ARITHMETIC;
  g_assert_true (ds_explain_classify (d, &c, &fit, NULL));              /* CLS-05 */
  g_assert_cmpfloat (fit.low, ==, 100);
  g_assert_cmpfloat (fit.high, ==, 994);
  g_assert_cmpfloat (fit.outliers, >=, 12300);
  g_assert_cmpfloat (fit.outliers, <=, 12350);
  g_assert_cmpfloat_with_epsilon (fit.outliers, 12316.77, 0.01);
  for (guint i = 0; i < d->n_rows; i++)
    if (d->outlier[i] >= 1.0)
      {
        n_flagged++;
        g_assert_true (i <= 124 || i >= 964);
      }
  g_assert_cmpuint (n_flagged, ==, 160);

  c.cutoff_pct = 5;                                                      /* CLS-06 */
  c.tails = DS_EXPLAIN_TAILS_LOW;
  g_assert_true (ds_explain_classify (d, &c, &fit, NULL));
  g_assert_cmpfloat (fit.low, ==, 223);
  g_assert_cmpfloat (fit.outliers, >=, 24900);
  g_assert_cmpfloat (fit.outliers, <=, 25000);
  g_assert_cmpfloat_with_epsilon (fit.outliers, 24914.38, 0.01);
  for (guint i = 0; i < d->n_rows; i++)
    if (d->outlier[i] >= 1.0)
      g_assert_cmpuint (i, <=, 249);
}

/* A std of 0 flags whole groups, each side against its own cut-off (bug
 * B4 compared the low side with the high cut-off). */
static void
test_arithmetic_zero_std (void)
{
  static const char *const metrics[] = { "mean", "std", NULL };
  g_autoptr(DsExplainData) d = groups (metrics);
  DsExplainClassifier c;
  DsExplainFit fit;

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *g = g_strdup_printf ("%u", i);
      const char *row[] = { g };
      double m[] = { i, 0 };
      ds_explain_data_add_row (d, row, m, 1);
    }
  ds_explain_classifier_init (&c);
  c.kind = DS_EXPLAIN_CLS_ARITHMETIC;
  c.tails = DS_EXPLAIN_TAILS_LOW;
  c.cutoff_pct = 5;
  g_assert_true (ds_explain_classify (d, &c, &fit, NULL));
  g_assert_cmpfloat (fit.low, ==, 4);
  for (guint i = 0; i < 100; i++)
    g_assert_cmpfloat (d->outlier[i], ==, i < 4 ? 1 : 0);
}

/* CLS-07: group i covers the raw values i-50..i+50 and carries its
 * quantiles at 0, 0.1, 0.5, 0.9, 1; the cut-offs land within 5 of the
 * raw values' percentiles and each estimate within 5 of the true count
 * beyond them. */
static void
check_quantile (DsExplainClassifier *c, double cutoff, DsExplainTails tails)
{
  static const char *const metrics[] = { "q0", "q10", "q50", "q90", "q100", NULL };
  static const double levels[] = { 0, 0.1, 0.5, 0.9, 1 };
  g_autoptr(DsExplainData) d = groups (metrics);
  g_autofree double *raw = g_new (double, 100 * 101);
  DsExplainFit fit;
  double true_low, true_high;

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *g = g_strdup_printf ("%u", i);
      const char *row[] = { g };
      double q[5];
      for (guint j = 0; j < 5; j++)
        q[j] = i + (levels[j] - 0.5) * 100;
      ds_explain_data_add_row (d, row, q, 101);
      for (guint k = 0; k <= 100; k++)
        raw[i * 101 + k] = (double) i - 50 + k;
    }
  c->cutoff_pct = cutoff;
  c->tails = tails;
  g_assert_true (ds_explain_classify (d, c, &fit, NULL));
  true_low = ds_explain_percentile (raw, 100 * 101, cutoff);
  true_high = ds_explain_percentile (raw, 100 * 101, 100 - cutoff);
  g_assert_cmpfloat (fabs (fit.low - true_low), <=, 5);
  if (tails == DS_EXPLAIN_TAILS_BOTH)
    g_assert_cmpfloat (fabs (fit.high - true_high), <=, 5);
  for (guint i = 0; i < 100; i++)
    {
      double count = 0;
      for (guint k = 0; k <= 100; k++)
        {
          double x = (double) i - 50 + k;
          count += x < fit.low || (tails == DS_EXPLAIN_TAILS_BOTH && x > fit.high);
        }
      g_assert_cmpfloat (fabs (d->outlier[i] - count), <=, 5);
    }
}

static void
test_quantile (void)
{
  static const double levels[] = { 0, 0.1, 0.5, 0.9, 1 };
  DsExplainClassifier c;

  ds_explain_classifier_init (&c);
  c.kind = DS_EXPLAIN_CLS_QUANTILE;
  c.quantile_levels = g_memdup2 (levels, sizeof levels);
  c.n_quantile_levels = G_N_ELEMENTS (levels);
  check_quantile (&c, 1, DS_EXPLAIN_TAILS_BOTH);                  /* (a) */
  check_quantile (&c, 5, DS_EXPLAIN_TAILS_LOW);                   /* (b) */
  ds_explain_classifier_clear (&c);
}

/* APL-06's classifier: counts and mean sums on each side of time == "1". */
static void
test_count_mean_shift (void)
{
  static const char *const attrs[] = { "location", "version", "time", NULL };
  static const char *const metrics[] = { "meanLatency", NULL };
  g_autofree char *path = ds_test_shared ("macrobase/lib/src/test/resources/sample_cubedshift.csv");
  g_autofree char *text = NULL;
  g_autoptr(DsExplainData) d = NULL;
  DsExplainSchema schema = { attrs, metrics, "count" };
  DsExplainClassifier c;
  DsExplainFit fit;

  if (path == NULL)
    return;
  text = ds_test_read (path, NULL);
  d = ds_explain_csv_read (text, strlen (text), path, &schema, NULL);
  g_assert_nonnull (d);
  ds_explain_classifier_init (&c);
  c.kind = DS_EXPLAIN_CLS_COUNT_MEAN_SHIFT;
  g_assert_true (ds_explain_predicate_parse ("time == \"1\"", &c.predicate, NULL));
  g_assert_true (ds_explain_classify (d, &c, &fit, NULL));
  g_assert_cmpfloat (d->outlier[0], ==, 150);
  g_assert_cmpfloat (d->outlier[1], ==, 0);
  g_assert_cmpfloat (d->outlier[6], ==, 1);
  g_assert_cmpfloat (d->outlier[8], ==, 0);
  g_assert_cmpfloat (d->sums[1][2], ==, 0);           /* inlierMeanSum */
  g_assert_cmpfloat (d->sums[1][3], ==, 3600);
  g_assert_cmpfloat (d->sums[1][5], ==, 5000);
  g_assert_cmpfloat (d->sums[1][7], ==, 200);
  g_assert_cmpfloat (d->sums[0][0], ==, 150 * 37);    /* outlierMeanSum */
  g_assert_cmpfloat (fit.outliers, ==, 501);
  ds_explain_classifier_clear (&c);
}

/* mean_shift's guards; mean_deviation on APL-04's global moments. */
static void
test_cube_metrics (void)
{
  g_assert_cmpfloat (ds_explain_mean_shift (300, 12300, 300, 6600), ==, 41.0 / 22);
  g_assert_cmpfloat (ds_explain_mean_shift (0, 0, 300, 6600), ==, 0);
  g_assert_true (isinf (ds_explain_mean_shift (10, 100, 0, 0)));
  g_assert_cmpfloat_with_epsilon (ds_explain_mean_deviation (100, 20000, 38.84615384615385,
                                                             48.450365012272975),
                                  3.3261637164761138, 1e-12);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain/cube/weighted-percentile", test_weighted_percentile);
  g_test_add_func ("/explain/cube/normal-cdf", test_normal_cdf);
  g_test_add_func ("/explain/cube/interpolate", test_interpolate);
  g_test_add_func ("/explain/cube/arithmetic", test_arithmetic);
  g_test_add_func ("/explain/cube/arithmetic-zero-std", test_arithmetic_zero_std);
  g_test_add_func ("/explain/cube/quantile", test_quantile);
  g_test_add_func ("/explain/cube/count-mean-shift", test_count_mean_shift);
  g_test_add_func ("/explain/cube/metrics", test_cube_metrics);
  return g_test_run ();
}
