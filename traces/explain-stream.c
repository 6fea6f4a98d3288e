/* traces/explain-stream.c - AMC, ADR, the pane window and the incremental
 * summarizer, and the --stream driver.
 *
 * The window copies what it needs of each row (explained value ids, o,
 * time), so the caller may drop its rows after each push: memory is the
 * pending pane plus, per tracked itemset, P pane counts. Tracked itemsets
 * are keyed by their item ids as text ("id,id,..."): few are tracked at
 * once, and results are sorted, so hash order never shows.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "traces/explain-csv.h"
#include "traces/explain-sketch.h"
#include "traces/explain-stream.h"

/* ---- AMC ---- */

typedef struct {
  guint64 item;
  double stored;             /* weight x g */
} AmcEntry;

struct _DsAmc {
  guint stable;
  double keep;               /* r = 1 - decay */
  double g, floor, total;    /* scale, eviction floor (scaled), total (scaled) */
  GHashTable *map;           /* &entry->item -> AmcEntry */
};

DsAmc *
ds_amc_new (guint stable_size, double decay)
{
  DsAmc *amc = g_new0 (DsAmc, 1);

  amc->stable = MAX (stable_size, 1);
  amc->keep = 1 - decay;
  amc->g = 1;
  amc->map = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  return amc;
}

void
ds_amc_free (DsAmc *amc)
{
  if (amc == NULL)
    return;
  g_hash_table_unref (amc->map);
  g_free (amc);
}

void
ds_amc_observe (DsAmc *amc, guint64 item, double weight)
{
  AmcEntry *e = g_hash_table_lookup (amc->map, &item);

  if (e == NULL)
    {
      e = g_new (AmcEntry, 1);
      e->item = item;
      e->stored = amc->floor;
      g_hash_table_insert (amc->map, &e->item, e);
    }
  e->stored += weight * amc->g;
  amc->total += weight * amc->g;
}

double
ds_amc_estimate (const DsAmc *amc, guint64 item)
{
  const AmcEntry *e = g_hash_table_lookup (amc->map, &item);
  return (e != NULL ? e->stored : amc->floor) / amc->g;
}

double
ds_amc_total (const DsAmc *amc)
{
  return amc->total / amc->g;
}

guint
ds_amc_size (const DsAmc *amc)
{
  return g_hash_table_size (amc->map);
}

static gint
by_stored_desc (gconstpointer a, gconstpointer b)
{
  const AmcEntry *x = *(AmcEntry *const *) a, *y = *(AmcEntry *const *) b;
  if (x->stored != y->stored)
    return x->stored > y->stored ? -1 : 1;
  return x->item < y->item ? -1 : x->item > y->item;
}

static GPtrArray *
amc_sorted (const DsAmc *amc)
{
  GPtrArray *all = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, amc->map);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_ptr_array_add (all, v);
  g_ptr_array_sort (all, by_stored_desc);
  return all;
}

void
ds_amc_end_epoch (DsAmc *amc)
{
  amc->g /= amc->keep;                               /* lazy decay */
  if (amc->g > 1e100)
    {
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, amc->map);
      while (g_hash_table_iter_next (&it, NULL, &v))
        ((AmcEntry *) v)->stored /= amc->g;
      amc->floor /= amc->g;                          /* bug B12: the floor too */
      amc->total /= amc->g;
      amc->g = 1;
    }
  if (g_hash_table_size (amc->map) > amc->stable)
    {
      g_autoptr(GPtrArray) all = amc_sorted (amc);
      for (guint i = amc->stable; i < all->len; i++)
        {
          AmcEntry *e = g_ptr_array_index (all, i);
          amc->floor = MAX (amc->floor, e->stored);
          g_hash_table_remove (amc->map, &e->item);
        }
    }
}

GArray *
ds_amc_heavy (const DsAmc *amc, double min)
{
  g_autoptr(GPtrArray) all = amc_sorted (amc);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < all->len; i++)
    {
      const AmcEntry *e = g_ptr_array_index (all, i);
      if (e->stored / amc->g >= min)
        g_array_append_val (out, e->item);
    }
  return out;
}

/* ---- SpaceSaving ---- */

struct _DsSpaceSaving {
  guint size;
  GHashTable *counts;        /* guint64 item (owned) -> double* count (owned) */
};

DsSpaceSaving *
ds_space_saving_new (guint size)
{
  DsSpaceSaving *ss = g_new0 (DsSpaceSaving, 1);

  ss->size = MAX (size, 1);
  ss->counts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  return ss;
}

void
ds_space_saving_free (DsSpaceSaving *ss)
{
  if (ss == NULL)
    return;
  g_hash_table_unref (ss->counts);
  g_free (ss);
}

void
ds_space_saving_observe (DsSpaceSaving *ss, guint64 item, double weight)
{
  double *count = g_hash_table_lookup (ss->counts, &item), floor = 0;

  if (count != NULL)
    {
      *count += weight;
      return;
    }
  if (g_hash_table_size (ss->counts) >= ss->size)
    {
      /* the minimum, by a scan: a baseline, not the fast path */
      GHashTableIter it;
      gpointer k, v;
      guint64 *min_key = NULL;
      g_hash_table_iter_init (&it, ss->counts);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (min_key == NULL || *(double *) v < floor
            || (*(double *) v == floor && *(guint64 *) k < *min_key))
          {
            min_key = k;
            floor = *(double *) v;
          }
      g_hash_table_remove (ss->counts, min_key);
    }
  count = g_new (double, 1);
  *count = floor + weight;
  g_hash_table_insert (ss->counts, g_memdup2 (&item, sizeof item), count);
}

double
ds_space_saving_estimate (const DsSpaceSaving *ss, guint64 item)
{
  const double *count = g_hash_table_lookup (ss->counts, &item);
  return count != NULL ? *count : 0;
}

/* ---- ADR ---- */

typedef struct {
  double value, weight;
} AdrItem;

struct _DsAdr {
  guint k;
  double w_total;
  GArray *sample;            /* double values, at most k */
  GArray *heap;              /* AdrItem, min-heap by weight */
  gsl_rng *rng;
};

DsAdr *
ds_adr_new (guint capacity, guint64 seed)
{
  DsAdr *adr = g_new0 (DsAdr, 1);

  adr->k = MAX (capacity, 1);
  adr->sample = g_array_new (FALSE, FALSE, sizeof (double));
  adr->heap = g_array_new (FALSE, FALSE, sizeof (AdrItem));
  adr->rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (adr->rng, (unsigned long) seed);
  return adr;
}

void
ds_adr_free (DsAdr *adr)
{
  if (adr == NULL)
    return;
  g_array_unref (adr->sample);
  g_array_unref (adr->heap);
  gsl_rng_free (adr->rng);
  g_free (adr);
}

static void
heap_push (GArray *heap, AdrItem item)
{
  guint i = heap->len;
  g_array_append_val (heap, item);
  while (i > 0)
    {
      guint up = (i - 1) / 2;
      AdrItem *a = &g_array_index (heap, AdrItem, up), *b = &g_array_index (heap, AdrItem, i);
      if (a->weight <= b->weight)
        break;
      AdrItem t = *a;
      *a = *b;
      *b = t;
      i = up;
    }
}

static AdrItem
heap_pop (GArray *heap)
{
  AdrItem top = g_array_index (heap, AdrItem, 0);
  guint i = 0;

  g_array_index (heap, AdrItem, 0) = g_array_index (heap, AdrItem, heap->len - 1);
  g_array_set_size (heap, heap->len - 1);
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      if (l < heap->len && g_array_index (heap, AdrItem, l).weight
                           < g_array_index (heap, AdrItem, m).weight)
        m = l;
      if (r < heap->len && g_array_index (heap, AdrItem, r).weight
                           < g_array_index (heap, AdrItem, m).weight)
        m = r;
      if (m == i)
        return top;
      AdrItem t = g_array_index (heap, AdrItem, i);
      g_array_index (heap, AdrItem, i) = g_array_index (heap, AdrItem, m);
      g_array_index (heap, AdrItem, m) = t;
      i = m;
    }
}

/* Steps 3-4 of insert, for an item whose weight W already counts. */
static void
adr_place (DsAdr *adr, double value, double weight)
{
  double p;

  if (adr->sample->len < adr->k)
    {
      g_array_append_val (adr->sample, value);
      return;
    }
  p = adr->k * weight / adr->w_total;
  if (p > 1)
    heap_push (adr->heap, (AdrItem) { value, weight });
  else if (gsl_rng_uniform (adr->rng) < p)
    g_array_index (adr->sample, double, gsl_rng_uniform_int (adr->rng, adr->k)) = value;
}

static void
adr_drain (DsAdr *adr)
{
  while (adr->heap->len > 0
         && adr->k * g_array_index (adr->heap, AdrItem, 0).weight / adr->w_total <= 1)
    {
      AdrItem y = heap_pop (adr->heap);
      adr_place (adr, y.value, y.weight);            /* bug B13: W not added again */
    }
}

void
ds_adr_insert (DsAdr *adr, double value, double weight)
{
  adr->w_total += weight;
  adr_drain (adr);
  adr_place (adr, value, weight);
}

void
ds_adr_decay (DsAdr *adr, double bias)
{
  adr->w_total *= 1 - bias;
  for (guint i = 0; i < adr->heap->len; i++)
    g_array_index (adr->heap, AdrItem, i).weight *= 1 - bias;
}

GArray *
ds_adr_held (const DsAdr *adr)
{
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (double),
                                   adr->sample->len + adr->heap->len);

  g_array_append_vals (out, adr->sample->data, adr->sample->len);
  for (guint i = 0; i < adr->heap->len; i++)
    g_array_append_val (out, g_array_index (adr->heap, AdrItem, i).value);
  return out;
}

GArray *
ds_adr_read (DsAdr *adr)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree double *pick = NULL;
  guint room;

  adr_drain (adr);
  for (guint i = 0; i < adr->heap->len; i++)
    g_array_append_val (out, g_array_index (adr->heap, AdrItem, i).value);
  room = adr->k > out->len ? adr->k - out->len : 0;
  room = MIN (room, adr->sample->len);
  if (room == adr->sample->len)
    g_array_append_vals (out, adr->sample->data, room);
  else if (room > 0)
    {
      pick = g_new (double, room);
      gsl_ran_choose (adr->rng, pick, room, adr->sample->data, adr->sample->len,
                      sizeof (double));
      g_array_append_vals (out, pick, room);
    }
  return out;
}

/* ---- moving average over panes ---- */

struct _DsPaneAverage {
  guint max_panes, n_panes, oldest;
  double *sum, *count;       /* per pane, a ring from oldest */
};

DsPaneAverage *
ds_pane_average_new (guint n_panes)
{
  DsPaneAverage *a = g_new0 (DsPaneAverage, 1);

  a->max_panes = MAX (n_panes, 1);
  a->sum = g_new0 (double, a->max_panes);
  a->count = g_new0 (double, a->max_panes);
  return a;
}

void
ds_pane_average_free (DsPaneAverage *a)
{
  if (a == NULL)
    return;
  g_free (a->sum);
  g_free (a->count);
  g_free (a);
}

/* Sums are kept per pane and added up per read (P is small), so no
 * running total accumulates rounding as panes come and go. */
double
ds_pane_average_push (DsPaneAverage *a, const double *values, gsize n)
{
  guint at;
  double sum = 0, count = 0;

  if (a->n_panes == a->max_panes)
    a->oldest = (a->oldest + 1) % a->max_panes;           /* retire the oldest */
  else
    a->n_panes++;
  at = (a->oldest + a->n_panes - 1) % a->max_panes;
  a->sum[at] = 0;
  a->count[at] = (double) n;
  for (gsize i = 0; i < n; i++)
    a->sum[at] += values[i];
  for (guint p = 0; p < a->n_panes; p++)
    {
      sum += a->sum[p];
      count += a->count[p];
    }
  return count > 0 ? sum / count : 0;
}

/* ---- window operator and incremental summarizer (spec 10.1, 10.2) ---- */

typedef struct {
  double start;              /* pane covers [start, start + slide) */
  double in, out;            /* inlier and outlier rows */
} Pane;

typedef struct {
  guint n_items;
  guint *ids;                /* item ids: value * n_cols + col, ascending */
  double *p_in, *p_out;      /* [P] per window pane */
  double in_sum, out_sum;    /* I_X, O_X */
  guint tau;                 /* window index of the pane tracking began */
} Tracked;

struct _DsExplainWindow {
  DsExplainStreamOptions o;
  guint n_cols, max_panes;
  double min_support, min_ratio;
  gboolean started;
  double boundary;           /* B */
  guint64 late;
  GArray *buf_codes;         /* guint32 x n_cols per pending row */
  GArray *buf_o, *buf_t;     /* double per pending row */
  Pane *panes;               /* [max_panes], 0 = oldest */
  guint n_panes;
  GHashTable *tracked;       /* char* key -> Tracked* */
};

static void
tracked_free (gpointer p)
{
  Tracked *x = p;
  g_free (x->ids);
  g_free (x->p_in);
  g_free (x->p_out);
  g_free (x);
}

DsExplainWindow *
ds_explain_window_new (const DsExplainStreamOptions *o, guint n_explained,
                       double min_support, double min_ratio)
{
  DsExplainWindow *w = g_new0 (DsExplainWindow, 1);

  w->o = *o;
  w->o.time_column = NULL;
  w->n_cols = n_explained;
  w->max_panes = (guint) MAX (ceil (o->window / o->slide - 1e-9), 1);
  w->min_support = min_support;
  w->min_ratio = min_ratio;
  w->buf_codes = g_array_new (FALSE, FALSE, sizeof (guint32));
  w->buf_o = g_array_new (FALSE, FALSE, sizeof (double));
  w->buf_t = g_array_new (FALSE, FALSE, sizeof (double));
  w->panes = g_new0 (Pane, w->max_panes);
  w->tracked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, tracked_free);
  return w;
}

void
ds_explain_window_free (DsExplainWindow *w)
{
  if (w == NULL)
    return;
  g_array_unref (w->buf_codes);
  g_array_unref (w->buf_o);
  g_array_unref (w->buf_t);
  g_free (w->panes);
  g_hash_table_unref (w->tracked);
  g_free (w);
}

static gboolean
row_has (const DsExplainWindow *w, const guint32 *codes, const Tracked *x)
{
  for (guint i = 0; i < x->n_items; i++)
    if (codes[x->ids[i] % w->n_cols] != x->ids[i] / w->n_cols)
      return FALSE;
  return TRUE;
}

static void
since (const DsExplainWindow *w, const Tracked *x, double *in, double *out)
{
  *in = *out = 0;
  for (guint p = x->tau; p < w->n_panes; p++)
    {
      *in += w->panes[p].in;
      *out += w->panes[p].out;
    }
}

/* Step 1: the oldest pane leaves. */
static void
retire (DsExplainWindow *w)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, w->tracked);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Tracked *x = v;
      x->in_sum -= x->p_in[0];
      x->out_sum -= x->p_out[0];
      memmove (x->p_in, x->p_in + 1, (w->max_panes - 1) * sizeof (double));
      memmove (x->p_out, x->p_out + 1, (w->max_panes - 1) * sizeof (double));
      x->p_in[w->max_panes - 1] = x->p_out[w->max_panes - 1] = 0;
      if (x->tau > 0)
        x->tau--;
      if (x->out_sum <= 0)
        g_hash_table_iter_remove (&it);
    }
  memmove (w->panes, w->panes + 1, (w->max_panes - 1) * sizeof (Pane));
  w->n_panes--;
}

/* Steps 3 and 4: untrack what lost support or risk ratio. */
static void
untrack (DsExplainWindow *w, gboolean ratio_too)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, w->tracked);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Tracked *x = v;
      double in, out;
      since (w, x, &in, &out);
      if (x->out_sum < w->min_support * out
          || (ratio_too && ds_explain_risk_ratio (x->in_sum, x->out_sum, in, out)
                           < w->min_ratio))
        g_hash_table_iter_remove (&it);
    }
}

static char *
key_of (const guint *ids, guint n)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%u,", ids[i]);
  return g_string_free (s, FALSE);
}

static gint
cmp_uint (gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *) a, y = *(const guint *) b;
  return x < y ? -1 : x > y;
}

/* Step 5: itemsets frequent among the pane's outliers, risk ratio within
 * the pane >= min, start being tracked. */
static void
discover (DsExplainWindow *w, const guint32 *codes, const double *o, guint n)
{
  const Pane *pane = &w->panes[w->n_panes - 1];
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) sets = NULL;
  guint zero = 0, n_txns = 0;

  if (w->min_support * pane->out < 1)
    return;
  g_array_append_val (offsets, zero);
  for (guint r = 0; r < n; r++)
    if (o[r] != 0)
      {
        guint before = items->len;
        for (guint c = 0; c < w->n_cols; c++)
          {
            guint id = codes[(gsize) r * w->n_cols + c] * w->n_cols + c;
            g_array_append_val (items, id);
          }
        qsort (&g_array_index (items, guint, before), w->n_cols, sizeof (guint), cmp_uint);
        g_array_append_val (offsets, items->len);
        n_txns++;
      }
  sets = ds_explain_mine_itemsets ((guint *) (void *) items->data,
                                   (guint *) (void *) offsets->data, n_txns,
                                   (guint) ceil (w->min_support * pane->out));
  for (guint k = 0; k < sets->len; k++)
    {
      const DsItemset *s = g_ptr_array_index (sets, k);
      g_autofree char *key = key_of (s->items, s->n_items);
      Tracked *x;
      double in = 0;
      if (g_hash_table_contains (w->tracked, key))
        continue;
      x = g_new0 (Tracked, 1);
      x->n_items = s->n_items;
      x->ids = g_memdup2 (s->items, s->n_items * sizeof (guint));
      for (guint r = 0; r < n; r++)
        if (o[r] == 0 && row_has (w, codes + (gsize) r * w->n_cols, x))
          in++;
      if (ds_explain_risk_ratio (in, s->count, pane->in, pane->out) < w->min_ratio)
        {
          tracked_free (x);
          continue;
        }
      x->p_in = g_new0 (double, w->max_panes);
      x->p_out = g_new0 (double, w->max_panes);
      x->tau = w->n_panes - 1;
      x->p_in[x->tau] = x->in_sum = in;
      x->p_out[x->tau] = x->out_sum = s->count;
      g_hash_table_insert (w->tracked, g_steal_pointer (&key), x);
    }
}

/* One pane of @n rows (codes row-major over n_cols, o per row). */
static void
process_pane (DsExplainWindow *w, double start, const guint32 *codes, const double *o, guint n)
{
  Pane *pane;
  GHashTableIter it;
  gpointer v;

  if (w->n_panes == w->max_panes)
    retire (w);
  pane = &w->panes[w->n_panes++];
  *pane = (Pane) { start, 0, 0 };
  for (guint r = 0; r < n; r++)
    *(o[r] != 0 ? &pane->out : &pane->in) += 1;
  g_hash_table_iter_init (&it, w->tracked);                   /* step 2 */
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      Tracked *x = v;
      guint p = w->n_panes - 1;
      for (guint r = 0; r < n; r++)
        if (row_has (w, codes + (gsize) r * w->n_cols, x))
          *(o[r] != 0 ? &x->p_out[p] : &x->p_in[p]) += 1;
      x->in_sum += x->p_in[p];
      x->out_sum += x->p_out[p];
    }
  untrack (w, TRUE);                                          /* steps 3, 4 */
  discover (w, codes, o, n);                                  /* step 5 */
}

/* Emits the pending rows with time < @end as one pane starting at @start. */
static void
emit_pane (DsExplainWindow *w, double start, gboolean all, const GArray *times)
{
  g_autoptr(GArray) codes = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) o = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) keep_t = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) keep_codes = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GArray) keep_o = g_array_new (FALSE, FALSE, sizeof (double));
  double end = start + w->o.slide;

  for (guint r = 0; r < times->len; r++)
    {
      gboolean in = all || g_array_index (times, double, r) < end;
      g_array_append_vals (in ? codes : keep_codes,
                           &g_array_index (w->buf_codes, guint32, (gsize) r * w->n_cols),
                           w->n_cols);
      g_array_append_val (in ? o : keep_o, g_array_index (w->buf_o, double, r));
      if (!in)
        g_array_append_val (keep_t, g_array_index (times, double, r));
    }
  process_pane (w, start, (guint32 *) (void *) codes->data, (double *) (void *) o->data,
                o->len);
  g_array_set_size (w->buf_codes, 0);
  g_array_append_vals (w->buf_codes, keep_codes->data, keep_codes->len);
  g_array_set_size (w->buf_o, 0);
  g_array_append_vals (w->buf_o, keep_o->data, keep_o->len);
  g_array_set_size (w->buf_t, 0);
  g_array_append_vals (w->buf_t, keep_t->data, keep_t->len);
}

guint
ds_explain_window_push (DsExplainWindow *w, const DsExplainData *d, guint time_idx,
                        guint first, guint n)
{
  double max_t = -INFINITY;
  guint emitted = 0;

  g_return_val_if_fail (d->outlier != NULL && d->n_attrs >= w->n_cols, 0);
  for (guint r = first; r < first + n; r++)
    {
      double t = d->metrics[time_idx][r];
      if (!w->started)
        {
          w->boundary = floor (t / w->o.slide) * w->o.slide;
          w->started = TRUE;
        }
      if (t < w->boundary)
        w->late++;
      g_array_append_vals (w->buf_codes, d->codes + (gsize) r * d->n_attrs, w->n_cols);
      g_array_append_val (w->buf_o, d->outlier[r]);
      g_array_append_val (w->buf_t, t);
      max_t = MAX (max_t, t);
    }
  while (w->started && max_t >= w->boundary + w->o.slide)
    {
      g_autoptr(GArray) times = g_array_copy (w->buf_t);
      emit_pane (w, w->boundary, FALSE, times);
      w->boundary += w->o.slide;
      emitted++;
    }
  return emitted;
}

guint
ds_explain_window_flush (DsExplainWindow *w, const DsExplainData *d)
{
  g_autoptr(GArray) times = NULL;

  (void) d;
  if (w->buf_o->len == 0)
    return 0;
  times = g_array_copy (w->buf_t);
  emit_pane (w, w->boundary, TRUE, times);
  w->boundary += w->o.slide;
  return 1;
}

DsExplainResult *
ds_explain_window_results (DsExplainWindow *w, const DsExplainData *d)
{
  double in = 0, out = 0;
  DsExplainResult *res;
  GHashTableIter it;
  gpointer v;

  for (guint p = 0; p < w->n_panes; p++)
    {
      in += w->panes[p].in;
      out += w->panes[p].out;
    }
  res = ds_explain_result_new (DS_EXPLAIN_RISK_RATIO, out, in + out);
  untrack (w, FALSE);                                         /* step 3 again */
  g_hash_table_iter_init (&it, w->tracked);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      const Tracked *x = v;
      g_autofree DsExplainItem *items = g_new (DsExplainItem, x->n_items);
      double s_in, s_out, rr;
      since (w, x, &s_in, &s_out);
      rr = ds_explain_risk_ratio (x->in_sum, x->out_sum, s_in, s_out);
      if (rr < w->min_ratio)
        continue;
      for (guint i = 0; i < x->n_items; i++)
        items[i] = (DsExplainItem) { x->ids[i] % w->n_cols, x->ids[i] / w->n_cols };
      ds_explain_result_add (res, items, x->n_items, x->out_sum / s_out, rr, x->out_sum,
                             x->out_sum + x->in_sum);
    }
  ds_explain_result_sort (res, d);
  return res;
}

void
ds_explain_window_span (const DsExplainWindow *w, double *start, double *end, guint *rows,
                        guint64 *late)
{
  double n = 0;
  for (guint p = 0; p < w->n_panes; p++)
    n += w->panes[p].in + w->panes[p].out;
  *start = w->n_panes > 0 ? w->panes[0].start : w->boundary;
  *end = w->n_panes > 0 ? w->panes[w->n_panes - 1].start + w->o.slide : w->boundary;
  *rows = (guint) n;
  *late = w->late;
}

/* ---- the --stream driver ---- */

/* The defaults of spec 5.7, for the fields of DsExplainStreamOptions
 * left 0. */
#define STREAM_WARMUP 10000          /* tuples */
#define STREAM_REFRESH 10000         /* threshold and model refresh, tuples */
#define STREAM_DECAY_PERIOD 100000   /* tuples */
#define STREAM_DECAY 0.01
#define STREAM_RESERVOIR 10000
#define STREAM_AMC_SIZE 100000

/* The streaming score classifier of spec 10.5 (bug B7 fixed): a model
 * (median/MAD or mean/std) refit from an ADR of inputs, a threshold from
 * an ADR of scores, both refreshed every `refresh` tuples. */
typedef struct {
  guint warmup, refresh, decay_period;
  double decay;
  DsExplainClassifierKind kind;
  const DsExplainClassifier *c;  /* MCD's parameters */
  double q;                  /* score quantile */
  guint p;                   /* metrics the model reads: MCD all, else the first */
  gboolean *low;             /* [p] the "low is bad" transform per metric */
  DsAdr *inputs, *scores;
  double center, spread, threshold;
  /* MCD: the input ADR holds tags, the vectors are here while held */
  GHashTable *vectors;       /* guint64 tag -> double[p] */
  guint64 n_tags;
  double *mean, *inv;        /* the MCD fit; NULL before the first */
  guint64 seen;
  gboolean warm;
} StreamCls;

static double
stream_score (const StreamCls *s, const double *x)
{
  if (s->kind == DS_EXPLAIN_CLS_MCD)
    return s->mean != NULL ? ds_explain_mcd_score (x, s->p, s->mean, s->inv) : 0;
  if (s->kind == DS_EXPLAIN_CLS_PERCENTILE)
    return x[0];
  if (s->spread == 0)
    return x[0] == s->center ? 0 : INFINITY;
  return fabs (x[0] - s->center) / s->spread;
}

static void
stream_add_input (StreamCls *s, const double *x)
{
  if (s->kind != DS_EXPLAIN_CLS_MCD)
    {
      ds_adr_insert (s->inputs, x[0], 1);
      return;
    }
  g_hash_table_insert (s->vectors, g_memdup2 (&s->n_tags, sizeof s->n_tags),
                       g_memdup2 (x, s->p * sizeof *x));
  ds_adr_insert (s->inputs, (double) s->n_tags++, 1);  /* exact below 2^53 */
}

/* MCD on the sampled vectors; vectors the reservoir no longer holds are
 * dropped, so memory stays within its capacity plus one period. */
static void
stream_refit_mcd (StreamCls *s, const GArray *tags)
{
  g_autoptr(GArray) held = ds_adr_held (s->inputs);
  g_autoptr(GHashTable) keep = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree double *x = g_new (double, (gsize) MAX (tags->len, 1) * s->p);
  g_autofree guint64 *ids = g_new (guint64, MAX (held->len, 1));
  GHashTableIter it;
  gpointer k;

  for (guint i = 0; i < held->len; i++)
    {
      ids[i] = (guint64) g_array_index (held, double, i);
      g_hash_table_add (keep, &ids[i]);
    }
  g_hash_table_iter_init (&it, s->vectors);
  while (g_hash_table_iter_next (&it, &k, NULL))
    if (!g_hash_table_contains (keep, k))
      g_hash_table_iter_remove (&it);
  for (guint i = 0; i < tags->len; i++)
    {
      guint64 tag = (guint64) g_array_index (tags, double, i);
      memcpy (x + (gsize) i * s->p, g_hash_table_lookup (s->vectors, &tag),
              s->p * sizeof *x);
    }
  if (tags->len < s->p + 1)
    return;                              /* too few to fit: keep the last model */
  if (s->mean == NULL)
    {
      s->mean = g_new (double, s->p);
      s->inv = g_new (double, (gsize) s->p * s->p);
    }
  ds_explain_mcd_fit (x, tags->len, s->p, s->c, s->mean, s->inv);
}

static void
stream_refit (StreamCls *s)
{
  g_autoptr(GArray) v = ds_adr_read (s->inputs);
  double *x = (double *) (void *) v->data;

  if (v->len == 0)
    return;
  if (s->kind == DS_EXPLAIN_CLS_MCD)
    stream_refit_mcd (s, v);
  else if (s->kind == DS_EXPLAIN_CLS_MAD)
    ds_explain_mad_fit (x, v->len, &s->center, &s->spread);
  else if (s->kind == DS_EXPLAIN_CLS_ZSCORE)
    {
      double sum = 0, sq = 0;
      for (guint i = 0; i < v->len; i++)
        sum += x[i];
      s->center = sum / v->len;
      for (guint i = 0; i < v->len; i++)
        sq += (x[i] - s->center) * (x[i] - s->center);
      s->spread = sqrt (sq / v->len);
    }
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The sorted score sample's element at min(floor(q n), n - 1). */
static void
stream_rethreshold (StreamCls *s)
{
  g_autoptr(GArray) v = ds_adr_read (s->scores);
  guint at;

  if (v->len == 0)
    return;
  g_array_sort (v, cmp_double);
  at = MIN ((guint) floor (s->q * v->len), v->len - 1);
  s->threshold = g_array_index (v, double, at);
}

/* The model's input for @row: metrics 0..p-1, transformed where low is
 * bad. */
static void
stream_input (const StreamCls *s, const DsExplainData *d, guint row, double *x)
{
  for (guint m = 0; m < s->p; m++)
    {
      double v = d->metrics[m][row];
      x[m] = s->low[m] ? 1 / MAX (v, 0.1) : v;
    }
}

/* End of warm-up: fit on the buffered rows, then label each with its own
 * score (bug B7 labelled them against the current tuple's). */
static void
stream_warm_up (StreamCls *s, DsExplainData *d, guint n)
{
  g_autofree double *x = g_new (double, s->p);

  for (guint r = 0; r < n; r++)
    {
      stream_input (s, d, r, x);
      stream_add_input (s, x);
    }
  stream_refit (s);
  for (guint r = 0; r < n; r++)
    {
      stream_input (s, d, r, x);
      ds_adr_insert (s->scores, stream_score (s, x), 1);
    }
  stream_rethreshold (s);
  for (guint r = 0; r < n; r++)
    {
      stream_input (s, d, r, x);
      d->outlier[r] = stream_score (s, x) > s->threshold;
    }
  s->seen = n;
  s->warm = TRUE;
}

/* Labels the rows of @d; during warm-up returns FALSE (the rows wait)
 * unless @force (the input ended first). The first `warmup` rows are
 * labelled by the warm-up model, the rest one by one. */
static gboolean
stream_classify (StreamCls *s, DsExplainData *d, gboolean force)
{
  g_autofree double *x = g_new (double, s->p);
  guint first = 0;

  if (!s->warm)
    {
      if (d->n_rows < s->warmup && !force)
        return FALSE;
      first = MIN (d->n_rows, s->warmup);
      stream_warm_up (s, d, first);
    }
  for (guint r = first; r < d->n_rows; r++)
    {
      double score;
      stream_input (s, d, r, x);
      stream_add_input (s, x);
      score = stream_score (s, x);
      ds_adr_insert (s->scores, score, 1);
      d->outlier[r] = score > s->threshold;
      if (++s->seen % s->refresh == 0)
        {
          stream_refit (s);
          stream_rethreshold (s);
        }
      if (s->seen % s->decay_period == 0)
        {
          ds_adr_decay (s->inputs, s->decay);
          ds_adr_decay (s->scores, s->decay);
        }
    }
  return TRUE;
}

typedef struct {
  const DsExplainConfig *cfg;
  DsExplainWindow *w;
  StreamCls cls;
  DsExplainSketch *sketch;   /* --sketch: the summarizer instead of the window */
  guint summary_period;
  guint64 summarized;
  gboolean per_row;          /* predicate or column: no warm-up */
  guint time_idx;
  DsExplainStreamFn fn;
  gpointer user_data;
} Stream;

static gboolean
report (Stream *st, const DsExplainData *d, guint panes, GError **error)
{
  for (guint i = 0; i < MIN (panes, 1u); i++)
    {
      g_autoptr(DsExplainResult) res = ds_explain_window_results (st->w, d);
      if (st->cfg->prune)
        ds_explain_result_prune (res, d);
      if (!st->fn (st->w, d, res, st->user_data, error))
        return FALSE;
    }
  return TRUE;
}

/* --sketch: every classified row to the summarizer, a summary period
 * every summary_period rows. */
static void
summarize (Stream *st, const DsExplainData *d)
{
  for (guint r = 0; r < d->n_rows; r++)
    {
      ds_explain_sketch_observe (st->sketch, d->codes + (gsize) r * d->n_attrs,
                                 d->outlier[r] != 0);
      if (++st->summarized % st->summary_period == 0)
        ds_explain_sketch_end_period (st->sketch);
    }
}

static gboolean
report_sketch (Stream *st, const DsExplainData *d, GError **error)
{
  g_autoptr(DsExplainResult) res = ds_explain_sketch_results (st->sketch, d);

  if (st->cfg->prune)
    ds_explain_result_prune (res, d);
  return st->fn (NULL, d, res, st->user_data, error);
}

/* Classifies the rows read so far, windows (or summarizes) them,
 * reports, and forgets them; during warm-up the rows stay until @last or
 * enough have come. */
static gboolean
stream_rows (Stream *st, DsExplainData *d, gboolean last, GError **error)
{
  guint panes;

  if (d->n_rows == 0)
    return TRUE;
  if (st->per_row)
    {
      DsExplainFit fit;
      if (!ds_explain_classify (d, &st->cfg->classifier, &fit, error))
        return FALSE;
    }
  else
    {
      d->outlier = g_renew (double, d->outlier, MAX (d->capacity, 1));
      if (!stream_classify (&st->cls, d, last))
        return TRUE;
    }
  if (st->sketch != NULL)
    summarize (st, d);
  else
    {
      panes = ds_explain_window_push (st->w, d, st->time_idx, 0, d->n_rows);
      if (!report (st, d, panes, error))
        return FALSE;
    }
  ds_explain_data_clear_rows (d);
  return TRUE;
}

static gboolean
stream_setup (Stream *st, const DsExplainConfig *cfg, const DsExplainStreamOptions *o,
              char ***load_attrs, char ***metrics, guint *n_explained, GError **error)
{
  g_auto(GStrv) explain = NULL;
  GPtrArray *m;
  DsExplainClassifierKind kind = cfg->classifier.kind;
  guint n_model;

  if (!ds_explain_resolve_columns (cfg, DS_EXPLAIN_INPUT_CSV, "--stream", &explain,
                                   load_attrs, metrics, error))
    return FALSE;
  if (cfg->buckets != NULL || cfg->weight != NULL)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "--stream takes neither --bucket nor "
                    "--weight");
  if (kind > DS_EXPLAIN_CLS_COLUMN                                     /* cube kinds */
      || (kind == DS_EXPLAIN_CLS_PERCENTILE && cfg->classifier.tails != DS_EXPLAIN_TAILS_HIGH))
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "--stream classifies with predicate, "
                    "column, mad, zscore, mcd, or percentile with --tails high");
  if (kind == DS_EXPLAIN_CLS_MCD && g_strv_length (*metrics) < 2)
    return ds_fail (error, DS_ERROR_INVALID, "mcd: needs at least 2 metrics, got %u",
                    g_strv_length (*metrics));
  if (g_strv_length (explain) != g_strv_length (*load_attrs)
      || g_strv_length (explain) > 32)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "--stream explains at most 32 plain CSV "
                    "columns (no hidden predicate column)");
  *n_explained = g_strv_length (explain);
  n_model = kind == DS_EXPLAIN_CLS_MCD ? g_strv_length (*metrics) : 1;
  m = g_ptr_array_new ();
  for (guint i = 0; (*metrics)[i] != NULL; i++)
    g_ptr_array_add (m, (*metrics)[i]);
  if (!o->sketch && !g_strv_contains ((const char *const *) *metrics, o->time_column))
    g_ptr_array_add (m, g_strdup (o->time_column));
  g_ptr_array_add (m, NULL);
  g_free (*metrics);
  *metrics = (char **) g_ptr_array_free (m, FALSE);
  st->per_row = kind == DS_EXPLAIN_CLS_PREDICATE || kind == DS_EXPLAIN_CLS_COLUMN;
  st->cls.kind = kind;
  st->cls.q = kind == DS_EXPLAIN_CLS_PERCENTILE ? 1 - cfg->classifier.cutoff_pct / 100
              : cfg->classifier.score_percentile;
  st->cls.c = &cfg->classifier;
  st->cls.p = n_model;
  st->cls.low = g_new0 (gboolean, st->cls.p);
  for (guint i = 0; i < st->cls.p && (*metrics)[i] != NULL; i++)
    st->cls.low[i] = cfg->classifier.low_metrics != NULL
                     && g_strv_contains ((const char *const *) cfg->classifier.low_metrics,
                                         (*metrics)[i]);
  st->cls.vectors = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  st->cls.warmup = o->warmup > 0 ? o->warmup : STREAM_WARMUP;
  st->cls.refresh = o->model_period > 0 ? o->model_period : STREAM_REFRESH;
  st->cls.decay_period = o->decay_period > 0 ? o->decay_period : STREAM_DECAY_PERIOD;
  st->cls.decay = o->decay > 0 ? o->decay : STREAM_DECAY;
  st->summary_period = o->summary_period > 0 ? o->summary_period : STREAM_DECAY_PERIOD;
  return TRUE;
}

/* One chunk of CSV text: parse it, then classify and window its rows. */
static gboolean
feed (Stream *st, DsExplainCsvReader *reader, const char *chunk, gsize n, GError **error)
{
  DsExplainData *d;

  if (!ds_explain_csv_reader_feed (reader, chunk, n, error))
    return FALSE;
  d = ds_explain_csv_reader_data (reader);
  return d == NULL || stream_rows (st, d, FALSE, error);
}

/* A chunk of gzip data (a .gz file, told by its magic bytes), inflated as
 * it comes; @at_end drains the decompressor. */
static gboolean
feed_gzip (Stream *st, DsExplainCsvReader *reader, GConverter *gz, const char *chunk, gsize n,
           gboolean at_end, const char *file, GError **error)
{
  g_autofree char *out = g_malloc (1 << 16);
  gsize done = 0;

  for (;;)
    {
      gsize read = 0, written = 0;
      g_autoptr(GError) e = NULL;
      GConverterResult res = g_converter_convert (gz, chunk + done, n - done, out, 1 << 16,
                                                  at_end ? G_CONVERTER_INPUT_AT_END
                                                  : G_CONVERTER_NO_FLAGS,
                                                  &read, &written, &e);
      if (res == G_CONVERTER_ERROR && !at_end
          && g_error_matches (e, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        return TRUE;                             /* needs the next chunk */
      if (res == G_CONVERTER_ERROR && g_error_matches (e, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        return ds_fail (error, DS_ERROR_SYNTAX, "%s: the gzip data ends early (a cut file?)",
                        file);
      if (res == G_CONVERTER_ERROR)
        return ds_fail (error, DS_ERROR_SYNTAX, "%s: bad gzip data: %s", file, e->message);
      done += read;
      if (written > 0 && !feed (st, reader, out, written, error))
        return FALSE;
      if (res == G_CONVERTER_FINISHED || (!at_end && done == n && written == 0))
        return TRUE;
    }
}

static int
open_input (const char *path, GError **error)
{
  int fd = strcmp (path, "-") == 0 ? 0 : open (path, O_RDONLY);
  if (fd < 0)
    ds_fail (error, DS_ERROR_IO, "%s: %s", path, g_strerror (errno));
  return fd;
}

gboolean
ds_explain_stream_run (const DsExplainConfig *cfg, const DsExplainStreamOptions *o,
                       const char *path, DsExplainStreamFn fn, gpointer user_data,
                       GError **error)
{
  Stream st = { .cfg = cfg, .fn = fn, .user_data = user_data };
  guint reservoir = o->reservoir > 0 ? o->reservoir : STREAM_RESERVOIR;
  double min_support = isnan (cfg->min_support) ? 0.1 : cfg->min_support;
  double min_ratio = isnan (cfg->min_ratio) ? 3.0 : cfg->min_ratio;
  g_auto(GStrv) load_attrs = NULL, metrics = NULL;
  g_autoptr(DsExplainCsvReader) reader = NULL;
  g_autofree char *buf = g_malloc (1 << 16);
  const char *file = strcmp (path, "-") == 0 ? "<stdin>" : path;
  g_autoptr(GConverter) gz = NULL;
  guint n_explained = 0;
  gboolean ok = TRUE, sniffed = FALSE;
  gssize n;
  int fd;

  if (!stream_setup (&st, cfg, o, &load_attrs, &metrics, &n_explained, error))
    return FALSE;
  {
    DsExplainSchema schema = { (const char *const *) load_attrs,
                               (const char *const *) metrics, NULL };
    reader = ds_explain_csv_reader_new (file, &schema);
  }
  if (o->sketch)
    st.sketch = ds_explain_sketch_new (n_explained, o->amc_size > 0 ? o->amc_size
                                       : STREAM_AMC_SIZE, st.cls.decay, min_support,
                                       min_ratio);
  else
    st.w = ds_explain_window_new (o, n_explained, min_support, min_ratio);
  st.cls.inputs = ds_adr_new (reservoir, cfg->classifier.seed);
  st.cls.scores = ds_adr_new (reservoir, cfg->classifier.seed + 1);
  st.time_idx = g_strv_length (metrics) - 1;
  for (guint i = 0; metrics[i] != NULL && !o->sketch; i++)
    if (strcmp (metrics[i], o->time_column) == 0)
      st.time_idx = i;
  fd = open_input (path, error);
  ok = fd >= 0;
  while (ok && (n = read (fd, buf, 1 << 16)) > 0)
    {
      if (gz == NULL && !sniffed && n >= 2 && (guint8) buf[0] == 0x1f && (guint8) buf[1] == 0x8b)
        gz = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
      sniffed = TRUE;
      ok = gz != NULL ? feed_gzip (&st, reader, gz, buf, (gsize) n, FALSE, file, error)
           : feed (&st, reader, buf, (gsize) n, error);
    }
  if (ok && n < 0)
    ok = ds_fail (error, DS_ERROR_IO, "%s: read failed: %s", file, g_strerror (errno));
  if (ok && gz != NULL)
    ok = feed_gzip (&st, reader, gz, "", 0, TRUE, file, error);
  if (ok)
    ok = ds_explain_csv_reader_finish (reader, TRUE, error);
  if (ok)
    {
      DsExplainData *d = ds_explain_csv_reader_data (reader);
      ok = stream_rows (&st, d, TRUE, error)
           && (st.sketch != NULL ? report_sketch (&st, d, error)
               : report (&st, d, ds_explain_window_flush (st.w, d), error));
    }
  if (fd > 0)
    close (fd);
  ds_explain_window_free (st.w);
  ds_explain_sketch_free (st.sketch);
  ds_adr_free (st.cls.inputs);
  ds_adr_free (st.cls.scores);
  g_free (st.cls.low);
  g_clear_pointer (&st.cls.vectors, g_hash_table_unref);
  g_free (st.cls.mean);
  g_free (st.cls.inv);
  return ok;
}
