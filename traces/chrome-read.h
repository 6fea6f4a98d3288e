/* traces/chrome-read.h - read Chrome trace event JSON and PyTorch profiler
 * (Kineto) traces into a DsTrace, streaming.
 *
 * Each complete event ("X", or a "B"/"E" pair on one thread) becomes a
 * trace event on resource "PID/TID" as the file writes them ("413/440"
 * for a CPU thread, "0/7" for stream 7 of GPU 0), with attributes "name"
 * and "cat" and the args a replay needs (correlation, stream, device,
 * External id, the NCCL collective fields, any string arg). Kind: the
 * "cat" when it names a DsTraceKind (dawnsim's own Chrome output),
 * allreduce for a kernel whose name contains "nccl", other otherwise;
 * args stage/layer/microbatch/bytes fill those fields. Flows ("s", "t",
 * "f") are bound to the slice enclosing their ts on their thread (or, for
 * an "f" without "bp":"e", the next slice there) and recorded as
 * attributes "flow_out"/"flow_in" = "CAT:ID[,...]". Metadata ("M")
 * process and thread names become trace attributes "process_name:PID",
 * "process_labels:PID", "thread_name:PID/TID". Other phases (instant,
 * counter, async) are skipped. Times are shifted so the earliest event
 * starts at 0; trace attribute "origin_us" keeps the file's time of 0.
 *
 * Errors (DS_ERROR_SYNTAX / DS_ERROR_INVALID) name the file and line: a
 * non-object event, a missing or non-numeric ts/dur, a negative or
 * non-finite duration, an "E" with no open "B", a "B" never closed.
 */
#pragma once

#include "core/trace.h"
#include <gio/gio.h>

G_BEGIN_DECLS

/* Reads the whole of @in; @name labels messages. Returns a checked trace
 * (ds_trace_check) in file order, or NULL. */
DsTrace *ds_trace_read_chrome      (GInputStream *in, const char *name,
                                    GError **error);
/* The same over bytes in memory. */
DsTrace *ds_trace_read_chrome_data (const void *data, gsize len,
                                    const char *name, GError **error);
/* Any trace file dawnsim reads, gzip or not: its own JSON (sniffed by
 * "format": "dawnsim-trace" in the first 4 KiB; read whole, as
 * core/trace-json.h does) or Chrome/Kineto JSON (streamed). */
DsTrace *ds_trace_load             (const char *path, GError **error);

G_END_DECLS
