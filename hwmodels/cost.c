/* hwmodels/cost.c - compute, copy and communication costs (see cost.h).
 *
 * Each formula is quoted above the function that implements it, with its
 * source. n is the number of ranks, S the bytes, B a link's bandwidth
 * (bytes/s, one direction), a its latency (s).
 */
#include "config.h"

#include "hwmodels/cost.h"

#include <math.h>
#include <string.h>

static const char *const copy_names[DS_HW_N_COPY] = { "d2d", "h2d", "d2h" };
static const char *const coll_names[DS_HW_N_COLLECTIVES] = {
  "allreduce-ring", "allreduce-tree", "allgather", "reduce-scatter",
  "broadcast", "alltoall", "allreduce-hier"
};

/* ---- compute ---- */

/* Bytes per element; unknown dtypes count as 4 (fp32). */
static double
dtype_bytes (const char *dtype)
{
  if (strcmp (dtype, "fp16") == 0 || strcmp (dtype, "bf16") == 0)
    return 2;
  if (strcmp (dtype, "fp8") == 0)
    return 1;
  if (strcmp (dtype, "fp64") == 0)
    return 8;
  return 4;
}

/* Roofline with a floor:
 *   busy = max(o_c + (flops + k out_bytes) / R_c,         (Williams et al.,
 *              o_m + bytes / R_m)                          CACM 2009)
 *   t    = (floor^p + busy^p)^(1/p)
 * with R and floor from the compute rate's curve (device.h); k, the
 * rate's per_byte, is 0 except for calibrated convolutions, whose time
 * on the H200 grows with the output size at equal FLOPs (docs/hwmodels.md). */
static double
roofline_s (const DsHwRate *compute, const DsHwRate *memory, double flops,
            double bytes, double out_bytes)
{
  double work = flops + compute->per_byte * out_bytes;
  double busy = MAX (compute->offset_s + work / compute->rate_per_s,
                     memory->offset_s + bytes / memory->rate_per_s);
  DsHwRate as_time = { 1, compute->floor_s, compute->p, 0 };

  if (flops <= 0 && bytes <= 0)
    return 0;
  return ds_hw_rate_time_s (&as_time, busy);
}

gboolean
ds_hw_gemm_time_s (const DsHwDevice *device, const char *dtype, double m,
                   double n, double k, double *out_s, GError **error)
{
  DsHwRate compute, memory;

  if (!ds_hw_device_rate (device, DS_HW_WORK_MATMUL, dtype, &compute, error)
      || !ds_hw_device_rate (device, DS_HW_WORK_MEMORY, dtype, &memory, error))
    return FALSE;
  *out_s = roofline_s (&compute, &memory, 2 * m * n * k,
                       (m * k + k * n + m * n) * dtype_bytes (dtype), 0);
  return TRUE;
}

static DsHwWork
work_of_kind (const char *kind)
{
  static const char *const matmul_kinds[] = {
    "linear", "matmul", "gemm", "attention", "lstm", "gru", "rnn", NULL
  };

  if (g_str_has_prefix (kind, "conv"))
    return DS_HW_WORK_CONV;
  if (g_strv_contains (matmul_kinds, kind))
    return DS_HW_WORK_MATMUL;
  return DS_HW_WORK_MEMORY;
}

gboolean
ds_hw_layer_time_s (const DsHwDevice *device, const DsLayer *layer,
                    const char *dtype, double *fwd_s, double *bwd_s,
                    GError **error)
{
  DsHwWork work = work_of_kind (layer->kind);
  double bwd_flops = layer->bwd_flops > 0 ? layer->bwd_flops : 2 * layer->fwd_flops;
  DsHwRate compute, memory;

  if (!ds_hw_device_rate (device, DS_HW_WORK_MEMORY, dtype, &memory, error))
    return FALSE;
  /* Memory-bound work, or no FLOPs to price: an unbounded compute rate
   * leaves the memory term and the memory curve's floor. */
  compute = (DsHwRate) { G_MAXDOUBLE, memory.floor_s, memory.p, 0 };
  if (work != DS_HW_WORK_MEMORY && bwd_flops + layer->fwd_flops > 0
      && !ds_hw_device_rate (device, work, dtype, &compute, error))
    {
      g_prefix_error (error, "layer '%s': ", layer->name);
      return FALSE;
    }
  *fwd_s = roofline_s (&compute, &memory, layer->fwd_flops, layer->mem_bytes,
                       layer->out_bytes);
  *bwd_s = roofline_s (&compute, &memory, bwd_flops, 2 * layer->mem_bytes,
                       layer->out_bytes);
  return TRUE;
}

gboolean
ds_hw_model_cost (DsModel *model, const DsHwDevice *device, const char *dtype,
                  guint *n_costed, GError **error)
{
  const char *attr = g_hash_table_lookup (ds_model_get_attrs (model), "dtype");
  guint n = 0;

  if (dtype == NULL)
    dtype = attr != NULL ? attr : "fp32";
  for (guint i = 0; i < ds_model_n_layers (model); i++)
    {
      DsLayer *layer = ds_model_layer (model, i);
      if (layer->has_times)
        continue;
      if (!ds_hw_layer_time_s (device, layer, dtype, &layer->fwd_s,
                               &layer->bwd_s, error))
        return FALSE;
      layer->has_times = TRUE;
      n++;
    }
  if (n_costed != NULL)
    *n_costed = n;
  return TRUE;
}

const char *
ds_hw_copy_kind_name (DsHwCopyKind kind)
{
  g_return_val_if_fail (kind < DS_HW_N_COPY, "?");
  return copy_names[kind];
}

gboolean
ds_hw_copy_kind_parse (const char *name, DsHwCopyKind *out)
{
  for (guint i = 0; i < DS_HW_N_COPY; i++)
    if (strcmp (name, copy_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

/* t = (floor^p + (offset + W / R)^p)^(1/p), W = 2S for d2d (nvidia's bandwidthTest
 * and ../shared/data/h200/mem.csv count read + write), S otherwise. */
double
ds_hw_copy_time_s (const DsHwDevice *device, DsHwCopyKind kind, double bytes)
{
  g_autofree char *key = NULL;
  const DsHwRate *cal;
  DsHwRate rate;

  g_return_val_if_fail (kind < DS_HW_N_COPY, 0);
  key = g_strdup_printf ("copy/%s", copy_names[kind]);
  cal = ds_hw_device_calibrated (device, key);
  if (cal != NULL)
    return ds_hw_rate_time_s (cal, kind == DS_HW_COPY_D2D ? 2 * bytes : bytes);
  ds_hw_device_rate (device, kind == DS_HW_COPY_D2D ? DS_HW_WORK_MEMORY
                     : DS_HW_WORK_HOST, "fp32", &rate, NULL);
  return ds_hw_rate_time_s (&rate, kind == DS_HW_COPY_D2D ? 2 * bytes : bytes);
}

/* ---- communication ---- */

/* Hockney's alpha-beta model: t = a + S / B. */
double
ds_hw_p2p_time_s (const DsCluster *cluster, guint level, double bytes)
{
  const DsClusterLevel *l = ds_cluster_level (cluster, level);

  return l->latency_s + bytes / l->bw_bytes_per_s;
}

const char *
ds_hw_collective_name (DsHwCollective op)
{
  g_return_val_if_fail (op < DS_HW_N_COLLECTIVES, "?");
  return coll_names[op];
}

gboolean
ds_hw_collective_parse (const char *name, DsHwCollective *out)
{
  if (strcmp (name, "allreduce") == 0)
    name = "allreduce-ring";
  for (guint i = 0; i < DS_HW_N_COLLECTIVES; i++)
    if (strcmp (name, coll_names[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

/* nccl-tests doc/PERFORMANCE.md: busbw = algbw x factor,
 *   AllReduce 2(n-1)/n; ReduceScatter, AllGather, AlltoAll (n-1)/n;
 *   Broadcast 1. Trees move the same bus volume as rings. */
double
ds_hw_busbw_factor (DsHwCollective op, guint n)
{
  double nn = n;

  if (n <= 1)
    return 0;
  switch (op)
    {
    case DS_HW_ALLREDUCE_RING:
    case DS_HW_ALLREDUCE_TREE:
    case DS_HW_ALLREDUCE_HIER:
      return 2 * (nn - 1) / nn;
    case DS_HW_ALLGATHER:
    case DS_HW_REDUCE_SCATTER:
    case DS_HW_ALLTOALL:
      return (nn - 1) / nn;
    case DS_HW_BROADCAST:
      return 1;
    default:
      g_assert_not_reached ();
    }
}

/* Closed forms (Thakur, Rabenseifner and Gropp, IJHPCA 2005; Patarasuk
 * and Yuan, JPDC 2009 for the ring; NCCL 2.4's double binary tree):
 *   ring all-reduce      2(n-1) a + 2(n-1)/n S/B
 *   tree all-reduce      2 ceil(log2 n) a + 2 S/B    (pipelined: each half
 *                        of S goes up one tree and down the other)
 *   all-gather,
 *   reduce-scatter,
 *   all-to-all           (n-1) a + (n-1)/n S/B
 *   broadcast (ring)     (n-1) a + S/B               (pipelined chunks)
 * The bandwidth terms equal S x busbw_factor / B except for the tree. */
double
ds_hw_collective_time_s (DsHwCollective op, guint n, double bytes,
                         double bw_bytes_per_s, double latency_s)
{
  double nn = n, steps;

  g_return_val_if_fail (op != DS_HW_ALLREDUCE_HIER, 0);
  if (n <= 1)
    return 0;
  switch (op)
    {
    case DS_HW_ALLREDUCE_RING:
      return 2 * (nn - 1) * latency_s
             + ds_hw_busbw_factor (op, n) * bytes / bw_bytes_per_s;
    case DS_HW_ALLREDUCE_TREE:
      steps = ceil (log2 (nn));
      return 2 * steps * latency_s + 2 * bytes / bw_bytes_per_s;
    case DS_HW_ALLGATHER:
    case DS_HW_REDUCE_SCATTER:
    case DS_HW_ALLTOALL:
    case DS_HW_BROADCAST:
      return (nn - 1) * latency_s
             + ds_hw_busbw_factor (op, n) * bytes / bw_bytes_per_s;
    default:
      g_assert_not_reached ();
    }
}

/* The bottleneck of a flat collective over the whole cluster: the lowest
 * bandwidth and the highest latency among levels with count > 1. */
static void
bottleneck (const DsCluster *cluster, double *bw, double *latency)
{
  *bw = G_MAXDOUBLE;
  *latency = 0;
  for (guint i = 0; i < ds_cluster_n_levels (cluster); i++)
    {
      const DsClusterLevel *l = ds_cluster_level (cluster, i);
      if (l->count <= 1)
        continue;
      *bw = MIN (*bw, l->bw_bytes_per_s);
      *latency = MAX (*latency, l->latency_s);
    }
}

/* Hierarchical all-reduce (as Horovod's and NCCL's CollNet-free 2D
 * schemes), levels innermost first, n_l ranks per group at level l:
 *   H(S, l) = RS(n_l, S, B_l) + H(S / n_l, l+1) + AG(n_l, S, B_l)
 *   H(S, top) = ring all-reduce(n_top, S, B_top)
 * With one level, H is the flat ring all-reduce. */
static double
hier_allreduce_s (const DsCluster *cluster, guint level, double bytes)
{
  const DsClusterLevel *l = ds_cluster_level (cluster, level);

  if (level + 1 == ds_cluster_n_levels (cluster))
    return ds_hw_collective_time_s (DS_HW_ALLREDUCE_RING, l->count, bytes,
                                    l->bw_bytes_per_s, l->latency_s);
  return ds_hw_collective_time_s (DS_HW_REDUCE_SCATTER, l->count, bytes,
                                  l->bw_bytes_per_s, l->latency_s)
         + hier_allreduce_s (cluster, level + 1, bytes / l->count)
         + ds_hw_collective_time_s (DS_HW_ALLGATHER, l->count, bytes,
                                    l->bw_bytes_per_s, l->latency_s);
}

double
ds_hw_cluster_collective_time_s (const DsCluster *cluster, DsHwCollective op,
                                 double bytes)
{
  double bw, latency;

  if (ds_cluster_n_devices (cluster) <= 1)
    return 0;
  if (op == DS_HW_ALLREDUCE_HIER)
    return hier_allreduce_s (cluster, 0, bytes);
  bottleneck (cluster, &bw, &latency);
  return ds_hw_collective_time_s (op, ds_cluster_n_devices (cluster), bytes,
                                  bw, latency);
}

/* PipeDream (optimizer_graph_hierarchical.py, pipedream.md section 4.10):
 * a replica set of n workers exchanging weights of S bytes costs
 *   4 (n-1)/n x S / B
 * (push gradients and pull weights, each 2(n-1)/n S through a parameter
 * server sharded over the workers, both charged to one link of B). We add
 * the two message latencies, 2a, and use the bottleneck level's B. */
double
ds_hw_ps_exchange_time_s (const DsCluster *cluster, double bytes)
{
  guint n = ds_cluster_n_devices (cluster);
  double bw, latency;

  if (n <= 1)
    return 0;
  bottleneck (cluster, &bw, &latency);
  return 2 * latency + 4.0 * (n - 1) / n * bytes / bw;
}
