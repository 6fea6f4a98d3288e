/* tests/test-engine.c - the discrete-event loop (sim/engine.h).
 *
 * Every case runs twice, once on the binary heap (/sim/engine/...) and
 * once on the GSequence queue (/sim/engine/gsequence/...), so the two
 * queues bench/bench-engine.c compares are held to the same contract.
 * The last cases check the engine against a reference simulator written
 * the obvious way (a list scanned for its minimum), on seeded random
 * schedules with re-runs and cancels.
 */
#include "config.h"

#include <math.h>

#include "sim/engine.h"
#include "sim/event-queue.h"

/* ---- helpers ---- */

typedef struct {
  GString *log;
  guint n_freed;
} Log;

static DsEngine *
engine_new (gconstpointer klass)
{
  return ds_engine_new_with_queue (klass);
}

/* A handler's data: appends "name@time " to the log; returns @again
 * @n_again times, then DS_EVENT_DONE. */
typedef struct {
  Log *log;
  const char *name;
  double again_s;
  guint n_again;
  guint n_frees;                /* how often free_data ran on this one */
} Tok;

static Tok *
tok_new (Log *log, const char *name)
{
  Tok *t = g_new0 (Tok, 1);
  t->log = log;
  t->name = name;
  return t;
}

static double
log_handler (DsEngine *engine, DsEventId id, gpointer data)
{
  Tok *t = data;
  g_string_append_printf (t->log->log, "%s@%g ", t->name, ds_engine_now_s (engine));
  if (t->n_again == 0)
    return DS_EVENT_DONE;
  t->n_again--;
  return t->again_s;
}

/* free_data for a Tok that the test keeps: counts instead of freeing. */
static void
tok_count_free (gpointer data)
{
  Tok *t = data;
  t->n_frees++;
  t->log->n_freed++;
}

static void
log_clear (Log *log)
{
  g_string_free (log->log, TRUE);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Log, log_clear)

#define LOG_INIT { g_string_new (NULL), 0 }

/* ---- ordering ---- */

static void
test_ties_in_schedule_order (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  const char *names[] = { "a", "b", "c", "d", "e", "f", "g", "h" };
  Tok toks[G_N_ELEMENTS (names)];

  /* even ones at 1, odd ones at 0.5, interleaved */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      toks[i] = (Tok) { &log, names[i], 0, 0, 0 };
      g_assert_cmpuint (ds_engine_schedule (e, i % 2 ? 0.5 : 1.0, log_handler, &toks[i], NULL), !=, 0);
    }
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 8);
  g_assert_cmpstr (log.log->str, ==, "b@0.5 d@0.5 f@0.5 h@0.5 a@1 c@1 e@1 g@1 ");
}

/* A handler returning a delay runs again with the same data and id. */
static DsEventId rerun_ids[8];
static guint rerun_n;

static double
rerun_handler (DsEngine *engine, DsEventId id, gpointer data)
{
  Tok *t = data;
  rerun_ids[rerun_n++] = id;
  return log_handler (engine, id, t);
}

static void
test_rerun_with_delay (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok t = { &log, "r", 0.25, 3, 0 };
  Tok u = { &log, "u", 0, 0, 0 };
  DsEventId id;

  rerun_n = 0;
  id = ds_engine_schedule (e, 1, rerun_handler, &t, tok_count_free);
  /* a tie with a re-run: u was scheduled first, the re-run later */
  ds_engine_schedule (e, 1.5, log_handler, &u, NULL);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 5);
  g_assert_cmpstr (log.log->str, ==, "r@1 r@1.25 u@1.5 r@1.5 r@1.75 ");
  g_assert_cmpuint (rerun_n, ==, 4);
  for (guint i = 0; i < rerun_n; i++)
    g_assert_cmpuint (rerun_ids[i], ==, id);
  g_assert_cmpuint (t.n_frees, ==, 1);
  g_assert_false (ds_engine_cancel (e, id));
}

/* ---- cancel ---- */

static void
test_cancel_before_run (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok a = { &log, "a", 0, 0, 0 }, b = { &log, "b", 0, 0, 0 };
  DsEventId ida = ds_engine_schedule (e, 1, log_handler, &a, tok_count_free);
  ds_engine_schedule (e, 2, log_handler, &b, tok_count_free);

  g_assert_true (ds_engine_cancel (e, ida));
  g_assert_cmpuint (a.n_frees, ==, 1);       /* at once, not at the next run */
  g_assert_false (ds_engine_cancel (e, ida));
  g_assert_cmpuint (ds_engine_n_pending (e), ==, 1);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 1);
  g_assert_cmpstr (log.log->str, ==, "b@2 ");
  g_assert_cmpuint (a.n_frees, ==, 1);
  g_assert_cmpuint (b.n_frees, ==, 1);
}

typedef struct {
  DsEventId victim;
  gboolean result, result_again;
} Canceller;

static double
cancel_other (DsEngine *engine, DsEventId id, gpointer data)
{
  Canceller *c = data;
  c->result = ds_engine_cancel (engine, c->victim);
  c->result_again = ds_engine_cancel (engine, c->victim);
  return DS_EVENT_DONE;
}

static void
test_cancel_from_other_handler (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok same = { &log, "same", 0, 0, 0 }, later = { &log, "later", 0, 0, 0 };
  Tok keep = { &log, "keep", 0, 0, 0 };
  Canceller c1 = { 0 }, c2 = { 0 };

  /* c1 cancels an event at its own timestamp, c2 one in the future */
  ds_engine_schedule (e, 1, cancel_other, &c1, NULL);
  ds_engine_schedule (e, 1, cancel_other, &c2, NULL);
  c1.victim = ds_engine_schedule (e, 1, log_handler, &same, tok_count_free);
  ds_engine_schedule (e, 1, log_handler, &keep, tok_count_free);
  c2.victim = ds_engine_schedule (e, 3, log_handler, &later, tok_count_free);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 3);
  g_assert_cmpstr (log.log->str, ==, "keep@1 ");
  g_assert_true (c1.result && c2.result);
  g_assert_false (c1.result_again || c2.result_again);
  g_assert_cmpuint (same.n_frees + later.n_frees + keep.n_frees, ==, 3);
  g_assert_cmpfloat (ds_engine_now_s (e), ==, 1);
}

typedef struct {
  Tok tok;
  gboolean first, second;
  guint frees_seen_inside;
} SelfCanceller;

static double
cancel_self (DsEngine *engine, DsEventId id, gpointer data)
{
  SelfCanceller *s = data;
  s->first = ds_engine_cancel (engine, id);
  s->second = ds_engine_cancel (engine, id);
  s->frees_seen_inside = s->tok.n_frees;
  log_handler (engine, id, &s->tok);
  return 1.0;                   /* ignored: the event was cancelled */
}

static void
test_cancel_self (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  SelfCanceller s = { { &log, "s", 0, 0, 0 }, FALSE, FALSE, 0 };
  DsEventId id = ds_engine_schedule (e, 2, cancel_self, &s, tok_count_free);

  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 1);
  g_assert_cmpstr (log.log->str, ==, "s@2 ");
  g_assert_true (s.first);
  g_assert_false (s.second);
  g_assert_cmpuint (s.frees_seen_inside, ==, 0);   /* data alive while running */
  g_assert_cmpuint (s.tok.n_frees, ==, 1);
  g_assert_false (ds_engine_cancel (e, id));
  g_assert_cmpuint (ds_engine_n_pending (e), ==, 0);
}

static void
test_cancel_after_run (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok a = { &log, "a", 0, 0, 0 }, b = { &log, "b", 0, 0, 0 };
  DsEventId ida = ds_engine_schedule (e, 1, log_handler, &a, NULL);
  DsEventId idb;

  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 1);
  g_assert_false (ds_engine_cancel (e, ida));
  g_assert_false (ds_engine_cancel (e, 0));
  g_assert_false (ds_engine_cancel (e, G_MAXUINT64));
  /* b reuses a's storage; a's id must still be dead and b's alive */
  idb = ds_engine_schedule (e, 1, log_handler, &b, NULL);
  g_assert_cmpuint (idb, !=, ida);
  g_assert_false (ds_engine_cancel (e, ida));
  g_assert_true (ds_engine_cancel (e, idb));
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 0);
  g_assert_cmpstr (log.log->str, ==, "a@1 ");
}

/* ---- free_data ---- */

static void
test_free_data_once (gconstpointer klass)
{
  g_auto(Log) log = LOG_INIT;
  Tok done = { &log, "done", 0, 0, 0 }, rerun = { &log, "rerun", 0.5, 2, 0 };
  Tok cancelled = { &log, "cancelled", 0, 0, 0 }, pending = { &log, "pending", 0, 0, 0 };
  Tok pending_rerun = { &log, "pending-rerun", 10, 5, 0 };
  SelfCanceller self = { { &log, "self", 0, 0, 0 }, FALSE, FALSE, 0 };
  DsEngine *e = engine_new (klass);
  DsEventId id;

  ds_engine_schedule (e, 1, log_handler, &done, tok_count_free);
  ds_engine_schedule (e, 1, log_handler, &rerun, tok_count_free);
  id = ds_engine_schedule (e, 1, log_handler, &cancelled, tok_count_free);
  ds_engine_schedule (e, 1, cancel_self, &self, tok_count_free);
  ds_engine_schedule (e, 100, log_handler, &pending, tok_count_free);
  ds_engine_schedule (e, 1, log_handler, &pending_rerun, tok_count_free);
  g_assert_true (ds_engine_cancel (e, id));
  ds_engine_run (e, 50);
  g_assert_cmpuint (log.n_freed, ==, 4);
  g_assert_cmpuint (pending.n_frees + pending_rerun.n_frees, ==, 0);
  ds_engine_free (e);
  g_assert_cmpuint (log.n_freed, ==, 6);
  g_assert_cmpuint (done.n_frees, ==, 1);
  g_assert_cmpuint (rerun.n_frees, ==, 1);
  g_assert_cmpuint (cancelled.n_frees, ==, 1);
  g_assert_cmpuint (self.tok.n_frees, ==, 1);
  g_assert_cmpuint (pending.n_frees, ==, 1);
  g_assert_cmpuint (pending_rerun.n_frees, ==, 1);
}

/* free_data that schedules and cancels: the engine must be consistent
 * when it is called. */
typedef struct {
  DsEngine *engine;
  Log *log;
  DsEventId victim;
} Reentrant;

static void
reentrant_free (gpointer data)
{
  Reentrant *r = data;
  g_assert_true (ds_engine_cancel (r->engine, r->victim));
  ds_engine_schedule (r->engine, 1, log_handler, tok_new (r->log, "from-free"), g_free);
  ds_engine_check (r->engine);
}

static double
done_handler (DsEngine *engine, DsEventId id, gpointer data)
{
  return DS_EVENT_DONE;
}

static void
test_free_data_reentrant (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok victim = { &log, "victim", 0, 0, 0 };
  Reentrant r = { e, &log, 0 };

  r.victim = ds_engine_schedule (e, 5, log_handler, &victim, tok_count_free);
  ds_engine_schedule (e, 1, done_handler, &r, reentrant_free);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 2);
  g_assert_cmpstr (log.log->str, ==, "from-free@2 ");
  g_assert_cmpuint (victim.n_frees, ==, 1);
}

/* ---- run (until) ---- */

static void
test_run_until (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok a = { &log, "a", 0, 0, 0 }, b = { &log, "b", 0, 0, 0 }, c = { &log, "c", 0, 0, 0 };

  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 0);
  ds_engine_schedule (e, 1, log_handler, &a, NULL);
  ds_engine_schedule (e, 2, log_handler, &b, NULL);
  ds_engine_schedule (e, 3, log_handler, &c, NULL);
  g_assert_cmpuint (ds_engine_run (e, 0.5), ==, 0);
  g_assert_cmpfloat (ds_engine_now_s (e), ==, 0);
  g_assert_cmpuint (ds_engine_run (e, 2), ==, 2);        /* until is inclusive */
  g_assert_cmpfloat (ds_engine_now_s (e), ==, 2);
  g_assert_cmpuint (ds_engine_run (e, 2.5), ==, 0);
  g_assert_cmpfloat (ds_engine_now_s (e), ==, 2);
  g_assert_cmpuint (ds_engine_n_pending (e), ==, 1);
  /* scheduling between runs is relative to where the last run stopped */
  ds_engine_schedule (e, 0.5, log_handler, tok_new (&log, "d"), g_free);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 2);
  g_assert_cmpstr (log.log->str, ==, "a@1 b@2 d@2.5 c@3 ");
  g_assert_cmpfloat (ds_engine_now_s (e), ==, 3);
}

/* ---- the hook ---- */

typedef struct {
  GString *log;
  guint n_calls;
  Tok extra;
} HookState;

static void
hook (DsEngine *engine, double now_s, gpointer data)
{
  HookState *h = data;
  g_assert_cmpfloat (now_s, ==, ds_engine_now_s (engine));
  g_string_append_printf (h->log, "hook@%g ", now_s);
  /* the first call adds an event at its own instant */
  if (h->n_calls++ == 0)
    ds_engine_schedule (engine, 0, log_handler, &h->extra, NULL);
}

static void
test_hook_once_per_timestamp (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  HookState h = { log.log, 0, { &log, "extra", 0, 0, 0 } };
  Tok a = { &log, "a", 0, 0, 0 }, b = { &log, "b", 1, 1, 0 }, c = { &log, "c", 0, 0, 0 };
  Tok d = { &log, "d", 0, 0, 0 };

  ds_engine_set_hook (e, hook, &h);
  ds_engine_schedule (e, 0, log_handler, &a, NULL);
  ds_engine_schedule (e, 0, log_handler, &b, NULL);       /* again at 1 */
  ds_engine_schedule (e, 1, log_handler, &c, NULL);
  ds_engine_schedule (e, 3, log_handler, &d, NULL);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 6);
  g_assert_cmpstr (log.log->str, ==,
                   "hook@0 a@0 b@0 extra@0 hook@1 c@1 b@1 hook@3 d@3 ");
  g_assert_cmpuint (h.n_calls, ==, 3);
}

/* A hook that cancels every event at its instant: the loop must move on
 * to the next instant and call the hook there. */
static void
hook_cancel_all (DsEngine *engine, double now_s, gpointer data)
{
  DsEventId *ids = data;
  if (now_s == 1)
    {
      g_assert_true (ds_engine_cancel (engine, ids[0]));
      g_assert_true (ds_engine_cancel (engine, ids[1]));
    }
}

static void
test_hook_cancels_its_instant (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok a = { &log, "a", 0, 0, 0 }, b = { &log, "b", 0, 0, 0 }, c = { &log, "c", 0, 0, 0 };
  DsEventId ids[2];

  ids[0] = ds_engine_schedule (e, 1, log_handler, &a, NULL);
  ids[1] = ds_engine_schedule (e, 1, log_handler, &b, NULL);
  ds_engine_schedule (e, 2, log_handler, &c, NULL);
  ds_engine_set_hook (e, hook_cancel_all, ids);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 1);
  g_assert_cmpstr (log.log->str, ==, "c@2 ");
}

/* ---- invalid input ---- */

static void
test_invalid_delays (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  const double bad[] = { -1, -1e-300, NAN, INFINITY, -INFINITY };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*delay_s*");
      g_assert_cmpuint (ds_engine_schedule (e, bad[i], done_handler, NULL, NULL), ==, 0);
      g_test_assert_expected_messages ();
    }
  g_assert_cmpuint (ds_engine_n_pending (e), ==, 0);
}

static double
bad_return (DsEngine *engine, DsEventId id, gpointer data)
{
  return -2;
}

static void
test_invalid_handler_return (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_auto(Log) log = LOG_INIT;
  Tok t = { &log, "t", 0, 0, 0 };

  ds_engine_schedule (e, 1, bad_return, &t, tok_count_free);
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*returned delay -2*");
  g_assert_cmpuint (ds_engine_run (e, INFINITY), ==, 1);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (t.n_frees, ==, 1);
  g_assert_cmpuint (ds_engine_n_pending (e), ==, 0);
}

/* ---- random schedules ---- */

/* What one run of event @tag (its @run_idx-th run) does, drawn from a
 * generator seeded by (seed, tag, run_idx) so the engine and the
 * reference make the same choices. Delays are multiples of 1/8, exact
 * in binary, so many events tie. */
typedef struct {
  gboolean has_cancel;
  guint cancel_tag;
  guint n_children;
  double child_delay_s[2];
  double again_s;               /* DS_EVENT_DONE or a re-run delay */
} Decision;

#define MAX_TAGS 6000

static void
decide (guint32 seed, guint tag, guint run_idx, guint n_tags, Decision *d)
{
  g_autoptr(GRand) r = g_rand_new_with_seed_array ((const guint32[]) { seed, tag, run_idx }, 3);

  d->has_cancel = g_rand_double (r) < 0.3;
  d->cancel_tag = g_rand_int_range (r, 0, n_tags);
  d->n_children = n_tags < MAX_TAGS - 2 ? g_rand_int_range (r, 0, 3) : 0;
  for (guint i = 0; i < 2; i++)
    d->child_delay_s[i] = g_rand_int_range (r, 0, 16) / 8.0;
  d->again_s = g_rand_double (r) < 0.2 ? g_rand_int_range (r, 0, 8) / 8.0 : DS_EVENT_DONE;
}

typedef struct {
  guint32 seed;
  DsEngine *engine;
  DsEventId ids[MAX_TAGS];
  guint runs[MAX_TAGS];
  guint n_tags, n_frees;
  double last_s;
  GString *log;
} World;

typedef struct {
  World *w;
  guint tag;
} WorldTok;

static void
world_tok_free (gpointer data)
{
  ((WorldTok *) data)->w->n_frees++;
  g_free (data);
}

static void world_schedule (World *w, double delay_s);

static double
world_handler (DsEngine *engine, DsEventId id, gpointer data)
{
  WorldTok *t = data;
  World *w = t->w;
  double now_s = ds_engine_now_s (engine);
  Decision d;

  g_assert_cmpfloat (now_s, >=, w->last_s);
  w->last_s = now_s;
  decide (w->seed, t->tag, w->runs[t->tag]++, w->n_tags, &d);
  g_string_append_printf (w->log, "%.17g %u", now_s, t->tag);
  if (d.has_cancel)
    g_string_append_printf (w->log, " cancel %u=%d", d.cancel_tag,
                            ds_engine_cancel (engine, w->ids[d.cancel_tag]));
  for (guint i = 0; i < d.n_children; i++)
    world_schedule (w, d.child_delay_s[i]);
  g_string_append_c (w->log, '\n');
  if (w->n_tags % 97 == 0)
    ds_engine_check (engine);
  return d.again_s;
}

static void
world_schedule (World *w, double delay_s)
{
  WorldTok *t = g_new (WorldTok, 1);
  t->w = w;
  t->tag = w->n_tags++;
  w->ids[t->tag] = ds_engine_schedule (w->engine, delay_s, world_handler, t, world_tok_free);
}

/* Seeds @n_initial events at random delays, then runs in steps of @step_s
 * virtual seconds (INFINITY: one run). */
static World *
world_run (const DsEventQueueClass *klass, guint32 seed, guint n_initial, double step_s)
{
  World *w = g_new0 (World, 1);
  g_autoptr(GRand) r = g_rand_new_with_seed (seed);

  w->seed = seed;
  w->log = g_string_new (NULL);
  w->engine = ds_engine_new_with_queue (klass);
  for (guint i = 0; i < n_initial; i++)
    world_schedule (w, g_rand_int_range (r, 0, 64) / 8.0);
  if (isinf (step_s))
    ds_engine_run (w->engine, INFINITY);
  else
    for (double until_s = 0; ds_engine_n_pending (w->engine) > 0; until_s += step_s)
      ds_engine_run (w->engine, until_s);
  ds_engine_check (w->engine);
  ds_engine_free (w->engine);
  g_assert_cmpuint (w->n_frees, ==, w->n_tags);
  return w;
}

static void
world_free (World *w)
{
  g_string_free (w->log, TRUE);
  g_free (w);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (World, world_free)

/* The reference: the same world on a plain array, scanned for the
 * (time, seq) minimum at each step. Quadratic, obviously right. */
typedef struct {
  double time_s;
  guint64 seq;
  guint tag;
} RefEvent;

static GString *
reference_run (guint32 seed, guint n_initial)
{
  g_autoptr(GArray) pending = g_array_new (FALSE, FALSE, sizeof (RefEvent));
  g_autoptr(GRand) r = g_rand_new_with_seed (seed);
  g_autofree guint *runs = g_new0 (guint, MAX_TAGS);
  GString *log = g_string_new (NULL);
  guint n_tags = 0;
  guint64 seq = 0;
  double now_s = 0;

  for (guint i = 0; i < n_initial; i++)
    {
      RefEvent ev = { g_rand_int_range (r, 0, 64) / 8.0, seq++, n_tags++ };
      g_array_append_val (pending, ev);
    }
  while (pending->len > 0)
    {
      guint min = 0;
      RefEvent cur;
      Decision d;
      gboolean self_cancelled = FALSE;

      for (guint i = 1; i < pending->len; i++)
        {
          RefEvent *a = &g_array_index (pending, RefEvent, i);
          RefEvent *b = &g_array_index (pending, RefEvent, min);
          if (a->time_s < b->time_s || (a->time_s == b->time_s && a->seq < b->seq))
            min = i;
        }
      cur = g_array_index (pending, RefEvent, min);
      g_array_remove_index (pending, min);
      now_s = cur.time_s;
      decide (seed, cur.tag, runs[cur.tag]++, n_tags, &d);
      g_string_append_printf (log, "%.17g %u", now_s, cur.tag);
      if (d.has_cancel)
        {
          gboolean found = FALSE;
          if (d.cancel_tag == cur.tag)
            found = self_cancelled = TRUE;
          for (guint i = 0; !found && i < pending->len; i++)
            if (g_array_index (pending, RefEvent, i).tag == d.cancel_tag)
              {
                g_array_remove_index (pending, i);
                found = TRUE;
              }
          g_string_append_printf (log, " cancel %u=%d", d.cancel_tag, found);
        }
      for (guint i = 0; i < d.n_children; i++)
        {
          RefEvent ev = { now_s + d.child_delay_s[i], seq++, n_tags++ };
          g_array_append_val (pending, ev);
        }
      g_string_append_c (log, '\n');
      if (!self_cancelled && d.again_s != DS_EVENT_DONE)
        {
          RefEvent ev = { now_s + d.again_s, seq++, cur.tag };
          g_array_append_val (pending, ev);
        }
    }
  return log;
}

static void
test_random_against_reference (gconstpointer klass)
{
  for (guint32 seed = 1; seed <= 3; seed++)
    {
      g_autoptr(GString) expected = reference_run (seed, 500);
      g_autoptr(World) one = world_run (klass, seed, 500, INFINITY);
      g_autoptr(World) steps = world_run (klass, seed, 500, 0.75);

      g_assert_cmpuint (one->n_tags, >, 2000);
      g_assert_cmpstr (one->log->str, ==, expected->str);
      g_assert_cmpstr (steps->log->str, ==, expected->str);
    }
}

/* Two engines fed the same random schedule log the same bytes, and so do
 * the two queue implementations. */
static void
test_determinism (gconstpointer klass)
{
  g_autoptr(World) a = world_run (klass, 42, 1000, INFINITY);
  g_autoptr(World) b = world_run (klass, 42, 1000, INFINITY);
  g_autoptr(World) other = world_run (klass == &ds_event_queue_heap
                                      ? &ds_event_queue_gsequence : &ds_event_queue_heap,
                                      42, 1000, INFINITY);

  g_assert_cmpuint (a->log->len, >, 0);
  g_assert_cmpstr (a->log->str, ==, b->log->str);
  g_assert_cmpstr (a->log->str, ==, other->log->str);
}

/* Random delays on a continuous scale (no ties) with handlers checking
 * that time never goes backwards; also scheduling from between runs. */
typedef struct {
  double last_s;
  GRand *rand;
  guint n_left;
} Mono;

static double
mono_handler (DsEngine *engine, DsEventId id, gpointer data)
{
  Mono *m = data;
  double now_s = ds_engine_now_s (engine);

  g_assert_cmpfloat (now_s, >=, m->last_s);
  m->last_s = now_s;
  if (m->n_left == 0)
    return DS_EVENT_DONE;
  m->n_left--;
  ds_engine_schedule (engine, -log (g_rand_double (m->rand)) * 1e-3, mono_handler, m, NULL);
  /* tiny delays next to a large time: now + delay may round to now */
  return g_rand_boolean (m->rand) ? 1e-300 : DS_EVENT_DONE;
}

static void
test_time_never_goes_backwards (gconstpointer klass)
{
  g_autoptr(DsEngine) e = engine_new (klass);
  g_autoptr(GRand) r = g_rand_new_with_seed (7);
  Mono m = { 0, r, 20000 };

  for (guint i = 0; i < 100; i++)
    ds_engine_schedule (e, g_rand_double_range (r, 0, 1e6), mono_handler, &m, NULL);
  g_assert_cmpuint (ds_engine_run (e, INFINITY), >, 20000);
  g_assert_cmpfloat (ds_engine_now_s (e), ==, m.last_s);
}

/* ---- registration ---- */

typedef struct {
  const char *name;
  GTestDataFunc fn;
} Case;

static const Case cases[] = {
  { "ties-run-in-schedule-order", test_ties_in_schedule_order },
  { "rerun-with-delay", test_rerun_with_delay },
  { "cancel/before-run", test_cancel_before_run },
  { "cancel/from-other-handler", test_cancel_from_other_handler },
  { "cancel/self-while-running", test_cancel_self },
  { "cancel/after-run", test_cancel_after_run },
  { "free-data/exactly-once", test_free_data_once },
  { "free-data/reentrant", test_free_data_reentrant },
  { "run-until-stops-and-resumes", test_run_until },
  { "hook/once-per-timestamp", test_hook_once_per_timestamp },
  { "hook/cancels-its-instant", test_hook_cancels_its_instant },
  { "invalid/delays", test_invalid_delays },
  { "invalid/handler-return", test_invalid_handler_return },
  { "time-never-goes-backwards", test_time_never_goes_backwards },
  { "determinism", test_determinism },
  { "random-against-reference", test_random_against_reference },
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *heap = g_strconcat ("/sim/engine/", cases[i].name, NULL);
      g_autofree char *seq = g_strconcat ("/sim/engine/gsequence/", cases[i].name, NULL);
      g_test_add_data_func (heap, &ds_event_queue_heap, cases[i].fn);
      g_test_add_data_func (seq, &ds_event_queue_gsequence, cases[i].fn);
    }
  return g_test_run ();
}
