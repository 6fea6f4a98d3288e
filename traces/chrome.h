/* traces/chrome.h - a DsTrace as Chrome trace event JSON.
 *
 * The output loads in Perfetto (ui.perfetto.dev) and chrome://tracing:
 * {"traceEvents": [...], "displayTimeUnit": "ms"} with one "X" (complete)
 * event per trace event, ts and dur in microseconds. Resources are grouped
 * into processes: "node1/gpu4" belongs to group "node1"; a name without a
 * '/' belongs to the group named by its leading letters ("gpu0" -> "gpu",
 * "link0-1" -> "link"). Each group is a pid (1, 2, ... in group name
 * order) with a process_name metadata event; each resource is a tid
 * within it (1, 2, ... in natural name order, so gpu2 comes before gpu10)
 * with a thread_name metadata event. Event args carry the stage, layer,
 * micro-batch, bytes and attributes. A memory event is a counter ("C",
 * named "RESOURCE memory", args {"bytes": N}) instead. Output is
 * deterministic.
 */
#pragma once

#include "core/trace.h"

G_BEGIN_DECLS

/* Returns the document, ending in a newline; never fails. The trace must
 * pass ds_trace_check(). */
char *ds_trace_write_chrome (const DsTrace *trace, gsize *len);

G_END_DECLS
