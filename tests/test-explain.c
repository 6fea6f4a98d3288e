/* tests/test-explain.c - the explain library (traces/explain-*.h): the
 * metrics, estimators, sketches, miner, window and readers, against the
 * library-level MacroBase cases (../shared/data/macrobase/cases.md: MET,
 * LEG, CLS, FPG-05..08, STR) and bad input. The CLI-level cases are in
 * tests/test-explain-conformance.c. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "traces/explain-csv.h"
#include "traces/explain-sketch.h"
#include "traces/explain-stream.h"
#include "traces/explain.h"
#include "tests/testutil.h"

static void
assert_close (double got, double want, double tol)
{
  if (!(fabs (got - want) <= tol) && !(isinf (got) && got == want))
    g_error ("got %.17g, expected %.17g (within %g)", got, want, tol);
}

/* MET-01: RR(eI, eO, I, O); a missing count is 0. */
static void
test_risk_ratio (void)
{
  static const double cases[][5] = {
    { 10, 10, 100, 100, 1.0 }, { 10, 10, 1000, 100, 6.0 }, { 10, 99, 1000, 100, 900.082 },
    { 0, 0, 100, 100, 0 }, { 100, 100, 100, 100, 0 }, { 0, 100, 100, 100, INFINITY },
    { 100, 0, 1000, 100, 0 }, { 0, 0, 0, 0, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_close (ds_explain_risk_ratio (cases[i][0], cases[i][1], cases[i][2], cases[i][3]),
                  cases[i][4], 0.01);
}

/* MET-02 and MET-03. */
static void
test_prevalence_and_global (void)
{
  assert_close (ds_explain_prevalence_ratio (10, 11, 25, 50), (10.0 / 25) / (1.0 / 25), 1e-9);
  assert_close (ds_explain_prevalence_ratio (10, 10, 25, 50), (10.0 / 25) / (1.0 / 25), 1e-9);
  assert_close (ds_explain_prevalence_ratio (10, 11, 10, 50), (10.0 / 10) / (1.0 / 40), 1e-9);
  assert_close (ds_explain_prevalence_ratio (10, 11, 10, 10), 0, 0);
  g_assert_true (ds_test_rel_close (ds_explain_global_ratio (38, 257, 38, 1057),
                                    4.1128404669260705, 1e-12));
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double *
iota (guint n)
{
  double *v = g_new (double, n);
  for (guint i = 0; i < n; i++)
    v[i] = i;
  return v;
}

/* CLS-01's estimator: LEGACY, not GSL's (n - 1) p rule. */
static void
test_percentile (void)
{
  g_autofree double *v = iota (1000);
  assert_close (ds_explain_percentile (v, 1000, 0.5), 4.005, 1e-9);
  assert_close (ds_explain_percentile (v, 1000, 99.5), 994.995, 1e-9);
  assert_close (ds_explain_percentile (v, 1000, 10), 99.1, 1e-9);
  assert_close (ds_explain_percentile (v, 1000, 0.01), 0, 0);
  assert_close (ds_explain_percentile (v, 1000, 100), 999, 0);
}

/* The LEGACY estimator and the median against a full sort, on random
 * data with many ties (the selection shortcut must not change them). */
static void
test_percentile_sorted (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);

  for (guint n = 1; n < 300; n += 7)
    {
      g_autofree double *v = g_new (double, n), *sorted = g_new (double, n);
      double median, mad;
      for (guint i = 0; i < n; i++)
        v[i] = g_rand_int_range (rand, 0, 20);
      memcpy (sorted, v, n * sizeof *v);
      qsort (sorted, n, sizeof *v, cmp_double);
      for (double p = 0.5; p < 100; p += 7.25)
        {
          g_autofree double *w = g_memdup2 (v, n * sizeof *v);
          double pos = p * (n + 1) / 100, want;
          guint k = (guint) floor (pos);
          want = pos < 1 ? sorted[0] : pos >= n ? sorted[n - 1]
                 : sorted[k - 1] + (pos - k) * (sorted[k] - sorted[k - 1]);
          assert_close (ds_explain_percentile (w, n, p), want, 1e-12);
        }
      ds_explain_mad_fit (v, n, &median, &mad);
      assert_close (median, n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2, 0);
    }
}

/* LEG-01, LEG-02 (the MAD = 0 fallback), LEG-03 (no 1.4826: bug B5). */
static void
test_mad (void)
{
  g_autofree double *v = iota (100);
  double median, mad, s[100], x[30];

  ds_explain_mad_fit (v, 100, &median, &mad);
  assert_close (median, 49.5, 0);
  assert_close (mad, 25, 0);
  ds_explain_mad_scores (v, 100, median, mad, s);
  assert_close (s[0], 1.98, 1e-12);
  assert_close (s[99], 1.98, 1e-12);
  assert_close (s[50], 0.02, 1e-12);
  for (guint i = 0; i < 30; i++)
    x[i] = i == 0 || i >= 28 ? 5 : 10;
  ds_explain_mad_fit (x, 30, &median, &mad);
  assert_close (mad, 5.0 / 27, 1e-15);
  ds_explain_mad_scores (x, 30, median, mad, s);
  assert_close (s[0], 27, 1e-12);
  assert_close (s[1], 0, 0);
  {
    double y[11] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20 };
    ds_explain_mad_fit (y, 11, &median, &mad);
    ds_explain_mad_scores (y, 11, median, mad, s);
    assert_close (s[10], 5.0, 1e-12);
  }
}

static DsExplainData *
one_metric (const double *v, guint n)
{
  static const char *const attrs[] = { "a", NULL };
  static const char *const metrics[] = { "x", NULL };
  DsExplainData *d = ds_explain_data_new (attrs, metrics, FALSE);
  for (guint i = 0; i < n; i++)
    {
      const char *values[] = { "v" };
      ds_explain_data_add_row (d, values, &v[i], 1);
    }
  return d;
}

/* LEG-04: population sigma. */
static void
test_zscore (void)
{
  g_autofree double *v = iota (100);
  g_autoptr(DsExplainData) d = one_metric (v, 100);
  DsExplainClassifier c;
  DsExplainFit fit;

  ds_explain_classifier_init (&c);
  c.kind = DS_EXPLAIN_CLS_ZSCORE;
  g_assert_true (ds_explain_classify (d, &c, &fit, NULL));
  assert_close (fabs (0 - fit.center) / fit.spread, 1.714816, 1e-6);
  assert_close (fabs (50 - fit.center) / fit.spread, 0.017321, 1e-6);
  /* percentile mode: the top 1% of scores (>=), both ends */
  g_assert_cmpfloat (fit.outliers, ==, 2);
}

/* CLS-11 and the predicate grammar. */
static void
test_predicate (void)
{
  DsExplainPredicate p;
  g_autoptr(GError) error = NULL;

  g_assert_true (ds_explain_predicate_parse ("error > 0.2", &p, NULL));
  g_assert_cmpstr (p.column, ==, "error");
  g_assert_true (p.op == DS_EXPLAIN_OP_GT && p.value == 0.2 && p.string == NULL);
  ds_explain_predicate_clear (&p);
  g_assert_true (ds_explain_predicate_parse ("release>=\"10-19-17\"", &p, NULL));
  g_assert_cmpstr (p.string, ==, "10-19-17");
  g_assert_true (ds_explain_compare_string (p.op, "10-29-17", p.string));
  g_assert_false (ds_explain_compare_string (p.op, "10-12-17", p.string));
  ds_explain_predicate_clear (&p);
  g_assert_true (ds_explain_compare_double (DS_EXPLAIN_OP_EQ, 2, 2));
  g_assert_true (ds_explain_compare_double (DS_EXPLAIN_OP_NE, 2, 3));
  g_assert_true (ds_explain_compare_double (DS_EXPLAIN_OP_LT, 2, 3));
  g_assert_false (ds_explain_compare_double (DS_EXPLAIN_OP_LE, 4, 3));
  g_assert_true (ds_explain_compare_double (DS_EXPLAIN_OP_GE, 3, 3));
  g_assert_false (ds_explain_predicate_parse ("usage ~ 3", &p, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  ds_explain_predicate_clear (&p);
  g_clear_error (&error);
  g_assert_false (ds_explain_predicate_parse ("usage > abc", &p, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  ds_explain_predicate_clear (&p);
}

/* CLS-10: 3 labels by default; 4 with three boundaries; the label form. */
static void
test_bucket (void)
{
  g_autofree double *v = iota (100);
  g_autoptr(DsExplainData) d = one_metric (v, 100);
  static const double levels[] = { 20, 50, 80 };

  g_assert_true (ds_explain_bucket (d, "x", NULL, 0, NULL));
  g_assert_cmpuint (d->attrs[1].values->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (d->attrs[1].values, 0), ==, "x:[,9.10000]");
  g_assert_cmpstr (d->attrs[1].name, ==, "x_a");
  g_assert_true (ds_explain_bucket (d, "x", levels, 3, NULL));
  g_assert_cmpuint (d->attrs[2].values->len, ==, 4);
}

/* LEG-05: AMC counts, no eviction inside an epoch, decayed error <= N/k. */
static void
test_amc (void)
{
  static const guint64 seq[] = { 1, 1, 1, 2, 3, 1, 3, 2, 3 };
  g_autoptr(DsAmc) a = ds_amc_new (10, 0.5);
  g_autoptr(DsAmc) b = ds_amc_new (10, 0.5);
  g_autoptr(DsAmc) c = ds_amc_new (15, 0.5);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  double truth[100] = { 0 }, total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (seq); i++)
    ds_amc_observe (a, seq[i], 1);
  assert_close (ds_amc_estimate (a, 1), 4, 0);
  assert_close (ds_amc_estimate (a, 2), 2, 0);
  assert_close (ds_amc_estimate (a, 3), 3, 0);
  for (guint64 i = 0; i < 11; i++)
    ds_amc_observe (b, i, 1);
  assert_close (ds_amc_estimate (b, 10), 1, 0);
  g_assert_cmpuint (ds_amc_size (b), ==, 11);
  for (guint i = 1; i <= 1000; i++)
    {
      guint x = (guint) g_rand_int_range (rand, 0, 100);
      ds_amc_observe (c, x, 1);
      truth[x] += 1;
      total += 1;
      if (i % 10 == 0)
        {
          ds_amc_end_epoch (c);
          for (guint k = 0; k < 100; k++)
            truth[k] *= 0.5;
          total *= 0.5;
        }
    }
  g_assert_cmpuint (ds_amc_size (c), <=, 15);
  {
    g_autoptr(GArray) held = ds_amc_heavy (c, 0);
    for (guint i = 0; i < held->len; i++)
      {
        guint64 x = g_array_index (held, guint64, i);
        g_assert_cmpfloat (fabs (ds_amc_estimate (c, x) - truth[x]), <=, total / 15 + 1e-9);
      }
  }
}

/* Folding the decay factor rescales the floor too (bug B12). */
static void
test_amc_fold (void)
{
  g_autoptr(DsAmc) a = ds_amc_new (1, 0.9);
  double before;

  ds_amc_observe (a, 1, 100);
  ds_amc_observe (a, 2, 50);
  ds_amc_end_epoch (a);                    /* evicts 2: floor 50, scaled */
  before = ds_amc_estimate (a, 3);
  for (guint i = 0; i < 120; i++)          /* g passes 1e100 */
    ds_amc_end_epoch (a);
  g_assert_cmpfloat (ds_amc_estimate (a, 3), <=, before);
  g_assert_true (isfinite (ds_amc_estimate (a, 1)));
}

/* LEG-07: two distinct items; overweight items are always sampled. */
static void
test_adr (void)
{
  g_autoptr(DsAdr) adr = ds_adr_new (2, 0);
  g_autoptr(GArray) a = NULL, b = NULL, c = NULL;
  gboolean found = FALSE;

  for (guint i = 1; i <= 7; i++)
    ds_adr_insert (adr, i, 1);
  a = ds_adr_read (adr);
  g_assert_cmpuint (a->len, ==, 2);
  g_assert_cmpfloat (g_array_index (a, double, 0), !=, g_array_index (a, double, 1));
  ds_adr_decay (adr, 0.1);
  ds_adr_insert (adr, 100, 1000);
  b = ds_adr_read (adr);
  for (guint i = 0; i < b->len; i++)
    found |= g_array_index (b, double, i) == 100;
  g_assert_true (found);
  ds_adr_decay (adr, 1e-5);
  ds_adr_insert (adr, 200, 1000);
  c = ds_adr_read (adr);
  found = FALSE;
  for (guint i = 0; i < c->len; i++)
    found |= g_array_index (c, double, i) == 200;
  g_assert_true (found);
}

/* Transactions of letters as item ids. */
static GPtrArray *
mine_letters (const char *const *txns, guint n, guint min_count)
{
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (guint));
  guint zero = 0;

  g_array_append_val (offsets, zero);
  for (guint k = 0; k < n; k++)
    {
      for (char ch = 'a'; ch <= 'z'; ch++)
        if (strchr (txns[k], ch) != NULL)
          {
            guint id = (guint) (ch - 'a');
            g_array_append_val (items, id);
          }
      g_array_append_val (offsets, items->len);
    }
  return ds_explain_mine_itemsets ((guint *) (void *) items->data,
                                   (guint *) (void *) offsets->data, n, min_count);
}

static int
count_of (GPtrArray *sets, const char *letters)
{
  for (guint i = 0; i < sets->len; i++)
    {
      const DsItemset *s = g_ptr_array_index (sets, i);
      gboolean same = s->n_items == strlen (letters);
      for (guint k = 0; k < s->n_items && same; k++)
        same = strchr (letters, 'a' + (int) s->items[k]) != NULL;
      if (same)
        return (int) s->count;
    }
  return 0;
}

/* FPG-05, FPG-06, FPG-07 and LEG-11: the miner is exact. FPG-05's first
 * transaction is the classic FP-growth example's "facdgimp"; cases.md
 * prints it as "fadgimp", with which fc, fca, ... would have count 2 and
 * the 18 expected itemsets could not all be frequent. */
static void
test_miner (void)
{
  static const char *const t5[] = { "facdgimp", "abcflmo", "bfhjo", "bckps", "afcelpmn" };
  static const char *const t6[] = { "abc", "ab", "a" };
  static const char *const t7[] = { "acd", "acde", "c", "a", "a", "a", "a", "a", "b", "b",
                                    "b", "abd", "abec" };
  static const char *const want5[] = { "f", "c", "a", "b", "m", "p", "fc", "fa", "fm", "ca",
                                       "cm", "am", "cp", "fca", "fcm", "fam", "cam", "fcam" };
  g_autoptr(GPtrArray) s5 = mine_letters (t5, 5, 3);
  g_autoptr(GPtrArray) s6 = mine_letters (t6, 3, 2);
  g_autoptr(GPtrArray) s7 = mine_letters (t7, 13, 0);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_assert_cmpuint (s5->len, ==, 18);
  for (guint i = 0; i < G_N_ELEMENTS (want5); i++)
    g_assert_cmpint (count_of (s5, want5[i]), >=, 3);
  g_assert_cmpuint (s6->len, ==, 3);
  g_assert_cmpint (count_of (s6, "ab"), ==, 2);
  g_assert_cmpint (count_of (s7, "ab"), ==, 2);
  g_assert_cmpint (count_of (s7, "abcd"), ==, 0);
  for (guint i = 0; i < s7->len; i++)
    {
      const DsItemset *s = g_ptr_array_index (s7, i);
      GString *key = g_string_new (NULL);
      for (guint k = 0; k < s->n_items; k++)
        g_string_append_printf (key, "%u,", s->items[k]);
      g_assert_true (g_hash_table_add (seen, g_string_free (key, FALSE)));
    }
}

/* FPG-08: pruning keeps {c2=val2} and drops its superset. */
static void
test_prune (void)
{
  static const char *const attrs[] = { "c1", "c2", NULL };
  static const char *const row[] = { "val1", "val2" };
  g_autoptr(DsExplainData) d = ds_explain_data_new (attrs, NULL, FALSE);
  g_autoptr(DsExplainResult) res = ds_explain_result_new (DS_EXPLAIN_RISK_RATIO, 43, 100);
  DsExplainItem both[] = { { 0, 0 }, { 1, 0 } };
  DsExplanation *x;

  ds_explain_data_add_row (d, row, NULL, 1);
  x = ds_explanation_new (both, 2);
  x->support = 0.2, x->o = 10, x->ratio = 21.2;
  g_ptr_array_add (res->explanations, x);
  x = ds_explanation_new (&both[1], 1);
  x->support = 0.7, x->o = 30, x->ratio = 25.0;
  g_ptr_array_add (res->explanations, x);
  ds_explain_result_prune (res, d);
  g_assert_cmpuint (res->explanations->len, ==, 1);
  g_assert_cmpuint (((DsExplanation *) g_ptr_array_index (res->explanations, 0))->n_items,
                    ==, 1);
}

/* ---- streaming ---- */

typedef struct {
  double end;
  guint rows;
  double outliers;
  const char *results;       /* "items:records:rr;..." in order */
} StrStep;

static char *
describe (const DsExplainData *d, const DsExplainResult *res)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < res->explanations->len; i++)
    {
      const DsExplanation *x = g_ptr_array_index (res->explanations, i);
      for (guint k = 0; k < x->n_items; k++)
        g_string_append_printf (s, "%s%s", k > 0 ? "," : "",
                                (char *) g_ptr_array_index (d->attrs[x->items[k].col].values,
                                                            x->items[k].value));
      g_string_append_printf (s, ":%g:%.12g;", x->o, x->ratio);
    }
  return g_string_free (s, FALSE);
}

/* STR-01: the incremental summarizer in a 2-pane window, step by step. */
static void
test_str01 (void)
{
  static const StrStep steps[] = {
    { 1000, 0, 0, "" },
    { 2000, 1000, 15, "" },
    { 3000, 2000, 22, "a0:4:4:4.83950617284;" },
    { 4000, 2000, 53, "a0:1,a1:1:38:120.25;a0:1:40:26.0130718954;a1:1:38:18.3082524272;" },
    { 5000, 2000, 94, "a0:1,a1:1:76:106.888888889;a0:1:80:22.3657423657;"
                      "a1:1:77:17.5652797704;" },
    { 6000, 2000, 60, "a0:1,a1:1:39:55.2857142857;a0:1:42:9.3042394015;"
                      "a1:1:41:8.47212859736;" },
    { 7000, 2000, 21, "a2:1:6:7.95024875622;a1:3:5:4.70238095238;" },
  };
  static const char *const attrs[] = { "a0", "a1", "a2", "a3", "a4", NULL };
  static const char *const metrics[] = { "outlier", "time", NULL };
  g_autofree char *path = ds_test_shared ("macrobase/derived/streaming_anomaly_n7000_k2_C5_d5.csv");
  g_autofree char *text = NULL;
  g_autoptr(DsExplainData) d = NULL;
  g_autoptr(DsExplainWindow) w = NULL;
  DsExplainStreamOptions o = { "time", 2000, 1000 };
  DsExplainSchema schema = { attrs, metrics, NULL };
  DsExplainClassifier c;
  DsExplainFit fit;

  if (path == NULL)
    return;
  text = ds_test_read (path, NULL);
  d = ds_explain_csv_read (text, strlen (text), path, &schema, NULL);
  g_assert_nonnull (d);
  ds_explain_classifier_init (&c);
  c.kind = DS_EXPLAIN_CLS_COLUMN;
  g_assert_true (ds_explain_classify (d, &c, &fit, NULL));
  g_assert_cmpfloat (fit.outliers, ==, 145);
  w = ds_explain_window_new (&o, 5, 0.5, 3);
  for (guint k = 0; k < G_N_ELEMENTS (steps); k++)
    {
      g_autoptr(DsExplainResult) res = NULL;
      g_autofree char *got = NULL;
      double start, end;
      guint rows;
      guint64 late;
      ds_explain_window_push (w, d, 1, k * 1000, 1000);
      res = ds_explain_window_results (w, d);
      ds_explain_result_prune (res, d);
      ds_explain_window_span (w, &start, &end, &rows, &late);
      g_assert_cmpuint (rows, ==, steps[k].rows);
      g_assert_cmpfloat (res->outliers, ==, steps[k].outliers);
      got = describe (d, res);
      g_assert_cmpstr (got, ==, steps[k].results);
    }
}

/* LEG-06: SpaceSaving, size 10, counts exactly until it is full; an
 * 11th distinct item takes over the smallest count and adds its own. */
static void
test_space_saving (void)
{
  static const guint64 obs[] = { 1, 1, 1, 2, 3, 1, 3, 2, 3 };
  g_autoptr(DsSpaceSaving) a = ds_space_saving_new (10);
  g_autoptr(DsSpaceSaving) b = ds_space_saving_new (10);

  for (guint i = 0; i < G_N_ELEMENTS (obs); i++)
    ds_space_saving_observe (a, obs[i], 1);
  g_assert_cmpfloat (ds_space_saving_estimate (a, 1), ==, 4);
  g_assert_cmpfloat (ds_space_saving_estimate (a, 2), ==, 2);
  g_assert_cmpfloat (ds_space_saving_estimate (a, 3), ==, 3);
  for (guint64 i = 0; i < 10; i++)
    ds_space_saving_observe (b, i, 1);
  ds_space_saving_observe (b, 10, 1);
  g_assert_cmpfloat (ds_space_saving_estimate (b, 10), ==, 2);
  g_assert_cmpfloat (ds_space_saving_estimate (b, 0), ==, 0);   /* the evicted minimum */
  g_assert_cmpfloat (ds_space_saving_estimate (b, 9), ==, 1);
}

/* The sketch summarizer (spec 10.6): items only outliers carry become
 * interesting at a period's end, their pair is counted from then on, and
 * decay halves what came before. */
static void
test_sketch (void)
{
  static const char *const attrs[] = { "a", "b", NULL };
  g_autoptr(DsExplainData) d = ds_explain_data_new (attrs, NULL, FALSE);
  g_autoptr(DsExplainSketch) s = ds_explain_sketch_new (2, 100, 0.5, 0.1, 1);
  g_autoptr(DsExplainResult) res = NULL;
  const DsExplanation *first, *pair;

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *a = g_strdup_printf ("a%u", i % 5), *b = g_strdup_printf ("b%u", i % 7);
      const char *row[] = { i < 10 ? "x" : a, i < 10 ? "y" : b };
      ds_explain_data_add_row (d, row, NULL, 1);
    }
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < 100; i++)
        ds_explain_sketch_observe (s, d->codes + 2 * i, i < 10);
      if (pass == 0)
        ds_explain_sketch_end_period (s);
    }
  res = ds_explain_sketch_results (s, d);
  assert_close (res->outliers, 15, 1e-12);            /* 10 x 0.5 + 10 */
  assert_close (res->total, 150, 1e-12);
  g_assert_cmpuint (res->explanations->len, ==, 3);
  first = g_ptr_array_index (res->explanations, 0);
  pair = g_ptr_array_index (res->explanations, 2);
  g_assert_cmpuint (first->n_items, ==, 1);
  assert_close (first->o, 15, 1e-12);
  g_assert_true (isinf (first->ratio));
  g_assert_cmpuint (pair->n_items, ==, 2);
  assert_close (pair->o, 10, 1e-12);                  /* counted from the second pass */
}

/* STR-02(a): a moving average over 3 panes of 10, fed pane by pane. */
static void
test_str02_panes (void)
{
  g_autoptr(DsPaneAverage) a = ds_pane_average_new (3);
  static const double want[] = { 0, 0.5, 1.0 / 3, 1.0 / 3, 0, 0, 0, 0, 0, 0 };

  for (guint p = 0; p < 10; p++)
    {
      double val[10];
      for (guint k = 0; k < 10; k++)
        val[k] = p * 10 + k >= 10 && p * 10 + k < 20;
      assert_close (ds_pane_average_push (a, val, 10), want[p], 1e-15);
    }
  assert_close (ds_pane_average_push (a, NULL, 0), 0, 0);         /* an empty pane */
}

/* STR-02(b): panes are emitted only once a row at or past their end has
 * come; the window's outlier share is the moving average of val. */
static void
test_str02 (void)
{
  static const guint batches[] = { 1, 8, 7, 3, 2, 6, 4, 20, 0, 0, 22, 2, 4 };
  static const char *const attrs[] = { "a", NULL };
  static const char *const metrics[] = { "time", NULL };
  g_autoptr(DsExplainData) d = ds_explain_data_new (attrs, metrics, FALSE);
  g_autoptr(DsExplainWindow) w = NULL;
  DsExplainStreamOptions o = { "time", 30, 10 };
  guint at = 0;

  for (guint t = 0; t < 100; t++)
    {
      const char *v[] = { "x" };
      double tt = t;
      ds_explain_data_add_row (d, v, &tt, 1);
    }
  d->outlier = g_new (double, d->capacity);
  for (guint t = 0; t < 100; t++)
    d->outlier[t] = t >= 10 && t < 20;
  w = ds_explain_window_new (&o, 1, 0.5, 3);
  for (guint k = 0; k < G_N_ELEMENTS (batches); k++)
    {
      g_autoptr(DsExplainResult) res = NULL;
      double end_t = at + batches[k];
      ds_explain_window_push (w, d, 0, at, batches[k]);
      at += batches[k];
      res = ds_explain_window_results (w, d);
      if (end_t > 20 && end_t <= 30)
        assert_close (res->outliers / res->total, 0.5, 1e-12);
      else if (end_t > 30 && end_t <= 40)
        assert_close (res->outliers / res->total, 1.0 / 3, 1e-12);
      else if (end_t > 50)
        assert_close (res->outliers, 0, 0);
    }
  g_assert_cmpuint (ds_explain_window_flush (w, d), ==, 1);
  g_assert_cmpuint (ds_explain_window_flush (w, d), ==, 0);
}

/* ---- input ---- */

static DsExplainData *
read_csv (const char *text, const char *const *attrs, const char *const *metrics,
          GError **error)
{
  DsExplainSchema schema = { attrs, metrics, NULL };
  return ds_explain_csv_read (text, strlen (text), "t.csv", &schema, error);
}

static const char *const ab[] = { "a", "b", NULL };
static const char *const m[] = { "m", NULL };

static void
expect_error (const char *text, const char *const *metrics, int code, const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsExplainData) d = read_csv (text, ab, metrics, &error);

  g_assert_null (d);
  g_assert_error (error, DS_ERROR, code);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("message '%s' does not start with '%s'", error->message, prefix);
}

/* Bad input gets an error with its line. */
static void
test_csv_errors (void)
{
  expect_error ("", m, DS_ERROR_SYNTAX, "t.csv: empty input");
  expect_error ("\n\n", m, DS_ERROR_SYNTAX, "t.csv: empty input");
  expect_error ("a,b,m\n", m, DS_ERROR_INVALID, "t.csv: no data rows");
  expect_error ("a,b,m\nx,y,1\nx,y\n", m, DS_ERROR_SYNTAX, "t.csv:3: the row has 2 fields");
  expect_error ("a,b,m\n\nx,y,1,2\n", m, DS_ERROR_SYNTAX, "t.csv:3: the row has 4 fields");
  expect_error ("a,b\nx,y\n", m, DS_ERROR_UNKNOWN_NAME, "t.csv:1: no column 'm'");
  expect_error ("a,b,m\nx,\"y\n\n", m, DS_ERROR_SYNTAX, "t.csv:2: field 2: quoted field not");
  expect_error ("a,b,m\nx,\"y\"z,1\n", m, DS_ERROR_SYNTAX, "t.csv:2: field 2: unexpected 'z' after");
  expect_error ("a,b,m\nx,y,abc\nx,y,\n", m, DS_ERROR_INVALID, "t.csv:2: no usable rows");
  expect_error ("a,b,m,m\nx,y,1,2\n", m, DS_ERROR_INVALID, "t.csv:1: column 'm' appears twice");
}

/* CSV-03's rule, quoting, CRLF, blank lines, NULL for empty attributes. */
static void
test_csv_rows (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsExplainData) d = read_csv ("a,b,m\r\n\"x,1\",,1.5\r\n\r\nq,\"say \"\"hi\"\"\",abc\n"
                                         "\"multi\nline\",z,2\nw,w,3", ab, m, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (d->n_rows, ==, 3);
  g_assert_cmpuint (d->n_dropped, ==, 1);
  g_assert_cmpuint (d->first_dropped_line, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (d->attrs[0].values, 0), ==, "x,1");
  g_assert_cmpstr (g_ptr_array_index (d->attrs[1].values, 0), ==, DS_EXPLAIN_NULL);
  g_assert_cmpstr (g_ptr_array_index (d->attrs[0].values, 1), ==, "multi\nline");
  g_assert_cmpfloat (d->metrics[0][2], ==, 3);
}

/* Fed a byte at a time, the reader reads what it reads whole. */
static void
test_csv_incremental (void)
{
  const char *text = "a,b,m\r\n\"x,\"\"1\",,1.5\r\n\r\nq,w,2\n\"multi\nline\",z,2\nw,w,3";
  DsExplainSchema schema = { ab, m, NULL };
  g_autoptr(DsExplainCsvReader) r = ds_explain_csv_reader_new ("t.csv", &schema);
  g_autoptr(DsExplainData) whole = read_csv (text, ab, m, NULL);
  DsExplainData *d;

  for (gsize i = 0; text[i] != '\0'; i++)
    g_assert_true (ds_explain_csv_reader_feed (r, text + i, 1, NULL));
  g_assert_true (ds_explain_csv_reader_finish (r, FALSE, NULL));
  d = ds_explain_csv_reader_data (r);
  g_assert_cmpuint (d->n_rows, ==, whole->n_rows);
  for (guint i = 0; i < d->n_rows; i++)
    {
      g_assert_cmpfloat (d->metrics[0][i], ==, whole->metrics[0][i]);
      g_assert_cmpuint (d->codes[i * 2], ==, whole->codes[i * 2]);
    }
}

/* A trace's events become rows; the slow stage explains the outliers. */
static void
test_trace (void)
{
  g_autoptr(DsTrace) t = ds_trace_new ();
  static const char *const attrs[] = { "stage", "device", "kind", NULL };
  static const char *const metrics[] = { "duration_s", NULL };
  g_autoptr(DsExplainData) d = NULL;
  g_autoptr(DsExplainResult) res = NULL;
  g_autoptr(GError) error = NULL;
  DsExplainClassifier c;
  DsExplainAprioriOptions o;
  DsExplainFit fit;
  const DsExplanation *x;

  for (guint i = 0; i < 400; i++)
    {
      guint stage = i % 4;
      DsTraceEvent *e = ds_trace_append (t, stage < 2 ? "cpu0" : "cpu1",
                                         i % 3 ? DS_TRACE_FORWARD : DS_TRACE_BACKWARD, i,
                                         1e-3 * (1 + (i % 7) * 0.01) * (stage == 2 && i % 8 == 2
                                                                        ? 5 : 1));
      e->stage_idx = (gint) stage;
    }
  g_assert_null (ds_explain_data_from_trace (t, "t.json", (const char *const[]) { "nope", NULL },
                                             metrics, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_UNKNOWN_NAME);
  d = ds_explain_data_from_trace (t, "t.json", attrs, metrics, NULL);
  g_assert_cmpuint (d->n_rows, ==, 400);
  ds_explain_classifier_init (&c);
  c.tails = DS_EXPLAIN_TAILS_HIGH;
  c.cutoff_pct = 10;
  g_assert_true (ds_explain_classify (d, &c, &fit, NULL));
  ds_explain_apriori_options_init (&o);
  res = ds_explain_apriori (d, &o);
  g_assert_cmpuint (res->explanations->len, >=, 1);
  x = g_ptr_array_index (res->explanations, 0);
  g_assert_cmpuint (x->n_items, ==, 1);
  g_assert_cmpstr (d->attrs[x->items[0].col].name, ==, "stage");
  g_assert_cmpstr (g_ptr_array_index (d->attrs[0].values, x->items[0].value), ==, "2");
}

/* Column 1 "1x" and column 11 "x" are different items (bug B9), and the
 * order-3 pass only counts triples whose pairs went on. */
static void
test_apriori_items (void)
{
  static const char *const attrs[] = { "c1", "c11", "c3", NULL };
  g_autoptr(DsExplainData) d = ds_explain_data_new (attrs, NULL, FALSE);
  g_autoptr(DsExplainResult) res = NULL;
  DsExplainAprioriOptions o;

  for (guint i = 0; i < 100; i++)
    {
      const char *row[] = { i < 10 ? "1x" : "x", i < 10 ? "x" : "1x", i % 2 ? "p" : "q" };
      ds_explain_data_add_row (d, row, NULL, 1);
    }
  d->outlier = g_new0 (double, d->capacity);
  for (guint i = 0; i < 10; i++)
    d->outlier[i] = 1;
  ds_explain_apriori_options_init (&o);
  res = ds_explain_apriori (d, &o);
  /* {c1=1x} and {c11=x} each match exactly the outliers: ratio 10 */
  g_assert_cmpuint (res->explanations->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const DsExplanation *x = g_ptr_array_index (res->explanations, i);
      g_assert_cmpuint (x->n_items, ==, 1);
      assert_close (x->ratio, 10, 1e-12);
      assert_close (x->o, 10, 0);
      assert_close (x->t, 10, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain/metrics/risk-ratio", test_risk_ratio);
  g_test_add_func ("/explain/metrics/prevalence-and-global", test_prevalence_and_global);
  g_test_add_func ("/explain/classify/percentile-legacy", test_percentile);
  g_test_add_func ("/explain/classify/percentile-vs-sort", test_percentile_sorted);
  g_test_add_func ("/explain/classify/mad", test_mad);
  g_test_add_func ("/explain/classify/zscore", test_zscore);
  g_test_add_func ("/explain/classify/predicate", test_predicate);
  g_test_add_func ("/explain/classify/bucket", test_bucket);
  g_test_add_func ("/explain/stream/amc", test_amc);
  g_test_add_func ("/explain/stream/amc-fold", test_amc_fold);
  g_test_add_func ("/explain/stream/adr", test_adr);
  g_test_add_func ("/explain/fpgrowth/miner", test_miner);
  g_test_add_func ("/explain/result/prune", test_prune);
  g_test_add_func ("/explain/stream/str01", test_str01);
  g_test_add_func ("/explain/stream/str02-panes", test_str02_panes);
  g_test_add_func ("/explain/stream/sketch", test_sketch);
  g_test_add_func ("/explain/stream/space-saving", test_space_saving);
  g_test_add_func ("/explain/stream/str02", test_str02);
  g_test_add_func ("/explain/csv/errors", test_csv_errors);
  g_test_add_func ("/explain/csv/rows", test_csv_rows);
  g_test_add_func ("/explain/csv/incremental", test_csv_incremental);
  g_test_add_func ("/explain/trace", test_trace);
  g_test_add_func ("/explain/apriori/items", test_apriori_items);
  return g_test_run ();
}
