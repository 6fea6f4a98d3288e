/* planner/search3d.h - the tensor x pipeline x data search for a
 * transformer on a cluster (issue #6).
 *
 * Enumerates every strategy Megatron-LM can run (planner/megatron.h's
 * ds_strategy3d_check): tp a divisor of the server's devices, pp a divisor
 * of the layers, dp the rest, every micro-batch size dividing the batch of
 * a replica, every interleave, none/selective/full recomputation, with and
 * without sequence parallelism and ZeRO-1. Each is first checked against
 * the device's memory (ds_mem3d_estimate), then against a bound (its
 * GEMM FLOPs at the device's GEMM rate cannot beat the k-th best time so
 * far), and only then priced (ds_cost3d_estimate). The k fastest are kept,
 * fastest first; ties go to the strategy enumerated first, so the output
 * is deterministic. The caller may confirm the kept plans with the
 * discrete-event simulator (ds_search3d_sim_input below).
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "core/model.h"
#include "core/plan.h"
#include "hwmodels/device.h"
#include "planner/megatron.h"

G_BEGIN_DECLS

typedef struct {
  guint top_k;                 /* plans kept; 0 = 5 */
} DsSearch3dOptions;

typedef struct {
  DsStrategy3d st;
  DsCost3d cost;
  DsMem3d mem;
  double sim_iteration_s;      /* the simulator's, or 0 when not simulated */
  double sim_peak_bytes;       /* the simulator's largest worker peak */
} DsPlan3d;

typedef struct {
  GArray *plans;               /* DsPlan3d, fastest first, at most top_k */
  guint64 n_considered;        /* strategies Megatron could run */
  guint64 n_over_memory;       /* of those, over the device's memory */
  guint64 n_bounded;           /* skipped by the FLOP bound */
  guint64 n_priced;            /* priced in full */
  double capacity_bytes;       /* the device's memory */
  DsPlan3d smallest;           /* the strategy needing least memory */
} DsSearch3dResult;

/* Searches @shape with @global_batch samples per iteration on every
 * device of @cluster, priced with @device (the cluster's device).
 * Fails with DS_ERROR_INVALID when the cluster does not know its device's
 * memory, when no strategy exists (say why: the batch or the device count
 * divide badly), or when none fits in memory; that message names the
 * smallest strategy, its memory per device, and by how much it exceeds
 * the device's. */
DsSearch3dResult *ds_search3d_run (const DsTfmShape *shape, guint global_batch,
                                   const DsCluster *cluster, const DsHwDevice *device,
                                   const DsSearch3dOptions *options, GError **error);
void              ds_search3d_result_free (DsSearch3dResult *result);

/* What the discrete-event simulator needs to play @st (the planner does
 * not simulate, DESIGN.md; cli/ and tests hand these to ds_sim_run): a
 * model of the embedding, the L blocks and the output layer, each layer's
 * times being ds_cost3d_estimate's per micro-batch scaled to the
 * simulator's per-minibatch convention (x m x dp x tp, which it divides
 * back), kinds the simulator adds no tensor-parallel traffic to (it is in
 * the times already), activation bytes per boundary, fp32 gradient bytes
 * as parameter bytes; and a plan cut as Megatron cuts (L / (pp v) blocks a
 * stage, the embedding on the first, the output layer on the last), dp
 * replicas a stage, schedule 1f1b-flush or interleaved (pp v stages), m
 * micro-batches. Run it with tensor_parallel = tp, chunks = v, and no
 * recomputation (the times include it). */
gboolean ds_search3d_sim_input (const DsTfmShape *shape, const DsPlan3d *plan,
                                DsModel **out_model, DsPlan **out_plan, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsSearch3dResult, ds_search3d_result_free)

G_END_DECLS
