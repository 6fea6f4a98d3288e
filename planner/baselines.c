/* planner/baselines.c - the three plans `dawnsim plan` compares (see
 * baselines.h for the definitions and why). */
#include "config.h"

#include "planner/baselines.h"

#include "core/error.h"
#include "core/units.h"

#include <math.h>

double
ds_plan_range_sum (double (*x) (const DsAntichainDag *, guint),
                   const DsAntichainDag *dag, guint start, guint end)
{
  return x (dag, end - 1) - (start > 0 ? x (dag, start - 1) : 0.0);
}

double
ds_plan_link_bandwidth (const DsPipedreamOptions *options, guint a, guint b)
{
  guint group = 1;

  for (guint l = 0; l < options->n_levels; l++)
    {
      group *= options->levels[l].n_machines;
      if (a / group == b / group)
        return options->levels[l].bandwidth_bytes_per_s;
    }
  return options->levels[options->n_levels - 1].bandwidth_bytes_per_s;
}

double
ds_plan_comm_bytes (const DsAntichainDag *dag, const GArray *stages)
{
  double bytes = 0;

  for (guint t = 0; t < stages->len; t++)
    {
      const DsPipedreamStage *st = &g_array_index (stages, DsPipedreamStage, t);
      double r = st->total_replicas;

      if (t + 1 < stages->len)
        bytes += 2.0 * ds_antichain_dag_out_bytes (dag, st->end - 1);
      bytes += 2.0 * (r - 1) / r
               * ds_plan_range_sum (ds_antichain_dag_param_bytes, dag, st->start, st->end);
    }
  return bytes;
}

/* The bandwidth an all-reduce among @r consecutive devices runs at. */
static double
group_bandwidth (const DsPipedreamOptions *options, guint r)
{
  guint group = 1;

  for (guint l = 0; l < options->n_levels; l++)
    {
      group *= options->levels[l].n_machines;
      if (r <= group)
        return options->levels[l].bandwidth_bytes_per_s;
    }
  return options->levels[options->n_levels - 1].bandwidth_bytes_per_s;
}

/* PipeDream 4.6: (C(i,j) + 4 (r-1) Par(i,j) / (B r)) / r, then for t > 0
 * max with 2 Out[i-1] / (B r) / rho and, unless last, 2 Out[j] / (B r) / rho. */
void
ds_plan_stage_times (const DsAntichainDag *dag, const DsPipedreamOptions *options,
                     const GArray *stages, double *out)
{
  guint first_rank = 0;

  for (guint t = 0; t < stages->len; t++)
    {
      const DsPipedreamStage *st = &g_array_index (stages, DsPipedreamStage, t);
      double r = st->total_replicas;
      double par = ds_plan_range_sum (ds_antichain_dag_param_bytes, dag, st->start, st->end);
      double compute = ds_plan_range_sum (ds_antichain_dag_compute_s, dag, st->start, st->end);
      double time_s = (compute + 4.0 * (r - 1) * par
                                 / (group_bandwidth (options, st->total_replicas) * r)) / r;
      guint last_rank = first_rank + st->total_replicas - 1;

      if (options->has_compression && t > 0)
        time_s = MAX (time_s, 2.0 * ds_antichain_dag_out_bytes (dag, st->start - 1)
                              / (ds_plan_link_bandwidth (options, first_rank - 1, first_rank) * r)
                              / options->compression_ratio);
      if (options->has_compression && t + 1 < stages->len)
        time_s = MAX (time_s, 2.0 * ds_antichain_dag_out_bytes (dag, st->end - 1)
                              / (ds_plan_link_bandwidth (options, last_rank, last_rank + 1) * r)
                              / options->compression_ratio);
      out[t] = time_s;
      first_rank = last_rank + 1;
    }
}

void
ds_plan_stage_memory (const DsAntichainDag *dag, const GArray *stages,
                      double *out)
{
  guint downstream = 0;

  for (guint t = stages->len; t-- > 0;)
    {
      const DsPipedreamStage *st = &g_array_index (stages, DsPipedreamStage, t);
      double once = ds_plan_range_sum (ds_antichain_dag_act_bytes, dag, st->start, st->end)
                    + ds_plan_range_sum (ds_antichain_dag_param_bytes, dag, st->start, st->end);
      guint in_flight = (downstream + st->total_replicas - 1) / st->total_replicas;

      out[t] = once * (1 + in_flight);
      downstream += st->total_replicas;
    }
}

gboolean
ds_plan_check_memory (const DsAntichainDag *dag, const DsPipedreamOptions *options,
                      const GArray *stages, GError **error)
{
  g_autofree double *need = g_new (double, stages->len);
  char x[2][DS_NUM_BUF];

  if (!options->use_memory_constraint)
    return TRUE;
  ds_plan_stage_memory (dag, stages, need);
  for (guint s = 0; s < stages->len; s++)
    if (need[s] > options->memory_bytes)
      return ds_fail (error, DS_ERROR_INVALID,
                      "the plan does not fit in %s per device: stage %u needs "
                      "%s (its parameters and activations, once per minibatch "
                      "in flight); the DP's check, like the original's, does "
                      "not count a device's current copy, so it cannot rule "
                      "this out: raise -s or add devices",
                      ds_fmt_bytes_human (x[0], options->memory_bytes), s,
                      ds_fmt_bytes_human (x[1], need[s]));
  return TRUE;
}

/* 4.10: T = C[N-1]; per level T = (T + 4 (M_l - 1) P / (B_l M_l) / iota) / M_l. */
static void
data_parallel (const DsAntichainDag *dag, const DsPipedreamOptions *options,
               const DsPipedreamResult *result, DsPlanBaseline *out)
{
  guint n = ds_antichain_dag_n_states (dag);
  double m = result->n_machines;

  out->name = "data parallel";
  out->time_s = result->data_parallel_s;
  out->comm_bytes = 2.0 * (m - 1) / m * ds_antichain_dag_param_bytes (dag, n - 1);
  out->n_stages = 1;
  out->step_minibatches = m;
  out->staleness = 0;
}

/* GPipe-style: stage t of S takes states [t N / S, (t + 1) N / S), one
 * device each, priced like any plan (ds_plan_stage_times, r = 1). */
static void
straight_equal (const DsAntichainDag *dag, const DsPipedreamOptions *options,
                const DsPipedreamResult *result, DsPlanBaseline *out)
{
  guint n = ds_antichain_dag_n_states (dag);
  guint n_stages = MIN (result->n_machines, n);
  g_autoptr(GArray) stages = g_array_new (FALSE, TRUE, sizeof (DsPipedreamStage));
  g_autofree double *times = g_new (double, n_stages);

  for (guint t = 0; t < n_stages; t++)
    {
      DsPipedreamStage st = { 0 };

      st.start = (guint) ((guint64) t * n / n_stages);
      st.end = (guint) ((guint64) (t + 1) * n / n_stages);
      st.replicas = st.total_replicas = 1;
      st.parent = -1;
      st.index = t;
      st.compute_s = ds_plan_range_sum (ds_antichain_dag_compute_s, dag, st.start, st.end);
      g_array_append_val (stages, st);
    }
  ds_plan_stage_times (dag, options, stages, times);
  out->name = "straight pipeline";
  out->time_s = 0;
  for (guint t = 0; t < n_stages; t++)
    out->time_s = MAX (out->time_s, times[t]);
  out->comm_bytes = ds_plan_comm_bytes (dag, stages);
  out->n_stages = n_stages;
  out->step_minibatches = 1;
  out->staleness = (n_stages - 1) / 2.0;
}

/* The stages' replica counts weighted by their parameter bytes (the plain
 * mean when none has parameters): baselines.h */
static double
mean_replicas (const DsAntichainDag *dag, const GArray *stages)
{
  double sum_rp = 0, sum_p = 0, sum_r = 0;

  for (guint t = 0; t < stages->len; t++)
    {
      const DsPipedreamStage *st = &g_array_index (stages, DsPipedreamStage, t);
      double par = ds_plan_range_sum (ds_antichain_dag_param_bytes, dag, st->start, st->end);
      sum_rp += st->total_replicas * par;
      sum_p += par;
      sum_r += st->total_replicas;
    }
  return sum_p > 0 ? sum_rp / sum_p : sum_r / stages->len;
}

void
ds_plan_baseline_tta (const DsPlanBaseline *bl, const DsEffModel *model, double minibatch,
                      const DsTtaSetup *setup, DsTtaPrediction *out)
{
  ds_eff_tta (model, bl->step_minibatches * minibatch, bl->staleness,
              bl->step_minibatches * bl->time_s, setup, out);
}

void
ds_plan_baselines (const DsAntichainDag *dag, const DsPipedreamOptions *options,
                   const DsPipedreamResult *result,
                   DsPlanBaseline out[DS_BASELINE_N])
{
  data_parallel (dag, options, result, &out[DS_BASELINE_DATA_PARALLEL]);
  straight_equal (dag, options, result, &out[DS_BASELINE_STRAIGHT]);
  out[DS_BASELINE_PIPEDREAM].name = "pipedream";
  out[DS_BASELINE_PIPEDREAM].time_s = result->objective_s;
  out[DS_BASELINE_PIPEDREAM].comm_bytes = ds_plan_comm_bytes (dag, result->levels[0]);
  out[DS_BASELINE_PIPEDREAM].n_stages = result->levels[0]->len;
  out[DS_BASELINE_PIPEDREAM].step_minibatches = mean_replicas (dag, result->levels[0]);
  out[DS_BASELINE_PIPEDREAM].staleness = (result->levels[0]->len - 1) / 2.0;
}
