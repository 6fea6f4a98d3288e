/* traces/replay.c - build, transform and replay a trace's dependency graph
 * (see replay.h; the model and its limits are in docs/traces.md).
 *
 * HOW OFFSETS ARE CHOSEN. A task's replayed start is
 *     max (anchor, max over start edges of t(from) + offset)
 * and its end max (start + duration, max over end edges of t(from) +
 * offset). For each task the edge that bound it in the trace (the one
 * whose constraint equals the recorded start or end) gets the exact
 * offset; every other edge gets an offset no larger than its slack, so
 * the unchanged graph replays to the recorded times, and a what-if moves
 * a task only through the constraints that can move it. A kernel queued
 * behind its stream keeps the typical launch lag (the median over the
 * kernels that were launch-bound), not the time it sat in the queue, so a
 * faster kernel ahead of it lets it start earlier.
 *
 * The graph is evaluated in topological order (Kahn), O(tasks + edges).
 */
#include "config.h"

#include "traces/replay.h"
#include "core/error.h"

#include <math.h>
#include <string.h>

typedef enum { EDGE_LANE, EDGE_LAUNCH, EDGE_SYNC, EDGE_WAIT, EDGE_MESSAGE,
               EDGE_COLLECTIVE, EDGE_N } EdgeKind;
static const char *const edge_names[EDGE_N] = {
  "lane", "launch", "sync", "wait", "message", "collective" };

typedef struct {
  guint ev;                 /* index in the trace */
  guint lane;
  double s0, e0;            /* recorded */
  double dur;               /* duration, or for a waiting task its own part */
  double s, e;              /* replayed */
  gboolean anchored;        /* no start edge: starts where it did */
  gboolean is_gpu;
} Task;

typedef struct {
  guint from, to;
  guint8 kind;
  gboolean from_end, to_end, removed;
  double off;
} Edge;

/* An iteration boundary: max (fixed_s, ends of tasks) + off_s. */
typedef struct {
  GArray *tasks;            /* guint */
  double fixed_s, off_s;
} Boundary;

struct _DsReplay {
  const DsTrace *trace;
  gboolean is_dawnsim;
  GArray *tasks;            /* Task */
  GArray *edges;            /* Edge */
  GArray *bounds;           /* Boundary */
  GArray *iters;            /* guint pairs: start and end boundary */
  GPtrArray *lanes;         /* GArray of guint task indices, by start */
  gboolean has_run;
};

/* ---- small helpers ---- */

static const char *
attr (const DsTraceEvent *e, const char *key)
{
  return e->attrs != NULL ? g_hash_table_lookup (e->attrs, key) : NULL;
}

static const char *
name_of (const DsTraceEvent *e)
{
  const char *n = attr (e, "name");
  return n != NULL ? n : ds_trace_kind_name (e->kind);
}

static Task *
task (DsReplay *r, guint i)
{
  return &g_array_index (r->tasks, Task, i);
}

static const DsTraceEvent *
event_of (DsReplay *r, guint i)
{
  return ds_trace_event (r->trace, task (r, i)->ev);
}

static void
add_edge (DsReplay *r, guint from, gboolean from_end, guint to, gboolean to_end,
          EdgeKind kind, double off)
{
  Edge e = { from, to, (guint8) kind, from_end, to_end, FALSE, off };
  g_array_append_val (r->edges, e);
}

/* A task that waits for @dep_e0 (the latest of what it waits for) and
 * ended at e0: its own part and the offset after the dependency, exact
 * for the recorded times (see the top of the file). */
static void
wait_offsets (double s0, double e0, double dep_e0, double *own, double *off)
{
  if (dep_e0 > s0)
    {
      *off = e0 - dep_e0;
      *own = CLAMP (*off, 0, e0 - s0);
    }
  else
    {
      *own = e0 - s0;
      *off = MIN (e0 - dep_e0, *own);
    }
}

static void
boundary_clear (gpointer p)
{
  Boundary *b = p;
  g_clear_pointer (&b->tasks, g_array_unref);
}

/* Returns the boundary's index. */
static guint
add_boundary (DsReplay *r, double fixed_s, double off_s, const guint *tasks, guint n)
{
  Boundary b = { g_array_new (FALSE, FALSE, sizeof (guint)), fixed_s, off_s };
  g_array_append_vals (b.tasks, tasks, n);
  g_array_append_val (r->bounds, b);
  return r->bounds->len - 1;
}

static void
add_iteration (DsReplay *r, guint from, guint to)
{
  guint pair[2] = { from, to };
  g_array_append_vals (r->iters, pair, 2);
}

static double
boundary_time (DsReplay *r, const Boundary *b, gboolean replayed)
{
  double t = b->fixed_s;
  for (guint i = 0; i < b->tasks->len; i++)
    {
      Task *k = task (r, g_array_index (b->tasks, guint, i));
      t = MAX (t, replayed ? k->e : k->e0);
    }
  return t + b->off_s;
}

/* ---- lanes ---- */

static gint
by_recorded_start (gconstpointer pa, gconstpointer pb, gpointer data)
{
  DsReplay *r = data;
  const Task *a = task (r, *(const guint *) pa), *b = task (r, *(const guint *) pb);

  if (a->s0 != b->s0)
    return a->s0 < b->s0 ? -1 : 1;
  return a->ev < b->ev ? -1 : a->ev > b->ev;
}

/* Groups tasks by resource and orders each lane by recorded start. */
static void
make_lanes (DsReplay *r)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_direct_hash, g_direct_equal);

  for (guint i = 0; i < r->tasks->len; i++)
    {
      const char *res = event_of (r, i)->resource;
      gpointer id;
      if (!g_hash_table_lookup_extended (ids, res, NULL, &id))
        {
          id = GUINT_TO_POINTER (r->lanes->len);
          g_hash_table_insert (ids, (gpointer) res, id);
          g_ptr_array_add (r->lanes, g_array_new (FALSE, FALSE, sizeof (guint)));
        }
      task (r, i)->lane = GPOINTER_TO_UINT (id);
      g_array_append_val ((GArray *) g_ptr_array_index (r->lanes, GPOINTER_TO_UINT (id)), i);
    }
  for (guint l = 0; l < r->lanes->len; l++)
    g_array_sort_with_data (g_ptr_array_index (r->lanes, l), by_recorded_start, r);
}

static guint
lane_at (DsReplay *r, guint lane, guint k)
{
  return g_array_index ((GArray *) g_ptr_array_index (r->lanes, lane), guint, k);
}

static guint
lane_len (DsReplay *r, guint lane)
{
  return ((GArray *) g_ptr_array_index (r->lanes, lane))->len;
}

/* Host lanes: each task starts its recorded gap after the previous one. */
static void
add_host_lane_edges (DsReplay *r, guint lane)
{
  for (guint k = 1; k < lane_len (r, lane); k++)
    {
      guint prev = lane_at (r, lane, k - 1), cur = lane_at (r, lane, k);
      add_edge (r, prev, TRUE, cur, FALSE, EDGE_LANE, task (r, cur)->s0 - task (r, prev)->e0);
    }
}

/* ---- dawnsim traces: messages, collectives, iterations ---- */

static gboolean
is_compute (DsTraceKind k)
{
  return k == DS_TRACE_FORWARD || k == DS_TRACE_BACKWARD;
}

/* The compute kind next to lane position @k, looking back or ahead. */
static gint
neighbour_compute (DsReplay *r, guint lane, guint k, gint step)
{
  for (gint j = (gint) k + step; j >= 0 && j < (gint) lane_len (r, lane); j += step)
    {
      DsTraceKind kind = event_of (r, lane_at (r, lane, (guint) j))->kind;
      if (is_compute (kind))
        return (gint) kind;
    }
  return -1;
}

/* "dir/src->dst/mb": a forward message goes to stage + 1, a backward
 * one to stage - 1. */
static char *
message_key (gint dir, gint src, gint dst, gint mb)
{
  return g_strdup_printf ("%d/%d>%d/%d", dir, src, dst, mb);
}

static void
free_queue (gpointer q)
{
  g_queue_free (q);
}

static void
add_messages (DsReplay *r)
{
  g_autoptr(GHashTable) sends = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_queue);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < r->tasks->len; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, by_recorded_start, r);
  for (guint l = 0; l < r->lanes->len; l++)
    for (guint k = 0; k < lane_len (r, l); k++)
      {
        guint t = lane_at (r, l, k);
        const DsTraceEvent *e = event_of (r, t);
        gint dir = neighbour_compute (r, l, k, -1);
        GQueue *q;
        g_autofree char *key = NULL;
        if (e->kind != DS_TRACE_SEND || dir < 0 || e->stage_idx < 0)
          continue;
        key = message_key (dir, e->stage_idx,
                           e->stage_idx + (dir == DS_TRACE_FORWARD ? 1 : -1), e->microbatch);
        if ((q = g_hash_table_lookup (sends, key)) == NULL)
          g_hash_table_insert (sends, g_strdup (key), (q = g_queue_new ()));
        g_queue_push_tail (q, GUINT_TO_POINTER (t));
      }
  /* Queues are in lane order; recvs take them in recorded order. */
  for (guint i = 0; i < order->len; i++)
    {
      guint t = g_array_index (order, guint, i);
      Task *rt = task (r, t);
      const DsTraceEvent *e = event_of (r, t);
      guint k = 0;
      gint dir;
      GQueue *q;
      g_autofree char *key = NULL;

      if (e->kind != DS_TRACE_RECV || e->stage_idx < 0)
        continue;
      while (lane_at (r, rt->lane, k) != t)
        k++;
      dir = neighbour_compute (r, rt->lane, k, +1);
      if (dir < 0)
        continue;
      key = message_key (dir, e->stage_idx + (dir == DS_TRACE_FORWARD ? -1 : 1),
                         e->stage_idx, e->microbatch);
      q = g_hash_table_lookup (sends, key);
      if (q != NULL && !g_queue_is_empty (q))
        {
          guint s = GPOINTER_TO_UINT (g_queue_pop_head (q));
          double own, off;
          wait_offsets (rt->s0, rt->e0, task (r, s)->e0, &own, &off);
          rt->dur = own;
          add_edge (r, s, TRUE, t, TRUE, EDGE_MESSAGE, off);
        }
    }
}

/* All members end together: each ends its own part after the last to
 * arrive, which is exact for the recorded times. */
static void
add_collective (DsReplay *r, const guint *members, guint n)
{
  double last = -G_MAXDOUBLE;

  if (n < 2)
    return;
  for (guint i = 0; i < n; i++)
    last = MAX (last, task (r, members[i])->s0);
  for (guint i = 0; i < n; i++)
    {
      Task *m = task (r, members[i]);
      double own = MAX (m->e0 - last, 0);
      m->dur = MIN (own, m->e0 - m->s0);
      for (guint j = 0; j < n; j++)
        if (j != i)
          add_edge (r, members[j], FALSE, members[i], TRUE, EDGE_COLLECTIVE,
                    MIN (m->e0 - last, m->e0 - task (r, members[j])->s0));
    }
}

/* The k-th event of @kind on each lane (per stage for allreduce); groups
 * of more than one lane are collectives. */
static void
add_dawnsim_collectives (DsReplay *r)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_array_unref);
  GHashTableIter it;
  gpointer value;

  for (guint l = 0; l < r->lanes->len; l++)
    for (guint k = 0, n = 0; k < lane_len (r, l); k++)
      {
        guint t = lane_at (r, l, k);
        const DsTraceEvent *e = event_of (r, t);
        g_autofree char *key = NULL;
        GArray *g;
        if (e->kind != DS_TRACE_ALLREDUCE)
          continue;
        key = g_strdup_printf ("%d/%u", e->stage_idx, n++);
        if ((g = g_hash_table_lookup (groups, key)) == NULL)
          g_hash_table_insert (groups, g_strdup (key), (g = g_array_new (FALSE, FALSE, sizeof (guint))));
        g_array_append_val (g, t);
      }
  g_hash_table_iter_init (&it, groups);
  while (g_hash_table_iter_next (&it, NULL, &value))
    add_collective (r, (guint *) ((GArray *) value)->data, ((GArray *) value)->len);
}

static void
add_dawnsim_iterations (DsReplay *r)
{
  guint n_iter = G_MAXUINT, n_lanes = 0;
  g_autoptr(GPtrArray) opt = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint l = 0; l < r->lanes->len; l++)
    {
      GArray *a = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint k = 0; k < lane_len (r, l); k++)
        if (event_of (r, lane_at (r, l, k))->kind == DS_TRACE_OPTIMIZER)
          g_array_append_val (a, *&g_array_index ((GArray *) g_ptr_array_index (r->lanes, l), guint, k));
      if (a->len > 0)
        {
          n_iter = MIN (n_iter, a->len);
          n_lanes++;
        }
      g_ptr_array_add (opt, a);
    }
  if (n_lanes == 0)
    return;
  add_boundary (r, 0, 0, NULL, 0);
  for (guint k = 0; k < n_iter; k++)
    {
      g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint l = 0; l < opt->len; l++)
        {
          GArray *a = g_ptr_array_index (opt, l);
          if (a->len > 0)
            g_array_append_val (ends, g_array_index (a, guint, k));
        }
      guint prev = r->bounds->len - 1;
      add_iteration (r, prev, add_boundary (r, -G_MAXDOUBLE, 0, (guint *) ends->data, ends->len));
    }
}

/* ---- GPU traces ---- */

static gboolean
is_gpu_cat (const char *cat)
{
  return g_strcmp0 (cat, "kernel") == 0 || g_strcmp0 (cat, "gpu_memset") == 0
         || g_strcmp0 (cat, "gpu_memcpy") == 0;
}

static gboolean
is_launcher_cat (const char *cat)
{
  return g_strcmp0 (cat, "cuda_runtime") == 0 || g_strcmp0 (cat, "cuda_driver") == 0;
}

/* Calls after which the host has waited for the device. */
static gboolean
is_sync_call (const char *name)
{
  static const char *const names[] = {
    "cudaDeviceSynchronize", "cudaStreamSynchronize", "cudaEventSynchronize",
    "cudaMemcpy", "cudaMemcpy2D", "cuCtxSynchronize", "cuStreamSynchronize",
    "cuEventSynchronize", "cuMemcpyDtoH_v2",
  };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
skipped_cat (const char *cat)
{
  return g_strcmp0 (cat, "Trace") == 0 || g_strcmp0 (cat, "overhead") == 0
         || g_strcmp0 (cat, "gpu_user_annotation") == 0;
}

/* The part of "PID/TID" before the slash. */
static gboolean
same_pid (const char *a, const char *b)
{
  const char *sa = strrchr (a, '/'), *sb = strrchr (b, '/');
  gsize na = sa != NULL ? (gsize) (sa - a) : strlen (a);
  gsize nb = sb != NULL ? (gsize) (sb - b) : strlen (b);
  return na == nb && strncmp (a, b, na) == 0;
}

static gint
by_start_then_longer (gconstpointer pa, gconstpointer pb, gpointer data)
{
  const DsTraceEvent *a = ds_trace_event (data, *(const guint *) pa);
  const DsTraceEvent *b = ds_trace_event (data, *(const guint *) pb);
  if (a->start_s != b->start_s)
    return a->start_s < b->start_s ? -1 : 1;
  if (a->dur_s != b->dur_s)
    return a->dur_s > b->dur_s ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Tasks in trace order, so that output follows the input. */
static gint
by_event (gconstpointer pa, gconstpointer pb, gpointer unused)
{
  guint a = ((const Task *) pa)->ev, b = ((const Task *) pb)->ev;
  return a < b ? -1 : a > b;
}

/* Leaves only: a host event enclosing the next one on its thread is a
 * container (cpu_op around its runtime calls); its time is in the gaps. */
static void
collect_gpu_tasks (DsReplay *r)
{
  g_autoptr(GHashTable) by_res = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                                        (GDestroyNotify) g_array_unref);
  GHashTableIter it;
  gpointer value;

  for (guint i = 0; i < ds_trace_n_events (r->trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (r->trace, i);
      GArray *a;
      if (e->kind == DS_TRACE_IDLE || e->kind == DS_TRACE_MEMORY || skipped_cat (attr (e, "cat")))
        continue;
      if ((a = g_hash_table_lookup (by_res, e->resource)) == NULL)
        g_hash_table_insert (by_res, (gpointer) e->resource,
                             (a = g_array_new (FALSE, FALSE, sizeof (guint))));
      g_array_append_val (a, i);
    }
  g_hash_table_iter_init (&it, by_res);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      GArray *a = value;
      g_array_sort_with_data (a, by_start_then_longer, (gpointer) r->trace);
      for (guint k = 0; k < a->len; k++)
        {
          const DsTraceEvent *e = ds_trace_event (r->trace, g_array_index (a, guint, k));
          const DsTraceEvent *f = k + 1 < a->len
            ? ds_trace_event (r->trace, g_array_index (a, guint, k + 1)) : NULL;
          gboolean gpu = is_gpu_cat (attr (e, "cat"));
          if (!gpu && f != NULL && f->start_s < e->start_s + e->dur_s)
            continue;                               /* a container */
          Task t = { g_array_index (a, guint, k), 0, e->start_s, e->start_s + e->dur_s,
                     e->dur_s, 0, 0, FALSE, gpu };
          g_array_append_val (r->tasks, t);
        }
    }
  g_array_sort_with_data (r->tasks, by_event, NULL);
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static gint
compare_pair (gconstpointer a, gconstpointer b)
{
  const double *x = a, *y = b;
  return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* correlation (or ac2g flow) id -> launching host task */
static GHashTable *
index_launches (DsReplay *r)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < r->tasks->len; i++)
    {
      const DsTraceEvent *e = event_of (r, i);
      const char *c = attr (e, "correlation"), *flow = attr (e, "flow_out");
      if (task (r, i)->is_gpu || !is_launcher_cat (attr (e, "cat")))
        continue;
      if (c != NULL)
        g_hash_table_insert (h, g_strconcat ("c", c, NULL), GUINT_TO_POINTER (i + 1));
      if (flow != NULL)
        {
          g_auto(GStrv) ids = g_strsplit (flow, ",", 0);
          for (guint k = 0; ids[k] != NULL; k++)
            g_hash_table_insert (h, g_strconcat ("f", ids[k], NULL), GUINT_TO_POINTER (i + 1));
        }
    }
  return h;
}

static gint
launcher_of (DsReplay *r, GHashTable *launches, guint gpu_task)
{
  const DsTraceEvent *e = event_of (r, gpu_task);
  const char *c = attr (e, "correlation"), *flow = attr (e, "flow_in");
  gpointer v = NULL;

  if (c != NULL)
    {
      g_autofree char *key = g_strconcat ("c", c, NULL);
      v = g_hash_table_lookup (launches, key);
    }
  if (v == NULL && flow != NULL)
    {
      g_auto(GStrv) ids = g_strsplit (flow, ",", 0);
      for (guint k = 0; ids[k] != NULL && v == NULL; k++)
        {
          g_autofree char *key = g_strconcat ("f", ids[k], NULL);
          v = g_hash_table_lookup (launches, key);
        }
    }
  return v != NULL ? (gint) GPOINTER_TO_UINT (v) - 1 : -1;
}

/* The median launch lag of kernels that were not queued behind their
 * stream; 5 us when no kernel shows one. */
static double
typical_lag (DsReplay *r, const gint *launcher)
{
  g_autoptr(GArray) lags = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint l = 0; l < r->lanes->len; l++)
    for (guint k = 0; k < lane_len (r, l); k++)
      {
        guint t = lane_at (r, l, k);
        double lag;
        if (!task (r, t)->is_gpu || launcher[t] < 0)
          continue;
        if (k > 0 && task (r, (guint) launcher[t])->s0 < task (r, lane_at (r, l, k - 1))->e0)
          continue;
        lag = task (r, t)->s0 - task (r, (guint) launcher[t])->s0;
        if (lag >= 0)
          g_array_append_val (lags, lag);
      }
  if (lags->len == 0)
    return 5e-6;
  g_array_sort (lags, compare_double);
  return g_array_index (lags, double, lags->len / 2);
}

static gint
by_recorded_end (gconstpointer pa, gconstpointer pb, gpointer data)
{
  DsReplay *r = data;
  const Task *a = task (r, *(const guint *) pa), *b = task (r, *(const guint *) pb);
  if (a->e0 != b->e0)
    return a->e0 < b->e0 ? -1 : 1;
  return a->ev < b->ev ? -1 : a->ev > b->ev;
}

/* The latest-ending kernel on another stream of the same device that
 * ended in (after, at]: the wait that explains a late start, or -1. */
static gint
find_wait (DsReplay *r, GArray *by_end, guint t, double after, double at)
{
  guint lo = 0, hi = by_end->len;
  const Task *me = task (r, t);
  const char *res = event_of (r, t)->resource;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (task (r, g_array_index (by_end, guint, mid))->e0 <= at)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (guint j = lo, n = 0; j > 0 && n < 64; j--, n++)
    {
      guint c = g_array_index (by_end, guint, j - 1);
      if (task (r, c)->e0 <= after)
        break;
      if (task (r, c)->lane != me->lane && same_pid (event_of (r, c)->resource, res))
        return (gint) c;
    }
  return -1;
}

/* A kernel's start: after its stream's previous kernel, its launch plus
 * the lag, and an inferred cross-stream wait; the binding one exact. */
static void
add_gpu_lane_edges (DsReplay *r, guint lane, const gint *launcher, double lag, GArray *by_end)
{
  const double tol = 2e-6;      /* start explained to within 2 us */

  for (guint k = 0; k < lane_len (r, lane); k++)
    {
      guint t = lane_at (r, lane, k);
      Task *me = task (r, t);
      gint prev = k > 0 ? (gint) lane_at (r, lane, k - 1) : -1;
      gint l = launcher[t];
      double a = prev >= 0 ? task (r, (guint) prev)->e0 : -G_MAXDOUBLE;
      double b = l >= 0 ? task (r, (guint) l)->s0 + lag : -G_MAXDOUBLE;
      double bound = MAX (a, b);
      gint w = -1;

      if (prev < 0 && l < 0)
        continue;                                     /* anchored */
      if (me->s0 - bound > tol)
        w = find_wait (r, by_end, t, bound, me->s0 + 1e-9);
      if (w >= 0)
        add_edge (r, (guint) w, TRUE, t, FALSE, EDGE_WAIT, me->s0 - task (r, (guint) w)->e0);
      if (prev >= 0)
        add_edge (r, (guint) prev, TRUE, t, FALSE, EDGE_LANE,
                  w < 0 && a >= b ? me->s0 - a : MIN (0, me->s0 - a));
      if (l >= 0)
        add_edge (r, (guint) l, FALSE, t, FALSE, EDGE_LAUNCH,
                  w < 0 && b > a ? me->s0 - task (r, (guint) l)->s0
                  : MIN (lag, me->s0 - task (r, (guint) l)->s0));
    }
}

/* A synchronising call ends after the last work launched (from its
 * process) before it on every stream. */
static void
add_syncs (DsReplay *r, const gint *launcher)
{
  g_autoptr(GArray) gpu = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) syncs = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) last = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint gi = 0;

  for (guint i = 0; i < r->tasks->len; i++)
    {
      if (task (r, i)->is_gpu && launcher[i] >= 0)
        g_array_append_val (gpu, i);
      else if (!task (r, i)->is_gpu && is_sync_call (name_of (event_of (r, i))))
        g_array_append_val (syncs, i);
    }
  g_array_sort_with_data (syncs, by_recorded_start, r);
  {
    /* kernels in the order they were launched: (launch start, task) pairs */
    g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (double) * 2);
    for (guint i = 0; i < gpu->len; i++)
      {
        guint t = g_array_index (gpu, guint, i);
        double p[2] = { task (r, (guint) launcher[t])->s0, (double) t };
        g_array_append_vals (pairs, p, 1);
      }
    g_array_sort (pairs, compare_pair);
    for (guint i = 0; i < gpu->len; i++)
      g_array_index (gpu, guint, i) = (guint) ((double *) pairs->data)[2 * i + 1];
  }
  for (guint si = 0; si < syncs->len; si++)
    {
      guint s = g_array_index (syncs, guint, si);
      Task *st = task (r, s);
      const char *res = event_of (r, s)->resource;
      double dep = -G_MAXDOUBLE, own, off;
      GHashTableIter it;
      gpointer v;

      while (gi < gpu->len && task (r, (guint) launcher[g_array_index (gpu, guint, gi)])->s0 <= st->s0)
        {
          guint t = g_array_index (gpu, guint, gi++);
          g_hash_table_insert (last, GUINT_TO_POINTER (task (r, t)->lane), GUINT_TO_POINTER (t + 1));
        }
      g_hash_table_iter_init (&it, last);
      while (g_hash_table_iter_next (&it, NULL, &v))
        {
          guint t = GPOINTER_TO_UINT (v) - 1;
          if (same_pid (event_of (r, (guint) launcher[t])->resource, res))
            dep = MAX (dep, task (r, t)->e0);
        }
      if (dep == -G_MAXDOUBLE)
        continue;
      wait_offsets (st->s0, st->e0, dep, &own, &off);
      st->dur = own;
      g_hash_table_iter_init (&it, last);
      while (g_hash_table_iter_next (&it, NULL, &v))
        {
          guint t = GPOINTER_TO_UINT (v) - 1;
          if (same_pid (event_of (r, (guint) launcher[t])->resource, res))
            add_edge (r, t, TRUE, s, TRUE, EDGE_SYNC, off);
        }
    }
}

/* NCCL kernels on different devices: the k-th of each collective name
 * on each device form one collective. */
static void
add_gpu_collectives (DsReplay *r)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify) g_array_unref);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (guint));
  GHashTableIter it;
  gpointer value;

  for (guint i = 0; i < r->tasks->len; i++)
    if (task (r, i)->is_gpu && event_of (r, i)->kind == DS_TRACE_ALLREDUCE)
      g_array_append_val (order, i);
  g_array_sort_with_data (order, by_recorded_start, r);
  for (guint i = 0; i < order->len; i++)
    {
      guint t = g_array_index (order, guint, i);
      const DsTraceEvent *e = event_of (r, t);
      const char *coll = attr (e, "Collective name");
      const char *slash = strrchr (e->resource, '/');
      g_autofree char *dev = g_strndup (e->resource, slash != NULL ? (gsize) (slash - e->resource)
                                                                   : strlen (e->resource));
      g_autofree char *ckey = g_strdup_printf ("%s|%s", dev, coll != NULL ? coll : name_of (e));
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, ckey));
      g_autofree char *gkey = g_strdup_printf ("%s|%u", coll != NULL ? coll : name_of (e), n);
      GArray *g;
      g_hash_table_replace (counts, g_strdup (ckey), GUINT_TO_POINTER (n + 1));
      if ((g = g_hash_table_lookup (groups, gkey)) == NULL)
        g_hash_table_insert (groups, g_strdup (gkey), (g = g_array_new (FALSE, FALSE, sizeof (guint))));
      g_array_append_val (g, t);
    }
  g_hash_table_iter_init (&it, groups);
  while (g_hash_table_iter_next (&it, NULL, &value))
    add_collective (r, (guint *) ((GArray *) value)->data, ((GArray *) value)->len);
}

/* The last task of @lane ending at or before @t, or -1. */
static gint
last_ending_before (DsReplay *r, guint lane, double t)
{
  gint best = -1;
  for (guint k = 0; k < lane_len (r, lane); k++)
    {
      guint c = lane_at (r, lane, k);
      if (task (r, c)->e0 <= t + 1e-12 && (best < 0 || task (r, c)->e0 >= task (r, (guint) best)->e0))
        best = (gint) c;
    }
  return best;
}

static gint
lane_of_resource (DsReplay *r, const char *resource)
{
  for (guint l = 0; l < r->lanes->len; l++)
    if (lane_len (r, l) > 0 && strcmp (event_of (r, lane_at (r, l, 0))->resource, resource) == 0)
      return (gint) l;
  return -1;
}

/* A recorded instant on @resource as a boundary that moves with the last
 * task there ending before it. */
static guint
add_instant_boundary (DsReplay *r, const char *resource, double t)
{
  gint lane = lane_of_resource (r, resource);
  gint c = lane >= 0 ? last_ending_before (r, (guint) lane, t) : -1;
  guint ct = (guint) c;

  if (c < 0)
    return add_boundary (r, t, 0, NULL, 0);
  return add_boundary (r, -G_MAXDOUBLE, t - task (r, ct)->e0, &ct, 1);
}

static gboolean
add_profiler_steps (DsReplay *r)
{
  gboolean any = FALSE;

  for (guint i = 0; i < ds_trace_n_events (r->trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (r->trace, i);
      if (!g_str_has_prefix (name_of (e), "ProfilerStep#") || is_gpu_cat (attr (e, "cat"))
          || g_strcmp0 (attr (e, "cat"), "gpu_user_annotation") == 0)
        continue;
      guint from = add_instant_boundary (r, e->resource, e->start_s);
      add_iteration (r, from, add_instant_boundary (r, e->resource, e->start_s + e->dur_s));
      any = TRUE;
    }
  return any;
}

/* Iterations end at the host's device synchronisations: the first
 * starts with the syncing thread's first event, each ends at a sync, and
 * a sync with nothing launched since the previous boundary (a trailing
 * one) ends none. */
static void
add_sync_iterations (DsReplay *r, const gint *launcher)
{
  g_autoptr(GArray) syncs = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) launch_s = g_array_new (FALSE, FALSE, sizeof (double));
  const char *thread = NULL;
  double first = G_MAXDOUBLE, prev_end;
  guint prev_b = 0;

  for (guint i = 0; i < r->tasks->len; i++)
    {
      const char *res = event_of (r, i)->resource;
      if (task (r, i)->is_gpu && launcher[i] >= 0)
        g_array_append_val (launch_s, task (r, (guint) launcher[i])->s0);
      else if (!task (r, i)->is_gpu && strstr (name_of (event_of (r, i)), "Synchronize") != NULL
               && (thread == NULL || strcmp (thread, res) == 0))
        {
          thread = res;
          g_array_append_val (syncs, i);
        }
    }
  if (syncs->len == 0)
    return;
  g_array_sort_with_data (syncs, by_recorded_start, r);
  g_array_sort (launch_s, compare_double);
  for (guint i = 0; i < ds_trace_n_events (r->trace); i++)
    if (strcmp (ds_trace_event (r->trace, i)->resource, thread) == 0)
      first = MIN (first, ds_trace_event (r->trace, i)->start_s);
  prev_end = first;
  for (guint k = 0; k < syncs->len; k++)
    {
      guint s = g_array_index (syncs, guint, k), lo = 0, hi = launch_s->len;
      while (lo < hi)                 /* first launch at or after prev_end */
        {
          guint mid = lo + (hi - lo) / 2;
          if (g_array_index (launch_s, double, mid) < prev_end)
            lo = mid + 1;
          else
            hi = mid;
        }
      if (lo == launch_s->len || g_array_index (launch_s, double, lo) >= task (r, s)->s0)
        continue;
      if (r->iters->len == 0)
        prev_b = add_boundary (r, first, 0, NULL, 0);
      add_iteration (r, prev_b, add_boundary (r, -G_MAXDOUBLE, 0, &s, 1));
      prev_b = r->bounds->len - 1;
      prev_end = task (r, s)->e0;
    }
}

static void
build_gpu (DsReplay *r)
{
  g_autofree gint *launcher = NULL;
  g_autoptr(GHashTable) launches = NULL;
  g_autoptr(GArray) by_end = g_array_new (FALSE, FALSE, sizeof (guint));
  double lag;

  collect_gpu_tasks (r);
  make_lanes (r);
  launches = index_launches (r);
  launcher = g_new (gint, r->tasks->len + 1);
  for (guint i = 0; i < r->tasks->len; i++)
    {
      launcher[i] = task (r, i)->is_gpu ? launcher_of (r, launches, i) : -1;
      if (task (r, i)->is_gpu)
        g_array_append_val (by_end, i);
    }
  g_array_sort_with_data (by_end, by_recorded_end, r);
  lag = typical_lag (r, launcher);
  for (guint l = 0; l < r->lanes->len; l++)
    if (lane_len (r, l) > 0 && task (r, lane_at (r, l, 0))->is_gpu)
      add_gpu_lane_edges (r, l, launcher, lag, by_end);
    else
      add_host_lane_edges (r, l);
  add_syncs (r, launcher);
  add_gpu_collectives (r);
  if (!add_profiler_steps (r))
    add_sync_iterations (r, launcher);
}

static void
build_dawnsim (DsReplay *r)
{
  for (guint i = 0; i < ds_trace_n_events (r->trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (r->trace, i);
      if (e->kind == DS_TRACE_IDLE || e->kind == DS_TRACE_MEMORY)
        continue;
      Task t = { i, 0, e->start_s, e->start_s + e->dur_s, e->dur_s, 0, 0, FALSE, FALSE };
      g_array_append_val (r->tasks, t);
    }
  make_lanes (r);
  for (guint l = 0; l < r->lanes->len; l++)
    add_host_lane_edges (r, l);
  add_messages (r);
  add_dawnsim_collectives (r);
  add_dawnsim_iterations (r);
}

/* ---- API ---- */

static gboolean
looks_like_dawnsim (const DsTrace *trace)
{
  for (guint i = 0; i < ds_trace_n_events (trace); i++)
    if (is_compute (ds_trace_event (trace, i)->kind))
      return TRUE;
  return FALSE;
}

DsReplay *
ds_replay_new (const DsTrace *trace, GError **error)
{
  g_autoptr(DsReplay) r = g_new0 (DsReplay, 1);

  r->trace = trace;
  r->tasks = g_array_new (FALSE, FALSE, sizeof (Task));
  r->edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  r->bounds = g_array_new (FALSE, FALSE, sizeof (Boundary));
  g_array_set_clear_func (r->bounds, boundary_clear);
  r->iters = g_array_new (FALSE, FALSE, sizeof (guint));
  r->lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  r->is_dawnsim = looks_like_dawnsim (trace);
  if (r->is_dawnsim)
    build_dawnsim (r);
  else
    build_gpu (r);
  if (r->tasks->len == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "the trace has no operations to replay");
  for (guint i = 0; i < r->tasks->len; i++)
    task (r, i)->anchored = TRUE;
  for (guint i = 0; i < r->edges->len; i++)
    {
      const Edge *e = &g_array_index (r->edges, Edge, i);
      if (!e->to_end)
        task (r, e->to)->anchored = FALSE;
    }
  if (r->iters->len == 0)
    {
      /* no iteration structure found: the whole trace is one */
      g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint i = 0; i < r->tasks->len; i++)
        g_array_append_val (all, i);
      guint from = add_boundary (r, 0, 0, NULL, 0);
      add_iteration (r, from, add_boundary (r, -G_MAXDOUBLE, 0, (guint *) all->data, all->len));
    }
  return g_steal_pointer (&r);
}

void
ds_replay_free (DsReplay *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->tasks, g_array_unref);
  g_clear_pointer (&r->edges, g_array_unref);
  g_clear_pointer (&r->bounds, g_array_unref);
  g_clear_pointer (&r->iters, g_array_unref);
  g_clear_pointer (&r->lanes, g_ptr_array_unref);
  g_free (r);
}

const char *
ds_replay_flavour (const DsReplay *r)
{
  return r->is_dawnsim ? "dawnsim" : "gpu";
}

guint
ds_replay_n_tasks (const DsReplay *r)
{
  return r->tasks->len;
}

guint
ds_replay_n_edges (const DsReplay *r, const char *kind)
{
  guint n = 0;
  for (guint i = 0; i < r->edges->len; i++)
    {
      const Edge *e = &g_array_index (r->edges, Edge, i);
      if (!e->removed && (kind == NULL || strcmp (edge_names[e->kind], kind) == 0))
        n++;
    }
  return n;
}

/* ---- what-ifs ---- */

/* GLOB against @name as a whole or from any word start (after a
 * character that is not a letter or digit), case-insensitively. */
static gboolean
glob_matches (GPatternSpec *glob, const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name, -1);

  for (const char *p = lower; *p != '\0'; p++)
    if ((p == lower || !g_ascii_isalnum (p[-1])) && g_pattern_spec_match_string (glob, p))
      return TRUE;
  return g_pattern_spec_match_string (glob, lower);
}

static gboolean
parse_factor (const char *text, const char *spec, const char *what, double *out,
              GError **error)
{
  char *end = NULL;

  *out = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (*out) || !(*out > 0))
    return ds_fail (error, DS_ERROR_INVALID, "%s '%s': the factor must be a number > 0, "
                    "got '%s'", what, spec, text);
  return TRUE;
}

/* "[KIND:]GLOB=VALUE" -> kind (or NULL), lowercased glob, value. A
 * colon that is part of "::" (aten::mm) does not start a kind. */
static gboolean
split_spec (const char *spec, const char *what, gboolean need_glob, char **kind,
            GPatternSpec **glob, double *value, GError **error)
{
  const char *eq = strrchr (spec, '=');
  g_autofree char *lhs = eq != NULL ? g_strndup (spec, (gsize) (eq - spec)) : g_strdup ("*");
  g_autofree char *lower = NULL;
  char *colon = lhs;

  if (eq == NULL && need_glob)
    return ds_fail (error, DS_ERROR_INVALID, "%s '%s': expected [KIND:]GLOB=FACTOR", what, spec);
  if (!parse_factor (eq != NULL ? eq + 1 : spec, spec, what, value, error))
    return FALSE;
  *kind = NULL;
  while ((colon = strchr (colon, ':')) != NULL)
    {
      if (colon[1] == ':')
        {
          colon += 2;
          continue;
        }
      if (colon > lhs && colon[-1] != ':')
        {
          *kind = g_strndup (lhs, (gsize) (colon - lhs));
          memmove (lhs, colon + 1, strlen (colon + 1) + 1);
        }
      break;
    }
  if (lhs[0] == '\0')
    {
      g_clear_pointer (kind, g_free);
      return ds_fail (error, DS_ERROR_INVALID, "%s '%s': empty name pattern", what, spec);
    }
  lower = g_ascii_strdown (lhs, -1);
  *glob = g_pattern_spec_new (lower);
  return TRUE;
}

static gboolean
kind_matches (const DsTraceEvent *e, const char *kind)
{
  return kind == NULL || g_ascii_strcasecmp (kind, ds_trace_kind_name (e->kind)) == 0
         || (attr (e, "cat") != NULL && g_ascii_strcasecmp (kind, attr (e, "cat")) == 0);
}

gboolean
ds_replay_scale (DsReplay *r, const char *spec, guint *n_matched, GError **error)
{
  g_autofree char *kind = NULL;
  GPatternSpec *glob = NULL;
  double f;
  guint n = 0;

  if (!split_spec (spec, "--scale", TRUE, &kind, &glob, &f, error))
    return FALSE;
  for (guint i = 0; i < r->tasks->len; i++)
    {
      const DsTraceEvent *e = event_of (r, i);
      if (kind_matches (e, kind) && glob_matches (glob, name_of (e)))
        {
          task (r, i)->dur *= f;
          n++;
        }
    }
  g_pattern_spec_free (glob);
  if (n_matched != NULL)
    *n_matched = n;
  return TRUE;
}

static gboolean
is_transfer (const DsTraceEvent *e)
{
  return e->kind == DS_TRACE_SEND || e->kind == DS_TRACE_RECV || e->kind == DS_TRACE_ALLREDUCE
         || g_strcmp0 (attr (e, "cat"), "gpu_memcpy") == 0;
}

gboolean
ds_replay_bandwidth (DsReplay *r, const char *spec, guint *n_matched, GError **error)
{
  g_autofree char *kind = NULL;
  GPatternSpec *glob = NULL;
  double f;
  guint n = 0;

  if (!split_spec (spec, "--bandwidth", FALSE, &kind, &glob, &f, error))
    return FALSE;
  for (guint i = 0; i < r->tasks->len; i++)
    {
      const DsTraceEvent *e = event_of (r, i);
      if (is_transfer (e) && kind_matches (e, kind) && glob_matches (glob, name_of (e)))
        {
          task (r, i)->dur /= f;
          n++;
        }
    }
  for (guint i = 0; i < r->edges->len; i++)
    {
      Edge *e = &g_array_index (r->edges, Edge, i);
      const DsTraceEvent *ev = event_of (r, e->to);
      if ((e->kind == EDGE_MESSAGE || e->kind == EDGE_COLLECTIVE) && e->off > 0
          && kind_matches (ev, kind) && glob_matches (glob, name_of (ev)))
        e->off /= f;
    }
  g_pattern_spec_free (glob);
  if (n_matched != NULL)
    *n_matched = n;
  return TRUE;
}

gboolean
ds_replay_remove_waits (DsReplay *r, const char *glob_text, guint *n_matched, GError **error)
{
  g_autofree char *lower = NULL;
  GPatternSpec *glob;
  guint n = 0;

  if (glob_text == NULL || glob_text[0] == '\0')
    return ds_fail (error, DS_ERROR_INVALID, "--remove-wait needs a name pattern ('*' for all)");
  lower = g_ascii_strdown (glob_text, -1);
  glob = g_pattern_spec_new (lower);
  for (guint i = 0; i < r->edges->len; i++)
    {
      Edge *e = &g_array_index (r->edges, Edge, i);
      if (e->kind == EDGE_WAIT && !e->removed && glob_matches (glob, name_of (event_of (r, e->to))))
        {
          e->removed = TRUE;
          n++;
        }
    }
  g_pattern_spec_free (glob);
  if (n_matched != NULL)
    *n_matched = n;
  return TRUE;
}

/* ---- the replay ---- */

/* Graph nodes: 2i is task i's start, 2i + 1 its end. */
static guint
node_from (const Edge *e)
{
  return 2 * e->from + (e->from_end ? 1 : 0);
}

static gint
edge_by_from (gconstpointer pa, gconstpointer pb)
{
  guint a = node_from (pa), b = node_from (pb);
  return a < b ? -1 : a > b;
}

static void
relax (Task *to, const Edge *e, const Task *from)
{
  double t = (e->from_end ? from->e : from->s) + e->off;
  if (e->to_end)
    to->e = MAX (to->e, t);
  else
    to->s = MAX (to->s, t);
}

/* Kahn's order over starts and ends: a start is final once every start
 * edge into it is relaxed, an end once its own start and every end edge
 * are. Splitting the two is what lets collective members wait on each
 * other's starts. */
DsReplayResult *
ds_replay_run (DsReplay *r, GError **error)
{
  guint n = r->tasks->len, done = 0;
  g_autofree guint *indeg = g_new0 (guint, 2 * n);
  g_autofree guint *first = g_new0 (guint, 2 * n + 1);
  g_autoptr(GArray) edges = g_array_copy (r->edges);
  g_autoptr(GArray) ready = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(DsReplayResult) res = g_new0 (DsReplayResult, 1);

  g_array_sort (edges, edge_by_from);
  for (guint i = 0; i < edges->len; i++)
    {
      const Edge *e = &g_array_index (edges, Edge, i);
      if (!e->removed)
        indeg[2 * e->to + (e->to_end ? 1 : 0)]++;
      first[node_from (e) + 1]++;
    }
  for (guint i = 0; i < 2 * n; i++)
    first[i + 1] += first[i];
  for (guint i = 0; i < n; i++)
    {
      Task *t = task (r, i);
      t->s = t->anchored ? t->s0 : -G_MAXDOUBLE;
      t->e = -G_MAXDOUBLE;
      indeg[2 * i + 1]++;                 /* its own start */
      if (indeg[2 * i] == 0)
        {
          guint node = 2 * i;
          g_array_append_val (ready, node);
        }
    }
  while (ready->len > 0)
    {
      guint node = g_array_index (ready, guint, ready->len - 1);
      Task *t = task (r, node / 2);
      g_array_set_size (ready, ready->len - 1);
      done++;
      if (node % 2 == 0)
        {
          if (t->s == -G_MAXDOUBLE)
            t->s = t->s0;                  /* every start edge was removed */
          t->e = MAX (t->e, t->s + t->dur);
          if (--indeg[node + 1] == 0)
            {
              guint end = node + 1;
              g_array_append_val (ready, end);
            }
        }
      for (guint k = first[node]; k < first[node + 1]; k++)
        {
          const Edge *e = &g_array_index (edges, Edge, k);
          guint to;
          if (e->removed)
            continue;
          relax (task (r, e->to), e, t);
          to = 2 * e->to + (e->to_end ? 1 : 0);
          if (--indeg[to] == 0)
            g_array_append_val (ready, to);
        }
    }
  if (done < 2 * n)
    return ds_fail_null (error, DS_ERROR_INVALID, "the trace's dependencies form a cycle "
                         "(%u of %u operations never become ready)", n - done / 2, n);
  r->has_run = TRUE;
  res->original_s = g_array_new (FALSE, FALSE, sizeof (double));
  res->replayed_s = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint k = 0; k + 1 < r->iters->len; k += 2)
    {
      const Boundary *a = &g_array_index (r->bounds, Boundary, g_array_index (r->iters, guint, k));
      const Boundary *b = &g_array_index (r->bounds, Boundary, g_array_index (r->iters, guint, k + 1));
      double o = boundary_time (r, b, FALSE) - boundary_time (r, a, FALSE);
      double p = boundary_time (r, b, TRUE) - boundary_time (r, a, TRUE);
      g_array_append_val (res->original_s, o);
      g_array_append_val (res->replayed_s, p);
      res->original_total_s += o;
      res->replayed_total_s += p;
      if (o > 0)
        {
          double err = fabs (p / o - 1);
          res->mean_abs_error += err;
          res->max_abs_error = MAX (res->max_abs_error, err);
        }
    }
  if (res->original_s->len > 0)
    res->mean_abs_error /= res->original_s->len;
  return g_steal_pointer (&res);
}

void
ds_replay_result_free (DsReplayResult *res)
{
  if (res == NULL)
    return;
  g_clear_pointer (&res->original_s, g_array_unref);
  g_clear_pointer (&res->replayed_s, g_array_unref);
  g_free (res);
}

DsTrace *
ds_replay_retimed (const DsReplay *r)
{
  DsTrace *out = ds_trace_new ();
  GHashTableIter it;
  gpointer k, v;
  double lo = G_MAXDOUBLE;

  g_return_val_if_fail (r->has_run, out);
  g_hash_table_iter_init (&it, ds_trace_get_attrs ((DsTrace *) r->trace));
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_replace (ds_trace_get_attrs (out), g_strdup (k), g_strdup (v));
  for (guint i = 0; i < r->tasks->len; i++)
    lo = MIN (lo, g_array_index (r->tasks, Task, i).s);
  for (guint i = 0; i < r->tasks->len; i++)
    {
      const Task *t = &g_array_index (r->tasks, Task, i);
      const DsTraceEvent *e = ds_trace_event (r->trace, t->ev);
      DsTraceEvent *c = ds_trace_append (out, e->resource, e->kind, t->s - MIN (lo, 0),
                                         MAX (t->e - t->s, 0));
      c->stage_idx = e->stage_idx;
      c->layer_idx = e->layer_idx;
      c->microbatch = e->microbatch;
      c->bytes = e->bytes;
      if (e->attrs != NULL)
        {
          g_hash_table_iter_init (&it, e->attrs);
          while (g_hash_table_iter_next (&it, &k, &v))
            ds_trace_event_set_attr (c, k, v);
        }
    }
  return out;
}
