/* core/trace.h - DsTrace: timed events on named resources.
 *
 * The simulator and the executor both produce a DsTrace, which is what
 * makes validation a diff. An event says what ran (kind, stage, layer,
 * micro-batch; -1 where it does not apply), where (a resource such as
 * "gpu0" or "link0-1"; "node1/gpu4" names the group too), when (start_s,
 * dur_s, seconds from the trace's origin) and how many bytes it moved.
 * Each event gets a sequence number when appended, so sorting by
 * (start_s, resource, seq) is total and two runs give the same order.
 *
 * Ownership: reference counted. The trace owns its events; resource names
 * are interned in the trace (one copy each, no malloc per event once a
 * resource is known) and borrowed by events. DsTraceEvent pointers are
 * valid until the next append or sort. ds_trace_check() is the invariant
 * checker; the JSON reader calls it before returning a trace.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
#define DS_TRACE_KIND(id, name, desc) DS_TRACE_##id,
#include "core/trace-kind.def"
#undef DS_TRACE_KIND
  DS_TRACE_KIND_N
} DsTraceKind;

/* "allreduce" for DS_TRACE_ALLREDUCE; static strings. */
const char *ds_trace_kind_name      (DsTraceKind kind);
/* FALSE (and *out untouched) when @name is not a kind. */
gboolean    ds_trace_kind_from_name (const char *name, DsTraceKind *out);

typedef struct {
  const char *resource;     /* interned in the trace, non-empty */
  DsTraceKind kind;
  gint stage_idx;           /* -1 = none */
  gint layer_idx;           /* -1 = none */
  gint microbatch;          /* -1 = none */
  double start_s;           /* finite */
  double dur_s;             /* finite, >= 0 */
  guint64 bytes;            /* moved by a transfer; 0 otherwise */
  guint64 seq;              /* order of appending; ties in the sort */
  GHashTable *attrs;        /* char* -> char*, owned; NULL when empty */
} DsTraceEvent;

typedef struct _DsTrace DsTrace;

DsTrace      *ds_trace_new        (void);
DsTrace      *ds_trace_ref        (DsTrace *trace);
void          ds_trace_unref      (DsTrace *trace);

/* Trace-level attributes (source, model, plan), char* -> char*, owned. */
GHashTable   *ds_trace_get_attrs  (DsTrace *trace);

/* Appends an event with no stage, layer, micro-batch, bytes or attributes
 * and returns it for the caller to fill in. @resource is copied (once per
 * distinct name). Values are checked by ds_trace_check(), not here. */
DsTraceEvent *ds_trace_append     (DsTrace *trace, const char *resource,
                                   DsTraceKind kind, double start_s,
                                   double dur_s);
/* Sets an attribute of @event (key and value copied). */
void          ds_trace_event_set_attr (DsTraceEvent *event, const char *key,
                                       const char *value);

guint         ds_trace_n_events   (const DsTrace *trace);
const DsTraceEvent *ds_trace_event (const DsTrace *trace, guint idx);
DsTraceEvent *ds_trace_event_mut  (DsTrace *trace, guint idx);

/* Orders events by (start_s, resource name, seq); stable and total. */
void          ds_trace_sort       (DsTrace *trace);
/* Earliest start and latest end; both 0 for an empty trace. Returns
 * end - start. Either pointer may be NULL. */
double        ds_trace_span_s     (const DsTrace *trace, double *start_s,
                                   double *end_s);
/* The distinct resources, sorted by name; borrowed strings in a new
 * array. */
GPtrArray    *ds_trace_resources  (const DsTrace *trace);
/* Time @resource is busy: the length of the union of its events'
 * intervals (overlaps count once), idle events excluded. */
double        ds_trace_busy_s     (const DsTrace *trace, const char *resource);

/* Every event: a non-empty resource, a known kind, finite start, finite
 * duration >= 0 (both within 1e300 s), stage/layer/micro-batch >= -1. Names the event by index.
 * Fails with DS_ERROR_INVALID. */
gboolean      ds_trace_check      (const DsTrace *trace, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsTrace, ds_trace_unref)

G_END_DECLS
