/* traces/explain-fpgrowth.c - FPGrowth-style explanation over tid-lists.
 *
 * The miner is Eclat: each item's sorted list of transaction ids, and
 * each extension the intersection of two lists; depth-first, so memory
 * is one list per level. Upstream builds an FP-tree; the spec requires
 * only that the mined sets be exact (FPG-05 to FPG-07 check it).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "traces/explain-fpgrowth.h"

void
ds_explain_fpg_options_init (DsExplainFpgOptions *o)
{
  o->min_support = 0.1;
  o->min_ratio = 3.0;
  o->combinations = TRUE;
  o->n_attrs = 0;
}

/* ---- Eclat ---- */

typedef struct {
  guint item;
  GArray *tids;              /* guint, ascending */
} Ext;

typedef struct {
  guint min_count;
  GPtrArray *out;
  GArray *prefix;            /* guint */
} Miner;

static GArray *
intersect (const GArray *a, const GArray *b)
{
  GArray *r = g_array_new (FALSE, FALSE, sizeof (guint));
  guint i = 0, j = 0;

  while (i < a->len && j < b->len)
    {
      guint x = g_array_index (a, guint, i), y = g_array_index (b, guint, j);
      if (x == y)
        g_array_append_val (r, x);
      i += x <= y;
      j += y <= x;
    }
  return r;
}

static void
emit (Miner *m, guint count)
{
  DsItemset *s = g_malloc (sizeof *s + m->prefix->len * sizeof (guint));

  s->count = count;
  s->n_items = m->prefix->len;
  memcpy (s->items, m->prefix->data, m->prefix->len * sizeof (guint));
  g_ptr_array_add (m->out, s);
}

/* @exts: the frequent extensions of the current prefix, ascending. */
static void
eclat (Miner *m, Ext *exts, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree Ext *next = g_new (Ext, n - i);
      guint k = 0;

      g_array_append_val (m->prefix, exts[i].item);
      emit (m, exts[i].tids->len);
      for (guint j = i + 1; j < n; j++)
        {
          GArray *tids = intersect (exts[i].tids, exts[j].tids);
          if (tids->len >= m->min_count)
            next[k++] = (Ext) { exts[j].item, tids };
          else
            g_array_unref (tids);
        }
      eclat (m, next, k);
      for (guint j = 0; j < k; j++)
        g_array_unref (next[j].tids);
      g_array_set_size (m->prefix, m->prefix->len - 1);
    }
}

static gint
by_key (gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (a), y = GPOINTER_TO_UINT (b);
  return x < y ? -1 : x > y;
}

GPtrArray *
ds_explain_mine_itemsets (const guint *items, const guint *offsets, guint n_txns,
                          guint min_count)
{
  Miner m = { MAX (min_count, 1), g_ptr_array_new_with_free_func (g_free),
              g_array_new (FALSE, FALSE, sizeof (guint)) };
  g_autoptr(GHashTable) lists = g_hash_table_new (NULL, NULL);
  g_autoptr(GList) keys = NULL;
  g_autofree Ext *exts = NULL;
  guint n = 0;

  for (guint k = 0; k < n_txns; k++)
    for (guint i = offsets[k]; i < offsets[k + 1]; i++)
      {
        GArray *tids = g_hash_table_lookup (lists, GUINT_TO_POINTER (items[i] + 1));
        if (tids == NULL)
          {
            tids = g_array_new (FALSE, FALSE, sizeof (guint));
            g_hash_table_insert (lists, GUINT_TO_POINTER (items[i] + 1), tids);
          }
        g_array_append_val (tids, k);
      }
  exts = g_new (Ext, g_hash_table_size (lists) + 1);
  keys = g_list_sort (g_hash_table_get_keys (lists), by_key);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      GArray *tids = g_hash_table_lookup (lists, l->data);
      if (tids->len >= m.min_count)
        exts[n++] = (Ext) { GPOINTER_TO_UINT (l->data) - 1, g_array_ref (tids) };
    }
  eclat (&m, exts, n);
  for (guint i = 0; i < n; i++)
    g_array_unref (exts[i].tids);
  {
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init (&it, lists);
    while (g_hash_table_iter_next (&it, NULL, &v))
      g_array_unref (v);
  }
  g_array_unref (m.prefix);
  return m.out;
}

/* ---- the explainer ---- */

typedef struct {
  const DsExplainData *d;
  guint n_cols;
  GArray *good;              /* DsExplainItem, index = mined item id */
  gint32 **good_id;          /* [col][value] -> good id or -1 */
  double n_out, n_in;        /* |O| and |I|, rows */
} Fpg;

static gboolean
is_out (const DsExplainData *d, guint r)
{
  return d->outlier[r] > 0;
}

static void
find_good (Fpg *f, const DsExplainFpgOptions *o, DsExplainResult *res, double req)
{
  const DsExplainData *d = f->d;

  f->good_id = g_new0 (gint32 *, f->n_cols);
  for (guint c = 0; c < f->n_cols; c++)
    {
      guint nv = d->attrs[c].values->len;
      g_autofree double *co = g_new0 (double, nv + 1), *ci = g_new0 (double, nv + 1);
      f->good_id[c] = g_new (gint32, nv + 1);
      for (guint r = 0; r < d->n_rows; r++)
        (is_out (d, r) ? co : ci)[d->codes[(gsize) r * d->n_attrs + c]] += 1;
      for (guint v = 0; v < nv; v++)
        {
          double rr = ds_explain_risk_ratio (ci[v], co[v], f->n_in, f->n_out);
          DsExplainItem item = { c, v };
          f->good_id[c][v] = -1;
          if (co[v] < req || !(rr > o->min_ratio) || co[v] == 0)
            continue;
          f->good_id[c][v] = (gint32) f->good->len;
          g_array_append_val (f->good, item);
          if (!o->combinations || f->n_cols == 1)
            ds_explain_result_add (res, &item, 1, co[v] / f->n_out, rr, co[v],
                                   co[v] + ci[v]);
        }
    }
}

static GPtrArray *
mine_outliers (Fpg *f, double req)
{
  const DsExplainData *d = f->d;
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (guint));
  guint zero = 0, n = 0;

  g_array_append_val (offsets, zero);
  for (guint r = 0; r < d->n_rows; r++)
    {
      guint before = items->len;
      if (!is_out (d, r))
        continue;
      for (guint c = 0; c < f->n_cols; c++)
        {
          gint32 id = f->good_id[c][d->codes[(gsize) r * d->n_attrs + c]];
          if (id >= 0)
            g_array_append_val (items, id);
        }
      if (items->len == before)
        continue;                 /* empty once restricted: dropped */
      g_array_append_val (offsets, items->len);
      n++;
    }
  /* ids of one row rise with the column, since good ids were given in
   * column order: each transaction is already ascending */
  return ds_explain_mine_itemsets ((guint *) (void *) items->data,
                                   (guint *) (void *) offsets->data, n, (guint) req);
}

/* count desc, size desc, items asc */
static gint
itemset_order (gconstpointer pa, gconstpointer pb)
{
  const DsItemset *a = *(DsItemset *const *) pa, *b = *(DsItemset *const *) pb;

  if (a->count != b->count)
    return a->count > b->count ? -1 : 1;
  if (a->n_items != b->n_items)
    return a->n_items > b->n_items ? -1 : 1;
  for (guint i = 0; i < a->n_items; i++)
    if (a->items[i] != b->items[i])
      return a->items[i] < b->items[i] ? -1 : 1;
  return 0;
}

static gboolean
itemset_subset (const DsItemset *a, const DsItemset *b)
{
  guint j = 0;
  for (guint i = 0; i < a->n_items; i++)
    {
      while (j < b->n_items && b->items[j] < a->items[i])
        j++;
      if (j == b->n_items || b->items[j] != a->items[i])
        return FALSE;
    }
  return TRUE;
}

static double
inlier_count (const Fpg *f, const DsItemset *s)
{
  const DsExplainData *d = f->d;
  double n = 0;

  for (guint r = 0; r < d->n_rows; r++)
    {
      gboolean all = !is_out (d, r);
      for (guint i = 0; i < s->n_items && all; i++)
        {
          const DsExplainItem *it = &g_array_index (f->good, DsExplainItem, s->items[i]);
          all = d->codes[(gsize) r * d->n_attrs + it->col] == it->value;
        }
      n += all;
    }
  return n;
}

static void
report_itemsets (Fpg *f, const DsExplainFpgOptions *o, GPtrArray *sets, DsExplainResult *res)
{
  const DsItemset *last = NULL;
  g_autofree DsExplainItem *items = g_new (DsExplainItem, f->n_cols + 1);

  g_ptr_array_sort (sets, itemset_order);
  for (guint k = 0; k < sets->len; k++)
    {
      const DsItemset *s = g_ptr_array_index (sets, k);
      double ci, rr;
      if (last != NULL && s->count == last->count && itemset_subset (s, last))
        continue;
      last = s;
      ci = inlier_count (f, s);
      rr = ds_explain_risk_ratio (ci, s->count, f->n_in, f->n_out);
      if (s->n_items > 1 && rr < o->min_ratio)
        continue;
      for (guint i = 0; i < s->n_items; i++)
        items[i] = g_array_index (f->good, DsExplainItem, s->items[i]);
      ds_explain_result_add (res, items, s->n_items, s->count / f->n_out, rr, s->count,
                             s->count + ci);
    }
}

DsExplainResult *
ds_explain_fpgrowth (const DsExplainData *d, const DsExplainFpgOptions *o)
{
  Fpg f = { d, o->n_attrs > 0 ? MIN (o->n_attrs, d->n_attrs) : d->n_attrs,
            g_array_new (FALSE, FALSE, sizeof (DsExplainItem)), NULL, 0, 0 };
  DsExplainResult *res;
  double req;

  g_return_val_if_fail (d->outlier != NULL, NULL);
  for (guint r = 0; r < d->n_rows; r++)
    *(is_out (d, r) ? &f.n_out : &f.n_in) += 1;
  res = ds_explain_result_new (DS_EXPLAIN_RISK_RATIO, f.n_out, f.n_out + f.n_in);
  req = floor (f.n_out * o->min_support);           /* upstream truncates */
  if (f.n_out > 0 && f.n_cols > 0)
    {
      find_good (&f, o, res, req);
      if (o->combinations && f.n_cols > 1 && f.good->len > 0)
        {
          g_autoptr(GPtrArray) sets = mine_outliers (&f, req);
          report_itemsets (&f, o, sets, res);
        }
      for (guint c = 0; c < f.n_cols; c++)
        g_free (f.good_id[c]);
      g_free (f.good_id);
    }
  g_array_unref (f.good);
  ds_explain_result_sort (res, d);
  return res;
}
