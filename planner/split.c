/* planner/split.c - the balanced straight pipeline (see split.h).
 *
 * Binary search on the bottleneck T over the stage sums: greedy packing
 * (fill a stage while its sum stays <= T) gives the fewest stages any cut
 * with bottleneck T needs, so the smallest feasible T is optimal. The
 * search runs on the doubles until the bounds meet or stop moving; then
 * the greedy cut at the upper bound is taken, and stages are split
 * further (never raising the bottleneck) until there are n_stages.
 */
#include "config.h"

#include "planner/split.h"
#include "core/error.h"

#include <string.h>

/* Stages greedy packing makes with bottleneck @limit; ends[] receives the
 * exclusive end of each (in positions of @cost), when not NULL. */
static guint
pack (const double *cost, guint n, double limit, guint *ends)
{
  guint stages = 0;
  double sum = 0;

  for (guint i = 0; i < n; i++)
    {
      if (i > 0 && sum + cost[i] > limit)
        {
          if (ends != NULL)
            ends[stages] = i;
          stages++;
          sum = 0;
        }
      sum += cost[i];
    }
  if (ends != NULL)
    ends[stages] = n;
  return stages + 1;
}

DsPlan *
ds_plan_split_balanced (const DsModel *model, guint n_stages, guint n_replicas,
                        GError **error)
{
  g_autoptr(GArray) order = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autofree double *cost = NULL;
  g_autofree guint *ends = NULL;
  guint n = ds_model_n_layers (model), made, start = 0;
  double lo = 0, hi = 0;

  if (n_stages == 0 || n_stages > n || n_replicas == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "a straight pipeline of %u stages of %u "
                         "replicas over %u layers is not possible", n_stages, n_replicas, n);
  order = ds_model_topo_order (model);
  cost = g_new (double, n);
  for (guint i = 0; i < n; i++)
    {
      const DsLayer *l = ds_model_layer_const (model, g_array_index (order, guint, i));
      if (!l->has_times)
        return ds_fail_null (error, DS_ERROR_INVALID, "layer '%s' has no times to balance",
                             l->name);
      cost[i] = l->fwd_s + l->bwd_s;
      lo = MAX (lo, cost[i]);
      hi += cost[i];
    }
  while (lo < hi)
    {
      double mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi)
        break;
      if (pack (cost, n, mid, NULL) <= n_stages)
        hi = mid;
      else
        lo = mid;
    }
  ends = g_new (guint, n + 1);
  made = pack (cost, n, hi, ends);
  /* Fewer stages than asked: split the longest (in layers) until there
   * are enough; a part of a stage is never slower than the stage. */
  while (made < n_stages)
    {
      guint best = 0, best_len = 0;
      for (guint s = 0, b = 0; s < made; b = ends[s], s++)
        if (ends[s] - b > best_len)
          best = s, best_len = ends[s] - b;
      memmove (ends + best + 1, ends + best, (made - best) * sizeof (guint));
      ends[best] = ends[best + 1] - best_len / 2;
      made++;
    }
  plan = ds_plan_new ();
  ds_plan_set_schedule (plan, DS_SCHEDULE_1F1B_FLUSH);
  for (guint s = 0; s < made; s++)
    {
      DsPlanStage *st = ds_plan_add_stage (plan);
      st->n_replicas = n_replicas;
      for (guint i = start; i < ends[s]; i++)
        g_array_append_val (st->layers, g_array_index (order, guint, i));
      start = ends[s];
    }
  return g_steal_pointer (&plan);
}

DsPlan *
ds_plan_split_by_work (const DsModel *model, guint n_stages, guint n_replicas,
                       GError **error)
{
  g_autoptr(DsModel) weighed = ds_model_copy (model);

  for (guint i = 0; i < ds_model_n_layers (weighed); i++)
    {
      DsLayer *l = ds_model_layer (weighed, i);
      if (!l->has_times)
        {
          l->has_times = TRUE;
          l->fwd_s = l->fwd_flops + l->mem_bytes;
          l->bwd_s = l->bwd_flops + 2 * l->mem_bytes;
        }
    }
  return ds_plan_split_balanced (weighed, n_stages, n_replicas, error);
}
