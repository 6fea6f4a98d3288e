/* bench/bench-engine.c - events per second of the discrete-event loop,
 * on the binary heap and on GLib's GSequence.
 *
 * The hold model (the classic priority-queue benchmark): a standing
 * queue of n events; each handler schedules one new event at an
 * exponential delay (mean 1 s) and is done, so the queue size stays n.
 * Run until virtual time total/n, about `total` handlers. Printed: the
 * median over runs of handlers per wall second, for n = 1,000 and
 * 100,000, for both queues, with the heap's ratio to GSequence, the
 * in-process baseline STYLE.md asks a hand-written heap to beat. Also the
 * same model with handlers re-running themselves (no schedule, no free
 * list traffic) and the queue alone (pop, push back later; no engine), to
 * show where the time goes. Issue #5's target: 5 million events per
 * second on one core.
 */
#include "config.h"

#include <math.h>
#include <gsl/gsl_statistics_double.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/engine.h"
#include "sim/event-queue.h"

#define RUNS 5
#define TOTAL 2000000

/* xorshift64*: a few ns per draw, so the generator does not dominate
 * (g_rand_double costs about as much as a heap operation). */
static guint64 rng_state;

static inline double
exp_delay_s (void)
{
  guint64 x = rng_state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng_state = x;
  /* top 53 bits to (0, 1] */
  return -log (((x * 0x2545F4914F6CDD1DULL) >> 11) * (1.0 / 9007199254740992.0)
               + (1.0 / 9007199254740992.0));
}

static double
hold_handler (DsEngine *engine, DsEventId id, gpointer data)
{
  ds_engine_schedule (engine, exp_delay_s (), hold_handler, NULL, NULL);
  return DS_EVENT_DONE;
}

static double
rerun_handler (DsEngine *engine, DsEventId id, gpointer data)
{
  return exp_delay_s ();
}

/* One hold run on the engine; returns handlers per second. */
static double
hold_engine (const DsEventQueueClass *klass, guint n, DsEventFn fn)
{
  DsEngine *engine = ds_engine_new_with_queue (klass);
  guint64 n_ran;
  gint64 t0;
  double wall_s;

  rng_state = 0x9E3779B97F4A7C15ULL;
  for (guint i = 0; i < n; i++)
    ds_engine_schedule (engine, exp_delay_s (), fn, NULL, NULL);
  /* warm the free list: the first pass over it allocates nothing, but
   * its chunks are cold; one time unit touches every event once */
  ds_engine_run (engine, 1.0);
  t0 = g_get_monotonic_time ();
  n_ran = ds_engine_run (engine, 1.0 + (double) TOTAL / n);
  wall_s = (g_get_monotonic_time () - t0) / 1e6;
  ds_engine_free (engine);
  return n_ran / wall_s;
}

/* The queue alone: pop the minimum, push it back at a later time. */
static double
hold_queue (const DsEventQueueClass *klass, guint n)
{
  DsEventQueue *q = klass->create ();
  DsQueueItem *items = g_new0 (DsQueueItem, n);
  guint64 seq = 0;
  gint64 t0;
  double wall_s;

  rng_state = 0x9E3779B97F4A7C15ULL;
  for (guint i = 0; i < n; i++)
    {
      items[i].time_s = exp_delay_s ();
      items[i].seq = seq++;
      klass->push (q, &items[i]);
    }
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < TOTAL; i++)
    {
      DsQueueItem *top = klass->pop (q);
      top->time_s += exp_delay_s ();
      top->seq = seq++;
      klass->push (q, top);
    }
  wall_s = (g_get_monotonic_time () - t0) / 1e6;
  klass->destroy (q);
  g_free (items);
  return TOTAL / wall_s;
}

typedef enum { MODE_SCHEDULE, MODE_RERUN, MODE_QUEUE } Mode;

static const char *const mode_names[] = {
  "engine, handler schedules", "engine, handler re-runs", "queue alone",
};

static double
measure (Mode mode, const DsEventQueueClass *klass, guint n)
{
  double rate[RUNS];

  for (guint r = 0; r < RUNS; r++)
    rate[r] = mode == MODE_QUEUE ? hold_queue (klass, n)
      : hold_engine (klass, n, mode == MODE_RERUN ? rerun_handler : hold_handler);
  return gsl_stats_median (rate, 1, RUNS);
}

int
main (void)
{
  const guint sizes[] = { 1000, 100000 };

  printf ("bench-engine: hold model, about %d events per run, median of %d runs, "
          "events per second (million)\n", TOTAL, RUNS);
  printf ("%-27s %8s %8s %10s %7s\n", "", "n", "heap", "GSequence", "ratio");
  for (guint m = 0; m < G_N_ELEMENTS (mode_names); m++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        double heap = measure (m, &ds_event_queue_heap, sizes[s]);
        double tree = measure (m, &ds_event_queue_gsequence, sizes[s]);
        printf ("%-27s %8u %8.2f %10.2f %6.1fx\n", mode_names[m], sizes[s],
                heap / 1e6, tree / 1e6, heap / tree);
        fflush (stdout);
      }
  return 0;
}
