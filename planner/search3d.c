/* planner/search3d.c - enumerate, prune and rank 3D strategies (contract
 * in search3d.h), and the simulator's input for a chosen one.
 *
 * Cost: the loops visit every (tp, pp, b, v, recompute, sp, zero1) that
 * Megatron could run; a memory check is a handful of flops, a full price
 * a few microseconds (bench/bench-plan3d.c measures both searches of
 * issue #6). The kept list is a sorted array of at most k entries.
 */
#include "config.h"

#include "planner/search3d.h"

#include "core/error.h"

#include <math.h>

#define DEFAULT_TOP_K 5
#define GIB (1024.0 * 1024.0 * 1024.0)

typedef struct {
  const DsTfmShape *shape;
  const DsCluster *cluster;
  const DsHwDevice *device;
  guint top_k;
  double gemm_rate;           /* flop/s, for the bound */
  DsSearch3dResult *res;
} Search;

void
ds_search3d_result_free (DsSearch3dResult *result)
{
  if (result == NULL)
    return;
  g_array_unref (result->plans);
  g_free (result);
}

/* The k-th best time so far, or infinity while fewer are kept. */
static double
cutoff_s (const Search *s)
{
  GArray *plans = s->res->plans;

  return plans->len < s->top_k ? INFINITY
                               : g_array_index (plans, DsPlan3d, plans->len - 1).cost.iteration_s;
}

static void
keep (Search *s, const DsPlan3d *p)
{
  GArray *plans = s->res->plans;
  guint at = plans->len;

  while (at > 0 && g_array_index (plans, DsPlan3d, at - 1).cost.iteration_s > p->cost.iteration_s)
    at--;
  if (at >= s->top_k)
    return;
  g_array_insert_val (plans, at, *p);
  if (plans->len > s->top_k)
    g_array_set_size (plans, s->top_k);
}

/* GEMM FLOPs per device per iteration at the GEMM rate: no strategy's
 * priced time can be below it (the price adds everything else). */
static double
bound_s (const Search *s, const DsStrategy3d *st)
{
  guint n = st->tp * st->pp * st->dp;

  return ds_tfm_iteration_flops (s->shape, st->global_batch,
                                 st->recompute == DS_RECOMPUTE_FULL) / n / s->gemm_rate;
}

static gboolean
visit (Search *s, const DsStrategy3d *st, GError **error)
{
  DsPlan3d p = { .st = *st };
  DsSearch3dResult *res = s->res;

  if (!ds_strategy3d_check (st, s->shape, st->tp * st->pp * st->dp, NULL))
    return TRUE;
  res->n_considered++;
  ds_mem3d_estimate (s->shape, st, &p.mem);
  if (res->smallest.mem.total_bytes == 0
      || p.mem.total_bytes < res->smallest.mem.total_bytes)
    res->smallest = p;
  if (p.mem.total_bytes > res->capacity_bytes)
    {
      res->n_over_memory++;
      return TRUE;
    }
  if (bound_s (s, st) >= cutoff_s (s))
    {
      res->n_bounded++;
      return TRUE;
    }
  if (!ds_cost3d_estimate (s->shape, st, s->cluster, s->device, &p.cost, error))
    return FALSE;
  res->n_priced++;
  keep (s, &p);
  return TRUE;
}

/* The choices after the degrees and the micro-batch: interleave,
 * recomputation, sequence parallelism, ZeRO-1. */
static gboolean
visit_variants (Search *s, DsStrategy3d st, GError **error)
{
  guint per_stage = s->shape->n_layers / st.pp;

  for (guint v = 1; v <= per_stage; v++)
    {
      if (per_stage % v != 0 || (v > 1 && st.pp == 1))
        continue;
      st.interleave = v;
      for (guint r = 0; r < DS_N_RECOMPUTE; r++)
        for (guint sp = 0; sp <= (st.tp > 1); sp++)
          for (guint z = 0; z <= (st.dp > 1); z++)
            {
              st.recompute = (DsRecompute) r;
              st.sequence_parallel = sp;
              st.zero1 = z;
              if (!visit (s, &st, error))
                return FALSE;
            }
    }
  return TRUE;
}

static gboolean
enumerate (Search *s, guint global_batch, GError **error)
{
  guint n = ds_cluster_n_devices (s->cluster);
  guint server = ds_cluster_level (s->cluster, 0)->count;
  DsStrategy3d st = { .global_batch = global_batch };

  for (st.tp = 1; st.tp <= server; st.tp *= 2)
    for (st.pp = 1; st.pp <= s->shape->n_layers; st.pp++)
      {
        if (s->shape->n_layers % st.pp != 0 || n % (st.tp * st.pp) != 0
            || s->shape->heads % st.tp != 0 || server % st.tp != 0)
          continue;
        st.dp = n / (st.tp * st.pp);
        if (global_batch % st.dp != 0)
          continue;
        guint per_replica = global_batch / st.dp;
        for (st.micro_batch = 1; st.micro_batch <= per_replica; st.micro_batch++)
          if (per_replica % st.micro_batch == 0 && !visit_variants (s, st, error))
            return FALSE;
      }
  return TRUE;
}

static gboolean
fail_no_fit (const Search *s, GError **error)
{
  const DsSearch3dResult *res = s->res;
  g_autofree char *what = ds_strategy3d_describe (&res->smallest.st);
  double need = res->smallest.mem.total_bytes, have = res->capacity_bytes;

  return ds_fail (error, DS_ERROR_INVALID,
                  "the model does not fit: of %" G_GUINT64_FORMAT " strategies the smallest "
                  "(%s) needs %.2f GiB on its most loaded device, %.2f GiB (%.0f%%) more than "
                  "the device's %.2f GiB", res->n_considered, what, need / GIB,
                  (need - have) / GIB, 100 * (need - have) / have, have / GIB);
}

DsSearch3dResult *
ds_search3d_run (const DsTfmShape *shape, guint global_batch, const DsCluster *cluster,
                 const DsHwDevice *device, const DsSearch3dOptions *options, GError **error)
{
  g_autoptr(DsSearch3dResult) res = g_new0 (DsSearch3dResult, 1);
  Search s = { shape, cluster, device, DEFAULT_TOP_K, 0, res };
  DsStrategy3d probe = { 1, 1, 1, 1, 1, 1, DS_RECOMPUTE_NONE, FALSE, FALSE };
  DsCost3d c;

  if (!ds_tfm_shape_check (shape, error))
    return NULL;
  if (options != NULL && options->top_k > 0)
    s.top_k = options->top_k;
  res->plans = g_array_new (FALSE, TRUE, sizeof (DsPlan3d));
  res->capacity_bytes = ds_cluster_device_const (cluster)->memory_bytes;
  if (res->capacity_bytes <= 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "cluster '%s' does not give its device's "
                         "memory: the 3D search needs it", ds_cluster_get_name (cluster));
  if (global_batch == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "the global batch must be >= 1");
  /* fail early when the device cannot be priced */
  if (!ds_cost3d_estimate (shape, &probe, cluster, device, &c, error))
    return NULL;
  s.gemm_rate = ds_cost3d_gemm_rate (device);
  if (!enumerate (&s, global_batch, error))
    return NULL;
  if (res->n_considered == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "no tensor x pipeline x data strategy "
                         "splits %u layers, %u heads and a global batch of %u over %u "
                         "devices", shape->n_layers, shape->heads, global_batch,
                         ds_cluster_n_devices (cluster));
  if (res->plans->len == 0)
    {
      fail_no_fit (&s, error);
      return NULL;
    }
  return g_steal_pointer (&res);
}

/* ---- the simulator's input ---- */

static DsLayer *
add_layer (DsModel *model, const char *name, const char *kind, double fwd_s, double bwd_s,
           double out_bytes, double param_bytes, GError **error)
{
  DsLayer *l = ds_model_add_layer (model, name, kind, error);

  if (l == NULL)
    return NULL;
  l->has_times = TRUE;
  l->fwd_s = fwd_s;
  l->bwd_s = bwd_s;
  l->out_bytes = (guint64) out_bytes;
  l->param_bytes = (guint64) param_bytes;
  return l;
}

gboolean
ds_search3d_sim_input (const DsTfmShape *shape, const DsPlan3d *p, DsModel **out_model,
                       DsPlan **out_plan, GError **error)
{
  const DsStrategy3d *st = &p->st;
  const DsCost3d *c = &p->cost;
  double scale = (double) c->n_microbatches * st->dp * st->tp;   /* divided back */
  double h = shape->hidden, act = (double) shape->seq * st->micro_batch * h * 2
                                  * c->n_microbatches * st->dp;
  g_autoptr(DsModel) model = ds_model_new ("transformer-3d");
  g_autoptr(DsPlan) plan = ds_plan_new ();
  guint n_chunks = st->pp * st->interleave, per_chunk = shape->n_layers / n_chunks;

  /* fp32 gradients per layer, all tp ranks (the simulator divides by t) */
  if (add_layer (model, "embed", "embedding", c->embed_fwd_s * scale, c->embed_bwd_s * scale,
                 act, 4.0 * ((double) shape->vocab + shape->seq) * h, error) == NULL)
    return FALSE;
  for (guint i = 0; i < shape->n_layers; i++)
    {
      g_autofree char *name = g_strdup_printf ("block%u", i);
      if (add_layer (model, name, "block", c->block_fwd_s * scale, c->block_bwd_s * scale,
                     act, 4.0 * (12 * h * h + 13 * h), error) == NULL
          || !ds_model_add_edge (model, i, i + 1, error))
        return FALSE;
    }
  if (add_layer (model, "head", "output", c->head_fwd_s * scale, c->head_bwd_s * scale,
                 0, st->pp > 1 ? 4.0 * shape->vocab * h : 0, error) == NULL
      || !ds_model_add_edge (model, shape->n_layers, shape->n_layers + 1, error))
    return FALSE;

  for (guint g = 0; g < n_chunks; g++)
    {
      DsPlanStage *stage = ds_plan_add_stage (plan);
      guint first = g * per_chunk + 1, last = first + per_chunk;   /* [first, last) */
      stage->n_replicas = st->dp;
      if (g == 0)
        first = 0;
      if (g + 1 == n_chunks)
        last = shape->n_layers + 2;
      for (guint l = first; l < last; l++)
        g_array_append_val (stage->layers, l);
    }
  ds_plan_set_schedule (plan, st->interleave > 1 ? DS_SCHEDULE_INTERLEAVED
                                                 : DS_SCHEDULE_1F1B_FLUSH);
  ds_plan_set_n_microbatches (plan, c->n_microbatches);
  ds_plan_set_microbatch_size (plan, st->micro_batch);
  ds_plan_set_objective_s (plan, c->iteration_s);
  ds_model_set_batch_size (model, st->global_batch);
  *out_model = g_steal_pointer (&model);
  *out_plan = g_steal_pointer (&plan);
  return TRUE;
}
