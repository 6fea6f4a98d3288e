/* cli/cmd-simulate.c - `dawnsim simulate`: a plan's iterations, event by
 * event (sim/pipeline.h).
 *
 * Where the plan comes from: --plan FILE (from `dawnsim plan -o`); else
 * --stages P, a balanced straight pipeline with the devices shared out
 * as replicas (planner/split.h); else, under dp, one stage on every
 * device; else PipeDream's DP on the cluster with activations charged
 * (--activation_compression_ratio 1), since the simulator charges them.
 * Prints the time per iteration, throughput, bubble, per-worker busy time
 * and peak memory, bytes per link level, and, when the plan carries the
 * planner's estimate, how far the simulation is from it and why: the run
 * is repeated under the planner's own costs (sim option pipedream_costs),
 * which separates what the planner's steady-state formula leaves out
 * (the pipeline's dynamics) from its cost model, and once more for each
 * of the simulator's costs put back alone, which says what each weighs.
 *
 * --no-fusion is the what-if of unfused non-GEMM work: exec/fusion.h
 * prices each layer's extra bytes and launches with WIR's cost model,
 * this file hands them to the simulator (sim and exec never call each
 * other) with the launch cost of the cluster's device preset, and runs
 * the plan once more fused to report the difference per iteration.
 */
#include "config.h"

#include "cli/cli.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/json-writer.h"
#include "core/units.h"
#include "exec/fusion.h"
#include "hwmodels/presets.h"
#include "planner/antichain.h"
#include "planner/pipedream-dp.h"
#include "planner/split.h"
#include "cli/plan3d.h"
#include "sim/pipeline.h"
#include "sim/tta.h"
#include "traces/chrome.h"
#include "traces/svg.h"
#include "traces/tta.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char *file, *plan_file, *cluster, *device, *schedule, *format;
  char *trace_file, *svg_file;
  int gpus, stages, tensor, chunks, microbatches, iterations;
  gboolean recompute, blocking, free_comm, ps, no_fusion;
  char *compat;
  double optimizer_state;
  /* a fixed tensor x pipeline x data layout (issue #6) */
  int tp, pp, dp, micro_batch, global_batch, interleave;
  char *recompute_mode;
  gboolean sequence_parallel, zero1;
  DsCli3dShapeArgs shape;
  DsCliTtaArgs tta;            /* the time-to-accuracy objective (sim/tta.h) */
} SimArgs;

static void
sim_args_clear (SimArgs *a)
{
  g_free (a->file);
  g_free (a->plan_file);
  g_free (a->cluster);
  g_free (a->device);
  g_free (a->schedule);
  g_free (a->format);
  g_free (a->trace_file);
  g_free (a->svg_file);
  g_free (a->compat);
  g_free (a->recompute_mode);
  ds_cli_tta_args_clear (&a->tta);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SimArgs, sim_args_clear)

/* PipeDream's DP on the cluster's levels, activations charged, and its
 * memory check on when the cluster gives the device's memory. */
static DsPlan *
plan_pipedream (const DsModel *model, const DsCluster *cluster, GError **error)
{
  g_autoptr(DsAntichainDag) dag = NULL;
  g_autoptr(DsPipedreamResult) res = NULL;
  DsPipedreamOptions o;
  DsPlan *plan;

  if (!ds_pipedream_options_from_cluster (&o, cluster, error))
    return NULL;
  o.has_compression = TRUE;
  o.compression_ratio = 1;
  if (ds_cluster_device_const (cluster)->memory_bytes > 0)
    {
      o.use_memory_constraint = TRUE;
      o.memory_bytes = (double) ds_cluster_device_const (cluster)->memory_bytes;
    }
  dag = ds_antichain_dag_new (model, 0, error);
  if (dag == NULL)
    return NULL;
  res = ds_pipedream_solve (dag, &o, error);
  if (res == NULL)
    return NULL;
  plan = ds_pipedream_result_to_plan (res, dag, model, error);
  return plan;
}

/* The plan to simulate, by the rules in the file's comment. */
static DsPlan *
choose_plan (const SimArgs *a, const DsModel *model, const DsCluster *cluster,
             DsSchedule schedule, const char **origin, GError **error)
{
  guint t = MAX (a->tensor, 1), n_dev = ds_cluster_n_devices (cluster);

  if (a->plan_file != NULL)
    {
      *origin = a->plan_file;
      return ds_cli_read_plan (a->plan_file, model, error);
    }
  if (a->stages > 0 || schedule == DS_SCHEDULE_DP)
    {
      guint p = schedule == DS_SCHEDULE_DP ? 1 : (guint) a->stages;
      guint v = schedule == DS_SCHEDULE_INTERLEAVED ? MAX (a->chunks, 1) : 1;
      guint replicas = n_dev / (p * t);
      if (replicas == 0)
        {
          ds_cli_usage (error, "%u stages x %u tensor-parallel devices need more than "
                        "the cluster's %u devices", p, t, n_dev);
          return NULL;
        }
      *origin = schedule == DS_SCHEDULE_DP ? "data parallel on every device"
                : "balanced straight pipeline";
      return ds_plan_split_balanced (model, p * v, replicas, error);
    }
  if (t > 1)
    {
      ds_cli_usage (error, "--tensor needs --stages (PipeDream's DP plans no tensor "
                    "parallelism)");
      return NULL;
    }
  *origin = "PipeDream's DP, activations charged, memory checked";
  return plan_pipedream (model, cluster, error);
}

/* ---- output ---- */

typedef struct {
  const DsModel *model;
  const DsCluster *cluster;
  const DsPlan *plan;
  const char *origin;
  DsSimResult *r;
  gboolean has_objective;
  double objective_s;
  double planner_costs_s;      /* the run under pipedream_costs, or NAN */
  double part_s[4];            /* each of ours alone on the planner's costs */
  double wall_s;
  gboolean has_tta;            /* --efficiency given */
  double staleness;
  DsTtaPrediction tta;
  const DsFusionWhatIf *unfused; /* --no-fusion, else NULL */
  double fused_iteration_s;    /* --no-fusion: the same run fused */
  double launch_s;             /* --no-fusion: per extra kernel */
} Report;

static char *
replica_counts (const DsPlan *plan)
{
  GString *s = g_string_new (NULL);

  for (guint g = 0; g < ds_plan_n_stages (plan); g++)
    g_string_append_printf (s, "%s%u", g > 0 ? "-" : "", ds_plan_stage_const (plan, g)->n_replicas);
  return g_string_free (s, FALSE);
}

static const char *
level_name (const DsCluster *c, guint l)
{
  const char *n = ds_cluster_level (c, l)->name;
  return n != NULL ? n : "level";
}

/* The planner's simplifications, in the order of Report.part_s. */
static const char *const part_names[4] = {
  "DDP's lockstep between a stage's replicas",
  "ring all-reduce on the comm stream (PipeDream prices 4 (r-1)/r, blocking)",
  "link and collective latency",
  "the optimizer step",
};

static void
planner_costs_except (DsSimOptions *o, gint ours)
{
  o->pipedream_costs = FALSE;
  o->no_lockstep = ours != 0;
  o->pipedream_allreduce = ours != 1;
  o->no_latency = ours != 2;
  o->no_optimizer = ours != 3;
}

/* Runs the plan under the planner's costs, and with each of the
 * simulator's own costs put back alone, into rep. */
static void
measure_gap (Report *rep, const DsSimOptions *own)
{
  DsSimOptions o = *own;

  o.record_trace = FALSE;
  o.pipedream_costs = TRUE;
  {
    g_autoptr(DsSimResult) r = ds_sim_run (rep->plan, rep->model, rep->cluster, &o, NULL);
    rep->planner_costs_s = r != NULL ? r->iteration_s : NAN;
  }
  for (guint k = 0; k < G_N_ELEMENTS (part_names); k++)
    {
      planner_costs_except (&o, (gint) k);
      g_autoptr(DsSimResult) r = ds_sim_run (rep->plan, rep->model, rep->cluster, &o, NULL);
      rep->part_s[k] = r != NULL ? r->iteration_s - rep->planner_costs_s : NAN;
    }
}

/* Why the simulation and the planner part, in words, or NULL when they
 * agree within 1%. */
static char *
explain_gap (const Report *p)
{
  GString *s;
  double sim = p->r->iteration_s, same = p->planner_costs_s;
  char a[DS_NUM_BUF];

  if (!p->has_objective || !isfinite (same) || fabs (sim / p->objective_s - 1) <= 0.01)
    return NULL;
  s = g_string_new (NULL);
  g_string_append_printf (s, "  under the planner's costs  %s (%+.1f%%)%s\n",
                          ds_fmt_seconds_human (a, same), 100 * (same / p->objective_s - 1),
                          fabs (same / p->objective_s - 1) > 0.01
                          ? ": the pipeline's dynamics (warm-up too shallow to hide transfers, "
                            "links shared, fill and drain)"
                          : ": the planner's steady state holds");
  for (guint k = 0; k < G_N_ELEMENTS (part_names); k++)
    if (isfinite (p->part_s[k]) && fabs (p->part_s[k]) > 0.005 * same)
      g_string_append_printf (s, "  %+10.1f%%  %s\n", 100 * p->part_s[k] / same, part_names[k]);
  return g_string_free (s, FALSE);
}

/* --no-fusion: the compute time each stage's busiest worker gains per
 * iteration. */
static void
append_unfused_stages (GString *out, const DsSimResult *r)
{
  g_autofree double *added = g_new0 (double, r->n_stages);
  char x[DS_NUM_BUF];

  for (guint w = 0; w < r->n_workers; w++)
    {
      const DsSimWorker *wk = &g_array_index (r->workers, DsSimWorker, w);
      added[wk->first_stage] = MAX (added[wk->first_stage], wk->unfused_s);
    }
  g_string_append (out, "  compute added per iteration, by stage:");
  for (guint g = 0; g < r->n_stages; g++)
    g_string_append_printf (out, "  %u +%s", g, ds_fmt_seconds_human (x, added[g]));
  g_string_append_c (out, '\n');
}

static char *
render_human (const Report *p)
{
  static const char *const headers[] = {
    "worker", "device", "stage", "replica", "devices", "busy", "comm", "peak memory", "of device"
  };
  const DsSimResult *r = p->r;
  GString *out = g_string_new (NULL);
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (headers), headers, "llrrrrrrr");
  g_autofree char *counts = replica_counts (p->plan);
  g_autofree char *gap = explain_gap (p);
  char x[4][DS_NUM_BUF];

  g_string_append_printf (out, "simulate %s on %s (%u devices), schedule %s\n",
                          ds_model_get_name (p->model), ds_cluster_get_name (p->cluster),
                          ds_cluster_n_devices (p->cluster), ds_schedule_name (r->schedule));
  g_string_append_printf (out, "plan: %u stages, replicas %s (%s); %u micro-batch%s per "
                          "iteration, %u iteration%s simulated\n\n", r->n_stages, counts,
                          p->origin, r->n_microbatches, r->n_microbatches == 1 ? "" : "es",
                          r->n_iterations, r->n_iterations == 1 ? "" : "s");
  g_string_append_printf (out, "time per iteration  %s%s (makespan %s)\n",
                          ds_fmt_seconds_human (x[0], r->iteration_s),
                          r->n_iterations > 1 ? ", steady state" : "",
                          ds_fmt_seconds_human (x[1], r->makespan_s));
  if (p->unfused != NULL)
    {
      double d = r->iteration_s - p->fused_iteration_s;
      g_string_append_printf (out, "non-GEMM work       unfused (--no-fusion): %s %s than fused "
                              "(%s); optimizer updates%s, launch %s\n",
                              ds_fmt_seconds_human (x[0], fabs (d)),
                              d >= 0 ? "more" : "less",
                              ds_fmt_seconds_human (x[1], p->fused_iteration_s),
                              p->unfused->n_epilogues > 0
                              ? " and epilogues (bias+ReLU, bias+GELU+dropout)" : "",
                              ds_fmt_seconds_human (x[2], p->launch_s));
      if (d < 0)
        g_string_append (out, "                    shorter although every stage computes longer:"
                              " the later transfers\n                    share the links less"
                              " (--free-communication shows the compute alone)\n");
    }
  if (p->unfused != NULL)
    append_unfused_stages (out, r);
  if (r->samples_per_s > 0)
    g_string_append_printf (out, "throughput          %s samples/s\n",
                            ds_fmt_count_human (x[0], r->samples_per_s));
  g_string_append_printf (out, "bubble              %.1f%% of device time (%.3f of busy time)\n",
                          100 * r->bubble_fraction, r->bubble_overhead);
  if (p->has_objective)
    g_string_append_printf (out, "planner's estimate  %s, simulated %+.1f%%\n",
                            ds_fmt_seconds_human (x[0], p->objective_s),
                            100 * (r->iteration_s / p->objective_s - 1));
  if (gap != NULL)
    g_string_append (out, gap);
  if (p->has_tta)
    {
      char hms[2][32];
      g_string_append_printf (out, "time to accuracy    %s (%.4g s) +- %s: %.4g epochs predicted",
                              ds_tta_format_hms (hms[0], sizeof hms[0], p->tta.tta_s),
                              p->tta.tta_s,
                              ds_tta_format_hms (hms[1], sizeof hms[1], p->tta.band_s),
                              p->tta.epochs);
      if (p->tta.n_evals > 0)
        g_string_append_printf (out, ", %.4g at evaluation %.0f", p->tta.epochs_at_eval,
                                p->tta.n_evals);
      g_string_append_printf (out, ", staleness %g, %.0f minibatches of %s per epoch\n",
                              p->staleness, p->tta.steps_per_epoch,
                              ds_fmt_seconds_human (x[0], r->iteration_s));
    }
  g_string_append_printf (out, "events              %" G_GUINT64_FORMAT " in %s (%s events/s)\n\n",
                          r->n_events, ds_fmt_seconds_human (x[0], p->wall_s),
                          ds_fmt_count_human (x[1], p->wall_s > 0 ? r->n_events / p->wall_s : 0));
  for (guint w = 0; w < r->n_workers; w++)
    {
      const DsSimWorker *wk = &g_array_index (r->workers, DsSimWorker, w);
      char idx[16], dev[24], st[16], rep[16], nd[16], share[16], busy[16], comm[16];
      g_snprintf (idx, sizeof idx, "%u", w);
      g_snprintf (dev, sizeof dev, "gpu%u", wk->rank);
      g_snprintf (st, sizeof st, "%u", wk->first_stage);
      g_snprintf (rep, sizeof rep, "%u", wk->replica);
      g_snprintf (nd, sizeof nd, "%u", wk->n_devices);
      if (r->capacity_bytes > 0)
        g_snprintf (share, sizeof share, "%.0f%%%s", 100 * wk->peak_bytes / r->capacity_bytes,
                    wk->peak_bytes > r->capacity_bytes ? " OOM" : "");
      else
        g_strlcpy (share, "-", sizeof share);
      g_snprintf (busy, sizeof busy, "%.1f%%",
                  r->makespan_s > 0 ? 100 * wk->busy_s / r->makespan_s : 0);
      g_snprintf (comm, sizeof comm, "%.1f%%",
                  r->makespan_s > 0 ? 100 * wk->comm_busy_s / r->makespan_s : 0);
      ds_table_add_row (t, (const char *const[]) {
        idx, dev, st, rep, nd, busy, comm, ds_fmt_bytes_human (x[0], wk->peak_bytes), share });
    }
  {
    g_autofree char *table = ds_table_to_human (t);
    g_string_append (out, table);
  }
  g_string_append (out, "\nbytes moved per iteration, all devices:");
  for (guint l = 0; l < r->n_levels; l++)
    g_string_append_printf (out, "  %s %s", level_name (p->cluster, l),
                            ds_fmt_bytes_human (x[0], r->bytes_per_level[l] / r->n_iterations));
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

static char *
render_json (const Report *p)
{
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();
  const DsSimResult *r = p->r;

  ds_json_begin_object (w);
  ds_json_member_string (w, "model", ds_model_get_name (p->model));
  ds_json_member_string (w, "cluster", ds_cluster_get_name (p->cluster));
  ds_json_member_string (w, "schedule", ds_schedule_name (r->schedule));
  ds_json_member_string (w, "plan_origin", p->origin);
  ds_json_member_uint64 (w, "n_stages", r->n_stages);
  ds_json_member_uint64 (w, "n_workers", r->n_workers);
  ds_json_member_uint64 (w, "n_microbatches", r->n_microbatches);
  ds_json_member_uint64 (w, "n_iterations", r->n_iterations);
  ds_json_member_double (w, "iteration_s", r->iteration_s);
  ds_json_member_double (w, "makespan_s", r->makespan_s);
  ds_json_member_double (w, "samples_per_s", r->samples_per_s);
  ds_json_member_double (w, "bubble_fraction", r->bubble_fraction);
  ds_json_member_double (w, "bubble_overhead", r->bubble_overhead);
  ds_json_member_string (w, "fusion", p->unfused != NULL ? "unfused" : "fused");
  if (p->unfused != NULL)
    {
      ds_json_member_double (w, "fused_iteration_s", p->fused_iteration_s);
      ds_json_member_double (w, "unfused_added_s", r->iteration_s - p->fused_iteration_s);
      ds_json_member_double (w, "unfused_launch_s", p->launch_s);
      ds_json_member_uint64 (w, "unfused_epilogues", p->unfused->n_epilogues);
    }
  if (p->has_objective)
    ds_json_member_double (w, "planner_objective_s", p->objective_s);
  if (isfinite (p->planner_costs_s))
    {
      static const char *const keys[4] = { "lockstep_s", "ring_allreduce_s", "latency_s",
                                           "optimizer_s" };
      ds_json_member_double (w, "under_planner_costs_s", p->planner_costs_s);
      ds_json_member (w, "each_cost_alone");
      ds_json_begin_object_inline (w);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        if (isfinite (p->part_s[k]))
          ds_json_member_double (w, keys[k], p->part_s[k]);
      ds_json_end_object (w);
    }
  if (p->has_tta)
    {
      ds_json_member (w, "tta");
      ds_json_begin_object_inline (w);
      ds_json_member_double (w, "staleness", p->staleness);
      ds_json_member_double (w, "epochs", p->tta.epochs);
      ds_json_member_double (w, "epochs_at_eval", p->tta.epochs_at_eval);
      ds_json_member_double (w, "n_evals", p->tta.n_evals);
      ds_json_member_double (w, "steps_per_epoch", p->tta.steps_per_epoch);
      ds_json_member_double (w, "epoch_s", p->tta.epoch_s);
      ds_json_member_double (w, "tta_s", p->tta.tta_s);
      ds_json_member_double (w, "band_s", p->tta.band_s);
      ds_json_end_object (w);
    }
  ds_json_member_uint64 (w, "n_events", r->n_events);
  ds_json_member_double (w, "capacity_bytes", r->capacity_bytes);
  ds_json_member_bool (w, "out_of_memory", r->oom_worker >= 0);
  ds_json_member (w, "workers");
  ds_json_begin_array (w);
  for (guint i = 0; i < r->n_workers; i++)
    {
      const DsSimWorker *wk = &g_array_index (r->workers, DsSimWorker, i);
      ds_json_begin_object_inline (w);
      ds_json_member_uint64 (w, "rank", wk->rank);
      ds_json_member_uint64 (w, "stage", wk->first_stage);
      ds_json_member_uint64 (w, "replica", wk->replica);
      ds_json_member_uint64 (w, "devices", wk->n_devices);
      ds_json_member_double (w, "busy_s", wk->busy_s);
      ds_json_member_double (w, "comm_busy_s", wk->comm_busy_s);
      ds_json_member_double (w, "static_bytes", wk->static_bytes);
      ds_json_member_double (w, "peak_bytes", wk->peak_bytes);
      if (p->unfused != NULL)
        ds_json_member_double (w, "unfused_s", wk->unfused_s);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_member (w, "bytes_per_iteration");
  ds_json_begin_array (w);
  for (guint l = 0; l < r->n_levels; l++)
    {
      ds_json_begin_object_inline (w);
      ds_json_member_string (w, "level", level_name (p->cluster, l));
      ds_json_member_double (w, "bytes", r->bytes_per_level[l] / r->n_iterations);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (g_steal_pointer (&w), NULL);
}

static char *
render_csv (const Report *p)
{
  static const char *const headers[] = {
    "worker", "rank", "stage", "replica", "devices", "busy_s", "comm_busy_s",
    "static_bytes", "peak_bytes", "iteration_s"
  };
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (headers), headers, "rrrrrrrrrr");

  for (guint i = 0; i < p->r->n_workers; i++)
    {
      const DsSimWorker *wk = &g_array_index (p->r->workers, DsSimWorker, i);
      char x[5][DS_NUM_BUF], n[5][16];
      g_snprintf (n[0], 16, "%u", i);
      g_snprintf (n[1], 16, "%u", wk->rank);
      g_snprintf (n[2], 16, "%u", wk->first_stage);
      g_snprintf (n[3], 16, "%u", wk->replica);
      g_snprintf (n[4], 16, "%u", wk->n_devices);
      ds_table_add_row (t, (const char *const[]) {
        n[0], n[1], n[2], n[3], n[4], ds_fmt_double (x[0], wk->busy_s),
        ds_fmt_double (x[1], wk->comm_busy_s), ds_fmt_double (x[2], wk->static_bytes),
        ds_fmt_double (x[3], wk->peak_bytes), ds_fmt_double (x[4], p->r->iteration_s) });
    }
  return ds_table_to_csv (t);
}

static gboolean
write_timeline (const SimArgs *a, const Report *p, GError **error)
{
  if (a->trace_file != NULL)
    {
      gsize len = 0;
      g_autofree char *text = ds_trace_write_chrome (p->r->trace, &len);
      if (!ds_write_file (a->trace_file, text, len, error))
        return FALSE;
    }
  if (a->svg_file != NULL)
    {
      g_autofree char *title = g_strdup_printf ("%s on %s, %s", ds_model_get_name (p->model),
                                                ds_cluster_get_name (p->cluster),
                                                ds_schedule_name (p->r->schedule));
      DsSvgOptions so = { 0, title };
      gsize len = 0;
      g_autofree char *text = ds_trace_write_svg (p->r->trace, &so, &len);
      if (!ds_write_file (a->svg_file, text, len, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- the command ---- */

static gboolean
fill_options (const SimArgs *a, const DsPlan *plan, DsSimOptions *o, GError **error)
{
  ds_sim_options_init (o);
  o->schedule = ds_plan_get_schedule (plan);
  if (a->schedule != NULL && !ds_schedule_from_name (a->schedule, &o->schedule))
    return ds_cli_usage (error, "unknown schedule '%s': dp, gpipe, 1f1b, 1f1b-flush, "
                         "2bw or interleaved", a->schedule);
  if (a->microbatches < 0 || a->iterations < 0 || a->tensor < 0 || a->chunks < 0
      || a->stages < 0 || a->gpus < 0)
    return ds_cli_usage (error, "counts (--gpus, --stages, --tensor, --chunks, -m, "
                         "--iterations) must be >= 1");
  if (a->chunks > 1 && o->schedule != DS_SCHEDULE_INTERLEAVED)
    return ds_cli_usage (error, "--chunks is for --schedule interleaved");
  if (a->compat != NULL && strcmp (a->compat, "pipedream") != 0)
    return ds_cli_usage (error, "--compat takes 'pipedream', got '%s'", a->compat);
  if (!(a->optimizer_state >= 0) || !isfinite (a->optimizer_state))
    return ds_cli_usage (error, "--optimizer-state must be a number >= 0");
  o->n_microbatches = a->microbatches;
  o->n_iterations = a->iterations;
  o->chunks = MAX (a->chunks, 1);
  o->tensor_parallel = MAX (a->tensor, 1);
  o->recompute = a->recompute;
  o->blocking_allreduce = a->blocking;
  o->free_communication = a->free_comm;
  o->parameter_server = a->ps;
  o->pipedream_costs = a->compat != NULL;
  o->optimizer_state_factor = a->optimizer_state;
  o->record_trace = a->trace_file != NULL || a->svg_file != NULL;
  return TRUE;
}

/* --no-fusion: the unfused step's extra bytes and launches per layer
 * (exec/fusion.h) into @o, for the optimizer --optimizer-state names.
 * The launch cost is the cluster's device preset's, 0 when it has none.
 * The result owns the arrays @o points to. */
static DsFusionWhatIf *
unfused_options (const SimArgs *a, const DsModel *model, const DsCluster *cluster,
                 DsSimOptions *o, double *launch_s, GError **error)
{
  DsOptimizerKind opt = a->optimizer_state == 2 ? DS_OPTIMIZER_ADAM : DS_OPTIMIZER_SGD_MOMENTUM;
  DsFusionWhatIf *w;

  if (a->optimizer_state != 1 && a->optimizer_state != 2)
    {
      ds_cli_usage (error, "--no-fusion prices SGD with momentum (--optimizer-state 1) or "
                    "Adam (2), not --optimizer-state %g", a->optimizer_state);
      return NULL;
    }
  if (!(ds_cluster_device_const (cluster)->mem_bw_bytes_per_s > 0))
    {
      ds_fail (error, DS_ERROR_INVALID, "--no-fusion prices bytes at the device's memory "
               "bandwidth, which cluster '%s' does not give", ds_cluster_get_name (cluster));
      return NULL;
    }
  w = ds_fusion_what_if (model, opt, error);
  if (w == NULL)
    return NULL;
  {
    g_autoptr(DsHwDevice) dev = ds_hw_device_open (ds_cluster_device_const (cluster)->name, NULL);
    *launch_s = dev != NULL ? dev->launch_s : 0;
  }
  o->unfused_fwd_bytes = w->fwd_bytes;
  o->unfused_fwd_launches = w->fwd_launches;
  o->unfused_opt_bytes = w->opt_bytes;
  o->unfused_opt_launches = w->opt_launches;
  o->launch_s = *launch_s;
  return w;
}

/* The iteration time of the same run with the step fused. */
static double
fused_iteration_s (const Report *rep, const DsSimOptions *own)
{
  DsSimOptions o = *own;

  o.record_trace = FALSE;
  o.unfused_fwd_bytes = o.unfused_fwd_launches = NULL;
  o.unfused_opt_bytes = o.unfused_opt_launches = NULL;
  g_autoptr(DsSimResult) r = ds_sim_run (rep->plan, rep->model, rep->cluster, &o, NULL);
  return r != NULL ? r->iteration_s : NAN;
}

/* ---- a fixed tensor x pipeline x data layout (issue #6) ---- */

static gboolean
wants_3d (const SimArgs *a)
{
  return a->tp != 0 || a->pp != 0 || a->dp != 0 || a->micro_batch != 0
         || a->global_batch != 0 || a->interleave != 0 || a->recompute_mode != NULL
         || a->sequence_parallel || a->zero1 || ds_cli_3d_has_shape (&a->shape);
}

/* "--recompute full" is the 3D layout's; a bare --recompute keeps its
 * old meaning. GOption cannot take an optional value after a space, so
 * the pair becomes --recompute-mode=NAME before parsing. Returns strings
 * owned by the array. */
static GPtrArray *
expand_recompute (int argc, char **argv)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  DsRecompute r;

  for (int i = 0; i < argc; i++)
    if (strcmp (argv[i], "--recompute") == 0 && i + 1 < argc
        && ds_recompute_parse (argv[i + 1], &r))
      g_ptr_array_add (out, g_strdup_printf ("--recompute-mode=%s", argv[++i]));
    else
      g_ptr_array_add (out, g_strdup (argv[i]));
  return out;
}

static gboolean
strategy_3d (const SimArgs *a, const DsTfmShape *s, guint n_dev, DsStrategy3d *st,
             GError **error)
{
  if (a->tp < 0 || a->pp < 0 || a->dp < 0 || a->micro_batch < 0 || a->global_batch < 0
      || a->interleave < 0)
    return ds_cli_usage (error, "--tp, --pp, --dp, --micro-batch, --global-batch and "
                         "--interleave must be >= 1");
  *st = (DsStrategy3d) { MAX (a->tp, 1), MAX (a->pp, 1), (guint) a->dp,
                         MAX (a->micro_batch, 1), (guint) a->global_batch,
                         MAX (a->interleave, 1), DS_RECOMPUTE_NONE, a->sequence_parallel,
                         a->zero1 };
  if (a->recompute_mode != NULL && !ds_recompute_parse (a->recompute_mode, &st->recompute))
    return ds_cli_usage (error, "--recompute takes full, selective or none, got '%s'",
                         a->recompute_mode);
  if (a->recompute && a->recompute_mode == NULL)
    st->recompute = DS_RECOMPUTE_FULL;
  if (st->dp == 0)
    st->dp = MAX (n_dev / (st->tp * st->pp), 1);
  if (st->global_batch == 0)
    return ds_cli_usage (error, "a tensor x pipeline x data layout needs --global-batch N");
  g_autoptr(GError) local = NULL;
  if (!ds_strategy3d_check (st, s, n_dev, &local))
    return ds_cli_usage (error, "%s", local->message);
  return TRUE;
}

static char *
render_3d_json (const DsTfmShape *s, const DsPlan3d *p, const DsCluster *cluster,
                double capacity)
{
  DsJsonWriter *w = ds_json_writer_new ();
  const DsStrategy3d *st = &p->st;
  double peak = 0;

  ds_json_begin_object (w);
  ds_json_member_string (w, "cluster", ds_cluster_get_name (cluster));
  g_autofree char *what = ds_strategy3d_describe (st);
  ds_json_member_string (w, "strategy", what);
  ds_json_member_double (w, "iteration_s", p->sim_iteration_s);
  ds_json_member_double (w, "predicted_iteration_s", p->cost.iteration_s);
  ds_json_member_double (w, "tflops_per_device",
                         ds_tfm_iteration_flops (s, st->global_batch,
                                                 st->recompute == DS_RECOMPUTE_FULL)
                         / (p->sim_iteration_s * ds_cluster_n_devices (cluster)) / 1e12);
  ds_json_member_double (w, "capacity_bytes", capacity);
  ds_json_member (w, "devices");
  ds_json_begin_array (w);
  for (guint i = 0; i < st->pp; i++)
    {
      DsMem3d m;
      ds_mem3d_stage (s, st, i, &m);
      peak = MAX (peak, m.total_bytes);
      for (guint k = 0; k < st->tp * st->dp; k++)   /* Megatron's order: tp, dp, pp */
        {
          ds_json_begin_object_inline (w);
          ds_json_member_uint64 (w, "rank", (guint64) i * st->tp * st->dp + k);
          ds_json_member_uint64 (w, "stage", i);
          ds_json_member_double (w, "peak_memory_bytes", m.total_bytes);
          ds_json_end_object (w);
        }
    }
  ds_json_end_array (w);
  ds_json_member_double (w, "peak_memory_bytes", peak);
  ds_json_member (w, "fits");
  ds_json_bool (w, peak <= capacity);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, NULL);
}

static char *
render_3d_human (const char *name, const DsTfmShape *s, const DsPlan3d *p,
                 const DsCluster *cluster, double capacity)
{
  static const char *const head[] = { "stage", "devices", "weights", "gradients",
                                      "optimizer", "activations", "total", "of device" };
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (head), head, "rrrrrrrr");
  g_autofree char *what = ds_strategy3d_describe (&p->st);
  GString *out = g_string_new (NULL);
  char b[8][DS_NUM_BUF];

  g_string_append_printf (out, "simulate %s on %s (%u devices): %s, %u micro-batches\n\n",
                          name, ds_cluster_get_name (cluster), ds_cluster_n_devices (cluster),
                          what, p->cost.n_microbatches);
  g_string_append_printf (out, "time per iteration  %s simulated, %s predicted\n",
                          ds_fmt_seconds_human (b[0], p->sim_iteration_s),
                          ds_fmt_seconds_human (b[1], p->cost.iteration_s));
  g_string_append_printf (out, "throughput          %.1f TFLOP/s per device\n\n",
                          ds_tfm_iteration_flops (s, p->st.global_batch,
                                                  p->st.recompute == DS_RECOMPUTE_FULL)
                          / (p->sim_iteration_s * ds_cluster_n_devices (cluster)) / 1e12);
  for (guint i = 0; i < p->st.pp; i++)
    {
      DsMem3d m;
      ds_mem3d_stage (s, &p->st, i, &m);
      g_snprintf (b[0], DS_NUM_BUF, "%u", i);
      g_snprintf (b[1], DS_NUM_BUF, "%u", p->st.tp * p->st.dp);
      g_snprintf (b[7], DS_NUM_BUF, "%.0f%%", 100 * m.total_bytes / capacity);
      const char *row[] = { b[0], b[1], ds_fmt_bytes_human (b[2], m.weights_bytes),
                            ds_fmt_bytes_human (b[3], m.grads_bytes),
                            ds_fmt_bytes_human (b[4], m.optimizer_bytes),
                            ds_fmt_bytes_human (b[5], m.activations_bytes),
                            ds_fmt_bytes_human (b[6], m.total_bytes), b[7] };
      ds_table_add_row (t, row);
    }
  g_autofree char *table = ds_table_to_human (t);
  g_string_append (out, table);
  return g_string_free (out, FALSE);
}

static gboolean
simulate_3d (const SimArgs *a, const char *spec, const DsCliModelArgs *margs,
             DsCluster *cluster, DsOutputFormat format, GError **error)
{
  DsTfmShape s;
  DsPlan3d p = { 0 };
  char b[2][DS_NUM_BUF];

  if (!ds_cli_3d_shape (&a->shape, spec, margs, &s, error)
      || !strategy_3d (a, &s, ds_cluster_n_devices (cluster), &p.st, error))
    return FALSE;
  g_autoptr(DsHwDevice) device = ds_hw_device_open (ds_cluster_device_const (cluster)->name,
                                                    error);
  if (device == NULL || !ds_cost3d_estimate (&s, &p.st, cluster, device, &p.cost, error))
    return FALSE;
  ds_mem3d_estimate (&s, &p.st, &p.mem);
  g_autoptr(DsSimResult) sim = ds_cli_3d_simulate (&s, cluster, &p, error);
  if (sim == NULL)
    return FALSE;
  double capacity = ds_cluster_device_const (cluster)->memory_bytes;
  g_autofree char *text = format == DS_OUTPUT_JSON
                          ? render_3d_json (&s, &p, cluster, capacity)
                          : render_3d_human (spec ? spec : "transformer", &s, &p, cluster,
                                             capacity);
  fputs (text, stdout);
  if (capacity > 0 && p.mem.total_bytes > capacity)
    return ds_fail (error, DS_ERROR_INVALID, "out of memory: stage %u needs %s per device, "
                    "%s more than the device's %s", p.mem.stage,
                    ds_fmt_bytes_human (b[0], p.mem.total_bytes),
                    ds_fmt_bytes_human (b[1], p.mem.total_bytes - capacity),
                    ds_fmt_bytes_human (b[1], capacity));
  return TRUE;
}

static const char description[] =
  "Plays training iterations of a plan event by event: every forward and\n"
  "backward of every micro-batch on every device, every transfer on every\n"
  "link, every all-reduce and optimizer step. MODEL is a zoo name or a model\n"
  "file (-f FILE is the same); layers without times are priced on --device,\n"
  "else on the cluster's device.\n\n"
  "The plan: --plan FILE (from 'dawnsim plan -o'); else --stages P, a balanced\n"
  "straight pipeline whose stages share the devices as replicas; else, under\n"
  "--schedule dp, one stage on every device; else PipeDream's DP on the\n"
  "cluster with activations charged.\n\n"
  "Schedules: dp, gpipe, 1f1b (PipeDream: round-robin replicas, weight\n"
  "stashing, no flush; the default), 1f1b-flush, 2bw, interleaved (--chunks V\n"
  "stages per device). When the plan carries the planner's estimate, the\n"
  "output compares and says where the two differ and why.\n\n"
  "--no-fusion: what if the step's non-GEMM work ran unfused, each fragment\n"
  "its own kernel with its intermediates written and read back (the optimizer\n"
  "update, SGD momentum or Adam by --optimizer-state, and the bias+ReLU and\n"
  "bias+GELU+dropout epilogues), priced by WIR's cost model at the device's\n"
  "memory bandwidth\n"
  "plus a launch per kernel. The profile's times are taken as the fused\n"
  "executor's, so the flag only adds time (docs/simulator.md).\n\n"
  "Examples:\n"
  "  dawnsim simulate vgg16 --cluster A --gpus 16 --schedule 1f1b --svg out.svg --trace out.json\n"
  "  dawnsim simulate gpt3-175b --cluster h100:8x128,nvlink4,ib-ndr --dtype bf16 \\\n"
  "      --tensor 8 --stages 16 --schedule interleaved --chunks 2 -m 64 --recompute\n"
  "  dawnsim simulate resnet50 --cluster A --schedule dp -m 4 --format json\n"
  "  dawnsim simulate mlp -b 256 --cluster A --gpus 4 --stages 2 -s 1f1b \\\n"
  "      --efficiency model.json --dataset-size 60000 --eval-every 0.1   # time to accuracy\n"
  "  dawnsim simulate gpt3-1.3b --cluster dgx-h100 --stages 4 -m 8 --optimizer-state 2 --no-fusion\n"
  "  dawnsim simulate gpt3-175b --cluster dgx-a100:64 --tp 8 --pp 8 --dp 1 --micro-batch 1 \\\n"
  "      --global-batch 64 --interleave 3 --recompute full --sequence-parallel --format json\n"
  "  dawnsim plan vgg16 --cluster A -o plan.json && dawnsim simulate vgg16 --cluster A --plan plan.json";

gboolean
ds_cmd_simulate (int argc, char **argv, GError **error)
{
  g_auto(SimArgs) a = { .optimizer_state = 1 };
  g_auto(DsCliModelArgs) margs = { 0 };
  const GOptionEntry entries[] = {
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &a.file, "Model file", "FILE" },
    { "cluster", 0, 0, G_OPTION_ARG_STRING, &a.cluster,
      "Cluster preset (A, B, C, dgx-h100, ...), spec (h100:8x4,nvlink4,ib-ndr) or file "
      "(required)", "CLUSTER" },
    { "gpus", 0, 0, G_OPTION_ARG_INT, &a.gpus, "Resize the cluster to N devices", "N" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &a.device,
      "Device that prices layers without times (default: the cluster's)", "NAME" },
    { "plan", 0, 0, G_OPTION_ARG_FILENAME, &a.plan_file, "Simulate this plan (dawnsim JSON)", "FILE" },
    { "schedule", 's', 0, G_OPTION_ARG_STRING, &a.schedule,
      "dp, gpipe, 1f1b, 1f1b-flush, 2bw or interleaved (default: the plan's)", "NAME" },
    { "stages", 0, 0, G_OPTION_ARG_INT, &a.stages,
      "A balanced straight pipeline of P stages (devices per position with --chunks)", "P" },
    { "tensor", 't', 0, G_OPTION_ARG_INT, &a.tensor, "Tensor-parallel degree (with --stages)", "T" },
    { "chunks", 0, 0, G_OPTION_ARG_INT, &a.chunks, "Interleaved: stages per device", "V" },
    { "microbatches", 'm', 0, G_OPTION_ARG_INT, &a.microbatches,
      "Micro-batches per iteration (default: the plan's)", "M" },
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &a.iterations,
      "Iterations (minibatches) to simulate (default: 1; enough for a steady state "
      "under 1f1b and 2bw)", "N" },
    { "recompute", 0, 0, G_OPTION_ARG_NONE, &a.recompute, "Recompute activations in the backward", NULL },
    { "blocking-allreduce", 0, 0, G_OPTION_ARG_NONE, &a.blocking,
      "All-reduces hold the compute stream (no overlap)", NULL },
    { "parameter-server", 0, 0, G_OPTION_ARG_NONE, &a.ps,
      "dp: exchange weights with sharded parameter servers (PipeDream's baseline)", NULL },
    { "free-communication", 0, 0, G_OPTION_ARG_NONE, &a.free_comm,
      "Transfers and all-reduces take no time", NULL },
    { "compat", 0, 0, G_OPTION_ARG_STRING, &a.compat,
      "'pipedream': price as PipeDream's planner (4(r-1)/r all-reduce, no latency)", "pipedream" },
    { "optimizer-state", 0, 0, G_OPTION_ARG_DOUBLE, &a.optimizer_state,
      "Optimizer bytes per parameter byte (1: SGD momentum, 2: Adam)", "X" },
    { "no-fusion", 0, 0, G_OPTION_ARG_NONE, &a.no_fusion,
      "What if the non-GEMM work ran unfused (optimizer update, bias+activation epilogues): "
      "each fragment its own kernel", NULL },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &a.trace_file,
      "Write the timeline as Chrome trace JSON (opens in Perfetto)", "FILE" },
    { "svg", 0, 0, G_OPTION_ARG_FILENAME, &a.svg_file, "Write the timeline as an SVG Gantt chart", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &a.format,
      "Output: human (default), json or csv", "FMT" },
    { "tp", 0, 0, G_OPTION_ARG_INT, &a.tp, "Layout: tensor-parallel degree", "T" },
    { "pp", 0, 0, G_OPTION_ARG_INT, &a.pp, "Layout: pipeline stages", "P" },
    { "dp", 0, 0, G_OPTION_ARG_INT, &a.dp, "Layout: data-parallel degree (default: the rest)", "D" },
    { "micro-batch", 0, 0, G_OPTION_ARG_INT, &a.micro_batch, "Layout: samples per micro-batch", "B" },
    { "global-batch", 0, 0, G_OPTION_ARG_INT, &a.global_batch, "Layout: samples per iteration", "N" },
    { "interleave", 0, 0, G_OPTION_ARG_INT, &a.interleave, "Layout: chunks per device", "V" },
    { "recompute-mode", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &a.recompute_mode,
      NULL, NULL },
    { "sequence-parallel", 0, 0, G_OPTION_ARG_NONE, &a.sequence_parallel,
      "Layout: sequence parallelism", NULL },
    { "zero1", 0, 0, G_OPTION_ARG_NONE, &a.zero1, "Layout: shard the optimizer state over dp", NULL },
    DS_CLI_3D_SHAPE_OPTIONS (&a.shape),
    DS_CLI_TTA_OPTIONS (&a.tta, "Predict the time to accuracy with this epochs model "
                        "('dawnsim tta --fit ... -o')"),
    DS_CLI_TTA_RUN_OPTIONS (&a.tta),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "simulate", "[MODEL]", "Simulate training iterations of a plan, event by event.",
      description, entries);
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsSimResult) result = NULL;
  g_autoptr(DsFusionWhatIf) unfused = NULL;
  g_autofree char *text = NULL;
  DsSchedule wanted = DS_SCHEDULE_1F1B;
  DsSimOptions o;
  DsOutputFormat format;
  DsEffModel eff;
  Report rep = { 0 };
  const char *origin = NULL;
  gint64 t0;

  g_autoptr(GPtrArray) expanded = expand_recompute (argc, argv);
  g_autofree char **parse_argv = g_new0 (char *, expanded->len + 1);

  memcpy (parse_argv, expanded->pdata, expanded->len * sizeof (char *));
  argc = expanded->len;
  argv = parse_argv;
  ds_cli_add_model_options (context, &margs);
  if (!ds_cli_parse (context, "simulate", &argc, &argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if (wants_3d (&a))
    {
      if (a.no_fusion)
        return ds_cli_usage (error, "--no-fusion is for a plan's simulation, not a "
                             "tensor x pipeline x data layout (--tp, --pp, --dp, ...)");
      if (a.cluster == NULL)
        return ds_cli_usage (error, "a layout needs --cluster (e.g. dgx-a100:64)");
      if (argc > 2 || (a.file != NULL && argc == 2))
        return ds_cli_usage (error, "simulate takes one MODEL, or -f FILE");
      cluster = ds_hw_cluster_open (a.cluster, a.gpus, error);
      return cluster != NULL
             && simulate_3d (&a, a.file != NULL ? a.file : argc == 2 ? argv[1] : NULL,
                             &margs, cluster, format, error);
    }
  if ((a.file != NULL) == (argc == 2) || argc > 2)
    return ds_cli_usage (error, "simulate takes one MODEL, or -f FILE (see 'dawnsim help simulate')");
  if (a.cluster == NULL)
    return ds_cli_usage (error, "simulate needs the devices: --cluster NAME [--gpus N] "
                         "('dawnsim hw list' shows the presets)");
  if (!ds_cli_tta_args_check (&a.tta, TRUE, error))
    return FALSE;
  if (a.schedule != NULL && !ds_schedule_from_name (a.schedule, &wanted))
    return ds_cli_usage (error, "unknown schedule '%s': dp, gpipe, 1f1b, 1f1b-flush, "
                         "2bw or interleaved", a.schedule);
  cluster = ds_hw_cluster_open (a.cluster, a.gpus, error);
  if (cluster == NULL)
    return FALSE;
  model = ds_cli_open_model (a.file != NULL ? a.file : argv[1], &margs, error);
  if (model == NULL || !ds_cli_price_model (model, a.device, cluster, error))
    return FALSE;
  plan = choose_plan (&a, model, cluster, wanted, &origin, error);
  if (plan == NULL)
    return FALSE;
  if (a.schedule == NULL && a.plan_file == NULL)
    ds_plan_set_schedule (plan, wanted);
  if (!ds_plan_check (plan, model, NULL, error) || !fill_options (&a, plan, &o, error))
    return FALSE;
  if (a.no_fusion
      && (unfused = unfused_options (&a, model, cluster, &o, &rep.launch_s, error)) == NULL)
    return FALSE;
  /* a bad model file fails before the simulation, not after it */
  if (a.tta.efficiency != NULL && !ds_eff_model_load (a.tta.efficiency, &eff, error))
    return FALSE;
  t0 = g_get_monotonic_time ();
  result = ds_sim_run (plan, model, cluster, &o, error);
  if (result == NULL)
    return FALSE;
  rep.wall_s = (g_get_monotonic_time () - t0) / 1e6;
  rep.model = model;
  rep.cluster = cluster;
  rep.plan = plan;
  rep.origin = origin;
  rep.r = result;
  rep.planner_costs_s = NAN;
  rep.has_objective = ds_plan_get_objective_s (plan, &rep.objective_s);
  rep.unfused = unfused;
  if (unfused != NULL)
    rep.fused_iteration_s = fused_iteration_s (&rep, &o);
  if (rep.has_objective && !o.pipedream_costs)
    measure_gap (&rep, &o);
  if (a.tta.efficiency != NULL)
    {
      DsTtaSetup setup = ds_cli_tta_setup (&a.tta);
      if (!ds_sim_tta (result, model, a.tta.minibatch, &eff, &setup, &rep.staleness, &rep.tta,
                       error))
        return FALSE;
      rep.has_tta = TRUE;
    }
  if (!write_timeline (&a, &rep, error))
    return FALSE;
  text = format == DS_OUTPUT_JSON ? render_json (&rep)
         : format == DS_OUTPUT_CSV ? render_csv (&rep) : render_human (&rep);
  fputs (text, stdout);
  if (result->oom_worker >= 0)
    {
      const DsSimWorker *wk = &g_array_index (result->workers, DsSimWorker, result->oom_worker);
      char x[2][DS_NUM_BUF];
      return ds_fail (error, DS_ERROR_INVALID, "out of memory: gpu%u (stage %u) peaks at %s, "
                      "the device has %s; try more stages, --recompute, more micro-batches "
                      "or a larger device", wk->rank, wk->first_stage,
                      ds_fmt_bytes_human (x[0], wk->peak_bytes),
                      ds_fmt_bytes_human (x[1], result->capacity_bytes));
    }
  return TRUE;
}
