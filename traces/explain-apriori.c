/* traces/explain-apriori.c - APriori-linear: order 1, 2 and 3 in one pass
 * over the rows each (MacroBase spec 7.2).
 *
 * Each order assigns every counted set an action: PRUNE (support below
 * the minimum; support can only fall as items are added), KEEP (ratio
 * reached: reported, never extended) or NEXT (extended at the next
 * order). Order 2 counts pairs of NEXT singletons; order 3 counts triples
 * of NEXT singletons whose three pairs are all NEXT. NEXT singletons get
 * dense ids 0..n1-1 in (column, value id) order; a set of them is counted
 * in a dense array while n1^order stays small (the common case: a few
 * low-cardinality columns), else in an open-addressing table keyed by
 * the ids packed 21 bits each.
 *
 * A counted set's cell holds the sums its metrics need: (o, t) for the
 * ratios, plus the two extra sums of DsExplainData.sums for mean_shift
 * (outlier and inlier mean x count; mean_deviation uses the first), so
 * cells are 2 or 4 doubles wide. The width is fixed per run and the
 * extra sums are added behind one predictable branch, which keeps the
 * common 2-wide case as fast as a fixed struct (bench/bench-explain.c).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "traces/explain-apriori.h"

/* A cell: [0] = o, [1] = t (-1 marks a judged pair that is not NEXT),
 * [2], [3] = the extra sums when the width is 4. */
#define MAX_WIDTH 4

void
ds_explain_apriori_options_init (DsExplainAprioriOptions *o)
{
  o->min_support = 0.01;
  o->min_ratio = 3.0;
  o->ratio = DS_EXPLAIN_GLOBAL_RATIO;
  o->max_order = 3;
  o->n_attrs = 0;
  o->mean = o->std = NAN;
}

/* ---- counting tables ---- */

#define DENSE_MAX_CELLS (1u << 21)      /* 32 MiB of 2-wide cells */
#define ID_BITS 21

typedef struct {
  double *dense;             /* [n^order x width] when it fits, else NULL */
  guint n, width;
  guint64 *keys;             /* open addressing: key + 1, 0 = empty */
  double *aggs;              /* [cap x width] */
  gsize cap, used;
} Counter;

static void
counter_init (Counter *c, guint n, guint order, guint width)
{
  double cells = 1;
  memset (c, 0, sizeof *c);
  c->n = n;
  c->width = width;
  for (guint i = 0; i < order; i++)
    cells *= n;
  if (cells <= DENSE_MAX_CELLS)
    c->dense = g_new0 (double, (gsize) cells * width);
  else
    {
      c->cap = 1024;
      c->keys = g_new0 (guint64, c->cap);
      c->aggs = g_new0 (double, c->cap * width);
    }
}

static void
counter_clear (Counter *c)
{
  g_free (c->dense);
  g_free (c->keys);
  g_free (c->aggs);
}

static guint64
pack (const guint *ids, guint order)
{
  guint64 key = 0;
  for (guint i = 0; i < order; i++)
    key = (key << ID_BITS) | ids[i];
  return key;
}

static gsize
dense_index (const Counter *c, const guint *ids, guint order)
{
  gsize at = 0;
  for (guint i = 0; i < order; i++)
    at = at * c->n + ids[i];
  return at;
}

static gsize
slot_of (const guint64 *keys, gsize cap, guint64 key)
{
  gsize at = (gsize) ((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
  while (keys[at] != 0 && keys[at] != key + 1)
    at = (at + 1) & (cap - 1);
  return at;
}

static void
counter_grow (Counter *c)
{
  gsize cap = c->cap * 2;
  guint64 *keys = g_new0 (guint64, cap);
  double *aggs = g_new0 (double, cap * c->width);

  for (gsize i = 0; i < c->cap; i++)
    if (c->keys[i] != 0)
      {
        gsize at = slot_of (keys, cap, c->keys[i] - 1);
        keys[at] = c->keys[i];
        memcpy (aggs + at * c->width, c->aggs + i * c->width, c->width * sizeof *aggs);
      }
  g_free (c->keys);
  g_free (c->aggs);
  c->keys = keys;
  c->aggs = aggs;
  c->cap = cap;
}

static double *
counter_at (Counter *c, const guint *ids, guint order, gboolean create)
{
  guint64 key;
  gsize at;

  if (c->dense != NULL)
    return &c->dense[dense_index (c, ids, order) * c->width];
  key = pack (ids, order);
  at = slot_of (c->keys, c->cap, key);
  if (c->keys[at] == 0)
    {
      if (!create)
        return NULL;
      if (2 * (c->used + 1) > c->cap)
        {
          counter_grow (c);
          at = slot_of (c->keys, c->cap, key);
        }
      c->keys[at] = key + 1;
      c->used++;
    }
  return &c->aggs[at * c->width];
}

/* cell += the row's sums @v */
static inline void
cell_add (double *cell, const double *v, guint width)
{
  cell[0] += v[0];
  cell[1] += v[1];
  if (width > 2)
    {
      cell[2] += v[2];
      cell[3] += v[3];
    }
}

/* ---- the explainer ---- */

typedef struct {
  const DsExplainData *d;
  const DsExplainAprioriOptions *opt;
  guint n_cols;
  double outliers, total;
  guint width;               /* 2, or 4 with d->sums */
  DsExplainResult *res;
  guint n1;                  /* NEXT singletons */
  DsExplainItem *next1;      /* [n1] */
  gint32 **next_id;          /* [col][value] -> NEXT id or -1 */
} Apl;

typedef enum { PRUNE, KEEP, NEXT } Action;

/* The row's sums: o, t and the extra ones. */
static inline void
row_sums (const Apl *a, guint r, double *v)
{
  v[0] = a->d->outlier[r];
  v[1] = ds_explain_data_t (a->d, r);
  if (a->width > 2)
    {
      v[2] = a->d->sums[0][r];
      v[3] = a->d->sums[1] != NULL ? a->d->sums[1][r] : 0;
    }
  else
    v[2] = v[3] = 0;
}

/* The monotone constraints (support; mean_shift: on outliers and on
 * inliers): FALSE means PRUNE. Sets the support reported. */
static gboolean
supported (const Apl *a, const double *s, double *support)
{
  double min = a->opt->min_support;

  switch (a->opt->ratio)
    {
    case DS_EXPLAIN_MEAN_DEVIATION:               /* a share of all events */
      *support = s[1] / a->total;
      return s[1] > 0 && *support >= min;
    case DS_EXPLAIN_MEAN_SHIFT:
      *support = s[0] / a->outliers;
      return s[0] > 0 && *support >= min
             && (s[1] - s[0]) / (a->total - a->outliers) >= min;
    default:
      *support = s[0] / a->outliers;
      return s[0] > 0 && *support >= min;
    }
}

static double
quality (const Apl *a, const double *s)
{
  switch (a->opt->ratio)
    {
    case DS_EXPLAIN_MEAN_DEVIATION:
      return ds_explain_mean_deviation (s[1], s[2], a->opt->mean, a->opt->std);
    case DS_EXPLAIN_MEAN_SHIFT:
      return ds_explain_mean_shift (s[0], s[2], s[1] - s[0], s[3]);
    default:
      return ds_explain_ratio (a->opt->ratio, s[0], s[1], a->outliers, a->total);
    }
}

static Action
judge (Apl *a, const DsExplainItem *items, guint n, const double *s)
{
  double support, ratio;

  if (!supported (a, s, &support))
    return PRUNE;
  ratio = quality (a, s);
  if (ratio < a->opt->min_ratio)
    return NEXT;
  ds_explain_result_add (a->res, items, n, support, ratio, s[0], s[1]);
  return KEEP;
}

static void
order1 (Apl *a)
{
  const DsExplainData *d = a->d;
  guint width = a->width;
  g_autofree double **agg = g_new0 (double *, a->n_cols);
  GArray *next = g_array_new (FALSE, FALSE, sizeof (DsExplainItem));

  for (guint c = 0; c < a->n_cols; c++)
    agg[c] = g_new0 (double, (d->attrs[c].values->len + 1) * width);
  for (guint r = 0; r < d->n_rows; r++)
    {
      const guint32 *codes = d->codes + (gsize) r * d->n_attrs;
      double v[MAX_WIDTH];
      row_sums (a, r, v);
      for (guint c = 0; c < a->n_cols; c++)
        cell_add (&agg[c][(gsize) codes[c] * width], v, width);
    }
  a->next_id = g_new0 (gint32 *, a->n_cols);
  for (guint c = 0; c < a->n_cols; c++)
    {
      a->next_id[c] = g_new (gint32, d->attrs[c].values->len + 1);
      for (guint v = 0; v < d->attrs[c].values->len; v++)
        {
          DsExplainItem item = { c, v };
          a->next_id[c][v] = -1;
          if (judge (a, &item, 1, &agg[c][(gsize) v * width]) == NEXT)
            {
              a->next_id[c][v] = (gint32) next->len;
              g_array_append_val (next, item);
            }
        }
      g_free (agg[c]);
    }
  a->n1 = next->len;
  a->next1 = (DsExplainItem *) (void *) g_array_free (next, FALSE);
}

/* The row's NEXT singletons, ascending (columns are in order, ids too). */
static guint
row_next (const Apl *a, guint r, guint *ids)
{
  const guint32 *codes = a->d->codes + (gsize) r * a->d->n_attrs;
  guint k = 0;

  for (guint c = 0; c < a->n_cols; c++)
    {
      gint32 id = a->next_id[c][codes[c]];
      if (id >= 0)
        ids[k++] = (guint) id;
    }
  return k;
}

static void
items_of (const Apl *a, const guint *ids, guint n, DsExplainItem *items)
{
  for (guint i = 0; i < n; i++)
    items[i] = a->next1[ids[i]];
}

/* Counts pairs; returns the NEXT pairs' states in @pairs (NEXT or not). */
static void
order2 (Apl *a, Counter *pairs, guint *ids)
{
  const DsExplainData *d = a->d;

  counter_init (pairs, a->n1, 2, a->width);
  for (guint r = 0; r < d->n_rows; r++)
    {
      guint k = row_next (a, r, ids);
      double v[MAX_WIDTH];
      row_sums (a, r, v);
      for (guint i = 0; i < k; i++)
        for (guint j = i + 1; j < k; j++)
          {
            guint pair[2] = { ids[i], ids[j] };
            cell_add (counter_at (pairs, pair, 2, TRUE), v, a->width);
          }
    }
}

/* Judges each counted pair and marks it NEXT (t >= 0) or not (t = -1). */
static void
judge_pair (Apl *a, guint i, guint j, double *cell)
{
  guint pair[2] = { i, j };
  DsExplainItem items[2];

  items_of (a, pair, 2, items);
  if (judge (a, items, 2, cell) != NEXT)
    cell[1] = -1;
}

static void
judge_pairs (Apl *a, Counter *pairs)
{
  guint mask = (1u << ID_BITS) - 1;

  if (pairs->dense != NULL)
    {
      for (guint i = 0; i < a->n1; i++)
        for (guint j = i + 1; j < a->n1; j++)
          if (a->next1[i].col != a->next1[j].col)
            judge_pair (a, i, j, &pairs->dense[((gsize) i * a->n1 + j) * pairs->width]);
      return;
    }
  for (gsize s = 0; s < pairs->cap; s++)
    if (pairs->keys[s] != 0)
      judge_pair (a, (guint) ((pairs->keys[s] - 1) >> ID_BITS) & mask,
                  (guint) (pairs->keys[s] - 1) & mask, &pairs->aggs[s * pairs->width]);
}

static gboolean
pair_is_next (Counter *pairs, guint x, guint y)
{
  guint pair[2] = { x, y };
  const double *cell = counter_at (pairs, pair, 2, FALSE);
  return cell != NULL && cell[1] > 0;                 /* counted, and NEXT */
}

static void
order3 (Apl *a, Counter *pairs, guint *ids)
{
  const DsExplainData *d = a->d;
  Counter triples;
  DsExplainItem items[3];

  counter_init (&triples, a->n1, 3, a->width);
  for (guint r = 0; r < d->n_rows; r++)
    {
      guint k = row_next (a, r, ids);
      double v[MAX_WIDTH];
      row_sums (a, r, v);
      for (guint i = 0; i < k; i++)
        for (guint j = i + 1; j < k; j++)
          {
            if (!pair_is_next (pairs, ids[i], ids[j]))
              continue;
            for (guint l = j + 1; l < k; l++)
              if (pair_is_next (pairs, ids[i], ids[l]) && pair_is_next (pairs, ids[j], ids[l]))
                {
                  guint triple[3] = { ids[i], ids[j], ids[l] };
                  cell_add (counter_at (&triples, triple, 3, TRUE), v, a->width);
                }
          }
    }
  if (triples.dense != NULL)
    {
      for (guint i = 0; i < a->n1; i++)
        for (guint j = i + 1; j < a->n1; j++)
          for (guint l = j + 1; l < a->n1; l++)
            {
              guint triple[3] = { i, j, l };
              double *cell = counter_at (&triples, triple, 3, FALSE);
              if (cell[1] <= 0)                          /* no rows */
                continue;
              items_of (a, triple, 3, items);
              judge (a, items, 3, cell);
            }
    }
  else
    for (gsize s = 0; s < triples.cap; s++)
      if (triples.keys[s] != 0)
        {
          guint64 key = triples.keys[s] - 1;
          guint mask = (1u << ID_BITS) - 1;
          guint triple[3] = { (guint) (key >> (2 * ID_BITS)) & mask,
                              (guint) (key >> ID_BITS) & mask, (guint) key & mask };
          items_of (a, triple, 3, items);
          judge (a, items, 3, &triples.aggs[s * triples.width]);
        }
  counter_clear (&triples);
}

DsExplainResult *
ds_explain_apriori (const DsExplainData *d, const DsExplainAprioriOptions *o)
{
  Apl a = { d, o, o->n_attrs > 0 ? MIN (o->n_attrs, d->n_attrs) : d->n_attrs,
            0, 0, d->sums[0] != NULL ? 4 : 2, NULL, 0, NULL, NULL };
  g_autofree guint *ids = g_new (guint, a.n_cols + 1);
  gboolean by_events = o->ratio == DS_EXPLAIN_MEAN_DEVIATION;

  g_return_val_if_fail (d->outlier != NULL, NULL);
  g_return_val_if_fail ((o->ratio == DS_EXPLAIN_MEAN_DEVIATION && d->sums[0] != NULL)
                        || (o->ratio == DS_EXPLAIN_MEAN_SHIFT && d->sums[1] != NULL)
                        || o->ratio < DS_EXPLAIN_MEAN_DEVIATION, NULL);
  for (guint r = 0; r < d->n_rows; r++)
    {
      a.outliers += d->outlier[r];
      a.total += ds_explain_data_t (d, r);
    }
  a.res = ds_explain_result_new (o->ratio, a.outliers, a.total);
  if ((a.outliers <= 0 && !by_events) || a.n_cols == 0)
    return a.res;
  order1 (&a);
  if (o->max_order >= 2 && a.n1 >= 2 && a.n1 < (1u << ID_BITS))
    {
      Counter pairs;
      order2 (&a, &pairs, ids);
      judge_pairs (&a, &pairs);
      if (o->max_order >= 3 && a.n1 >= 3)
        order3 (&a, &pairs, ids);
      counter_clear (&pairs);
    }
  for (guint c = 0; c < a.n_cols; c++)
    g_free (a.next_id[c]);
  g_free (a.next_id);
  g_free (a.next1);
  ds_explain_result_sort (a.res, d);
  return a.res;
}
