/* hwmodels/cost.h - how long work takes: compute on a device (roofline with
 * efficiency curves), copies, point-to-point transfers and collectives on a
 * cluster.
 *
 * Compute: a layer's FLOPs and memory bytes give its time on a device and
 * dtype without a profile, so a zoo model can be planned from the model
 * alone. Communication: alpha-beta per cluster level, and the collectives
 * of nccl-tests' PERFORMANCE.md with their bus-bandwidth factors (closed
 * forms above each function in cost.c). Times are seconds, sizes bytes.
 * All functions are pure: the same inputs give the same double.
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "core/model.h"
#include "hwmodels/device.h"

G_BEGIN_DECLS

/* ---- compute ---- */

/* C = A(m x k) B(k x n): 2mnk FLOPs on the matmul rate for @dtype, and
 * (mk + kn + mn) x dtype size bytes on the memory rate, whichever is
 * slower, joined to the floor by the rate's curve. */
gboolean ds_hw_gemm_time_s  (const DsHwDevice *device, const char *dtype,
                             double m, double n, double k, double *out_s,
                             GError **error);

/* A layer's forward and backward time from fwd_flops, bwd_flops (2 x fwd
 * when 0) and mem_bytes (the backward moves twice as many). The kind picks
 * the curve: linear/matmul/attention/lstm/gru/rnn -> matmul, conv* -> conv,
 * anything else -> memory. A layer with neither FLOPs nor bytes costs 0. */
gboolean ds_hw_layer_time_s (const DsHwDevice *device, const DsLayer *layer,
                             const char *dtype, double *fwd_s, double *bwd_s,
                             GError **error);

/* Gives every layer of @model without measured times (has_times FALSE)
 * the times ds_hw_layer_time_s prices on @device, and marks it timed; a
 * profiled layer keeps its times. @dtype NULL means the model's "dtype"
 * attribute, else "fp32". *n_costed (may be NULL) receives how many
 * layers were priced. This is how a zoo model is planned without a
 * profile. */
gboolean ds_hw_model_cost (DsModel *model, const DsHwDevice *device,
                           const char *dtype, guint *n_costed, GError **error);

typedef enum {
  DS_HW_COPY_D2D,   /* device memory to device memory: reads + writes */
  DS_HW_COPY_H2D,   /* pinned host memory to the device */
  DS_HW_COPY_D2H,
  DS_HW_N_COPY
} DsHwCopyKind;

const char *ds_hw_copy_kind_name  (DsHwCopyKind kind);    /* "d2d" */
/* "d2d", "h2d" or "d2h"; FALSE for anything else. */
gboolean    ds_hw_copy_kind_parse (const char *name, DsHwCopyKind *out);
/* A copy of @bytes: the calibrated "copy/KIND" rate when present, else the
 * memory curve on 2 x bytes (d2d) or the host curve on bytes. */
double      ds_hw_copy_time_s     (const DsHwDevice *device, DsHwCopyKind kind,
                                   double bytes);

/* ---- communication ---- */

/* Point to point between two ranks joined at @level: alpha + bytes / beta. */
double ds_hw_p2p_time_s (const DsCluster *cluster, guint level, double bytes);

typedef enum {
  DS_HW_ALLREDUCE_RING,
  DS_HW_ALLREDUCE_TREE,
  DS_HW_ALLGATHER,
  DS_HW_REDUCE_SCATTER,
  DS_HW_BROADCAST,
  DS_HW_ALLTOALL,
  DS_HW_ALLREDUCE_HIER,   /* only on a cluster: reduce-scatter inside each
                           * level, all-reduce across the top, all-gather
                           * back down */
  DS_HW_N_COLLECTIVES
} DsHwCollective;

const char *ds_hw_collective_name  (DsHwCollective op);   /* "allreduce-ring" */
gboolean    ds_hw_collective_parse (const char *name, DsHwCollective *out);

/* nccl-tests' busbw factor for @op over @n ranks (PERFORMANCE.md). */
double ds_hw_busbw_factor   (DsHwCollective op, guint n);

/* A flat collective of @bytes (nccl-tests' S: per-rank buffer for
 * all-reduce and broadcast, the whole array for the others) over @n ranks
 * whose every link has @bw_bytes_per_s and @latency_s. n <= 1 costs 0.
 * DS_HW_ALLREDUCE_HIER is not flat: asserts. */
double ds_hw_collective_time_s (DsHwCollective op, guint n, double bytes,
                                double bw_bytes_per_s, double latency_s);

/* @op over every device of @cluster. Flat collectives run at the slowest
 * level with more than one group (its bandwidth, the largest latency of
 * those levels); DS_HW_ALLREDUCE_HIER composes level by level. */
double ds_hw_cluster_collective_time_s (const DsCluster *cluster,
                                        DsHwCollective op, double bytes);

/* PipeDream's data-parallel baseline: every worker exchanges @bytes of
 * weights with parameter servers sharded over the n workers. */
double ds_hw_ps_exchange_time_s (const DsCluster *cluster, double bytes);

G_END_DECLS
