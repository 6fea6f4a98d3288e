/* core/plan.c - DsPlan and its invariant checker (see plan.h).
 *
 * The checker builds a layer -> stage map once (O(layers)), then walks the
 * model's edges (O(edges)) and the ranks (O(devices) with a seen-table),
 * so checking is linear in the size of the plan and model.
 */
#include "config.h"

#include "core/plan.h"
#include "core/error.h"

#include <math.h>
#include <string.h>

static const struct {
  const char *name;
  const char *desc;
} schedules[] = {
#define DS_SCHEDULE(id, name, desc) { name, desc },
#include "core/schedule.def"
#undef DS_SCHEDULE
};

G_STATIC_ASSERT (G_N_ELEMENTS (schedules) == DS_SCHEDULE_N);

const char *
ds_schedule_name (DsSchedule schedule)
{
  g_return_val_if_fail (schedule < DS_SCHEDULE_N, "?");
  return schedules[schedule].name;
}

const char *
ds_schedule_description (DsSchedule schedule)
{
  g_return_val_if_fail (schedule < DS_SCHEDULE_N, "?");
  return schedules[schedule].desc;
}

gboolean
ds_schedule_from_name (const char *name, DsSchedule *out)
{
  for (guint i = 0; i < DS_SCHEDULE_N; i++)
    if (strcmp (schedules[i].name, name) == 0)
      {
        *out = (DsSchedule) i;
        return TRUE;
      }
  return FALSE;
}

struct _DsPlan {
  gint ref_count;
  DsSchedule schedule;
  guint n_microbatches;
  guint microbatch_size;
  gboolean has_objective;
  double objective_s;
  GPtrArray *stages;         /* DsPlanStage*, owned */
};

static void
stage_free (gpointer p)
{
  DsPlanStage *stage = p;

  g_array_unref (stage->layers);
  g_array_unref (stage->ranks);
  g_free (stage);
}

DsPlan *
ds_plan_new (void)
{
  DsPlan *plan = g_new0 (DsPlan, 1);

  plan->ref_count = 1;
  plan->schedule = DS_SCHEDULE_1F1B;
  plan->n_microbatches = 1;
  plan->stages = g_ptr_array_new_with_free_func (stage_free);
  return plan;
}

DsPlan *
ds_plan_ref (DsPlan *plan)
{
  g_atomic_int_inc (&plan->ref_count);
  return plan;
}

void
ds_plan_unref (DsPlan *plan)
{
  if (plan == NULL || !g_atomic_int_dec_and_test (&plan->ref_count))
    return;
  g_ptr_array_unref (plan->stages);
  g_free (plan);
}

DsSchedule ds_plan_get_schedule (const DsPlan *plan) { return plan->schedule; }
void ds_plan_set_schedule (DsPlan *plan, DsSchedule s) { plan->schedule = s; }
guint ds_plan_get_n_microbatches (const DsPlan *plan) { return plan->n_microbatches; }
void ds_plan_set_n_microbatches (DsPlan *plan, guint n) { plan->n_microbatches = n; }
guint ds_plan_get_microbatch_size (const DsPlan *plan) { return plan->microbatch_size; }
void ds_plan_set_microbatch_size (DsPlan *plan, guint n) { plan->microbatch_size = n; }

gboolean
ds_plan_get_objective_s (const DsPlan *plan, double *objective_s)
{
  if (plan->has_objective && objective_s != NULL)
    *objective_s = plan->objective_s;
  return plan->has_objective;
}

void
ds_plan_set_objective_s (DsPlan *plan, double objective_s)
{
  plan->has_objective = TRUE;
  plan->objective_s = objective_s;
}

void
ds_plan_clear_objective (DsPlan *plan)
{
  plan->has_objective = FALSE;
  plan->objective_s = 0;
}

guint
ds_plan_n_stages (const DsPlan *plan)
{
  return plan->stages->len;
}

DsPlanStage *
ds_plan_stage (DsPlan *plan, guint idx)
{
  g_return_val_if_fail (idx < plan->stages->len, NULL);
  return g_ptr_array_index (plan->stages, idx);
}

const DsPlanStage *
ds_plan_stage_const (const DsPlan *plan, guint idx)
{
  g_return_val_if_fail (idx < plan->stages->len, NULL);
  return g_ptr_array_index (plan->stages, idx);
}

DsPlanStage *
ds_plan_add_stage (DsPlan *plan)
{
  DsPlanStage *stage = g_new0 (DsPlanStage, 1);

  stage->layers = g_array_new (FALSE, FALSE, sizeof (guint));
  stage->ranks = g_array_new (FALSE, FALSE, sizeof (guint));
  stage->n_replicas = 1;
  g_ptr_array_add (plan->stages, stage);
  return stage;
}

guint
ds_plan_n_replicas (const DsPlan *plan)
{
  guint64 n = 0;

  for (guint i = 0; i < plan->stages->len; i++)
    n += ds_plan_stage_const (plan, i)->n_replicas;
  return (guint) MIN (n, G_MAXUINT);
}

/* PipeDream runtime (reference 8.1):
 * W_s = ceil ((sum over t > s of r_t) / r_s) unless stage_to_depth_map says */
guint
ds_plan_warmup_depth (const DsPlan *plan, guint stage_idx)
{
  const DsPlanStage *stage = ds_plan_stage_const (plan, stage_idx);
  guint64 later = 0;

  if (stage->has_warmup_depth)
    return stage->warmup_depth;
  for (guint t = stage_idx + 1; t < plan->stages->len; t++)
    later += ds_plan_stage_const (plan, t)->n_replicas;
  return (guint) ((later + stage->n_replicas - 1) / MAX (stage->n_replicas, 1));
}

/* ---- the checker ---- */

static gboolean
check_scalars (const DsPlan *plan, GError **error)
{
  if (plan->stages->len == 0)
    return ds_fail (error, DS_ERROR_INVALID, "the plan has no stages");
  if (plan->n_microbatches < 1)
    return ds_fail (error, DS_ERROR_INVALID,
                    "n_microbatches must be >= 1, got 0");
  if (plan->schedule >= DS_SCHEDULE_N)
    return ds_fail (error, DS_ERROR_INVALID, "unknown schedule %d",
                    (int) plan->schedule);
  if (plan->has_objective
      && (!isfinite (plan->objective_s) || plan->objective_s < 0
          || plan->objective_s > 1e300))
    return ds_fail (error, DS_ERROR_INVALID,
                    "the objective must be in [0, 1e300] s, got %g", plan->objective_s);
  if (plan->schedule == DS_SCHEDULE_DP && plan->stages->len != 1)
    return ds_fail (error, DS_ERROR_INVALID,
                    "schedule 'dp' needs exactly one stage, got %u",
                    plan->stages->len);
  return TRUE;
}

/* Fills @stage_of (one gint per layer, -1 = none) from the stages. */
static gboolean
map_layers (const DsPlan *plan, const DsModel *model, gint *stage_of,
            GError **error)
{
  guint n_layers = ds_model_n_layers (model);

  for (guint s = 0; s < plan->stages->len; s++)
    {
      const DsPlanStage *stage = ds_plan_stage_const (plan, s);
      if (stage->layers->len == 0)
        return ds_fail (error, DS_ERROR_INVALID, "stage %u has no layers", s);
      if (stage->n_replicas < 1)
        return ds_fail (error, DS_ERROR_INVALID,
                        "stage %u: n_replicas must be >= 1, got 0", s);
      for (guint k = 0; k < stage->layers->len; k++)
        {
          guint l = g_array_index (stage->layers, guint, k);
          if (l >= n_layers)
            return ds_fail (error, DS_ERROR_INVALID,
                            "stage %u: layer index %u is out of range "
                            "(the model has %u layers)", s, l, n_layers);
          if (stage_of[l] >= 0)
            return ds_fail (error, DS_ERROR_DUPLICATE,
                            "layer '%s' is in stages %d and %u",
                            ds_model_layer_const (model, l)->name,
                            stage_of[l], s);
          stage_of[l] = (gint) s;
        }
    }
  for (guint l = 0; l < n_layers; l++)
    if (stage_of[l] < 0)
      return ds_fail (error, DS_ERROR_INVALID, "layer '%s' is in no stage",
                      ds_model_layer_const (model, l)->name);
  return TRUE;
}

static gboolean
check_edges (const DsModel *model, const gint *stage_of, GError **error)
{
  for (guint e = 0; e < ds_model_n_edges (model); e++)
    {
      guint src, dst;
      ds_model_edge (model, e, &src, &dst);
      if (stage_of[src] > stage_of[dst])
        return ds_fail (error, DS_ERROR_INVALID,
                        "edge '%s' -> '%s' goes back from stage %d to "
                        "stage %d", ds_model_layer_const (model, src)->name,
                        ds_model_layer_const (model, dst)->name,
                        stage_of[src], stage_of[dst]);
    }
  return TRUE;
}

/* @seen: rank -> index of the stage using it + 1. A hash table, not an
 * array, because without a cluster ranks are bounded only by the file. */
static gboolean
check_stage_ranks (const DsPlanStage *stage, guint s, guint n_devices,
                   gboolean shared, GHashTable *seen, GError **error)
{
  if (stage->ranks->len == 0)
    return TRUE;
  if (stage->ranks->len != stage->n_replicas)
    return ds_fail (error, DS_ERROR_INVALID,
                    "stage %u: %u replicas but %u ranks", s,
                    stage->n_replicas, stage->ranks->len);
  for (guint k = 0; k < stage->ranks->len; k++)
    {
      guint r = g_array_index (stage->ranks, guint, k);
      guint user = GPOINTER_TO_UINT (g_hash_table_lookup (seen, GUINT_TO_POINTER (r)));

      if (r >= n_devices)
        return ds_fail (error, DS_ERROR_INVALID,
                        "stage %u: rank %u is out of range (the cluster "
                        "has %u devices)", s, r, n_devices);
      if (user == s + 1 || (!shared && user != 0))
        return ds_fail (error, DS_ERROR_DUPLICATE,
                        "stage %u: rank %u is already used by stage %u",
                        s, r, user - 1);
      g_hash_table_insert (seen, GUINT_TO_POINTER (r), GUINT_TO_POINTER (s + 1));
    }
  return TRUE;
}

static gboolean
check_ranks (const DsPlan *plan, const DsCluster *cluster, GError **error)
{
  guint n_devices = cluster != NULL ? ds_cluster_n_devices (cluster) : G_MAXUINT;
  gboolean shared = plan->schedule == DS_SCHEDULE_INTERLEAVED;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  if (cluster != NULL && !shared && ds_plan_n_replicas (plan) > n_devices)
    return ds_fail (error, DS_ERROR_INVALID,
                    "the stages need %u devices, the cluster has %u",
                    ds_plan_n_replicas (plan), n_devices);
  for (guint s = 0; s < plan->stages->len; s++)
    if (!check_stage_ranks (ds_plan_stage_const (plan, s), s, n_devices,
                            shared, seen, error))
      return FALSE;
  return TRUE;
}

gboolean
ds_plan_check (const DsPlan *plan, const DsModel *model,
               const DsCluster *cluster, GError **error)
{
  g_autofree gint *stage_of = NULL;
  guint n_layers = ds_model_n_layers (model);

  if (!check_scalars (plan, error))
    return FALSE;
  stage_of = g_new (gint, MAX (n_layers, 1));
  for (guint l = 0; l < n_layers; l++)
    stage_of[l] = -1;
  return map_layers (plan, model, stage_of, error)
         && check_edges (model, stage_of, error)
         && check_ranks (plan, cluster, error);
}
