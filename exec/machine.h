/* exec/machine.h - this machine as the simulator should see it, measured.
 *
 * What `dawnsim validate` predicts with: each layer's forward and backward
 * time on the executor's own kernels at the rows a worker runs, and the
 * cost of handing a message from one worker thread to another (a copy at
 * the machine's copy bandwidth, plus the queue's hand-off latency). The
 * simulator then plays the plan on a one-level cluster of the machine's
 * cores joined by that "link". Measurements take medians of repeats; a
 * busy machine makes them noisy, which validation reports, not hides.
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "core/model.h"

G_BEGIN_DECLS

typedef struct {
  guint n_cores;
  guint64 memory_bytes;
  double copy_bytes_per_s;       /* memcpy of 64 MiB (past the caches), bytes copied per second */
  double handoff_s;              /* one message through a GAsyncQueue between threads */
  double stream_bytes_per_s;     /* bytes an SGD step with momentum reads and
                                  * writes per second (the optimizer's rate) */
} DsExecMachine;

/* Measures this machine (hwloc for cores and memory). */
gboolean   ds_exec_measure_machine (DsExecMachine *out, GError **error);
/* One level "threads" of @n_devices (0 = the cores) at the copy bandwidth
 * and hand-off latency; the device "host-cpu" with the machine's memory and
 * twice the copy rate as memory bandwidth (a copy reads and writes). */
DsCluster *ds_exec_machine_cluster (const DsExecMachine *m, guint n_devices);

/* A copy of @model whose layers carry the times measured on this machine:
 * each layer's forward and backward run alone on @rows samples (@reps
 * times, the median), scaled to @minibatch samples, as the simulator
 * expects per-minibatch times. The model must build a DsNet. */
DsModel   *ds_exec_profile_layers  (const DsModel *model, guint rows, guint minibatch,
                                    guint reps, GError **error);

G_END_DECLS
