/* planner/megatron.c - time and memory of a transformer under Megatron-LM's
 * tensor x pipeline x data parallelism (contract in megatron.h).
 *
 * Sources of every rule, by section:
 *   [N21] Narayanan et al., "Efficient Large-Scale Language Model Training
 *         on GPU Clusters Using Megatron-LM", SC'21 (arXiv 2104.04473): the
 *         column/row split and its two all-reduces a block each way (s. 2.3),
 *         the scatter/gather of pipeline sends over the t ranks (s. 4.1),
 *         the bubble (p - 1) / (v m) (s. 2.2), the FLOP count (eq. 3).
 *   [K22] Korthikanti et al., "Reducing Activation Recomputation in Large
 *         Transformer Models" (arXiv 2205.05198): activations per block
 *         (table 2), sequence parallelism's all-gather + reduce-scatter in
 *         place of each all-reduce, selective recomputation of the
 *         attention core, the first stage holding p micro-batches and
 *         1 + (p - 1) / (p v) more when interleaved (s. 4.2.3).
 *   [DO]  Megatron-LM docs/distrib_optimizer.md: bytes per parameter with
 *         bf16 weights and fp32 gradients, 18, or 6 + 12 / d distributed.
 *   GEMMs: the datasheet bf16 peak x the fraction the H200 reached in
 *   dawnsim's own measurements (GEMM_FRACTION_OF_PEAK below), unless the
 *   device carries a calibrated bf16 rate; memory-bound kernels: the
 *   preset's memory curve (A100: 2039 GB/s x 0.85, HBM 80-90% [rec,
 *   simulators.md 7.2]), each kernel with the preset's floor. Links: the
 *   cluster preset's levels (docs/hwmodels.md).
 * Nothing here is fitted to the measurements it is validated against
 * (tests/test-plan3d-fidelity.c, docs/validation.md).
 */
#include "config.h"

#include "planner/megatron.h"

#include "core/error.h"
#include "hwmodels/cost.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* bf16 activations and weights */
#define ACT_BYTES 2.0
/* The bf16 GEMM rate of a device without its own calibration, as a
 * fraction of its datasheet peak: 716.5 / 989.4 TFLOP/s, the rate
 * calibrated from the H200's measured GEMMs (../shared/data/h200/gemm.csv,
 * docs/hwmodels.md "matmul/bf16") over the H200's datasheet peak. Assumed
 * to carry over to other tensor-core GPUs (the A100's 312 TFLOP/s gives
 * 226); the A100 preset's own 0.85 is a recollection (simulators.md 7.2
 * [rec]) and is not used here. */
#define GEMM_FRACTION_OF_PEAK (716.5 / 989.4)

/* ---- shapes ---- */

static gboolean
shape_attr (const DsLayer *layer, guint *c, guint *h)
{
  const char *shape = g_hash_table_lookup (layer->attrs, "shape");

  return shape != NULL && sscanf (shape, "%u,%u", c, h) == 2;
}

gboolean
ds_tfm_shape_from_model (const DsModel *model, DsTfmShape *out, GError **error)
{
  DsTfmShape s = { 0 };
  guint n = ds_model_n_layers (model);

  for (guint l = 0; l < n; l++)
    {
      const DsLayer *layer = ds_model_layer_const (model, l);
      if (strcmp (layer->kind, "attention") != 0)
        continue;
      if (s.n_layers++ == 0)
        {
          const char *heads = g_hash_table_lookup (layer->attrs, "heads");
          if (!shape_attr (layer, &s.hidden, &s.seq) || heads == NULL)
            return ds_fail (error, DS_ERROR_INVALID, "layer '%s': no shape or heads "
                            "attribute", layer->name);
          s.heads = (guint) g_ascii_strtoull (heads, NULL, 10);
        }
    }
  if (s.n_layers == 0)
    return ds_fail (error, DS_ERROR_INVALID, "model '%s' has no attention layer: the "
                    "3D planner handles transformers (give --layers, --hidden, ...)",
                    ds_model_get_name (model));
  guint seq = 0;
  if (n == 0 || !shape_attr (ds_model_layer_const (model, n - 1), &s.vocab, &seq))
    return ds_fail (error, DS_ERROR_INVALID, "model '%s': its last layer has no shape",
                    ds_model_get_name (model));
  *out = s;
  return ds_tfm_shape_check (out, error);
}

gboolean
ds_tfm_shape_check (const DsTfmShape *s, GError **error)
{
  static const char *const names[] = { "layers", "hidden", "heads", "seq", "vocab" };
  const guint v[] = { s->n_layers, s->hidden, s->heads, s->seq, s->vocab };

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    if (v[i] == 0)
      return ds_fail (error, DS_ERROR_INVALID, "transformer: '%s' must be >= 1", names[i]);
  return TRUE;
}

double
ds_tfm_n_params (const DsTfmShape *s)
{
  double h = s->hidden;

  return s->n_layers * (12 * h * h + 13 * h) + ((double) s->vocab + s->seq) * h + 2 * h;
}

double
ds_tfm_iteration_flops (const DsTfmShape *s, guint global_batch, gboolean with_recompute)
{
  double h = s->hidden, L = s->n_layers;
  double f = 96.0 * global_batch * s->seq * L * h * h
             * (1 + s->seq / (6 * h) + s->vocab / (16 * L * h));

  return with_recompute ? f : 0.75 * f;
}

/* ---- strategies ---- */

static const char *const recompute_names[DS_N_RECOMPUTE] = { "none", "selective", "full" };

const char *
ds_recompute_name (DsRecompute r)
{
  g_return_val_if_fail (r < DS_N_RECOMPUTE, "?");
  return recompute_names[r];
}

gboolean
ds_recompute_parse (const char *name, DsRecompute *out)
{
  for (guint i = 0; i < DS_N_RECOMPUTE; i++)
    if (g_ascii_strcasecmp (name, recompute_names[i]) == 0)
      {
        *out = (DsRecompute) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
ds_strategy3d_check (const DsStrategy3d *st, const DsTfmShape *s, guint n_devices,
                     GError **error)
{
  guint64 devices = (guint64) st->tp * st->pp * st->dp;

  if (st->tp == 0 || st->pp == 0 || st->dp == 0 || st->micro_batch == 0
      || st->interleave == 0 || st->global_batch == 0)
    return ds_fail (error, DS_ERROR_INVALID, "tp, pp, dp, micro-batch, global batch and "
                    "interleave must each be >= 1");
  if (devices != n_devices)
    return ds_fail (error, DS_ERROR_INVALID, "tp %u x pp %u x dp %u = %" G_GUINT64_FORMAT
                    " devices, the cluster has %u", st->tp, st->pp, st->dp, devices, n_devices);
  if (s->heads % st->tp != 0)
    return ds_fail (error, DS_ERROR_INVALID, "%u heads do not split over tp %u",
                    s->heads, st->tp);
  if (s->n_layers % (st->pp * st->interleave) != 0)
    return ds_fail (error, DS_ERROR_INVALID, "%u layers do not split into pp %u x "
                    "interleave %u chunks", s->n_layers, st->pp, st->interleave);
  if (st->global_batch % ((guint64) st->micro_batch * st->dp) != 0)
    return ds_fail (error, DS_ERROR_INVALID, "global batch %u is not a multiple of "
                    "micro-batch %u x dp %u", st->global_batch, st->micro_batch, st->dp);
  guint m = st->global_batch / (st->micro_batch * st->dp);
  if (st->interleave > 1 && (st->pp == 1 || m % st->pp != 0))
    return ds_fail (error, DS_ERROR_INVALID, "interleave %u needs pp > 1 and the %u "
                    "micro-batches a multiple of pp %u", st->interleave, m, st->pp);
  if (st->sequence_parallel && st->tp == 1)
    return ds_fail (error, DS_ERROR_INVALID, "sequence parallelism needs tp > 1");
  return TRUE;
}

char *
ds_strategy3d_describe (const DsStrategy3d *st)
{
  return g_strdup_printf ("tp %u pp %u dp %u b %u v %u %s%s%s", st->tp, st->pp, st->dp,
                          st->micro_batch, st->interleave, ds_recompute_name (st->recompute),
                          st->sequence_parallel ? " sp" : "", st->zero1 ? " zero1" : "");
}

/* ---- memory ---- */

double
ds_mem3d_block_activation_bytes (const DsTfmShape *s, const DsStrategy3d *st)
{
  double sbh = (double) s->seq * st->micro_batch * s->hidden, t = st->tp;
  double att = 5.0 * s->heads * (double) s->seq / s->hidden;   /* 5as/h */
  gboolean sp = st->sequence_parallel;

  switch (st->recompute)          /* [K22] table 2; full: the block's input */
    {
    case DS_RECOMPUTE_FULL:
      return 2 * sbh / (sp ? t : 1);
    case DS_RECOMPUTE_SELECTIVE:
      return sp ? sbh * 34 / t : sbh * (10 + 24 / t);
    default:
      return sp ? sbh / t * (34 + att) : sbh * (10 + 24 / t + att / t);
    }
}

static double
block_params (const DsTfmShape *s, guint tp)
{
  double h = s->hidden;

  /* weights and biases split over tp; the two LayerNorms (4 h) are not */
  return (12 * h * h + 9 * h) / tp + 4 * h;
}

/* Parameters of pipeline stage @i: its blocks, the embedding on the
 * first, the output layer's tied copy and the final LayerNorm on the
 * last (one copy when p = 1). */
static double
stage_params (const DsTfmShape *s, const DsStrategy3d *st, guint i)
{
  double h = s->hidden, p = s->n_layers / st->pp * block_params (s, st->tp);

  if (i == 0)
    p += (double) s->vocab * h / st->tp + (double) s->seq * h;
  if (i + 1 == st->pp)
    p += 2 * h + (st->pp > 1 ? (double) s->vocab * h / st->tp : 0);
  return p;
}

/* Micro-batches whose activations stage @i holds at once under 1F1B:
 * p - i, at most m; interleaved, [K22]'s factor on top. */
static double
in_flight (const DsStrategy3d *st, guint m, guint i)
{
  double k = MIN (m, st->pp - i);

  if (st->interleave > 1)
    k *= 1 + (st->pp - 1.0) / ((double) st->pp * st->interleave);
  return k;
}

void
ds_mem3d_stage (const DsTfmShape *s, const DsStrategy3d *st, guint i, DsMem3d *out)
{
  guint m = st->global_batch / (st->micro_batch * st->dp);
  double per_layer = ds_mem3d_block_activation_bytes (s, st);
  double layers = (double) s->n_layers / st->pp;
  double tokens = (double) s->seq * st->micro_batch;

  out->params = stage_params (s, st, i);
  out->weights_bytes = 2 * out->params;                          /* [DO] */
  out->grads_bytes = 4 * out->params;
  out->optimizer_bytes = 12 * out->params / (st->zero1 ? st->dp : 1);
  out->activations_bytes = layers * in_flight (st, m, i) * per_layer;
  if (st->recompute == DS_RECOMPUTE_FULL)
    {
      /* the block being recomputed holds its full activations [K22] */
      DsStrategy3d none = *st;
      none.recompute = DS_RECOMPUTE_NONE;
      out->activations_bytes += ds_mem3d_block_activation_bytes (s, &none);
    }
  if (i + 1 == st->pp)   /* logits: bf16 and the loss's fp32 copy */
    out->activations_bytes += tokens * s->vocab / st->tp * (ACT_BYTES + 4);
  out->total_bytes = out->weights_bytes + out->grads_bytes + out->optimizer_bytes
                     + out->activations_bytes;
  out->stage = i;
}

void
ds_mem3d_estimate (const DsTfmShape *s, const DsStrategy3d *st, DsMem3d *out)
{
  DsMem3d best = { 0 };

  /* the first stage holds the most activations, the last the logits and
   * the embedding copy; the stages between hold less than either */
  for (guint i = 0; i < st->pp; i += MAX (st->pp - 1, 1))
    {
      DsMem3d m;
      ds_mem3d_stage (s, st, i, &m);
      if (m.total_bytes > best.total_bytes)
        best = m;
    }
  *out = best;
}

/* ---- time ---- */

typedef struct {
  DsHwRate matmul, memory;
  double nvlink_bw, nvlink_latency;
  const DsCluster *cluster;
} Rates;

/* A GEMM (or a batch of them): the slower of its FLOPs on the matmul rate
 * and its bytes on the memory rate, each with the kernel floor. */
static double
gemm_s (const Rates *r, double batch, double m, double n, double k)
{
  double flops = 2 * batch * m * n * k;
  double bytes = batch * (m * k + k * n + m * n) * ACT_BYTES;

  return MAX (ds_hw_rate_time_s (&r->matmul, flops), ds_hw_rate_time_s (&r->memory, bytes));
}

static double
mem_s (const Rates *r, double bytes)
{
  return ds_hw_rate_time_s (&r->memory, bytes);
}

/* One all-reduce of @bytes over the tp ranks, or with sequence
 * parallelism its all-gather + reduce-scatter pair [K22]. */
static double
tp_collective_s (const Rates *r, const DsStrategy3d *st, double bytes)
{
  if (st->tp == 1)
    return 0;
  if (!st->sequence_parallel)
    return ds_hw_collective_time_s (DS_HW_ALLREDUCE_RING, st->tp, bytes, r->nvlink_bw,
                                    r->nvlink_latency);
  return ds_hw_collective_time_s (DS_HW_ALLGATHER, st->tp, bytes, r->nvlink_bw,
                                  r->nvlink_latency) / 2
         + ds_hw_collective_time_s (DS_HW_REDUCE_SCATTER, st->tp, bytes, r->nvlink_bw,
                                    r->nvlink_latency) / 2;
}

typedef struct {
  double gemm_s, attn_core_s, elementwise_s, tp_s;
} BlockParts;

/* One block's forward on one tensor-parallel rank, per micro-batch. */
static void
block_forward (const Rates *r, const DsTfmShape *s, const DsStrategy3d *st, BlockParts *o)
{
  double t = st->tp, b = st->micro_batch, sq = s->seq, h = s->hidden;
  double n = sq * b, heads = s->heads / t, dh = h / s->heads;
  double nh = n * h * ACT_BYTES, scores = b * heads * sq * sq * ACT_BYTES;
  double rep = st->sequence_parallel ? t : 1;   /* LayerNorm and dropout split? */

  o->gemm_s = gemm_s (r, 1, n, 3 * h / t, h)            /* QKV, column split */
              + gemm_s (r, 1, n, h, h / t)              /* projection, row split */
              + gemm_s (r, 1, n, 4 * h / t, h)          /* MLP up */
              + gemm_s (r, 1, n, h, 4 * h / t);         /* MLP down */
  /* scores Q K^T and their product with V, batched over b x a/t heads;
   * softmax (read, write) and its dropout (read, write, 1-byte mask) */
  o->attn_core_s = gemm_s (r, b * heads, sq, sq, dh) + gemm_s (r, b * heads, sq, dh, sq)
                   + mem_s (r, 2 * scores) + mem_s (r, 2.5 * scores);
  /* two LayerNorms (read, write), two bias-dropout-adds (two reads, a
   * write, a mask), bias-GeLU on 4h / t (read, write) */
  o->elementwise_s = 2 * mem_s (r, 2 * nh / rep) + 2 * mem_s (r, 3.5 * nh / rep)
                     + mem_s (r, 2 * 4 * nh / t);
  o->tp_s = 2 * tp_collective_s (r, st, nh);            /* f and g [N21] */
}

static void
price_block (const Rates *r, const DsTfmShape *s, const DsStrategy3d *st, DsCost3d *c)
{
  BlockParts f;

  block_forward (r, s, st, &f);
  double compute = f.gemm_s + f.attn_core_s + f.elementwise_s;
  /* backward: two GEMMs (data and weight gradients) per forward GEMM; an
   * elementwise backward reads the gradient and the saved input and
   * writes a gradient, 1.5 x the forward's traffic, rounded up to 2 */
  double bwd = 2 * (f.gemm_s + f.attn_core_s) + 2 * f.elementwise_s + f.tp_s;

  if (st->recompute == DS_RECOMPUTE_FULL)
    bwd += compute + f.tp_s;
  else if (st->recompute == DS_RECOMPUTE_SELECTIVE)
    bwd += f.attn_core_s;
  c->block_fwd_s = compute + f.tp_s;
  c->block_bwd_s = bwd;
  c->block_tp_s = f.tp_s * (st->recompute == DS_RECOMPUTE_FULL ? 3 : 2);
}

/* The embedding: a gather, the position add, dropout (13 bytes a token
 * and feature), then the vocabulary-parallel all-reduce [N21]; its
 * backward scatters the gradient back. The output layer: the logits GEMM
 * split over the vocabulary, and the loss reading bf16 logits and writing
 * fp32 probabilities (and the reverse for the gradient). */
static void
price_ends (const Rates *r, const DsTfmShape *s, const DsStrategy3d *st, DsCost3d *c)
{
  double n = (double) s->seq * st->micro_batch, h = s->hidden, t = st->tp;
  double nh = n * h * ACT_BYTES, logits = n * s->vocab / t;

  c->embed_fwd_s = mem_s (r, 6.5 * nh) + tp_collective_s (r, st, nh);
  c->embed_bwd_s = mem_s (r, 6.5 * nh);
  c->head_fwd_s = mem_s (r, 2 * nh) + gemm_s (r, 1, n, s->vocab / t, h)
                  + mem_s (r, logits * (ACT_BYTES + 4));
  c->head_bwd_s = 2 * gemm_s (r, 1, n, s->vocab / t, h) + mem_s (r, logits * (4 + ACT_BYTES))
                  + mem_s (r, 4 * nh) + tp_collective_s (r, st, nh);
}

/* A ring collective over @n ranks @stride apart whose outermost link is
 * at @level. NCCL runs one ring per channel and spreads the channels over
 * a server's NICs, so when g members of the group share a server the
 * ring's inter-server hop carries g NICs' bandwidth, capped by the
 * server's own links (nccl-tests PERFORMANCE.md: bus bandwidth is that of
 * the bottleneck hop; simulators.md 7.6). */
static double
level_collective_s (const DsCluster *cluster, gint level, DsHwCollective op, guint n,
                    guint stride, double bytes)
{
  if (level < 0 || n <= 1)
    return 0;
  const DsClusterLevel *l = ds_cluster_level (cluster, (guint) level);
  double bw = l->bw_bytes_per_s;
  if (level > 0)
    {
      const DsClusterLevel *inner = ds_cluster_level (cluster, 0);
      guint per_server = MAX (1, MIN (n, inner->count / MIN (stride, inner->count)));
      bw = MIN (bw * per_server, inner->bw_bytes_per_s);
    }
  return ds_hw_collective_time_s (op, n, bytes, bw, l->latency_s);
}

/* Gradients (fp32, [DO]) all-reduced over the dp ranks of a stage, which
 * are tp ranks apart (Megatron's order: tp, dp, pp); with ZeRO-1 a
 * reduce-scatter of them and an all-gather of the bf16 weights. With
 * p > 1 the tied embedding's gradient is all-reduced between the first
 * and the last stage. Then Adam: read gradient, master, m, v (16 bytes),
 * write master, m, v, bf16 weights (14), and zero the gradients (4). */
static void
price_sync (const Rates *r, const DsTfmShape *s, const DsStrategy3d *st, DsCost3d *c)
{
  const DsCluster *cl = r->cluster;
  double params = 0;

  for (guint i = 0; i < st->pp; i += MAX (st->pp - 1, 1))
    params = MAX (params, stage_params (s, st, i));
  gint dp_level = st->dp > 1 ? ds_cluster_link_level (cl, 0, st->tp * (st->dp - 1)) : -1;
  if (st->zero1)
    c->dp_sync_s = level_collective_s (cl, dp_level, DS_HW_REDUCE_SCATTER, st->dp, st->tp,
                                       4 * params)
                   + level_collective_s (cl, dp_level, DS_HW_ALLGATHER, st->dp, st->tp,
                                         2 * params);
  else
    c->dp_sync_s = level_collective_s (cl, dp_level, DS_HW_ALLREDUCE_RING, st->dp, st->tp,
                                       4 * params);
  if (st->pp > 1)
    {
      gint lv = ds_cluster_link_level (cl, 0, st->tp * st->dp * (st->pp - 1));
      c->dp_sync_s += level_collective_s (cl, lv, DS_HW_ALLREDUCE_RING, 2, st->tp * st->dp * (st->pp - 1),
                                          4.0 * s->vocab * s->hidden / st->tp);
    }
  c->optimizer_s = mem_s (r, 30 * params / (st->zero1 ? st->dp : 1)) + mem_s (r, 4 * params);
}

double
ds_cost3d_gemm_rate (const DsHwDevice *device)
{
  const DsHwRate *cal = ds_hw_device_calibrated (device, "matmul/bf16");

  return cal != NULL ? cal->rate_per_s : GEMM_FRACTION_OF_PEAK * ds_hw_device_peak (device, "bf16");
}

gboolean
ds_cost3d_estimate (const DsTfmShape *s, const DsStrategy3d *st, const DsCluster *cluster,
                    const DsHwDevice *device, DsCost3d *out, GError **error)
{
  Rates r = { .cluster = cluster };
  DsCost3d c = { 0 };

  if (!ds_hw_device_rate (device, DS_HW_WORK_MATMUL, "bf16", &r.matmul, error)
      || !ds_hw_device_rate (device, DS_HW_WORK_MEMORY, "bf16", &r.memory, error))
    return FALSE;
  r.matmul.rate_per_s = ds_cost3d_gemm_rate (device);
  const DsClusterLevel *inner = ds_cluster_level (cluster, 0);
  if (st->tp > inner->count)
    return ds_fail (error, DS_ERROR_INVALID, "tp %u spans more than the %u devices joined "
                    "by '%s'", st->tp, inner->count, inner->name ? inner->name : "level 0");
  r.nvlink_bw = inner->bw_bytes_per_s;
  r.nvlink_latency = inner->latency_s;

  price_block (&r, s, st, &c);
  price_ends (&r, s, st, &c);
  c.n_microbatches = st->global_batch / (st->micro_batch * st->dp);

  double blocks = (double) s->n_layers / st->pp, per_block = c.block_fwd_s + c.block_bwd_s;
  double first = blocks * per_block + c.embed_fwd_s + c.embed_bwd_s;
  double last = blocks * per_block + c.head_fwd_s + c.head_bwd_s;
  c.stage_s = st->pp == 1 ? first + c.head_fwd_s + c.head_bwd_s : MAX (first, last);

  /* sends: scattered over the t ranks [N21], each on its own link; a
   * device sends v activations and v gradients per micro-batch */
  double sends = 0;
  if (st->pp > 1)
    {
      gint lv = ds_cluster_link_level (cluster, 0, st->tp * st->dp);
      c.p2p_s = ds_hw_p2p_time_s (cluster, (guint) MAX (lv, 0),
                                  (double) s->seq * st->micro_batch * s->hidden
                                  * ACT_BYTES / st->tp);
      sends = 2.0 * st->interleave * c.p2p_s;
    }
  c.pipeline_s = (c.n_microbatches + (st->pp - 1.0) / st->interleave) * (c.stage_s + sends);
  price_sync (&r, s, st, &c);
  c.iteration_s = c.pipeline_s + c.dp_sync_s + c.optimizer_s;
  *out = c;
  return TRUE;
}
