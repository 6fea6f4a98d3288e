/* core/trace.c - DsTrace (see trace.h).
 *
 * Events sit in one GArray of structs (no allocation per event); resource
 * names are interned in a GStringChunk, so comparing two events' resources
 * is a pointer test before a strcmp. Sorting is g_array_sort on
 * (start_s, resource, seq): seq is unique, so the order is total and the
 * sort's own stability does not matter.
 */
#include "config.h"

#include "core/trace.h"
#include "core/error.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[] = {
#define DS_TRACE_KIND(id, name, desc) name,
#include "core/trace-kind.def"
#undef DS_TRACE_KIND
};

G_STATIC_ASSERT (G_N_ELEMENTS (kind_names) == DS_TRACE_KIND_N);

const char *
ds_trace_kind_name (DsTraceKind kind)
{
  g_return_val_if_fail (kind < DS_TRACE_KIND_N, "?");
  return kind_names[kind];
}

gboolean
ds_trace_kind_from_name (const char *name, DsTraceKind *out)
{
  for (guint i = 0; i < DS_TRACE_KIND_N; i++)
    if (strcmp (kind_names[i], name) == 0)
      {
        *out = (DsTraceKind) i;
        return TRUE;
      }
  return FALSE;
}

struct _DsTrace {
  gint ref_count;
  GArray *events;            /* DsTraceEvent */
  GStringChunk *names;       /* interned resource names */
  GHashTable *attrs;
  guint64 next_seq;
};

static void
event_clear (gpointer p)
{
  DsTraceEvent *event = p;

  g_clear_pointer (&event->attrs, g_hash_table_unref);
}

DsTrace *
ds_trace_new (void)
{
  DsTrace *trace = g_new0 (DsTrace, 1);

  trace->ref_count = 1;
  trace->events = g_array_new (FALSE, TRUE, sizeof (DsTraceEvent));
  g_array_set_clear_func (trace->events, event_clear);
  trace->names = g_string_chunk_new (256);
  trace->attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return trace;
}

DsTrace *
ds_trace_ref (DsTrace *trace)
{
  g_atomic_int_inc (&trace->ref_count);
  return trace;
}

void
ds_trace_unref (DsTrace *trace)
{
  if (trace == NULL || !g_atomic_int_dec_and_test (&trace->ref_count))
    return;
  g_array_unref (trace->events);
  g_string_chunk_free (trace->names);
  g_hash_table_unref (trace->attrs);
  g_free (trace);
}

GHashTable *
ds_trace_get_attrs (DsTrace *trace)
{
  return trace->attrs;
}

DsTraceEvent *
ds_trace_append (DsTrace *trace, const char *resource, DsTraceKind kind,
                 double start_s, double dur_s)
{
  DsTraceEvent event = {
    .resource = g_string_chunk_insert_const (trace->names, resource),
    .kind = kind,
    .stage_idx = -1, .layer_idx = -1, .microbatch = -1,
    .start_s = start_s, .dur_s = dur_s,
    .seq = trace->next_seq++,
  };

  g_array_append_val (trace->events, event);
  return &g_array_index (trace->events, DsTraceEvent, trace->events->len - 1);
}

void
ds_trace_event_set_attr (DsTraceEvent *event, const char *key,
                         const char *value)
{
  if (event->attrs == NULL)
    event->attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          g_free);
  g_hash_table_replace (event->attrs, g_strdup (key), g_strdup (value));
}

guint
ds_trace_n_events (const DsTrace *trace)
{
  return trace->events->len;
}

const DsTraceEvent *
ds_trace_event (const DsTrace *trace, guint idx)
{
  g_return_val_if_fail (idx < trace->events->len, NULL);
  return &g_array_index (trace->events, DsTraceEvent, idx);
}

DsTraceEvent *
ds_trace_event_mut (DsTrace *trace, guint idx)
{
  g_return_val_if_fail (idx < trace->events->len, NULL);
  return &g_array_index (trace->events, DsTraceEvent, idx);
}

static gint
compare_events (gconstpointer pa, gconstpointer pb)
{
  const DsTraceEvent *a = pa, *b = pb;
  int c;

  if (a->start_s != b->start_s)
    return a->start_s < b->start_s ? -1 : 1;
  if (a->resource != b->resource
      && (c = strcmp (a->resource, b->resource)) != 0)
    return c;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
ds_trace_sort (DsTrace *trace)
{
  g_array_sort (trace->events, compare_events);
  if (g_getenv ("DS_DEBUG_CHECK") != NULL)
    for (guint i = 1; i < trace->events->len; i++)
      g_assert (compare_events (ds_trace_event (trace, i - 1),
                                ds_trace_event (trace, i)) < 0);
}

double
ds_trace_span_s (const DsTrace *trace, double *start_s, double *end_s)
{
  double lo = 0, hi = 0;

  for (guint i = 0; i < trace->events->len; i++)
    {
      const DsTraceEvent *e = ds_trace_event (trace, i);
      lo = i == 0 ? e->start_s : MIN (lo, e->start_s);
      hi = i == 0 ? e->start_s + e->dur_s : MAX (hi, e->start_s + e->dur_s);
    }
  if (start_s != NULL)
    *start_s = lo;
  if (end_s != NULL)
    *end_s = hi;
  return hi - lo;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
ds_trace_resources (const DsTrace *trace)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < trace->events->len; i++)
    {
      const char *r = ds_trace_event (trace, i)->resource;
      if (g_hash_table_add (seen, (gpointer) r))
        g_ptr_array_add (out, (gpointer) r);
    }
  g_ptr_array_sort (out, compare_names);
  return out;
}

typedef struct {
  double start_s, end_s;
} Interval;

static gint
compare_intervals (gconstpointer pa, gconstpointer pb)
{
  const Interval *a = pa, *b = pb;

  return (a->start_s > b->start_s) - (a->start_s < b->start_s);
}

/* Union length: sort by start, then sweep keeping the current end. */
double
ds_trace_busy_s (const DsTrace *trace, const char *resource)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Interval));
  double busy_s = 0, end_s = -INFINITY;

  for (guint i = 0; i < trace->events->len; i++)
    {
      const DsTraceEvent *e = ds_trace_event (trace, i);
      Interval span = { e->start_s, e->start_s + e->dur_s };
      if (e->kind != DS_TRACE_IDLE && strcmp (e->resource, resource) == 0)
        g_array_append_val (spans, span);
    }
  g_array_sort (spans, compare_intervals);
  for (guint i = 0; i < spans->len; i++)
    {
      Interval *s = &g_array_index (spans, Interval, i);
      if (s->end_s <= end_s)
        continue;
      busy_s += s->end_s - MAX (s->start_s, end_s);
      end_s = s->end_s;
    }
  return busy_s;
}

static gboolean
check_event (const DsTraceEvent *e, guint idx, GError **error)
{
  if (e->resource == NULL || e->resource[0] == '\0')
    return ds_fail (error, DS_ERROR_INVALID, "event %u has no resource", idx);
  if (e->kind >= DS_TRACE_KIND_N)
    return ds_fail (error, DS_ERROR_INVALID, "event %u: unknown kind %d",
                    idx, (int) e->kind);
  if (!isfinite (e->start_s))
    return ds_fail (error, DS_ERROR_INVALID,
                    "event %u: start must be finite, got %g", idx, e->start_s);
  if (!isfinite (e->dur_s) || e->dur_s < 0)
    return ds_fail (error, DS_ERROR_INVALID,
                    "event %u: duration must be >= 0 s, got %g", idx, e->dur_s);
  /* 1e300 s: far beyond any run, and still finite in microseconds,
   * which is how every writer prints it */
  if (fabs (e->start_s) > 1e300 || e->dur_s > 1e300)
    return ds_fail (error, DS_ERROR_INVALID,
                    "event %u: times must be within 1e300 s", idx);
  if (e->stage_idx < -1 || e->layer_idx < -1 || e->microbatch < -1)
    return ds_fail (error, DS_ERROR_INVALID,
                    "event %u: stage, layer and micro-batch must be >= -1",
                    idx);
  return TRUE;
}

gboolean
ds_trace_check (const DsTrace *trace, GError **error)
{
  for (guint i = 0; i < trace->events->len; i++)
    if (!check_event (ds_trace_event (trace, i), i, error))
      return FALSE;
  return TRUE;
}
