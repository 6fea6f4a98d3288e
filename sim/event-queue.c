/* sim/event-queue.c - a binary heap and a GSequence behind DsEventQueueClass.
 *
 * The heap is an array of (key, item pointer) entries with the (time_s,
 * seq) minimum at index 0; every item's pos.heap_idx is its index in the
 * array, updated on every move, so remove finds an item without a search.
 * Sifting moves a hole instead of swapping, one store per level. The GSequence variant
 * keeps the items sorted in GLib's balanced tree and each item's iterator
 * in pos.iter. Both are O(log n) for push, pop and remove.
 */
#include "config.h"

#include "sim/event-queue.h"

/* ---- binary heap ---- */

/* Each array entry carries a copy of its item's key, so sifting compares
 * within the array and touches an item only to update its index. At
 * 100,000 events the items no longer fit in cache, and the copy made the
 * hold model 10% faster through the engine and 23% on the queue alone
 * (docs/performance.md); at 1,000 it changed nothing measurable. */
typedef struct {
  double time_s;
  guint64 seq;
  DsQueueItem *item;
} Entry;

typedef struct {
  Entry *items;
  gsize len, cap;
} Heap;

static inline gboolean
entry_before (const Entry *a, const Entry *b)
{
  return a->time_s < b->time_s || (a->time_s == b->time_s && a->seq < b->seq);
}

static DsEventQueue *
heap_create (void)
{
  Heap *h = g_new0 (Heap, 1);
  h->cap = 64;
  h->items = g_new (Entry, h->cap);
  return (DsEventQueue *) h;
}

static void
heap_destroy (DsEventQueue *q)
{
  Heap *h = (Heap *) q;
  g_free (h->items);
  g_free (h);
}

static inline void
heap_place (Heap *h, gsize idx, Entry e)
{
  h->items[idx] = e;
  e.item->pos.heap_idx = idx;
}

/* Moves @e up from hole @idx until its parent is before it. */
static void
heap_sift_up (Heap *h, gsize idx, Entry e)
{
  while (idx > 0)
    {
      gsize parent = (idx - 1) / 2;
      if (!entry_before (&e, &h->items[parent]))
        break;
      heap_place (h, idx, h->items[parent]);
      idx = parent;
    }
  heap_place (h, idx, e);
}

/* Moves @e down from hole @idx until no child is before it. */
static void
heap_sift_down (Heap *h, gsize idx, Entry e)
{
  for (;;)
    {
      gsize child = 2 * idx + 1;
      if (child >= h->len)
        break;
      if (child + 1 < h->len && entry_before (&h->items[child + 1], &h->items[child]))
        child++;
      if (!entry_before (&h->items[child], &e))
        break;
      heap_place (h, idx, h->items[child]);
      idx = child;
    }
  heap_place (h, idx, e);
}

static void
heap_push (DsEventQueue *q, DsQueueItem *item)
{
  Heap *h = (Heap *) q;
  if (h->len == h->cap)
    {
      h->cap *= 2;
      h->items = g_renew (Entry, h->items, h->cap);
    }
  heap_sift_up (h, h->len++, (Entry) { item->time_s, item->seq, item });
}

static DsQueueItem *
heap_peek (DsEventQueue *q)
{
  Heap *h = (Heap *) q;
  return h->len > 0 ? h->items[0].item : NULL;
}

/* Fills the hole at @idx with the last item, which may need to go either
 * way (down when @idx was the top, up or down after a remove). */
static void
heap_fill_hole (Heap *h, gsize idx)
{
  Entry last = h->items[--h->len];
  if (idx == h->len)
    return;
  if (idx > 0 && entry_before (&last, &h->items[(idx - 1) / 2]))
    heap_sift_up (h, idx, last);
  else
    heap_sift_down (h, idx, last);
}

static DsQueueItem *
heap_pop (DsEventQueue *q)
{
  Heap *h = (Heap *) q;
  DsQueueItem *top;
  if (h->len == 0)
    return NULL;
  top = h->items[0].item;
  heap_fill_hole (h, 0);
  return top;
}

static void
heap_remove (DsEventQueue *q, DsQueueItem *item)
{
  Heap *h = (Heap *) q;
  gsize idx = item->pos.heap_idx;
  g_assert (idx < h->len && h->items[idx].item == item);
  heap_fill_hole (h, idx);
}

static gsize
heap_size (const DsEventQueue *q)
{
  return ((const Heap *) q)->len;
}

static void
heap_foreach (const DsEventQueue *q, GFunc fn, gpointer data)
{
  const Heap *h = (const Heap *) q;
  for (gsize i = 0; i < h->len; i++)
    fn (h->items[i].item, data);
}

static void
heap_check (const DsEventQueue *q)
{
  const Heap *h = (const Heap *) q;
  g_assert (h->len <= h->cap);
  for (gsize i = 0; i < h->len; i++)
    {
      const Entry *e = &h->items[i];
      g_assert (e->item->pos.heap_idx == i);
      g_assert (e->time_s == e->item->time_s && e->seq == e->item->seq);
      if (i > 0)
        g_assert (!entry_before (e, &h->items[(i - 1) / 2]));
    }
}

const DsEventQueueClass ds_event_queue_heap = {
  "binary heap", heap_create, heap_destroy, heap_push, heap_peek, heap_pop,
  heap_remove, heap_size, heap_foreach, heap_check,
};

/* ---- GSequence ---- */

typedef struct {
  GSequence *seq;
  gsize len;                  /* g_sequence_get_length is O(log n) */
} Tree;

static gint
tree_compare (gconstpointer a, gconstpointer b, gpointer unused)
{
  const DsQueueItem *x = a, *y = b;
  if (x == y)
    return 0;
  return ds_queue_item_before (x, y) ? -1 : 1;
}

static DsEventQueue *
tree_create (void)
{
  Tree *t = g_new0 (Tree, 1);
  t->seq = g_sequence_new (NULL);
  return (DsEventQueue *) t;
}

static void
tree_destroy (DsEventQueue *q)
{
  Tree *t = (Tree *) q;
  g_sequence_free (t->seq);
  g_free (t);
}

static void
tree_push (DsEventQueue *q, DsQueueItem *item)
{
  Tree *t = (Tree *) q;
  item->pos.iter = g_sequence_insert_sorted (t->seq, item, tree_compare, NULL);
  t->len++;
}

static DsQueueItem *
tree_peek (DsEventQueue *q)
{
  Tree *t = (Tree *) q;
  GSequenceIter *it = g_sequence_get_begin_iter (t->seq);
  return g_sequence_iter_is_end (it) ? NULL : g_sequence_get (it);
}

static DsQueueItem *
tree_pop (DsEventQueue *q)
{
  Tree *t = (Tree *) q;
  GSequenceIter *it = g_sequence_get_begin_iter (t->seq);
  DsQueueItem *top;
  if (g_sequence_iter_is_end (it))
    return NULL;
  top = g_sequence_get (it);
  g_sequence_remove (it);
  t->len--;
  return top;
}

static void
tree_remove (DsEventQueue *q, DsQueueItem *item)
{
  Tree *t = (Tree *) q;
  g_assert (g_sequence_get (item->pos.iter) == item);
  g_sequence_remove (item->pos.iter);
  t->len--;
}

static gsize
tree_size (const DsEventQueue *q)
{
  return ((const Tree *) q)->len;
}

static void
tree_foreach (const DsEventQueue *q, GFunc fn, gpointer data)
{
  g_sequence_foreach (((const Tree *) q)->seq, fn, data);
}

static void
tree_check (const DsEventQueue *q)
{
  const Tree *t = (const Tree *) q;
  GSequenceIter *it = g_sequence_get_begin_iter (t->seq);
  const DsQueueItem *prev = NULL;
  gsize n = 0;
  for (; !g_sequence_iter_is_end (it); it = g_sequence_iter_next (it), n++)
    {
      const DsQueueItem *item = g_sequence_get (it);
      g_assert (item->pos.iter == it);
      g_assert (prev == NULL || ds_queue_item_before (prev, item));
      prev = item;
    }
  g_assert (n == t->len);
}

const DsEventQueueClass ds_event_queue_gsequence = {
  "GSequence", tree_create, tree_destroy, tree_push, tree_peek, tree_pop,
  tree_remove, tree_size, tree_foreach, tree_check,
};
