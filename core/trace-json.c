/* core/trace-json.c - read and write the dawnsim trace JSON format.
 *
 * The format, in full:
 *
 *   { "format": "dawnsim-trace", "version": 1,
 *     "attrs": { "source": "sim" },                    optional
 *     "events": [                                      one per line
 *       { "resource": "gpu0", "kind": "forward",       kind: trace-kind.def
 *         "stage": 0, "layer": 3, "microbatch": 1,     optional, >= 0
 *         "start_us": 0, "dur_us": 1250.5,             dur_us >= 0
 *         "bytes": 4096,                               optional
 *         "attrs": { "op": "conv2d" } }, ... ] }       optional
 */
#include "config.h"

#include "core/trace-json.h"
#include "core/json-reader.h"
#include "core/json-writer.h"

#include <string.h>

#define TRACE_FORMAT "dawnsim-trace"
#define TRACE_VERSION 1

static const char *const top_members[] = {
  "format", "version", "attrs", "events", NULL
};
static const char *const event_members[] = {
  "resource", "kind", "stage", "layer", "microbatch", "start_us", "dur_us",
  "bytes", "attrs", NULL
};

/* An optional index: absent is -1, present must be in [0, G_MAXINT]. */
static gboolean
read_index (const DsJsonDoc *doc, JsonObject *obj, const char *member,
            guint idx, gint *out, GError **error)
{
  guint v = 0;

  if (!ds_json_get_uint (doc, obj, member, FALSE, &v, error))
    return FALSE;
  if (!json_object_has_member (obj, member))
    return TRUE;
  if (v > G_MAXINT)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                       "event %u: '%s' must be at most %d, got %u", idx,
                       member, G_MAXINT, v);
  *out = (gint) v;
  return TRUE;
}

static gboolean
read_kind (const DsJsonDoc *doc, JsonObject *obj, guint idx,
           DsTraceKind *kind, GError **error)
{
  const char *name = NULL;

  if (!ds_json_get_string (doc, obj, "kind", TRUE, &name, error))
    return FALSE;
  if (!ds_trace_kind_from_name (name, kind))
    return ds_fail_at (error, DS_ERROR_UNKNOWN_NAME,
                       ds_json_pos (doc, obj, "kind"),
                       "event %u: unknown kind '%s'", idx, name);
  return TRUE;
}

static gboolean
read_times (const DsJsonDoc *doc, JsonObject *obj, guint idx,
            double *start_us, double *dur_us, GError **error)
{
  if (!ds_json_get_double (doc, obj, "start_us", TRUE, start_us, error)
      || !ds_json_get_double (doc, obj, "dur_us", TRUE, dur_us, error))
    return FALSE;
  if (*dur_us < 0)
    return ds_fail_at (error, DS_ERROR_INVALID,
                       ds_json_pos (doc, obj, "dur_us"),
                       "event %u: 'dur_us' must be >= 0, got %g", idx, *dur_us);
  return TRUE;
}

/* event -> { resource, kind, stage?, layer?, microbatch?, start_us,
 *            dur_us, bytes?, attrs? } */
static gboolean
read_event (const DsJsonDoc *doc, JsonArray *events, guint idx,
            DsTrace *trace, GError **error)
{
  JsonObject *obj = ds_json_array_object (doc, events, idx, "event", error);
  const char *resource = NULL;
  DsTraceKind kind = DS_TRACE_OTHER;
  double start_us = 0, dur_us = 0;
  g_autoptr(GHashTable) attrs = NULL;
  DsTraceEvent *event;

  if (obj == NULL
      || !ds_json_check_members (doc, obj, event_members, error)
      || !ds_json_get_string (doc, obj, "resource", TRUE, &resource, error)
      || !read_kind (doc, obj, idx, &kind, error)
      || !read_times (doc, obj, idx, &start_us, &dur_us, error))
    return FALSE;
  if (resource[0] == '\0')
    return ds_fail_at (error, DS_ERROR_INVALID,
                       ds_json_pos (doc, obj, "resource"),
                       "event %u: 'resource' must not be empty", idx);
  event = ds_trace_append (trace, resource, kind, start_us / 1e6, dur_us / 1e6);
  if (json_object_has_member (obj, "attrs"))
    event->attrs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          g_free);
  return read_index (doc, obj, "stage", idx, &event->stage_idx, error)
         && read_index (doc, obj, "layer", idx, &event->layer_idx, error)
         && read_index (doc, obj, "microbatch", idx, &event->microbatch, error)
         && ds_json_get_uint64 (doc, obj, "bytes", FALSE, &event->bytes, error)
         && (event->attrs == NULL
             || ds_json_get_string_map (doc, obj, "attrs", event->attrs, error));
}

static gboolean
read_header (const DsJsonDoc *doc, JsonObject *root, DsTrace *trace,
             GError **error)
{
  return ds_json_check_members (doc, root, top_members, error)
         && ds_json_check_format (doc, root, TRACE_FORMAT, TRACE_VERSION, error)
         && ds_json_get_string_map (doc, root, "attrs",
                                    ds_trace_get_attrs (trace), error);
}

DsTrace *
ds_trace_read_json (const char *text, gssize len, const char *file,
                    GError **error)
{
  g_autoptr(DsJsonDoc) doc = NULL;
  g_autoptr(DsTrace) trace = ds_trace_new ();
  JsonArray *events = NULL;
  JsonObject *root;

  if ((doc = ds_json_doc_parse (text, len, file, error)) == NULL
      || (root = ds_json_doc_root_object (doc, error)) == NULL)
    return NULL;
  if (!read_header (doc, root, trace, error)
      || !ds_json_get_array (doc, root, "events", TRUE, &events, error))
    return NULL;
  for (guint i = 0; i < json_array_get_length (events); i++)
    if (!read_event (doc, events, i, trace, error))
      return NULL;
  if (!ds_trace_check (trace, error))
    {
      g_prefix_error (error, "%s: ", ds_json_doc_file (doc));
      return NULL;
    }
  return g_steal_pointer (&trace);
}

static void
write_index (DsJsonWriter *w, const char *name, gint v)
{
  if (v >= 0)
    ds_json_member_int64 (w, name, v);
}

static void
write_event (DsJsonWriter *w, const DsTraceEvent *e)
{
  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "resource", e->resource);
  ds_json_member_string (w, "kind", ds_trace_kind_name (e->kind));
  write_index (w, "stage", e->stage_idx);
  write_index (w, "layer", e->layer_idx);
  write_index (w, "microbatch", e->microbatch);
  ds_json_member_scaled (w, "start_us", e->start_s, 1e6);
  ds_json_member_scaled (w, "dur_us", e->dur_s, 1e6);
  if (e->bytes > 0)
    ds_json_member_uint64 (w, "bytes", e->bytes);
  if (e->attrs != NULL)
    ds_json_member_string_map (w, "attrs", e->attrs);
  ds_json_end_object (w);
}

char *
ds_trace_write_json (const DsTrace *trace, gsize *len)
{
  DsJsonWriter *w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "format", TRACE_FORMAT);
  ds_json_member_int64 (w, "version", TRACE_VERSION);
  ds_json_member_string_map (w, "attrs",
                             ds_trace_get_attrs ((DsTrace *) trace));
  ds_json_member (w, "events");
  ds_json_begin_array (w);
  for (guint i = 0; i < ds_trace_n_events (trace); i++)
    write_event (w, ds_trace_event (trace, i));
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, len);
}
