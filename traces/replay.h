/* traces/replay.h - a trace as a dependency graph: replay it, ask what-if.
 *
 * Daydream/Lumos style (docs/traces.md): every operation of the trace is a
 * task whose replayed start is the latest of its constraints, each an
 * edge "task A's start/end + offset": the order on its thread or stream
 * (the gap kept), a kernel's launch call (the launch lag), a
 * synchronising call waiting for the GPU work launched before it, a
 * cross-stream wait (inferred where a kernel started later than its
 * stream and launch allow and another stream's kernel had just ended), a
 * message (dawnsim traces: a recv waits for the matching send, by
 * direction, stage and micro-batch) and a collective (all members end
 * together after the last arrives). Offsets are taken from the trace so
 * that replaying it unchanged gives back its own times; what-ifs change
 * durations or drop edges, and the rest follows.
 *
 * Iterations: dawnsim traces end one at the k-th optimizer of every
 * worker; PyTorch traces use ProfilerStep#N annotations, else the ends of
 * device-synchronising calls (an interval in which nothing was launched
 * is dropped). Errors: DS_ERROR_INVALID for a trace that has no task or
 * whose dependencies form a cycle (it cannot come from a real run), and
 * for malformed what-if specs.
 */
#pragma once

#include "core/trace.h"

G_BEGIN_DECLS

typedef struct _DsReplay DsReplay;

/* Builds the graph of @trace (borrowed; must outlive the replay). */
DsReplay *ds_replay_new       (const DsTrace *trace, GError **error);
void      ds_replay_free      (DsReplay *replay);

/* "dawnsim" (forward/backward/send/recv events) or "gpu" (anything else,
 * PyTorch profiler traces included); static strings. */
const char *ds_replay_flavour (const DsReplay *replay);
guint     ds_replay_n_tasks   (const DsReplay *replay);
/* Edges by kind: "lane", "launch", "sync", "wait", "message",
 * "collective"; how many the graph has now. */
guint     ds_replay_n_edges   (const DsReplay *replay, const char *kind);

/* What-ifs; each composes with those before it. *n_matched (may be NULL)
 * receives how many tasks or edges the transform touched.
 *
 * --scale: "[KIND:]GLOB=FACTOR". KIND is a category (kernel, cuda_runtime,
 * cpu_op, gpu_memcpy...) or a DsTraceKind name (forward, send...); GLOB
 * matches the operation's name, case-insensitively, as a whole or from
 * any word start ("gemm*" matches "sm80_xmma_gemm_f32"); a dawnsim
 * event's name is its kind. Durations of matching tasks are multiplied by
 * FACTOR (> 0, finite). */
gboolean  ds_replay_scale     (DsReplay *replay, const char *spec, guint *n_matched,
                               GError **error);
/* --bandwidth: "[GLOB=]FACTOR": link bandwidth times FACTOR, so transfer
 * tasks (send, recv, allreduce, gpu_memcpy, NCCL kernels) matching GLOB
 * (default all) and their message latencies take 1/FACTOR the time. */
gboolean  ds_replay_bandwidth (DsReplay *replay, const char *spec, guint *n_matched,
                               GError **error);
/* --remove-wait: drops the cross-stream wait edges into tasks whose name
 * matches GLOB ("*" for all). */
gboolean  ds_replay_remove_waits (DsReplay *replay, const char *glob, guint *n_matched,
                                  GError **error);

typedef struct {
  GArray *original_s;       /* double per iteration, from the trace */
  GArray *replayed_s;       /* the same iterations replayed */
  double original_total_s, replayed_total_s;
  double mean_abs_error;    /* mean over iterations of |replayed/original - 1| */
  double max_abs_error;
} DsReplayResult;

/* Replays the graph as it now stands. Returns NULL only for a cycle
 * (DS_ERROR_INVALID). */
DsReplayResult *ds_replay_run (DsReplay *replay, GError **error);
void      ds_replay_result_free (DsReplayResult *result);

/* After ds_replay_run: the tasks with their replayed times, in the
 * trace's order, attributes copied. New reference. */
DsTrace  *ds_replay_retimed   (const DsReplay *replay);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsReplay, ds_replay_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsReplayResult, ds_replay_result_free)

G_END_DECLS
