/* traces/chrome.c - write a DsTrace as Chrome trace event JSON.
 *
 * Layout of the output (see chrome.h for the pid/tid rules):
 *   {"traceEvents": [
 *     {"name": "process_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "gpu"}},
 *     {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "gpu0"}},
 *     {"name": "forward mb0", "cat": "forward", "ph": "X", "ts": 0, "dur": 1250,
 *      "pid": 1, "tid": 1, "args": {"stage": 0, "microbatch": 0}}, ...],
 *    "displayTimeUnit": "ms"}
 * Metadata first, then one complete event per line in the trace's order
 * (viewers sort by ts themselves).
 */
#include "config.h"

#include "traces/chrome.h"
#include "core/json-writer.h"
#include "traces/natural.h"

#include <string.h>

/* Where one resource goes. */
typedef struct {
  const char *resource;      /* borrowed from the trace */
  char *group;               /* owned */
  guint pid, tid;
} Track;

static void
track_clear (gpointer p)
{
  g_free (((Track *) p)->group);
}

static char *
group_of (const char *resource)
{
  const char *slash = strchr (resource, '/');
  gsize n = 0;

  if (slash != NULL)
    return g_strndup (resource, slash - resource);
  while (g_ascii_isalpha (resource[n]) || resource[n] == '_')
    n++;
  return n > 0 ? g_strndup (resource, n) : g_strdup (resource);
}

static gint
compare_tracks (gconstpointer pa, gconstpointer pb)
{
  const Track *a = pa, *b = pb;
  int c = strcmp (a->group, b->group);

  return c != 0 ? c : ds_compare_natural (a->resource, b->resource);
}

/* One Track per resource, numbered; the table maps the interned resource
 * pointer to its Track. */
static GArray *
make_tracks (const DsTrace *trace, GHashTable *by_resource)
{
  g_autoptr(GPtrArray) resources = ds_trace_resources (trace);
  GArray *tracks = g_array_sized_new (FALSE, TRUE, sizeof (Track), resources->len);

  g_array_set_clear_func (tracks, track_clear);
  for (guint i = 0; i < resources->len; i++)
    {
      Track t = { g_ptr_array_index (resources, i), NULL, 0, 0 };
      t.group = group_of (t.resource);
      g_array_append_val (tracks, t);
    }
  g_array_sort (tracks, compare_tracks);
  for (guint i = 0; i < tracks->len; i++)
    {
      Track *t = &g_array_index (tracks, Track, i);
      const Track *prev = i > 0 ? t - 1 : NULL;
      gboolean same = prev != NULL && strcmp (prev->group, t->group) == 0;

      t->pid = prev == NULL ? 1 : same ? prev->pid : prev->pid + 1;
      t->tid = same ? prev->tid + 1 : 1;
      g_hash_table_insert (by_resource, (gpointer) t->resource, t);
    }
  return tracks;
}

static void
write_metadata (DsJsonWriter *w, const char *what, guint pid, guint tid,
                const char *name)
{
  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "name", what);
  ds_json_member_string (w, "ph", "M");
  ds_json_member_uint64 (w, "pid", pid);
  ds_json_member_uint64 (w, "tid", tid);
  ds_json_member (w, "args");
  ds_json_begin_object (w);
  ds_json_member_string (w, "name", name);
  ds_json_end_object (w);
  ds_json_end_object (w);
}

static void
write_all_metadata (DsJsonWriter *w, GArray *tracks)
{
  for (guint i = 0; i < tracks->len; i++)
    {
      const Track *t = &g_array_index (tracks, Track, i);
      if (t->tid == 1)
        write_metadata (w, "process_name", t->pid, 0, t->group);
      write_metadata (w, "thread_name", t->pid, t->tid, t->resource);
    }
}

static gint
compare_keys (gconstpointer a, gconstpointer b, gpointer unused)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* args: the event's indices and bytes, then its attributes (sorted; an
 * attribute named like one of the fixed args is left out). */
static void
write_args (DsJsonWriter *w, const DsTraceEvent *e)
{
  static const char *const fixed[] = { "stage", "layer", "microbatch", "bytes", NULL };
  g_autofree const char **keys = NULL;
  guint n = 0;

  ds_json_member (w, "args");
  ds_json_begin_object (w);
  if (e->stage_idx >= 0)
    ds_json_member_int64 (w, "stage", e->stage_idx);
  if (e->layer_idx >= 0)
    ds_json_member_int64 (w, "layer", e->layer_idx);
  if (e->microbatch >= 0)
    ds_json_member_int64 (w, "microbatch", e->microbatch);
  if (e->bytes > 0)
    ds_json_member_uint64 (w, "bytes", e->bytes);
  if (e->attrs != NULL)
    keys = (const char **) g_hash_table_get_keys_as_array (e->attrs, &n);
  if (n > 0)
    g_qsort_with_data (keys, n, sizeof (char *), compare_keys, NULL);
  for (guint i = 0; i < n; i++)
    if (!g_strv_contains (fixed, keys[i]))
      ds_json_member_string (w, keys[i], g_hash_table_lookup (e->attrs, keys[i]));
  ds_json_end_object (w);
}

/* A memory sample is a counter ("C") event of the resource's process,
 * named after the resource, so Perfetto draws one memory track each. */
static void
write_counter (DsJsonWriter *w, const DsTraceEvent *e, const Track *t)
{
  g_autofree char *name = g_strdup_printf ("%s memory", e->resource);

  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "name", name);
  ds_json_member_string (w, "ph", "C");
  ds_json_member_scaled (w, "ts", e->start_s, 1e6);
  ds_json_member_uint64 (w, "pid", t->pid);
  ds_json_member_uint64 (w, "tid", t->tid);
  ds_json_member (w, "args");
  ds_json_begin_object_inline (w);
  ds_json_member_uint64 (w, "bytes", e->bytes);
  ds_json_end_object (w);
  ds_json_end_object (w);
}

static void
write_event (DsJsonWriter *w, const DsTraceEvent *e, const Track *t)
{
  const char *kind = ds_trace_kind_name (e->kind);
  const char *given = e->attrs != NULL ? g_hash_table_lookup (e->attrs, "name") : NULL;
  /* an imported event (kernel, op) keeps its own name */
  g_autofree char *name = given != NULL ? g_strdup (given) : e->microbatch >= 0
    ? g_strdup_printf ("%s mb%d", kind, e->microbatch) : g_strdup (kind);

  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "name", name);
  ds_json_member_string (w, "cat", kind);
  ds_json_member_string (w, "ph", "X");
  ds_json_member_scaled (w, "ts", e->start_s, 1e6);
  ds_json_member_scaled (w, "dur", e->dur_s, 1e6);
  ds_json_member_uint64 (w, "pid", t->pid);
  ds_json_member_uint64 (w, "tid", t->tid);
  write_args (w, e);
  ds_json_end_object (w);
}

char *
ds_trace_write_chrome (const DsTrace *trace, gsize *len)
{
  g_autoptr(GHashTable) by_resource = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) tracks = make_tracks (trace, by_resource);
  DsJsonWriter *w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member (w, "traceEvents");
  ds_json_begin_array (w);
  write_all_metadata (w, tracks);
  for (guint i = 0; i < ds_trace_n_events (trace); i++)
    {
      const DsTraceEvent *e = ds_trace_event (trace, i);
      const Track *t = g_hash_table_lookup (by_resource, e->resource);
      if (e->kind == DS_TRACE_MEMORY)
        write_counter (w, e, t);
      else
        write_event (w, e, t);
    }
  ds_json_end_array (w);
  ds_json_member_string (w, "displayTimeUnit", "ms");
  ds_json_end_object (w);
  return ds_json_writer_finish (w, len);
}
