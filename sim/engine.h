/* sim/engine.h - virtual-time event loop.
 *
 * Time is in seconds from 0 and never goes backwards. Events at equal times
 * run in scheduling order. The engine owns queued events; `data` stays the
 * caller's unless `free_data` is given, in which case the engine calls it
 * exactly once (after the last run, on cancel, or when the engine is freed).
 *
 * Cost: O(log n) per schedule, pop and cancel, n the number of queued
 * events; no allocation per event once the free list has grown to the
 * largest queue seen. Measured in bench/bench-engine.c.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsEngine DsEngine;
typedef guint64 DsEventId;                 /* 0 is never a valid id */

/* A handler returns DS_EVENT_DONE, or the delay in seconds (>= 0) after
 * which it runs again with the same data (and the same id). Any other
 * return value is a bug: it is reported with g_critical() and treated as
 * DS_EVENT_DONE. */
#define DS_EVENT_DONE (-1.0)
typedef double (*DsEventFn) (DsEngine *engine, DsEventId id, gpointer data);

/* Called once per distinct timestamp, after virtual time has moved to
 * @now_s and before the first event at @now_s runs (Redis ae's
 * beforesleep). It may schedule and cancel events; events it schedules
 * with delay 0 run at @now_s without calling the hook again. */
typedef void (*DsEngineHookFn) (DsEngine *engine, double now_s, gpointer data);

/* A new engine at time 0 with an empty queue. This function can't fail. */
DsEngine  *ds_engine_new      (void);
/* Calls free_data for every pending event, then frees the engine. Must
 * not be called from inside a handler or the hook. */
void       ds_engine_free     (DsEngine *engine);
/* Queues @fn to run at now + @delay_s; @delay_s must be finite and >= 0
 * (else g_critical and 0 is returned, and free_data is not called).
 * Returns the event's id, valid until the event is done or cancelled. */
DsEventId  ds_engine_schedule (DsEngine *engine, double delay_s, DsEventFn fn,
                               gpointer data, GDestroyNotify free_data);
/* Returns FALSE if @id already ran to completion or was cancelled. Safe to
 * call from inside any handler, including the event's own: a handler that
 * cancels itself finishes its current run, its return value is ignored,
 * and free_data is called once it returns. Otherwise free_data is called
 * before this returns. */
gboolean   ds_engine_cancel   (DsEngine *engine, DsEventId id);
double     ds_engine_now_s    (const DsEngine *engine);
/* Runs events until the queue is empty or the next one is later than
 * @until_s; returns how many handlers ran. Virtual time stays at the last
 * event that ran (it does not move to @until_s), so a later run resumes
 * exactly where this one stopped. Not re-entrant: must not be called from
 * inside a handler or the hook. */
guint64    ds_engine_run      (DsEngine *engine, double until_s);

/* Sets (or, with @fn NULL, clears) the before-advance hook. @data stays
 * the caller's. */
void       ds_engine_set_hook (DsEngine *engine, DsEngineHookFn fn, gpointer data);
/* Number of events queued (not counting one whose handler is running). */
guint      ds_engine_n_pending (const DsEngine *engine);
/* Walks the queue and the free list and aborts on any inconsistency
 * (order, heap indices, states, counts). O(n). ds_engine_run calls it on
 * return, and ds_engine_free on entry, when DS_DEBUG_CHECK is set. */
void       ds_engine_check    (const DsEngine *engine);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsEngine, ds_engine_free)

G_END_DECLS
