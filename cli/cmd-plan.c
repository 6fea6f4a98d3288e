/* cli/cmd-plan.c - `dawnsim plan`: PipeDream's partitioning, and against what.
 *
 * Accepts the original optimizer's command line unchanged (-f graph.txt
 * -n 4 4 -b 1e10 1.25e9 --activation_compression_ratio 1 ...; several
 * values after -n and -b, as argparse's nargs='+'), or a MODEL argument.
 * Prints the stages, the objective, and the three baselines of
 * planner/baselines.h with speed-up and communication; -o writes the plan
 * as dawnsim JSON, --export pipedream DIR the original's artefacts.
 */
#include "config.h"

#include "cli/cli.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/json-writer.h"
#include "core/plan-json.h"
#include "core/units.h"
#include "hwmodels/cost.h"
#include "hwmodels/presets.h"
#include "planner/baselines.h"
#include "traces/tta.h"
#include "planner/export.h"
#include "cli/plan3d.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char *file;
  char **machines;             /* -n, one string per value */
  char **bandwidths;           /* -b */
  char *compression;           /* --activation_compression_ratio */
  gboolean memory_check;
  char *memory;                /* -s */
  gboolean fewer, straight;
  int compress_width;
  char *format;
  char *output;
  char *export_kind, *export_dir;
  char *cluster;               /* --cluster: preset, spec or file */
  int gpus;                    /* --gpus */
  char *device;                /* --device: prices layers without times */
  /* the 3D search (issue #6) */
  int global_batch, top;
  DsCli3dShapeArgs shape;
  gboolean explain, no_simulate;
  DsCliTtaArgs tta;            /* the time-to-accuracy objective */
} PlanArgs;

static void
plan_args_clear (PlanArgs *a)
{
  g_free (a->file);
  g_strfreev (a->machines);
  g_strfreev (a->bandwidths);
  g_free (a->compression);
  g_free (a->memory);
  g_free (a->format);
  g_free (a->output);
  g_free (a->export_kind);
  g_free (a->export_dir);
  g_free (a->cluster);
  g_free (a->device);
  ds_cli_tta_args_clear (&a->tta);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PlanArgs, plan_args_clear)

static gboolean
looks_numeric (const char *s)
{
  char *end = NULL;

  g_ascii_strtod (s, &end);
  return end != s && *end == '\0';
}

/* argparse's nargs='+' for -n and -b ("-n 4 4" -> "-n 4 -n 4"), and the
 * two-word "--export pipedream DIR" -> "--export=pipedream --export-dir=DIR",
 * which GOption cannot express. Returns the strings, owned by the array;
 * parse a shallow copy, since GOption drops the pointers it consumes. */
static GPtrArray *
expand_argv (int argc, char **argv)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < argc; i++)
    {
      const char *a = argv[i];
      gboolean multi = strcmp (a, "-n") == 0 || strcmp (a, "-b") == 0
                       || strcmp (a, "--num_machines") == 0
                       || strcmp (a, "--bandwidth") == 0;

      if (multi)
        {
          int j = i + 1;
          for (; j < argc && looks_numeric (argv[j]); j++)
            {
              g_ptr_array_add (out, g_strdup (a));
              g_ptr_array_add (out, g_strdup (argv[j]));
            }
          if (j == i + 1)
            g_ptr_array_add (out, g_strdup (a));   /* GOption reports it */
          i = j - 1;
        }
      else if (strcmp (a, "--export") == 0 && i + 2 < argc)
        {
          g_ptr_array_add (out, g_strdup_printf ("--export=%s", argv[i + 1]));
          g_ptr_array_add (out, g_strdup_printf ("--export-dir=%s", argv[i + 2]));
          i += 2;
        }
      else
        g_ptr_array_add (out, g_strdup (a));
    }
  return out;
}

static gboolean
parse_positive (const char *what, const char *text, double *out, GError **error)
{
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);

  if (end == text || *end != '\0' || !isfinite (v) || v <= 0)
    return ds_cli_usage (error, "%s must be a number > 0, got '%s'", what, text);
  *out = v;
  return TRUE;
}

/* -n/-b into the DP's levels: as many bandwidths as machine counts, or
 * none (then 1e9 B/s each, the original's default). */
static gboolean
fill_levels (const PlanArgs *a, const DsCluster *cluster,
             DsPipedreamOptions *o, GError **error)
{
  guint n = a->machines ? g_strv_length (a->machines) : 0;
  guint nb = a->bandwidths ? g_strv_length (a->bandwidths) : 0;

  if (cluster != NULL && (n > 0 || nb > 0))
    return ds_cli_usage (error, "give the devices with --cluster or with -n/-b, not both");
  if (cluster != NULL)
    return ds_pipedream_options_from_cluster (o, cluster, error);
  if (a->gpus > 0)
    return ds_cli_usage (error, "--gpus resizes a --cluster; with -n give the "
                         "devices per level instead");
  if (n == 0)
    return ds_cli_usage (error, "plan needs the devices: --cluster NAME [--gpus N], "
                         "or -n M1 [M2 ...] (per level, innermost first)");
  if (n > DS_PIPEDREAM_MAX_LEVELS)
    return ds_cli_usage (error, "at most %d levels, got %u", DS_PIPEDREAM_MAX_LEVELS, n);
  if (nb != 0 && nb != n)
    return ds_cli_usage (error, "-b needs one bandwidth per -n level (%u), got %u", n, nb);
  ds_pipedream_options_init (o, 1);
  o->n_levels = n;
  for (guint l = 0; l < n; l++)
    {
      double m;
      if (!parse_positive ("-n", a->machines[l], &m, error))
        return FALSE;
      if (m != floor (m) || m > 65536)
        return ds_cli_usage (error, "-n must be a whole number of devices, got '%s'",
                             a->machines[l]);
      o->levels[l].n_machines = (guint) m;
      o->levels[l].bandwidth_bytes_per_s = 1e9;
      if (nb > 0 && !parse_positive ("-b", a->bandwidths[l],
                                     &o->levels[l].bandwidth_bytes_per_s, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
fill_options (const PlanArgs *a, const DsCluster *cluster,
              DsPipedreamOptions *o, GError **error)
{
  if (!fill_levels (a, cluster, o, error))
    return FALSE;
  o->straight = a->straight;
  o->fewer_machines = a->fewer;
  o->use_memory_constraint = a->memory_check;
  if (a->memory != NULL && !parse_positive ("-s", a->memory, &o->memory_bytes, error))
    return FALSE;
  if (a->memory != NULL && !a->memory_check)
    return ds_cli_usage (error, "-s sets the memory the --use_memory_constraint "
                         "check uses; give both");
  o->has_compression = a->compression != NULL;
  if (a->compression != NULL
      && !parse_positive ("--activation_compression_ratio", a->compression,
                          &o->compression_ratio, error))
    return FALSE;
  if (a->compress_width < 0)
    return ds_cli_usage (error, "--compress-branches must be >= 1");
  return TRUE;
}

typedef struct {
  const DsModel *model;
  const DsAntichainDag *dag;
  const DsPipedreamOptions *options;
  DsPipedreamResult *result;
  DsPlan *plan;
  DsPlanBaseline baselines[DS_BASELINE_N];
  double *stage_times;
  guint *topo_pos;             /* layer -> position in a topological order */
  gboolean has_tta;            /* --efficiency: the baselines' TTA */
  DsTtaPrediction tta[DS_BASELINE_N];
  double minibatch;
  guint best_by_tta;
} Planned;

static void
planned_clear (Planned *p)
{
  ds_pipedream_result_free (p->result);
  if (p->plan != NULL)
    ds_plan_unref (p->plan);
  g_free (p->stage_times);
  g_free (p->topo_pos);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Planned, planned_clear)

/* First and last layer of a plan stage in topological order. */
static void
stage_ends (const Planned *p, guint s, const char **first, const char **last)
{
  const DsPlanStage *stage = ds_plan_stage_const (p->plan, s);
  guint lo = 0, hi = 0;

  for (guint k = 0; k < stage->layers->len; k++)
    {
      guint l = g_array_index (stage->layers, guint, k);
      if (k == 0 || p->topo_pos[l] < p->topo_pos[lo])
        lo = l;
      if (k == 0 || p->topo_pos[l] > p->topo_pos[hi])
        hi = l;
    }
  *first = ds_model_layer_const (p->model, lo)->name;
  *last = ds_model_layer_const (p->model, hi)->name;
}

static const DsPipedreamStage *
final_stage (const Planned *p, guint s)
{
  return &g_array_index (p->result->levels[0], DsPipedreamStage, s);
}

static guint
first_rank (const Planned *p, guint s)
{
  guint rank = 0;

  for (guint t = 0; t < s; t++)
    rank += final_stage (p, t)->total_replicas;
  return rank;
}

static char *
render_human (const Planned *p)
{
  static const char *const headers[] = {
    "stage", "layers", "n", "replicas", "devices", "compute", "activations",
    "params", "time"
  };
  /* the last column, the stage's own time, only where it is defined */
  g_autoptr(DsTable) t = p->stage_times != NULL
                         ? ds_table_new (9, headers, "rlrrlrrrr")
                         : ds_table_new (8, headers, "rlrrlrrr");
  static const char *const bheaders[] = { "plan", "stages", "time/minibatch", "speed-up",
                                          "comm/minibatch", "batch", "staleness", "epochs",
                                          "time to accuracy" };
  g_autoptr(DsTable) b = ds_table_new (p->has_tta ? 9 : 5, bheaders,
                                       p->has_tta ? "lrrrrrrrr" : "lrrrr");
  GString *out = g_string_new (NULL);
  const DsPlanBaseline *dp = &p->baselines[DS_BASELINE_DATA_PARALLEL];
  const DsPlanBaseline *pd = &p->baselines[DS_BASELINE_PIPEDREAM];
  char x[6][DS_NUM_BUF];
  g_autofree char *stages_text = NULL, *base_text = NULL;

  for (guint s = 0; s < ds_plan_n_stages (p->plan); s++)
    {
      const DsPipedreamStage *st = final_stage (p, s);
      const char *first, *last;
      g_autofree char *range = NULL, *devices = NULL, *n = NULL, *idx = NULL, *r = NULL;
      guint rank = first_rank (p, s);

      stage_ends (p, s, &first, &last);
      range = first == last ? g_strdup (first) : g_strdup_printf ("%s .. %s", first, last);
      devices = st->total_replicas == 1 ? g_strdup_printf ("%u", rank)
                : g_strdup_printf ("%u-%u", rank, rank + st->total_replicas - 1);
      idx = g_strdup_printf ("%u", s);
      n = g_strdup_printf ("%u", ds_plan_stage_const (p->plan, s)->layers->len);
      r = g_strdup_printf ("%u", st->total_replicas);
      ds_table_add_row (t, (const char *const[]) {
        idx, range, n, r, devices, ds_fmt_seconds_human (x[0], st->compute_s),
        ds_fmt_bytes_human (x[1], ds_plan_range_sum (ds_antichain_dag_act_bytes, p->dag, st->start, st->end)),
        ds_fmt_bytes_human (x[2], ds_plan_range_sum (ds_antichain_dag_param_bytes, p->dag, st->start, st->end)),
        p->stage_times ? ds_fmt_seconds_human (x[3], p->stage_times[s]) : "" });
    }
  for (guint k = 0; k < DS_BASELINE_N; k++)
    {
      const DsPlanBaseline *bl = &p->baselines[k];
      g_autofree char *ns = g_strdup_printf ("%u", bl->n_stages);
      g_autofree char *speed = g_strdup_printf ("%.2fx", dp->time_s / bl->time_s);
      g_autofree char *batch = g_strdup_printf ("%.4g", bl->step_minibatches * p->minibatch);
      g_autofree char *stale = g_strdup_printf ("%g", bl->staleness);
      g_autofree char *epochs = g_strdup_printf ("%.4g", p->tta[k].epochs_at_eval);
      char hms[32];
      ds_table_add_row (b, (const char *const[]) {
        bl->name, ns, ds_fmt_seconds_human (x[0], bl->time_s), speed,
        ds_fmt_bytes_human (x[1], bl->comm_bytes), batch, stale, epochs,
        ds_tta_format_hms (hms, sizeof hms, p->tta[k].tta_s) });
    }
  stages_text = ds_table_to_human (t);
  base_text = ds_table_to_human (b);
  g_string_append_printf (out, "plan for %s: %u antichain states on %u devices (",
                          ds_model_get_name (p->model), p->result->n_states,
                          p->result->n_machines);
  for (guint l = 0; l < p->options->n_levels; l++)
    g_string_append_printf (out, "%s%u at %s", l ? ", then " : "",
                            p->options->levels[l].n_machines,
                            ds_fmt_bandwidth_human (x[4], p->options->levels[l].bandwidth_bytes_per_s));
  g_string_append_printf (out, ")\n\n%s\n", stages_text);
  if (p->stage_times == NULL)
    g_string_append (out, "On several levels the DP prices a stage of one level as a whole\n"
                          "pipeline of the level below, so a final stage has no time of its own.\n\n");
  g_string_append_printf (out, "objective: %s per minibatch (slowest stage); %u of %u devices used\n\n",
                          ds_fmt_seconds_human (x[0], p->result->objective_s),
                          p->result->n_machines_used, p->result->n_machines);
  g_string_append (out, base_text);
  g_string_append_printf (out, "\npipedream vs data parallel: %.2fx the speed, ",
                          dp->time_s / pd->time_s);
  if (pd->comm_bytes <= dp->comm_bytes)
    g_string_append_printf (out, "%.1f%% less communication\n",
                            dp->comm_bytes > 0 ? 100.0 * (1 - pd->comm_bytes / dp->comm_bytes) : 0.0);
  else
    g_string_append_printf (out, "%.2fx the communication\n", pd->comm_bytes / dp->comm_bytes);
  if (p->has_tta)
    g_string_append_printf (out, "by time to accuracy: %s (%.2fx the time of data parallelism)\n",
                            p->baselines[p->best_by_tta].name,
                            p->tta[p->best_by_tta].tta_s / p->tta[DS_BASELINE_DATA_PARALLEL].tta_s);
  return g_string_free (out, FALSE);
}

static void
write_json_stage (DsJsonWriter *w, const Planned *p, guint s)
{
  const DsPipedreamStage *st = final_stage (p, s);
  const char *first, *last;
  guint rank = first_rank (p, s);

  stage_ends (p, s, &first, &last);
  ds_json_begin_object_inline (w);
  ds_json_member_uint64 (w, "index", s);
  ds_json_member_string (w, "first_layer", first);
  ds_json_member_string (w, "last_layer", last);
  ds_json_member_uint64 (w, "n_layers", ds_plan_stage_const (p->plan, s)->layers->len);
  ds_json_member_uint64 (w, "start_state", st->start);
  ds_json_member_uint64 (w, "end_state", st->end);
  ds_json_member_uint64 (w, "replicas", st->total_replicas);
  ds_json_member (w, "ranks");
  ds_json_begin_array (w);
  for (guint r = 0; r < st->total_replicas; r++)
    ds_json_uint64 (w, rank + r);
  ds_json_end_array (w);
  ds_json_member_double (w, "compute_s", st->compute_s);
  ds_json_member_double (w, "activation_bytes", ds_plan_range_sum (ds_antichain_dag_act_bytes, p->dag, st->start, st->end));
  ds_json_member_double (w, "param_bytes", ds_plan_range_sum (ds_antichain_dag_param_bytes, p->dag, st->start, st->end));
  if (p->stage_times != NULL)
    ds_json_member_double (w, "time_s", p->stage_times[s]);
  ds_json_end_object (w);
}

static char *
render_json (const Planned *p)
{
  DsJsonWriter *w = ds_json_writer_new ();
  const DsPlanBaseline *dp = &p->baselines[DS_BASELINE_DATA_PARALLEL];
  const DsPlanBaseline *pd = &p->baselines[DS_BASELINE_PIPEDREAM];

  ds_json_begin_object (w);
  ds_json_member_string (w, "model", ds_model_get_name (p->model));
  ds_json_member_uint64 (w, "n_states", p->result->n_states);
  ds_json_member_uint64 (w, "n_devices", p->result->n_machines);
  ds_json_member_uint64 (w, "n_devices_used", p->result->n_machines_used);
  ds_json_member (w, "levels");
  ds_json_begin_array (w);
  for (guint l = 0; l < p->options->n_levels; l++)
    {
      ds_json_begin_object_inline (w);
      ds_json_member_uint64 (w, "devices", p->options->levels[l].n_machines);
      ds_json_member_double (w, "bw_bytes_per_s", p->options->levels[l].bandwidth_bytes_per_s);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_member_double (w, "objective_s", p->result->objective_s);
  ds_json_member_double (w, "single_stage_s", p->result->single_stage_s);
  ds_json_member (w, "stages");
  ds_json_begin_array (w);
  for (guint s = 0; s < ds_plan_n_stages (p->plan); s++)
    write_json_stage (w, p, s);
  ds_json_end_array (w);
  ds_json_member (w, "baselines");
  ds_json_begin_array (w);
  for (guint k = 0; k < DS_BASELINE_N; k++)
    {
      ds_json_begin_object_inline (w);
      ds_json_member_string (w, "name", p->baselines[k].name);
      ds_json_member_uint64 (w, "n_stages", p->baselines[k].n_stages);
      ds_json_member_double (w, "time_s", p->baselines[k].time_s);
      ds_json_member_double (w, "comm_bytes", p->baselines[k].comm_bytes);
      if (p->has_tta)
        {
          ds_json_member_double (w, "global_batch", p->baselines[k].step_minibatches * p->minibatch);
          ds_json_member_double (w, "staleness", p->baselines[k].staleness);
          ds_json_member_double (w, "epochs", p->tta[k].epochs);
          ds_json_member_double (w, "epochs_at_eval", p->tta[k].epochs_at_eval);
          ds_json_member_double (w, "tta_s", p->tta[k].tta_s);
          ds_json_member_double (w, "tta_band_s", p->tta[k].band_s);
        }
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_member_double (w, "speedup_vs_data_parallel", dp->time_s / pd->time_s);
  ds_json_member_double (w, "comm_saving_vs_data_parallel",
                         dp->comm_bytes > 0 ? 1 - pd->comm_bytes / dp->comm_bytes : 0.0);
  if (p->has_tta)
    ds_json_member_string (w, "best_by_tta", p->baselines[p->best_by_tta].name);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, NULL);
}

static char *
render_csv (const Planned *p)
{
  static const char *const headers[] = {
    "stage", "first_layer", "last_layer", "n_layers", "replicas", "first_rank",
    "compute_s", "activation_bytes", "param_bytes", "time_s"
  };
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (headers), headers, "rllrrrrrrr");

  for (guint s = 0; s < ds_plan_n_stages (p->plan); s++)
    {
      const DsPipedreamStage *st = final_stage (p, s);
      const char *first, *last;
      char x[4][DS_NUM_BUF], idx[16], n[16], r[16], rank[16];

      stage_ends (p, s, &first, &last);
      g_snprintf (idx, sizeof idx, "%u", s);
      g_snprintf (n, sizeof n, "%u", ds_plan_stage_const (p->plan, s)->layers->len);
      g_snprintf (r, sizeof r, "%u", st->total_replicas);
      g_snprintf (rank, sizeof rank, "%u", first_rank (p, s));
      ds_table_add_row (t, (const char *const[]) {
        idx, first, last, n, r, rank, ds_fmt_double (x[0], st->compute_s),
        ds_fmt_double (x[1], ds_plan_range_sum (ds_antichain_dag_act_bytes, p->dag, st->start, st->end)),
        ds_fmt_double (x[2], ds_plan_range_sum (ds_antichain_dag_param_bytes, p->dag, st->start, st->end)),
        p->stage_times ? ds_fmt_double (x[3], p->stage_times[s]) : "" });
    }
  return ds_table_to_csv (t);
}

static gboolean
solve (Planned *p, GError **error)
{
  g_autoptr(GArray) order = ds_model_topo_order (p->model);

  p->result = ds_pipedream_solve (p->dag, p->options, error);
  if (p->result == NULL)
    return FALSE;
  p->plan = ds_pipedream_result_to_plan (p->result, p->dag, p->model, error);
  if (p->plan == NULL)
    return FALSE;
  ds_plan_baselines (p->dag, p->options, p->result, p->baselines);
  if (p->options->n_levels == 1)   /* see ds_plan_stage_times */
    {
      p->stage_times = g_new (double, p->result->levels[0]->len);
      ds_plan_stage_times (p->dag, p->options, p->result->levels[0], p->stage_times);
    }
  p->topo_pos = g_new (guint, ds_model_n_layers (p->model));
  for (guint i = 0; i < order->len; i++)
    p->topo_pos[g_array_index (order, guint, i)] = i;
  return TRUE;
}

static gboolean
write_outputs (const Planned *p, const PlanArgs *a, GError **error)
{
  if (a->output != NULL)
    {
      gsize len = 0;
      g_autofree char *text = ds_plan_write_json (p->plan, p->model, &len);
      if (!ds_write_file (a->output, text, len, error))
        return FALSE;
    }
  if (a->export_kind != NULL)
    return ds_plan_export_pipedream (p->plan, p->model, a->export_dir, error);
  return TRUE;
}

/* ---- the tensor x pipeline x data search (issue #6) ---- */

static gboolean
wants_3d (const PlanArgs *a)
{
  return a->global_batch != 0 || a->top != 0 || a->explain || ds_cli_3d_has_shape (&a->shape);
}

/* Plays each kept plan in the discrete-event simulator. */
static gboolean
simulate_3d (const DsTfmShape *s, const DsCluster *cluster, DsSearch3dResult *r,
             GError **error)
{
  for (guint i = 0; i < r->plans->len; i++)
    {
      g_autoptr(DsSimResult) sim = ds_cli_3d_simulate (s, cluster,
                                                       &g_array_index (r->plans, DsPlan3d, i),
                                                       error);
      if (sim == NULL)
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  double compute_s, bubble_s, tp_s, p2p_s, dp_sync_s, optimizer_s;
} Parts3d;

/* Where an iteration's time goes, from the price's terms. */
static void
parts_3d (const DsTfmShape *s, const DsPlan3d *p, Parts3d *o)
{
  const DsCost3d *c = &p->cost;
  double pp = p->st.pp, v = p->st.interleave, m = c->n_microbatches;
  double sends = pp > 1 ? 2 * v * c->p2p_s : 0;
  double tp_mb = s->n_layers / pp * c->block_tp_s;

  o->bubble_s = (pp - 1) / v * (c->stage_s + sends);
  o->tp_s = m * tp_mb;
  o->p2p_s = m * sends;
  o->compute_s = m * (c->stage_s - tp_mb);
  o->dp_sync_s = c->dp_sync_s;
  o->optimizer_s = c->optimizer_s;
}

static double
tflops_3d (const DsTfmShape *s, const DsPlan3d *p, double iteration_s)
{
  guint n = p->st.tp * p->st.pp * p->st.dp;

  /* model FLOPs as Megatron counts them, recomputation included when run */
  return ds_tfm_iteration_flops (s, p->st.global_batch,
                                 p->st.recompute == DS_RECOMPUTE_FULL)
         / (iteration_s * n) / 1e12;
}

static void
explain_3d (const DsTfmShape *s, const DsSearch3dResult *r, GString *out)
{
  static const char *const names[6] = { "compute", "pipeline bubble",
                                        "tensor-parallel communication",
                                        "pipeline sends", "data-parallel gradient sync",
                                        "optimizer step" };
  char b1[DS_NUM_BUF], b2[DS_NUM_BUF];

  if (r->plans->len < 2)
    {
      g_string_append (out, "\nonly one strategy fits: nothing to compare\n");
      return;
    }
  const DsPlan3d *w = &g_array_index (r->plans, DsPlan3d, 0);
  const DsPlan3d *u = &g_array_index (r->plans, DsPlan3d, 1);
  g_autofree char *wd = ds_strategy3d_describe (&w->st);
  g_autofree char *ud = ds_strategy3d_describe (&u->st);
  Parts3d pw, pu;
  parts_3d (s, w, &pw);
  parts_3d (s, u, &pu);
  const double *a = &pw.compute_s, *b = &pu.compute_s;
  double gap = u->cost.iteration_s - w->cost.iteration_s;

  g_string_append_printf (out, "\nwhy %s beats %s: %s faster per iteration (%.1f%%)\n",
                          wd, ud, ds_fmt_seconds_human (b1, gap),
                          100 * gap / u->cost.iteration_s);
  for (guint i = 0; i < 6; i++)
    if (fabs (b[i] - a[i]) > 1e-4 * u->cost.iteration_s)
      {
        char b3[DS_NUM_BUF];
        g_string_append_printf (out, "  %-30s %10s vs %10s  (%s %s)\n", names[i],
                                ds_fmt_seconds_human (b1, a[i]),
                                ds_fmt_seconds_human (b2, b[i]),
                                b[i] > a[i] ? "saves" : "costs",
                                ds_fmt_seconds_human (b3, fabs (b[i] - a[i])));
      }
  g_string_append_printf (out, "  %-30s %10s vs %10s\n", "memory per device",
                          ds_fmt_bytes_human (b1, w->mem.total_bytes),
                          ds_fmt_bytes_human (b2, u->mem.total_bytes));
}

static char *
human_3d (const char *title, const DsTfmShape *s, const DsSearch3dResult *r,
          gboolean explain)
{
  static const char *const head[] = { "rank", "tp", "pp", "dp", "mb", "v", "recompute",
                                      "sp", "zero1", "memory/device", "iteration",
                                      "simulated", "TFLOP/s/GPU" };
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (head), head, "rrrrrrllllrrr");
  GString *out = g_string_new (title);
  char buf[8][DS_NUM_BUF];

  g_string_append_printf (out, "strategies: %" G_GUINT64_FORMAT " considered, %"
                          G_GUINT64_FORMAT " over memory, %" G_GUINT64_FORMAT
                          " cut by the FLOP bound, %" G_GUINT64_FORMAT " priced, %u simulated\n\n",
                          r->n_considered, r->n_over_memory, r->n_bounded, r->n_priced,
                          r->plans->len);
  for (guint i = 0; i < r->plans->len; i++)
    {
      const DsPlan3d *p = &g_array_index (r->plans, DsPlan3d, i);
      g_snprintf (buf[0], DS_NUM_BUF, "%u", i + 1);
      g_snprintf (buf[1], DS_NUM_BUF, "%u", p->st.tp);
      g_snprintf (buf[2], DS_NUM_BUF, "%u", p->st.pp);
      g_snprintf (buf[3], DS_NUM_BUF, "%u", p->st.dp);
      g_snprintf (buf[4], DS_NUM_BUF, "%u", p->st.micro_batch);
      g_snprintf (buf[5], DS_NUM_BUF, "%u", p->st.interleave);
      g_snprintf (buf[7], DS_NUM_BUF, "%.1f", tflops_3d (s, p, p->cost.iteration_s));
      char mem[DS_NUM_BUF], it[DS_NUM_BUF], sim[DS_NUM_BUF];
      const char *row[] = { buf[0], buf[1], buf[2], buf[3], buf[4], buf[5],
                            ds_recompute_name (p->st.recompute),
                            p->st.sequence_parallel ? "yes" : "no",
                            p->st.zero1 ? "yes" : "no",
                            ds_fmt_bytes_human (mem, p->mem.total_bytes),
                            ds_fmt_seconds_human (it, p->cost.iteration_s),
                            p->sim_iteration_s > 0 ? ds_fmt_seconds_human (sim, p->sim_iteration_s)
                                                   : "-",
                            buf[7] };
      ds_table_add_row (t, row);
    }
  g_autofree char *table = ds_table_to_human (t);
  g_string_append (out, table);
  if (explain)
    explain_3d (s, r, out);
  return g_string_free (out, FALSE);
}

static char *
json_3d (const DsTfmShape *s, const DsCluster *cluster, const DsSearch3dResult *r)
{
  DsJsonWriter *w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "cluster", ds_cluster_get_name (cluster));
  ds_json_member_uint64 (w, "devices", ds_cluster_n_devices (cluster));
  ds_json_member_uint64 (w, "considered", r->n_considered);
  ds_json_member_uint64 (w, "over_memory", r->n_over_memory);
  ds_json_member_uint64 (w, "bounded", r->n_bounded);
  ds_json_member_uint64 (w, "priced", r->n_priced);
  ds_json_member_double (w, "capacity_bytes", r->capacity_bytes);
  ds_json_member (w, "plans");
  ds_json_begin_array (w);
  for (guint i = 0; i < r->plans->len; i++)
    {
      const DsPlan3d *p = &g_array_index (r->plans, DsPlan3d, i);
      ds_json_begin_object (w);
      ds_json_member_uint64 (w, "tp", p->st.tp);
      ds_json_member_uint64 (w, "pp", p->st.pp);
      ds_json_member_uint64 (w, "dp", p->st.dp);
      ds_json_member_uint64 (w, "micro_batch", p->st.micro_batch);
      ds_json_member_uint64 (w, "global_batch", p->st.global_batch);
      ds_json_member_uint64 (w, "interleave", p->st.interleave);
      ds_json_member_string (w, "recompute", ds_recompute_name (p->st.recompute));
      ds_json_member (w, "sequence_parallel");
      ds_json_bool (w, p->st.sequence_parallel);
      ds_json_member (w, "zero1");
      ds_json_bool (w, p->st.zero1);
      ds_json_member_double (w, "iteration_s", p->cost.iteration_s);
      if (p->sim_iteration_s > 0)
        ds_json_member_double (w, "simulated_iteration_s", p->sim_iteration_s);
      ds_json_member_double (w, "peak_memory_bytes", p->mem.total_bytes);
      ds_json_member_double (w, "tflops_per_device", tflops_3d (s, p, p->cost.iteration_s));
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, NULL);
}

static gboolean
plan_3d (const PlanArgs *a, const char *spec, const DsCliModelArgs *margs,
         DsCluster *cluster, DsOutputFormat format, GError **error)
{
  DsTfmShape s;
  DsSearch3dOptions o = { (guint) MAX (a->top, 0) };
  char b1[DS_NUM_BUF], b2[DS_NUM_BUF];

  if (cluster == NULL)
    return ds_cli_usage (error, "the 3D search needs --cluster (e.g. dgx-a100:64)");
  if (a->global_batch <= 0)
    return ds_cli_usage (error, "the 3D search needs --global-batch N (samples per iteration)");
  if (a->top < 0)
    return ds_cli_usage (error, "--top must be >= 1");
  if (!ds_cli_3d_shape (&a->shape, spec, margs, &s, error))
    return FALSE;
  g_autoptr(DsHwDevice) device = ds_hw_device_open (ds_cluster_device_const (cluster)->name,
                                                    error);
  if (device == NULL)
    return FALSE;
  g_autoptr(DsSearch3dResult) r = ds_search3d_run (&s, a->global_batch, cluster, device,
                                                   &o, error);
  if (r == NULL)
    return FALSE;
  if (!a->no_simulate && !simulate_3d (&s, cluster, r, error))
    return FALSE;
  g_autofree char *title = g_strdup_printf (
      "plan %s: %u layers, hidden %u, %u heads, sequence %u, vocabulary %u (%s parameters)\n"
      "on %s: %u x %s (%s), global batch %u\n",
      spec ? spec : "transformer", s.n_layers, s.hidden, s.heads, s.seq, s.vocab,
      ds_fmt_count_human (b1, ds_tfm_n_params (&s)), ds_cluster_get_name (cluster),
      ds_cluster_n_devices (cluster), ds_cluster_device_const (cluster)->name,
      ds_fmt_bytes_human (b2, r->capacity_bytes), a->global_batch);
  g_autofree char *text = format == DS_OUTPUT_JSON ? json_3d (&s, cluster, r)
                                                   : human_3d (title, &s, r, a->explain);
  fputs (text, stdout);
  return TRUE;
}

/* The baselines' time to accuracy (planner/baselines.h) under @eff
 * (NULL: none asked for) and the best. */
static gboolean
rank_by_tta (Planned *p, const PlanArgs *a, const DsEffModel *eff, GError **error)
{
  DsTtaSetup setup = ds_cli_tta_setup (&a->tta);

  if (eff == NULL)
    return TRUE;
  p->minibatch = a->tta.minibatch > 0 ? a->tta.minibatch : ds_model_get_batch_size (p->model);
  if (!(p->minibatch >= 1))
    return ds_cli_usage (error, "--efficiency needs the samples per minibatch the profile "
                         "was taken at: --minibatch B");
  for (guint k = 0; k < DS_BASELINE_N; k++)
    {
      ds_plan_baseline_tta (&p->baselines[k], eff, p->minibatch, &setup, &p->tta[k]);
      if (p->tta[k].tta_s < p->tta[p->best_by_tta].tta_s)
        p->best_by_tta = k;
    }
  p->has_tta = TRUE;
  return TRUE;
}

static const char description[] =
  "MODEL is a zoo name or a model file; -f FILE is the same (the original\n"
  "optimizer's spelling). A zoo model's layers are priced from their FLOPs\n"
  "on --device, else on the cluster's device ('dawnsim hw list').\n\n"
  "Devices: --cluster with an optional --gpus, or, as the original, per\n"
  "level, innermost first:\n"
  "-n 4 4 -b 1e10 1.25e9 is 4 servers of 4 devices, 10 GB/s inside a server\n"
  "and 1.25 GB/s between servers (bytes/s; default 1e9 per level).\n"
  "Without --activation_compression_ratio, activations cost nothing between\n"
  "stages, as in the original; give 1 to charge them in full.\n\n"
  "The baselines priced with the same costs: data parallelism on every\n"
  "device, a straight pipeline of equal stages (GPipe-style), and the plan.\n"
  "With --efficiency (a model from 'dawnsim tta --fit ... -o') they are also\n"
  "ranked by predicted time to accuracy: epochs at each one's global batch\n"
  "and staleness (docs/tta.md) x its time per epoch.\n\n"
  "Examples:\n"
  "  dawnsim plan vgg16 --cluster A --gpus 16\n"
  "  dawnsim plan gpt3-1.3b --cluster h100:8x4,nvlink4,ib-ndr --dtype bf16\n"
  "  dawnsim plan -f vgg16/graph.txt -n 4 --activation_compression_ratio 1\n"
  "  dawnsim plan -f gnmt_large/graph.txt -n 4 4 -b 1e10 1.25e9 --format json\n"
  "  dawnsim plan resnet50.json -n 16 -o plan.json --export pipedream out/\n"
  "  dawnsim plan -f inception_v3/graph.txt -n 8 --compress-branches 2\n\n"
  "With --global-batch, the tensor x pipeline x data search for a transformer\n"
  "(a zoo GPT/BERT or --layers/--hidden/--heads/--seq/--vocab): every\n"
  "strategy Megatron-LM can run, pruned by the device's memory, ranked by the\n"
  "predicted time per iteration, the best confirmed in the simulator:\n"
  "  dawnsim plan gpt3-175b --cluster dgx-a100:64 --global-batch 1536 --explain\n"
  "  dawnsim plan --layers 96 --hidden 12288 --heads 96 --seq 2048 --vocab 51200 \\\n"
  "      --cluster dgx-a100:1024 --global-batch 1536 --format json";

gboolean
ds_cmd_plan (int argc, char **argv, GError **error)
{
  g_auto(PlanArgs) a = { 0 };
  g_auto(DsCliModelArgs) margs = { 0 };
  const GOptionEntry entries[] = {
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &a.file, "Model file (the original's -f)", "FILE" },
    { "num_machines", 'n', 0, G_OPTION_ARG_STRING_ARRAY, &a.machines,
      "Devices per level, innermost first (several values)", "M" },
    { "bandwidth", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &a.bandwidths,
      "Bandwidth per level in bytes/s (default 1e9)", "B" },
    { "activation_compression_ratio", 0, 0, G_OPTION_ARG_STRING, &a.compression,
      "Charge activation transfers, divided by this ratio", "X" },
    { "use_memory_constraint", 0, 0, G_OPTION_ARG_NONE, &a.memory_check,
      "Drop stages that do not fit in device memory", NULL },
    { "memory_size", 's', 0, G_OPTION_ARG_STRING, &a.memory,
      "Memory per device in bytes for the check (default 16e9)", "BYTES" },
    { "use_fewer_machines", 0, 0, G_OPTION_ARG_NONE, &a.fewer,
      "Allow plans that leave devices idle", NULL },
    { "straight_pipeline", 0, 0, G_OPTION_ARG_NONE, &a.straight,
      "No replication: one device per stage", NULL },
    { "compress-branches", 0, 0, G_OPTION_ARG_INT, &a.compress_width,
      "Cut only where at most W layer outputs cross (branchy models)", "W" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &a.format,
      "Output: human (default), json or csv", "FMT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output,
      "Write the plan as dawnsim JSON", "FILE" },
    { "export", 0, 0, G_OPTION_ARG_STRING, &a.export_kind,
      "'--export pipedream DIR': gpus=N.txt and hybrid_conf.json", "pipedream" },
    { "export-dir", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &a.export_dir, NULL, NULL },
    { "cluster", 0, 0, G_OPTION_ARG_STRING, &a.cluster,
      "Devices from a cluster preset (A, B, C, dgx-h100, ...), spec "
      "(h100:8x4,nvlink4,ib-ndr) or file", "CLUSTER" },
    { "gpus", 0, 0, G_OPTION_ARG_INT, &a.gpus,
      "Resize the cluster's outermost level to N devices in all", "N" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &a.device,
      "Device that prices layers without measured times (default: the cluster's)", "NAME" },
    { "global-batch", 0, 0, G_OPTION_ARG_INT, &a.global_batch,
      "3D search: samples per iteration (tensor x pipeline x data)", "N" },
    DS_CLI_3D_SHAPE_OPTIONS (&a.shape),
    { "top", 0, 0, G_OPTION_ARG_INT, &a.top, "3D search: plans to print (default 5)", "K" },
    { "explain", 0, 0, G_OPTION_ARG_NONE, &a.explain,
      "3D search: say why the best plan beats the runner-up", NULL },
    { "no-simulate", 0, 0, G_OPTION_ARG_NONE, &a.no_simulate,
      "3D search: skip confirming the plans in the simulator", NULL },
    DS_CLI_TTA_OPTIONS (&a.tta, "Rank the baselines by time to accuracy with this epochs model "
                        "('dawnsim tta --fit ... -o')"),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "plan", "[MODEL]", "Partition a model over devices with PipeDream's dynamic program.",
      description, entries);
  g_autoptr(GPtrArray) args = expand_argv (argc, argv);
  int n_args = args->len;
  g_autofree char **parse_argv = g_new0 (char *, args->len + 1);
  g_auto(Planned) p = { 0 };
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsAntichainDag) dag = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  DsPipedreamOptions options;
  DsEffModel eff;
  DsOutputFormat format;
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  const char *spec;

  memcpy (parse_argv, args->pdata, args->len * sizeof (char *));
  ds_cli_add_model_options (context, &margs);
  if (!ds_cli_parse (context, "plan", &n_args, &parse_argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if (a.gpus < 0)
    return ds_cli_usage (error, "--gpus must be >= 1, got %d", a.gpus);
  if (a.cluster != NULL
      && (cluster = ds_hw_cluster_open (a.cluster, a.gpus, error)) == NULL)
    return FALSE;
  if (wants_3d (&a))
    {
      if (n_args > 2 || (a.file != NULL && n_args == 2))
        return ds_cli_usage (error, "plan takes one MODEL, or -f FILE (see 'dawnsim help plan')");
      return plan_3d (&a, a.file != NULL ? a.file : n_args == 2 ? parse_argv[1] : NULL,
                      &margs, cluster, format, error);
    }
  if (!fill_options (&a, cluster, &options, error) || !ds_cli_tta_args_check (&a.tta, FALSE, error)
      || (a.tta.efficiency != NULL && !ds_eff_model_load (a.tta.efficiency, &eff, error)))
    return FALSE;
  if (a.export_kind != NULL && (strcmp (a.export_kind, "pipedream") != 0 || a.export_dir == NULL))
    return ds_cli_usage (error, "--export takes 'pipedream DIR'");
  if ((a.file != NULL) == (n_args == 2) || n_args > 2)
    return ds_cli_usage (error, "plan takes one MODEL, or -f FILE (see 'dawnsim help plan')");
  spec = a.file != NULL ? a.file : parse_argv[1];
  model = ds_cli_open_model (spec, &margs, error);
  if (model == NULL || !ds_cli_price_model (model, a.device, cluster, error))
    return FALSE;
  dag = a.compress_width > 0 ? ds_antichain_dag_new_compressed (model, a.compress_width, &local)
                             : ds_antichain_dag_new (model, 0, &local);
  if (dag == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", spec);
      return FALSE;
    }
  p.model = model;
  p.dag = dag;
  p.options = &options;
  if (!solve (&p, error)
      || !ds_plan_check_memory (p.dag, p.options, p.result->levels[0], error)
      || !rank_by_tta (&p, &a, a.tta.efficiency != NULL ? &eff : NULL, error)
      || !write_outputs (&p, &a, error))
    return FALSE;
  text = format == DS_OUTPUT_JSON ? render_json (&p)
         : format == DS_OUTPUT_CSV ? render_csv (&p) : render_human (&p);
  fputs (text, stdout);
  return TRUE;
}
