/* traces/chrome-read.c - Chrome / Kineto JSON into a DsTrace (see
 * chrome-read.h for the mapping).
 *
 * Events arrive one at a time from traces/trace-stream.c and are turned
 * into trace events at once; only what cannot be resolved until the end
 * is kept aside: open "B" slices (per thread, bounded by nesting depth)
 * and flow endpoints (one small record each), bound to slices after the
 * last event, since Kineto writes flows before or after their slices.
 */
#include "config.h"

#include "traces/chrome-read.h"
#include "core/error.h"
#include "core/trace-json.h"
#include "traces/trace-stream.h"

#include <math.h>
#include <string.h>

typedef struct {
  char *name, *cat;
  double ts_us;
  guint line;
} OpenSlice;

typedef struct {
  char *bind;               /* "CAT:ID" */
  char *resource;
  double ts_us;
  gboolean is_out;          /* "s" (and "t") start a flow; "f" ends it */
  gboolean enclosing;       /* bind to the enclosing slice, else the next */
} Flow;

typedef struct {
  DsTrace *trace;
  const char *file;
  double origin_us;
  gboolean has_origin;
  GHashTable *open;         /* resource -> GArray of OpenSlice */
  GArray *flows;
} Reader;

/* Numeric args copied as attributes; every string arg is copied too. */
static const char *const numeric_args[] = {
  "correlation", "stream", "device", "External id", "Group size",
  "In msg nelems", "Out msg nelems", "Process Group Ranks",
};

static void
open_slice_clear (gpointer p)
{
  OpenSlice *s = p;
  g_free (s->name);
  g_free (s->cat);
}

static void
flow_clear (gpointer p)
{
  Flow *f = p;
  g_free (f->bind);
  g_free (f->resource);
}

static void
free_slices (gpointer p)
{
  g_array_unref (p);
}

/* ---- fields ---- */

static gboolean
get_number (JsonObject *o, const char *member, double *out)
{
  JsonNode *n = json_object_get_member (o, member);
  GType t;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return FALSE;
  *out = json_node_get_double (n);
  return isfinite (*out);
}

static const char *
get_string (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* pid or tid: an integer or a string, as written. */
static char *
id_text (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return g_strdup ("0");
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (n));
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%.17g", json_node_get_double (n));
    default:
      return g_strdup ("0");
    }
}

static char *
resource_of (JsonObject *o)
{
  g_autofree char *pid = id_text (o, "pid"), *tid = id_text (o, "tid");
  return g_strdup_printf ("%s/%s", pid, tid);
}

static gint
small_index (JsonObject *args, const char *member)
{
  double v;

  if (args == NULL || !get_number (args, member, &v) || v < 0 || v > G_MAXINT32
      || v != floor (v))
    return -1;
  return (gint) v;
}

static void
copy_args (DsTraceEvent *e, JsonObject *args)
{
  double v;

  if (args == NULL)
    return;
  e->stage_idx = small_index (args, "stage");
  e->layer_idx = small_index (args, "layer");
  e->microbatch = small_index (args, "microbatch");
  if (get_number (args, "bytes", &v) && v >= 0 && v < 1.8e19)
    e->bytes = (guint64) v;
  for (guint i = 0; i < G_N_ELEMENTS (numeric_args); i++)
    if (get_number (args, numeric_args[i], &v))
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        ds_trace_event_set_attr (e, numeric_args[i], g_ascii_dtostr (buf, sizeof buf, v));
      }
  {
    JsonObjectIter it;
    const char *key;
    JsonNode *n;
    json_object_iter_init (&it, args);
    while (json_object_iter_next (&it, &key, &n))
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        ds_trace_event_set_attr (e, key, json_node_get_string (n));
  }
}

static DsTraceKind
kind_of (const char *cat, const char *name)
{
  DsTraceKind kind;

  if (cat != NULL && ds_trace_kind_from_name (cat, &kind))
    return kind;
  if (g_strcmp0 (cat, "kernel") == 0 && name != NULL
      && g_strstr_len (name, -1, "nccl") != NULL)
    return DS_TRACE_ALLREDUCE;
  return DS_TRACE_OTHER;
}

/* ---- events ---- */

/* traces/chrome.c names a dawnsim event "KIND" or "KIND mbN"; such a name
 * says nothing the kind and micro-batch do not, and keeping it would stop
 * `dawnsim diff` from aligning a trace with its own Chrome export. */
static gboolean
is_generated_name (const DsTraceEvent *e, const char *cat, const char *name)
{
  const char *kind = ds_trace_kind_name (e->kind);
  g_autofree char *with_mb = NULL;

  if (cat == NULL || strcmp (cat, kind) != 0)
    return FALSE;
  if (strcmp (name, kind) == 0)
    return TRUE;
  with_mb = g_strdup_printf ("%s mb%d", kind, e->microbatch);
  return strcmp (name, with_mb) == 0;
}

static gboolean
add_slice (Reader *r, const char *resource, const char *name, const char *cat,
           double ts_us, double dur_us, JsonObject *args, guint line, GError **error)
{
  DsTraceEvent *e;

  if (!(dur_us >= 0) || dur_us > 1e300)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, line),
                       "event '%s': dur must be >= 0, got %g", name, dur_us);
  if (!r->has_origin)
    {
      r->origin_us = ts_us;
      r->has_origin = TRUE;
    }
  e = ds_trace_append (r->trace, resource, kind_of (cat, name),
                       (ts_us - r->origin_us) * 1e-6, dur_us * 1e-6);
  if (!isfinite (e->start_s) || fabs (e->start_s) > 1e300)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, line),
                       "event '%s': ts %g is out of range", name, ts_us);
  copy_args (e, args);
  if (!is_generated_name (e, cat, name))
    ds_trace_event_set_attr (e, "name", name);
  if (cat != NULL)
    ds_trace_event_set_attr (e, "cat", cat);
  return TRUE;
}

static gboolean
on_begin (Reader *r, JsonObject *o, const char *resource, double ts_us, guint line)
{
  GArray *stack = g_hash_table_lookup (r->open, resource);
  OpenSlice s = { g_strdup (get_string (o, "name")), g_strdup (get_string (o, "cat")),
                  ts_us, line };

  if (stack == NULL)
    {
      stack = g_array_new (FALSE, FALSE, sizeof (OpenSlice));
      g_array_set_clear_func (stack, open_slice_clear);
      g_hash_table_insert (r->open, g_strdup (resource), stack);
    }
  g_array_append_val (stack, s);
  return TRUE;
}

static gboolean
on_end (Reader *r, JsonObject *o, const char *resource, double ts_us, guint line,
        GError **error)
{
  GArray *stack = g_hash_table_lookup (r->open, resource);
  OpenSlice *s;
  gboolean ok;

  if (stack == NULL || stack->len == 0)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, line),
                       "'E' event on thread '%s' with no open 'B'", resource);
  s = &g_array_index (stack, OpenSlice, stack->len - 1);
  ok = add_slice (r, resource, s->name != NULL ? s->name : "", s->cat, s->ts_us,
                  ts_us - s->ts_us, NULL, line, error);
  (void) o;
  g_array_set_size (stack, stack->len - 1);
  return ok;
}

static gboolean
on_flow (Reader *r, JsonObject *o, const char *ph, const char *resource, double ts_us,
         guint line, GError **error)
{
  g_autofree char *id = NULL;
  const char *cat = get_string (o, "cat");
  Flow f;

  if (!json_object_has_member (o, "id"))
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, line),
                       "flow event has no 'id'");
  id = id_text (o, "id");
  f.bind = g_strdup_printf ("%s:%s", cat != NULL ? cat : "", id);
  f.resource = g_strdup (resource);
  f.ts_us = ts_us;
  f.is_out = ph[0] != 'f';
  f.enclosing = ph[0] != 'f' || g_strcmp0 (get_string (o, "bp"), "e") == 0;
  g_array_append_val (r->flows, f);
  return TRUE;
}

static void
on_metadata (Reader *r, JsonObject *o)
{
  const char *what = get_string (o, "name");
  JsonNode *a = json_object_get_member (o, "args");
  JsonObject *args = a != NULL && JSON_NODE_HOLDS_OBJECT (a) ? json_node_get_object (a) : NULL;
  const char *value = NULL;
  g_autofree char *key = NULL, *pid = id_text (o, "pid");

  if (what == NULL || args == NULL)
    return;
  if (strcmp (what, "process_name") == 0 || strcmp (what, "thread_name") == 0)
    value = get_string (args, "name");
  else if (strcmp (what, "process_labels") == 0)
    value = get_string (args, "labels");
  if (value == NULL)
    return;
  if (strcmp (what, "thread_name") == 0)
    {
      g_autofree char *res = resource_of (o);
      key = g_strdup_printf ("thread_name:%s", res);
    }
  else
    key = g_strdup_printf ("%s:%s", what, pid);
  g_hash_table_replace (ds_trace_get_attrs (r->trace), g_steal_pointer (&key), g_strdup (value));
}

static gboolean
on_event (JsonNode *node, guint line, gpointer data, GError **error)
{
  Reader *r = data;
  JsonObject *o;
  const char *ph;
  g_autofree char *resource = NULL;
  double ts_us = 0, dur_us = 0;
  JsonNode *a;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->file, line),
                       "a trace event must be an object");
  o = json_node_get_object (node);
  ph = get_string (o, "ph");
  if (ph == NULL || ph[0] == '\0')
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->file, line),
                       "event has no 'ph' (phase) string");
  if (ph[0] == 'M')
    return on_metadata (r, o), TRUE;
  if (strchr ("XBEstf", ph[0]) == NULL || ph[1] != '\0')
    return TRUE;                        /* instants, counters, async: not replayed */
  if (!get_number (o, "ts", &ts_us) || fabs (ts_us) > 1e300)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->file, line),
                       "'%s' event has no numeric 'ts'", ph);
  resource = resource_of (o);
  switch (ph[0])
    {
    case 'X':
      if (!get_number (o, "dur", &dur_us))
        return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->file, line),
                           "'X' event has no numeric 'dur'");
      a = json_object_get_member (o, "args");
      return add_slice (r, resource, get_string (o, "name") != NULL ? get_string (o, "name") : "",
                        get_string (o, "cat"), ts_us, dur_us,
                        a != NULL && JSON_NODE_HOLDS_OBJECT (a) ? json_node_get_object (a) : NULL,
                        line, error);
    case 'B':
      return on_begin (r, o, resource, ts_us, line);
    case 'E':
      return on_end (r, o, resource, ts_us, line, error);
    default:
      return on_flow (r, o, ph, resource, ts_us, line, error);
    }
}

/* ---- after the last event ---- */

typedef struct {
  GHashTable *by_resource;  /* interned resource -> GArray of guint (sorted) */
  const DsTrace *trace;
} SliceIndex;

static gint
by_start (gconstpointer pa, gconstpointer pb, gpointer data)
{
  const DsTrace *t = data;
  const DsTraceEvent *a = ds_trace_event (t, *(const guint *) pa);
  const DsTraceEvent *b = ds_trace_event (t, *(const guint *) pb);

  if (a->start_s != b->start_s)
    return a->start_s < b->start_s ? -1 : 1;
  if (a->dur_s != b->dur_s)
    return a->dur_s > b->dur_s ? -1 : 1;      /* parents before children */
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void
index_slices (SliceIndex *ix)
{
  GHashTableIter it;
  gpointer arr;

  ix->by_resource = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, free_slices);
  for (guint i = 0; i < ds_trace_n_events (ix->trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (ix->trace, i);
      GArray *a = g_hash_table_lookup (ix->by_resource, e->resource);
      if (a == NULL)
        {
          a = g_array_new (FALSE, FALSE, sizeof (guint));
          g_hash_table_insert (ix->by_resource, (gpointer) e->resource, a);
        }
      g_array_append_val (a, i);
    }
  g_hash_table_iter_init (&it, ix->by_resource);
  while (g_hash_table_iter_next (&it, NULL, &arr))
    g_array_sort_with_data (arr, by_start, (gpointer) ix->trace);
}

/* The slice a flow endpoint at @ts_s belongs to, or -1: the deepest slice
 * enclosing it (searching back over at most 64 earlier slices), or for a
 * next-slice binding the first one starting at or after it. */
static gint64
bind_flow (const SliceIndex *ix, const Flow *f, double ts_s)
{
  GArray *a = g_hash_table_lookup (ix->by_resource, f->resource);
  guint lo = 0, hi;
  const double eps = 1e-9;

  if (a == NULL)
    return -1;
  hi = a->len;
  while (lo < hi)                       /* first slice starting after ts */
    {
      guint mid = lo + (hi - lo) / 2;
      if (ds_trace_event (ix->trace, g_array_index (a, guint, mid))->start_s <= ts_s + eps)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (!f->enclosing)
    {
      /* a slice starting exactly at ts counts as the next one */
      if (lo > 0
          && fabs (ds_trace_event (ix->trace, g_array_index (a, guint, lo - 1))->start_s - ts_s) <= eps)
        return g_array_index (a, guint, lo - 1);
      return lo < a->len ? (gint64) g_array_index (a, guint, lo) : -1;
    }
  for (guint j = lo, n = 0; j > 0 && n < 64; j--, n++)
    {
      const DsTraceEvent *e = ds_trace_event (ix->trace, g_array_index (a, guint, j - 1));
      if (e->start_s + e->dur_s + eps >= ts_s)
        return g_array_index (a, guint, j - 1);
    }
  return -1;
}

static void
append_attr (DsTraceEvent *e, const char *key, const char *value)
{
  const char *old = e->attrs != NULL ? g_hash_table_lookup (e->attrs, key) : NULL;
  g_autofree char *joined = old != NULL ? g_strconcat (old, ",", value, NULL) : NULL;

  ds_trace_event_set_attr (e, key, joined != NULL ? joined : value);
}

static void
bind_flows (Reader *r)
{
  SliceIndex ix = { NULL, r->trace };

  if (r->flows->len == 0)
    return;
  index_slices (&ix);
  for (guint i = 0; i < r->flows->len; i++)
    {
      const Flow *f = &g_array_index (r->flows, Flow, i);
      gint64 idx = bind_flow (&ix, f, (f->ts_us - r->origin_us) * 1e-6);

      if (idx >= 0)
        append_attr (ds_trace_event_mut (r->trace, (guint) idx),
                     f->is_out ? "flow_out" : "flow_in", f->bind);
    }
  g_hash_table_unref (ix.by_resource);
}

static gboolean
check_closed (Reader *r, GError **error)
{
  GHashTableIter it;
  gpointer key, value;

  g_hash_table_iter_init (&it, r->open);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      GArray *stack = value;
      if (stack->len > 0)
        {
          const OpenSlice *s = &g_array_index (stack, OpenSlice, stack->len - 1);
          return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, s->line),
                             "'B' event '%s' on thread '%s' never ends",
                             s->name != NULL ? s->name : "", (const char *) key);
        }
    }
  return TRUE;
}

/* Moves the earliest start to 0 and records where 0 was. */
static void
shift_to_zero (Reader *r)
{
  double lo;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (ds_trace_n_events (r->trace) == 0)
    return;
  ds_trace_span_s (r->trace, &lo, NULL);
  for (guint i = 0; i < ds_trace_n_events (r->trace); i++)
    ds_trace_event_mut (r->trace, i)->start_s -= lo;
  g_hash_table_replace (ds_trace_get_attrs (r->trace), g_strdup ("origin_us"),
                        g_strdup (g_ascii_dtostr (buf, sizeof buf, r->origin_us + lo * 1e6)));
}

/* ---- API ---- */

DsTrace *
ds_trace_read_chrome (GInputStream *in, const char *name, GError **error)
{
  g_autoptr(DsTrace) trace = ds_trace_new ();
  g_autoptr(GHashTable) open = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                      free_slices);
  g_autoptr(GArray) flows = g_array_new (FALSE, FALSE, sizeof (Flow));
  Reader r = { .trace = trace, .file = name, .open = open, .flows = flows };

  g_array_set_clear_func (flows, flow_clear);
  if (!ds_trace_stream_events (in, name, on_event, &r, error) || !check_closed (&r, error))
    return NULL;
  bind_flows (&r);
  shift_to_zero (&r);
  g_hash_table_replace (ds_trace_get_attrs (trace), g_strdup ("source"),
                        g_strdup ("chrome"));
  if (!ds_trace_check (trace, error))
    return NULL;
  return g_steal_pointer (&trace);
}

DsTrace *
ds_trace_read_chrome_data (const void *data, gsize len, const char *name, GError **error)
{
  g_autoptr(GInputStream) in = ds_trace_stream_open_data (data, len);
  return ds_trace_read_chrome (in, name, error);
}

static DsTrace *
read_own (GInputStream *in, const char *path, GError **error)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) local = NULL;
  const char *text;

  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &local) < 0)
    return ds_fail_null (error, DS_ERROR_IO, "%s: %s", path, local->message);
  text = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out));
  return ds_trace_read_json (text != NULL ? text : "",
                             (gssize) g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out)),
                             path, error);
}

DsTrace *
ds_trace_load (const char *path, GError **error)
{
  g_autoptr(GInputStream) raw = ds_trace_stream_open (path, error);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) local = NULL;
  const char *head;
  gsize n = 0;

  if (raw == NULL)
    return NULL;
  in = g_buffered_input_stream_new_sized (raw, 8192);
  if (g_buffered_input_stream_fill (G_BUFFERED_INPUT_STREAM (in), 4096, NULL, &local) < 0)
    return ds_fail_null (error, DS_ERROR_SYNTAX, "%s: %s", path, local->message);
  head = g_buffered_input_stream_peek_buffer (G_BUFFERED_INPUT_STREAM (in), &n);
  if (g_strstr_len (head, (gssize) n, "\"dawnsim-trace\"") != NULL)
    return read_own (in, path, error);
  return ds_trace_read_chrome (in, path, error);
}
