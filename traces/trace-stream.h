/* traces/trace-stream.h - open a trace file (gzip or not) and walk the
 * "traceEvents" array of a Chrome/Kineto JSON document one event at a time.
 *
 * Memory is bounded by the largest single event (at most
 * DS_TRACE_STREAM_MAX_EVENT_BYTES of text), not by the file: the tokenizer
 * only finds where each array element starts and ends (strings and
 * brackets), and json-glib parses that one element. The document is either
 * an array of events or an object with a "traceEvents" member; its other
 * members are skipped without being kept. Errors name the file and the
 * line (of the decompressed text) in DS_ERROR_SYNTAX.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DS_TRACE_STREAM_MAX_EVENT_BYTES (64u << 20)

/* Opens @path for reading: a file starting with the gzip magic 1f 8b is
 * decompressed on the fly (GIO's GZlibDecompressor, as exec/dataset.c
 * reads gzip IDX files). Returns a buffered stream (owned), or NULL with
 * DS_ERROR_IO. */
GInputStream *ds_trace_stream_open (const char *path, GError **error);
/* The same over bytes in memory (for tests and fuzzing); @data must
 * outlive the stream. */
GInputStream *ds_trace_stream_open_data (const void *data, gsize len);

/* Called once per element of traceEvents; @event is borrowed (valid for
 * the call), @line the line the element starts on. Return FALSE with
 * @error set to stop. */
typedef gboolean (*DsTraceStreamFn) (JsonNode *event, guint line,
                                     gpointer user_data, GError **error);

/* Walks @in to its end. @name labels messages. A document with no
 * traceEvents member is an error; trailing text after it too. */
gboolean ds_trace_stream_events (GInputStream *in, const char *name,
                                 DsTraceStreamFn fn, gpointer user_data,
                                 GError **error);

G_END_DECLS
