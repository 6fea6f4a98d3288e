/* traces/explain-sketch.c - the sketch summarizer: two AMCs over single
 * items, exact decayed counts of pairs and triples of interesting items.
 *
 * An item's key is value_id x n_cols + col. A combination is counted
 * only while all its items are interesting, from the period after they
 * became so, which is why combinations are approximate too. Decay is one
 * multiplication per held combination per period; the AMCs decay lazily.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "traces/explain-sketch.h"
#include "traces/explain-stream.h"

typedef struct {
  guint n;
  guint64 ids[3];            /* ascending item keys */
} Combo;

typedef struct {
  Combo key;
  double in, out;            /* decayed counts */
} ComboCount;

struct _DsExplainSketch {
  guint n_cols;
  double keep, min_support, min_ratio;
  DsAmc *in, *out;
  double rows_in, rows_out;  /* decayed row counts: I and O (the AMCs count items) */
  GHashTable *interesting;   /* guint64 key (owned) -> itself */
  GHashTable *combos;        /* Combo* (in the value) -> ComboCount* */
};

static guint
combo_hash (gconstpointer p)
{
  const Combo *c = p;
  guint64 h = c->n;
  for (guint i = 0; i < c->n; i++)
    h = h * 0x9E3779B97F4A7C15ull + c->ids[i];
  return (guint) (h ^ (h >> 32));
}

static gboolean
combo_equal (gconstpointer a, gconstpointer b)
{
  const Combo *x = a, *y = b;
  return x->n == y->n && memcmp (x->ids, y->ids, x->n * sizeof x->ids[0]) == 0;
}

DsExplainSketch *
ds_explain_sketch_new (guint n_cols, guint amc_size, double decay, double min_support,
                       double min_ratio)
{
  DsExplainSketch *s = g_new0 (DsExplainSketch, 1);

  s->n_cols = MAX (n_cols, 1);
  s->keep = 1 - decay;
  s->min_support = min_support;
  s->min_ratio = min_ratio;
  s->in = ds_amc_new (amc_size, decay);
  s->out = ds_amc_new (amc_size, decay);
  s->interesting = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  s->combos = g_hash_table_new_full (combo_hash, combo_equal, NULL, g_free);
  return s;
}

void
ds_explain_sketch_free (DsExplainSketch *s)
{
  if (s == NULL)
    return;
  ds_amc_free (s->in);
  ds_amc_free (s->out);
  g_hash_table_unref (s->interesting);
  g_hash_table_unref (s->combos);
  g_free (s);
}

static void
count_combo (DsExplainSketch *s, const guint64 *ids, guint n, gboolean is_outlier)
{
  Combo key = { n, { 0, 0, 0 } };
  ComboCount *c;

  memcpy (key.ids, ids, n * sizeof *ids);
  c = g_hash_table_lookup (s->combos, &key);
  if (c == NULL)
    {
      c = g_new0 (ComboCount, 1);
      c->key = key;
      g_hash_table_insert (s->combos, &c->key, c);
    }
  *(is_outlier ? &c->out : &c->in) += 1;
}

void
ds_explain_sketch_observe (DsExplainSketch *s, const guint32 *codes, gboolean is_outlier)
{
  guint64 hot[64];
  guint n_hot = 0;

  *(is_outlier ? &s->rows_out : &s->rows_in) += 1;
  for (guint c = 0; c < s->n_cols; c++)
    {
      guint64 id = (guint64) codes[c] * s->n_cols + c;
      ds_amc_observe (is_outlier ? s->out : s->in, id, 1);
      if (n_hot < G_N_ELEMENTS (hot) && g_hash_table_contains (s->interesting, &id))
        hot[n_hot++] = id;
    }
  /* sorted, so that a combination has one key */
  for (guint i = 1; i < n_hot; i++)
    for (guint j = i; j > 0 && hot[j - 1] > hot[j]; j--)
      {
        guint64 t = hot[j];
        hot[j] = hot[j - 1];
        hot[j - 1] = t;
      }
  for (guint i = 0; i < n_hot; i++)
    for (guint j = i + 1; j < n_hot; j++)
      {
        guint64 pair[2] = { hot[i], hot[j] };
        count_combo (s, pair, 2, is_outlier);
        for (guint k = j + 1; k < n_hot; k++)
          {
            guint64 triple[3] = { hot[i], hot[j], hot[k] };
            count_combo (s, triple, 3, is_outlier);
          }
      }
}

/* RR against the decayed row totals. The AMCs decay by a scale factor
 * and the totals by multiplication, so an item in every outlier row can
 * come out a rounding error short of O: snap that residue, which would
 * otherwise turn RR = +inf into 1e17. */
static double
sketch_rr (const DsExplainSketch *s, double in, double out)
{
  if (fabs (s->rows_out - out) <= 1e-9 * s->rows_out)
    out = s->rows_out;
  if (fabs (s->rows_in - in) <= 1e-9 * s->rows_in)
    in = s->rows_in;
  return ds_explain_risk_ratio (in, out, s->rows_in, s->rows_out);
}

/* Outlier estimate >= floor(O s) and, if seen among inliers, RR >= rho. */
static gboolean
is_interesting (const DsExplainSketch *s, guint64 id, double *rr)
{
  double o = ds_amc_estimate (s->out, id), i = ds_amc_estimate (s->in, id);

  *rr = sketch_rr (s, i, o);
  if (o <= 0 || o < floor (s->rows_out * s->min_support))
    return FALSE;
  return i <= 0 || *rr >= s->min_ratio;
}

static gboolean
combo_is_stale (gpointer key, gpointer value, gpointer data)
{
  const Combo *c = key;
  DsExplainSketch *s = data;

  (void) value;
  for (guint i = 0; i < c->n; i++)
    if (!g_hash_table_contains (s->interesting, &c->ids[i]))
      return TRUE;
  return FALSE;
}

static void
refresh_interesting (DsExplainSketch *s)
{
  g_autoptr(GArray) held = NULL;

  g_hash_table_remove_all (s->interesting);
  held = ds_amc_heavy (s->out, 0);
  for (guint k = 0; k < held->len; k++)
    {
      guint64 id = g_array_index (held, guint64, k);
      double rr;
      if (is_interesting (s, id, &rr))
        g_hash_table_add (s->interesting, g_memdup2 (&id, sizeof id));
    }
  g_hash_table_foreach_remove (s->combos, combo_is_stale, s);
}

void
ds_explain_sketch_end_period (DsExplainSketch *s)
{
  GHashTableIter it;
  gpointer v;

  ds_amc_end_epoch (s->in);
  ds_amc_end_epoch (s->out);
  s->rows_in *= s->keep;
  s->rows_out *= s->keep;
  g_hash_table_iter_init (&it, s->combos);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      ComboCount *c = v;
      c->in *= s->keep;
      c->out *= s->keep;
    }
  refresh_interesting (s);
}

/* A candidate: items, outlier and inlier counts. */
static DsExplanation *
candidate (const DsExplainSketch *s, const guint64 *ids, guint n, double out, double in)
{
  DsExplainItem items[3];
  DsExplanation *x;

  for (guint i = 0; i < n; i++)
    items[i] = (DsExplainItem) { (guint) (ids[i] % s->n_cols), (guint32) (ids[i] / s->n_cols) };
  x = ds_explanation_new (items, n);
  x->o = out;
  x->t = out + in;
  return x;
}

/* spec 8 step 5: count desc, size desc, then items */
static gint
by_count (gconstpointer pa, gconstpointer pb)
{
  const DsExplanation *a = *(DsExplanation *const *) pa, *b = *(DsExplanation *const *) pb;

  if (a->o != b->o)
    return a->o > b->o ? -1 : 1;
  if (a->n_items != b->n_items)
    return a->n_items > b->n_items ? -1 : 1;
  for (guint i = 0; i < a->n_items; i++)
    if (a->items[i].col != b->items[i].col || a->items[i].value != b->items[i].value)
      return a->items[i].col != b->items[i].col ? (a->items[i].col < b->items[i].col ? -1 : 1)
             : (a->items[i].value < b->items[i].value ? -1 : 1);
  return 0;
}

static GPtrArray *
candidates (DsExplainSketch *s, double req)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) ds_explanation_free);
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, s->interesting);
  while (g_hash_table_iter_next (&it, &k, NULL))
    {
      guint64 id = *(guint64 *) k;
      g_ptr_array_add (all, candidate (s, &id, 1, ds_amc_estimate (s->out, id),
                                       ds_amc_estimate (s->in, id)));
    }
  g_hash_table_iter_init (&it, s->combos);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      const ComboCount *c = v;
      if (c->out > 0 && c->out >= req)
        g_ptr_array_add (all, candidate (s, c->key.ids, c->key.n, c->out, c->in));
    }
  g_ptr_array_sort (all, by_count);
  return all;
}

DsExplainResult *
ds_explain_sketch_results (DsExplainSketch *s, const DsExplainData *d)
{
  double n_out = s->rows_out, n_in = s->rows_in;
  DsExplainResult *res = ds_explain_result_new (DS_EXPLAIN_RISK_RATIO, n_out, n_out + n_in);
  g_autoptr(GPtrArray) all = NULL;
  const DsExplanation *last = NULL;

  refresh_interesting (s);                  /* against the counts as they are now */
  all = candidates (s, floor (n_out * s->min_support));
  for (guint k = 0; k < all->len; k++)
    {
      const DsExplanation *x = g_ptr_array_index (all, k);
      double rr = sketch_rr (s, x->t - x->o, x->o);
      if (last != NULL && x->o == last->o && ds_explanation_is_subset (x, last))
        continue;                                     /* spec 8 step 5 */
      last = x;
      if (x->n_items > 1 && rr < s->min_ratio)
        continue;
      ds_explain_result_add (res, x->items, x->n_items, x->o / n_out, rr, x->o, x->t);
    }
  ds_explain_result_sort (res, d);
  return res;
}
