/* planner/megatron.h - a GPT-style transformer under Megatron-LM's tensor,
 * pipeline and data parallelism: what one iteration costs in time, and
 * what each device must hold in memory.
 *
 * Input: the layer shapes (DsTfmShape), a strategy (DsStrategy3d: degrees
 * t, p, d, micro-batch b, global batch B, interleave v, recomputation,
 * sequence parallelism, ZeRO-1), a cluster (its innermost level is the
 * server's NVLink, the outermost the network) and its device's preset
 * (hwmodels/device.h: matmul and memory rates). Output: per-stage times
 * per micro-batch and the iteration time (DsCost3d), and the memory of
 * the most loaded device (DsMem3d). Pure functions; same inputs, same
 * doubles. The formulas, each with its source, are in megatron.c and
 * docs/planner.md; in short:
 *
 *   time: per block the six GEMMs of a tensor-parallel rank (QKV, scores,
 *     attention x V, projection, two MLP), roofline on the device's matmul
 *     and memory rates; the non-GEMM kernels Megatron runs (LayerNorm,
 *     softmax, dropout, bias-GeLU, bias-dropout-add) as bytes at the memory
 *     rate; two all-reduces forward and two backward over the t devices
 *     (all-gather + reduce-scatter with sequence parallelism); backward =
 *     2 x forward GEMMs; recomputation adds a forward (full) or the
 *     attention core (selective). Iteration = (m + (p-1)/v) x the slowest
 *     device's micro-batch time + point-to-point sends + the data-parallel
 *     gradient all-reduce (not overlapped, as Megatron-LM 2021) + Adam.
 *   memory: bf16 weights 2, fp32 gradients 4, fp32 master copy and Adam
 *     moments 12 bytes a parameter (12 / d with ZeRO-1); activations per
 *     layer per micro-batch from Korthikanti et al. (2022, table 2), times
 *     the micro-batches in flight on the first stage under 1F1B (p of
 *     them; x (1 + (p-1)/(p v)) interleaved).
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "core/model.h"
#include "hwmodels/device.h"

G_BEGIN_DECLS

typedef struct {
  guint n_layers;      /* transformer blocks, >= 1 */
  guint hidden;        /* h; need not be a multiple of heads (the zoo's
                        * GPT-3 13B has the paper's 5140 over 40 heads) */
  guint heads;         /* a */
  guint seq;           /* s, tokens per sample */
  guint vocab;         /* V; the output layer is tied to the embedding */
} DsTfmShape;

/* The shape of a zoo GPT/BERT-style model (core/zoo.h): blocks are its
 * "attention" layers, h and s their "shape" attribute, a their "heads",
 * V the output channels of its last layer. DS_ERROR_INVALID when @model
 * has no attention layer. */
gboolean ds_tfm_shape_from_model (const DsModel *model, DsTfmShape *out,
                                  GError **error);
/* Every field > 0; DS_ERROR_INVALID naming the field otherwise. */
gboolean ds_tfm_shape_check      (const DsTfmShape *shape, GError **error);
/* 12 L h^2 + 13 L h + (V + s) h + 2 h: GPT-3's count (zoo-transformer.c). */
double   ds_tfm_n_params         (const DsTfmShape *shape);
/* Model FLOPs of one iteration of @global_batch samples as Narayanan et
 * al. (SC'21, eq. 3) count them, with full recomputation:
 * 96 B s L h^2 (1 + s / 6h + V / 16 L h); without it, 3/4 of that. */
double   ds_tfm_iteration_flops  (const DsTfmShape *shape, guint global_batch,
                                  gboolean with_recompute);

typedef enum {
  DS_RECOMPUTE_NONE,
  DS_RECOMPUTE_SELECTIVE,   /* the attention core (Korthikanti et al.) */
  DS_RECOMPUTE_FULL,        /* every block from its input */
  DS_N_RECOMPUTE
} DsRecompute;

const char *ds_recompute_name  (DsRecompute r);             /* "full" */
gboolean    ds_recompute_parse (const char *name, DsRecompute *out);

typedef struct {
  guint tp, pp, dp;          /* degrees, each >= 1; tp x pp x dp devices */
  guint micro_batch;         /* b, samples per micro-batch */
  guint global_batch;        /* B, samples per iteration: a multiple of b d */
  guint interleave;          /* v >= 1 chunks per device */
  DsRecompute recompute;
  gboolean sequence_parallel;
  gboolean zero1;            /* optimizer state sharded over dp */
} DsStrategy3d;

/* Whether @st can run @shape on @n_devices: tp pp dp = n_devices, heads
 * and the FFN split evenly over tp, L a multiple of pp v, B a multiple of
 * b d, v > 1 only with p > 1 and m a multiple of p (Megatron-LM's rules);
 * sequence parallelism only with tp > 1. DS_ERROR_INVALID saying which. */
gboolean ds_strategy3d_check (const DsStrategy3d *st, const DsTfmShape *shape,
                              guint n_devices, GError **error);
/* "tp 8 pp 8 dp 16 b 1 v 2 full sp zero1" style, newly allocated. */
char    *ds_strategy3d_describe (const DsStrategy3d *st);

/* ---- memory ---- */

typedef struct {
  double params;             /* parameters on the device */
  double weights_bytes;      /* bf16: 2 per parameter */
  double grads_bytes;        /* fp32 main gradients: 4 */
  double optimizer_bytes;    /* fp32 master + Adam m, v: 12 (/ d with ZeRO-1) */
  double activations_bytes;  /* every micro-batch in flight */
  double total_bytes;        /* the four summed */
  guint stage;               /* the pipeline stage of the most loaded device */
} DsMem3d;

/* Activation bytes one block keeps for its backward per micro-batch on
 * one tensor-parallel rank (Korthikanti et al. 2022, table 2). */
double ds_mem3d_block_activation_bytes (const DsTfmShape *shape,
                                        const DsStrategy3d *st);
/* A device of pipeline stage @stage (< st->pp). */
void   ds_mem3d_stage    (const DsTfmShape *shape, const DsStrategy3d *st, guint stage,
                          DsMem3d *out);
/* The device of the stage whose total is largest. @st must pass
 * ds_strategy3d_check. */
void   ds_mem3d_estimate (const DsTfmShape *shape, const DsStrategy3d *st,
                          DsMem3d *out);

/* ---- time ---- */

typedef struct {
  double block_fwd_s, block_bwd_s;   /* one block, one micro-batch, one rank;
                                      * bwd includes any recomputation */
  double block_tp_s;                 /* of which tensor-parallel collectives
                                      * (forward + backward) */
  double embed_fwd_s, embed_bwd_s;   /* the embedding (first stage) */
  double head_fwd_s, head_bwd_s;     /* output layer and loss (last stage) */
  double p2p_s;                      /* one activation send between stages */
  double stage_s;                    /* slowest device, fwd + bwd, one
                                      * micro-batch, all its chunks */
  double pipeline_s;                 /* (m + (p - 1) / v) stage_s + sends */
  double dp_sync_s;                  /* gradient all-reduce (or
                                      * reduce-scatter + all-gather) */
  double optimizer_s;                /* Adam step */
  double iteration_s;                /* pipeline + dp_sync + optimizer */
  guint n_microbatches;              /* m = B / (b d) */
} DsCost3d;

/* The bf16 GEMM rate ds_cost3d_estimate prices with, flop/s (0 when the
 * device has no bf16 peak): no strategy's GEMMs run faster, so FLOPs over
 * it bound an iteration from below. */
double   ds_cost3d_gemm_rate (const DsHwDevice *device);

/* Prices @st of @shape on @cluster with @device's rates (dtype bf16).
 * Fails (DS_ERROR_INVALID) when the device has no bf16 rate or the
 * cluster's innermost level is smaller than tp. */
gboolean ds_cost3d_estimate (const DsTfmShape *shape, const DsStrategy3d *st,
                             const DsCluster *cluster, const DsHwDevice *device,
                             DsCost3d *out, GError **error);

G_END_DECLS
