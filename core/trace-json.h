/* core/trace-json.h - dawnsim's own trace format.
 *
 * One event per line; times are microseconds in the file ("start_us",
 * "dur_us", as Chrome traces have them) and seconds in DsTrace. The writer
 * keeps the trace's order and prints the shortest text that reads back to
 * the same seconds, so JSON -> trace -> JSON is byte-identical after the
 * first write and trace -> JSON -> trace is exact. Unknown fields are
 * errors; messages name the file, the line and the field.
 */
#pragma once

#include "core/trace.h"

G_BEGIN_DECLS

/* @file names the input in messages (borrowed). Returns a checked trace
 * (ds_trace_check), events in file order, or NULL. */
DsTrace *ds_trace_read_json  (const char *text, gssize len, const char *file,
                              GError **error);
/* Returns the document, ending in a newline; never fails. The trace must
 * pass ds_trace_check(). */
char    *ds_trace_write_json (const DsTrace *trace, gsize *len);

G_END_DECLS
