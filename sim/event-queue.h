/* sim/event-queue.h - the engine's priority queue, behind a small interface.
 *
 * A queue holds items the caller owns, ordered by (time_s, seq); seq is
 * unique per queue, so the order is total and ties in time pop in
 * sequence order. Each item carries a slot the queue uses to find it again
 * (a heap index or a GSequence iterator), which is what makes remove
 * O(log n), as ROSS keeps heap_index in its events. The caller must not
 * change time_s or seq while an item is queued, nor touch `pos`.
 *
 * Two implementations: a binary heap (the engine's default) and one on
 * GLib's GSequence (a balanced tree), kept so bench/bench-engine.c can
 * show why the hand-written heap exists (docs/performance.md).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double time_s;
  guint64 seq;
  union {
    gsize heap_idx;                   /* binary heap: index in its array */
    GSequenceIter *iter;              /* GSequence: the item's node */
  } pos;
} DsQueueItem;

typedef struct _DsEventQueue DsEventQueue;

typedef struct {
  const char *name;
  DsEventQueue *(*create) (void);
  void          (*destroy) (DsEventQueue *q);          /* items stay the caller's */
  void          (*push) (DsEventQueue *q, DsQueueItem *item);
  DsQueueItem  *(*peek) (DsEventQueue *q);             /* NULL when empty */
  DsQueueItem  *(*pop) (DsEventQueue *q);              /* NULL when empty */
  void          (*remove) (DsEventQueue *q, DsQueueItem *item);  /* item must be queued */
  gsize         (*size) (const DsEventQueue *q);
  /* Calls @fn on every queued item, in no particular order. */
  void          (*foreach) (const DsEventQueue *q, GFunc fn, gpointer data);
  void          (*check) (const DsEventQueue *q);      /* aborts if broken */
} DsEventQueueClass;

extern const DsEventQueueClass ds_event_queue_heap;
extern const DsEventQueueClass ds_event_queue_gsequence;

/* (time_s, seq) order: TRUE if @a pops before @b. */
static inline gboolean
ds_queue_item_before (const DsQueueItem *a, const DsQueueItem *b)
{
  return a->time_s < b->time_s || (a->time_s == b->time_s && a->seq < b->seq);
}

/* An engine on the given queue (ds_engine_new uses the heap). For tests
 * and bench/ only. */
struct _DsEngine;
struct _DsEngine *ds_engine_new_with_queue (const DsEventQueueClass *klass);

G_END_DECLS
