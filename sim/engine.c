/* sim/engine.c - the discrete-event loop.
 *
 * Pops the earliest event, moves virtual time to it, runs its handler.
 * Handlers may schedule and cancel events; nothing else touches the queue.
 * Events at the same time run in the order they were scheduled (by sequence
 * number), which is what makes two runs on the same inputs byte-identical.
 * Cost: O(log n) per schedule, pop and cancel; measured in
 * bench/bench-engine.c.
 *
 * EVENT STORAGE. Events live in fixed-size chunks that never move, and a
 * released event goes on a free list, so steady state allocates nothing
 * (ROSS sizes its event pool up front; we grow it to the largest queue
 * seen). An id is (generation << 32 | slot): the slot finds the event in
 * O(1), the generation, bumped each time the slot is reused, tells a
 * stale id from a live one. A generation wraps after 2^32 reuses of one
 * slot; an id kept that long could then name a newer event.
 *
 * STATES. FREE (on the free list), QUEUED (in the queue), RUNNING (popped,
 * handler on the stack), CANCELLED (cancelled while RUNNING: the handler
 * finishes, its return value is ignored, then the event is released).
 * Cancelling a QUEUED event removes it from the queue at once through its
 * queue slot (ROSS's heap_index), so only the running event needs the
 * deferred path (ae's lazy deletion). free_data runs exactly once, when
 * the event is released, after it is back on the free list, so it may
 * schedule or cancel other events.
 *
 * TIME. now_s only moves to the time of the event popped, which is >= now_s
 * because every event is scheduled at now_s + delay with delay >= 0 and
 * IEEE addition of a non-negative number never decreases; asserted anyway.
 */
#include "config.h"

#include <math.h>

#include "sim/engine.h"
#include "sim/event-queue.h"

#define CHUNK_BITS 10
#define CHUNK_LEN (1u << CHUNK_BITS)

typedef enum { EV_FREE, EV_QUEUED, EV_RUNNING, EV_CANCELLED } EvState;

typedef struct Event Event;
struct Event {
  DsQueueItem item;           /* first: the queue hands back &event->item */
  DsEventFn fn;
  gpointer data;
  GDestroyNotify free_data;
  Event *next_free;
  guint32 slot, gen;
  EvState state;
};

struct _DsEngine {
  const DsEventQueueClass *klass;
  DsEventQueue *queue;
  double now_s;
  guint64 next_seq;
  Event **chunks;
  guint n_chunks, n_slots;
  Event *free_list;
  Event *current;             /* the event whose handler is running */
  DsEngineHookFn hook;
  gpointer hook_data;
  double hook_time_s;         /* the last timestamp the hook ran for */
  gboolean has_hook_time, in_run, debug_check;
};

/* ---- event pool ---- */

static inline Event *
slot_event (const DsEngine *engine, guint32 slot)
{
  return &engine->chunks[slot >> CHUNK_BITS][slot & (CHUNK_LEN - 1)];
}

static Event *
event_alloc (DsEngine *engine)
{
  Event *ev = engine->free_list;
  if (ev != NULL)
    engine->free_list = ev->next_free;
  else
    {
      guint32 slot = engine->n_slots;
      g_assert (slot < G_MAXUINT32);
      if ((slot & (CHUNK_LEN - 1)) == 0)
        {
          engine->chunks = g_renew (Event *, engine->chunks, engine->n_chunks + 1);
          engine->chunks[engine->n_chunks++] = g_new0 (Event, CHUNK_LEN);
        }
      engine->n_slots++;
      ev = slot_event (engine, slot);
      ev->slot = slot;
    }
  if (++ev->gen == 0)         /* 0 would make id 0 possible for slot 0 */
    ev->gen = 1;
  return ev;
}

static inline DsEventId
event_id (const Event *ev)
{
  return (guint64) ev->gen << 32 | ev->slot;
}

/* The live event @id names, or NULL when it is done, cancelled or bogus. */
static Event *
event_lookup (const DsEngine *engine, DsEventId id)
{
  guint32 slot = id & G_MAXUINT32, gen = id >> 32;
  Event *ev;
  if (gen == 0 || slot >= engine->n_slots)
    return NULL;
  ev = slot_event (engine, slot);
  return ev->gen == gen && ev->state != EV_FREE ? ev : NULL;
}

/* Back to the free list, then free_data: the call may re-enter the engine. */
static void
event_release (DsEngine *engine, Event *ev)
{
  gpointer data = ev->data;
  GDestroyNotify free_data = ev->free_data;

  ev->state = EV_FREE;
  ev->fn = NULL;
  ev->data = NULL;
  ev->free_data = NULL;
  ev->next_free = engine->free_list;
  engine->free_list = ev;
  if (free_data != NULL)
    free_data (data);
}

static void
event_queue (DsEngine *engine, Event *ev, double time_s)
{
  ev->item.time_s = time_s;
  ev->item.seq = engine->next_seq++;
  ev->state = EV_QUEUED;
  engine->klass->push (engine->queue, &ev->item);
}

/* ---- API ---- */

DsEngine *
ds_engine_new_with_queue (const DsEventQueueClass *klass)
{
  DsEngine *engine = g_new0 (DsEngine, 1);
  engine->klass = klass;
  engine->queue = klass->create ();
  engine->debug_check = g_getenv ("DS_DEBUG_CHECK") != NULL;
  return engine;
}

DsEngine *
ds_engine_new (void)
{
  return ds_engine_new_with_queue (&ds_event_queue_heap);
}

void
ds_engine_free (DsEngine *engine)
{
  DsQueueItem *item;

  if (engine == NULL)
    return;
  g_return_if_fail (!engine->in_run);
  if (engine->debug_check)
    ds_engine_check (engine);
  while ((item = engine->klass->pop (engine->queue)) != NULL)
    event_release (engine, (Event *) item);
  for (guint i = 0; i < engine->n_chunks; i++)
    g_free (engine->chunks[i]);
  g_free (engine->chunks);
  engine->klass->destroy (engine->queue);
  g_free (engine);
}

DsEventId
ds_engine_schedule (DsEngine *engine, double delay_s, DsEventFn fn,
                    gpointer data, GDestroyNotify free_data)
{
  Event *ev;

  g_return_val_if_fail (engine != NULL, 0);
  g_return_val_if_fail (fn != NULL, 0);
  g_return_val_if_fail (isfinite (delay_s) && delay_s >= 0, 0);
  g_return_val_if_fail (isfinite (engine->now_s + delay_s), 0);
  ev = event_alloc (engine);
  ev->fn = fn;
  ev->data = data;
  ev->free_data = free_data;
  event_queue (engine, ev, engine->now_s + delay_s);
  return event_id (ev);
}

gboolean
ds_engine_cancel (DsEngine *engine, DsEventId id)
{
  Event *ev;

  g_return_val_if_fail (engine != NULL, FALSE);
  ev = event_lookup (engine, id);
  if (ev == NULL || ev->state == EV_CANCELLED)
    return FALSE;
  if (ev->state == EV_RUNNING)
    {
      ev->state = EV_CANCELLED;     /* released when its handler returns */
      return TRUE;
    }
  engine->klass->remove (engine->queue, &ev->item);
  event_release (engine, ev);
  return TRUE;
}

double
ds_engine_now_s (const DsEngine *engine)
{
  g_return_val_if_fail (engine != NULL, 0);
  return engine->now_s;
}

void
ds_engine_set_hook (DsEngine *engine, DsEngineHookFn fn, gpointer data)
{
  g_return_if_fail (engine != NULL);
  engine->hook = fn;
  engine->hook_data = data;
}

guint
ds_engine_n_pending (const DsEngine *engine)
{
  g_return_val_if_fail (engine != NULL, 0);
  return engine->klass->size (engine->queue);
}

/* Runs @ev's handler at now_s, then requeues or releases it. */
static void
run_event (DsEngine *engine, Event *ev)
{
  double delay_s;

  ev->state = EV_RUNNING;
  engine->current = ev;
  delay_s = ev->fn (engine, event_id (ev), ev->data);
  engine->current = NULL;
  if (ev->state == EV_CANCELLED || delay_s == DS_EVENT_DONE)
    {
      event_release (engine, ev);
      return;
    }
  if (!(delay_s >= 0 && isfinite (engine->now_s + delay_s)))
    {
      g_critical ("sim: handler %p returned delay %g, not DS_EVENT_DONE "
                  "nor a finite delay >= 0; treated as done", (void *) ev->fn, delay_s);
      event_release (engine, ev);
      return;
    }
  event_queue (engine, ev, engine->now_s + delay_s);
}

/* Moves virtual time to @time_s; TRUE if the hook ran (it may have
 * changed the queue, so the caller looks again). */
static gboolean
advance (DsEngine *engine, double time_s)
{
  g_assert (time_s >= engine->now_s);
  engine->now_s = time_s;
  if (engine->has_hook_time && engine->hook_time_s == time_s)
    return FALSE;
  engine->has_hook_time = TRUE;
  engine->hook_time_s = time_s;
  if (engine->hook == NULL)
    return FALSE;
  engine->hook (engine, time_s, engine->hook_data);
  return TRUE;
}

guint64
ds_engine_run (DsEngine *engine, double until_s)
{
  DsQueueItem *item;
  guint64 n_ran = 0;

  g_return_val_if_fail (engine != NULL, 0);
  g_return_val_if_fail (!engine->in_run, 0);
  g_return_val_if_fail (!isnan (until_s), 0);
  engine->in_run = TRUE;
  while ((item = engine->klass->peek (engine->queue)) != NULL && item->time_s <= until_s)
    {
      if (advance (engine, item->time_s))
        continue;
      engine->klass->pop (engine->queue);
      run_event (engine, (Event *) item);
      n_ran++;
    }
  engine->in_run = FALSE;
  if (engine->debug_check)
    ds_engine_check (engine);
  return n_ran;
}

/* ---- invariant checker ---- */

typedef struct {
  const DsEngine *engine;
  guint n_queued;
} CheckState;

static void
check_queued (gpointer item, gpointer user_data)
{
  CheckState *cs = user_data;
  const Event *ev = item;

  g_assert (ev->state == EV_QUEUED);
  g_assert (ev->item.time_s >= cs->engine->now_s);
  g_assert (isfinite (ev->item.time_s));
  g_assert (ev->item.seq < cs->engine->next_seq);
  g_assert (ev->fn != NULL);
  g_assert (slot_event (cs->engine, ev->slot) == ev);
  cs->n_queued++;
}

void
ds_engine_check (const DsEngine *engine)
{
  CheckState cs = { engine, 0 };
  guint n_free = 0, n_running = 0;

  g_return_if_fail (engine != NULL);
  engine->klass->check (engine->queue);
  engine->klass->foreach (engine->queue, check_queued, &cs);
  g_assert (cs.n_queued == engine->klass->size (engine->queue));
  for (const Event *ev = engine->free_list; ev != NULL; ev = ev->next_free)
    {
      g_assert (ev->state == EV_FREE);
      g_assert (ev->gen != 0);
      n_free++;
    }
  if (engine->current != NULL)
    {
      g_assert (engine->current->state == EV_RUNNING
                || engine->current->state == EV_CANCELLED);
      n_running = 1;
    }
  g_assert (cs.n_queued + n_free + n_running == engine->n_slots);
  g_assert (engine->n_chunks * CHUNK_LEN >= engine->n_slots);
  g_assert (isfinite (engine->now_s) && engine->now_s >= 0);
}
