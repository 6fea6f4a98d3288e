/* cli/cmd-validate.c - `dawnsim validate`: was the prediction right?
 *
 * Takes a measured trace written by `dawnsim exec --measured` (which
 * records the run's schedule, minibatch, micro-batches, minibatches per
 * epoch and measured time per minibatch) and the plan it ran (--plan
 * FILE, or --stages P as exec cut it). Measures this machine
 * (exec/machine.h: each layer's times on the executor's kernels, the copy
 * rate and the hand-off between threads), simulates the same programs for
 * one epoch (sim/pipeline.h; threads beyond the cores share them, as the
 * executor pins them), and compares: time per minibatch, and per
 * stage and kind the mean operation time (traces/validate.h), as mean and
 * largest absolute percentage error; --csv writes the joined table.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/json-writer.h"
#include "core/trace-json.h"
#include "core/units.h"
#include "exec/machine.h"
#include "planner/split.h"
#include "sim/pipeline.h"
#include "traces/validate.h"

typedef struct {
  char *file, *plan_file, *measured, *csv, *format;
  int stages, replicas, reps;
} ValidateArgs;

static void
validate_args_clear (ValidateArgs *a)
{
  g_free (a->file);
  g_free (a->plan_file);
  g_free (a->measured);
  g_free (a->csv);
  g_free (a->format);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ValidateArgs, validate_args_clear)

/* The run's configuration, from the measured trace's attributes. */
typedef struct {
  DsSchedule schedule;
  guint minibatch, n_microbatches, steps;
  double iteration_s;
} RunInfo;

static gboolean
read_run_info (DsTrace *trace, const char *path, RunInfo *info, GError **error)
{
  GHashTable *attrs = ds_trace_get_attrs (trace);
  const char *keys[] = { "minibatch", "n_microbatches", "steps_per_epoch" };
  guint *out[] = { &info->minibatch, &info->n_microbatches, &info->steps };
  const char *schedule = g_hash_table_lookup (attrs, "schedule");
  const char *it = g_hash_table_lookup (attrs, "iteration_s");
  char *end = NULL;

  if (schedule == NULL || !ds_schedule_from_name (schedule, &info->schedule) || it == NULL)
    return ds_fail (error, DS_ERROR_INVALID, "%s: not a trace written by 'dawnsim exec "
                    "--measured' (its attributes lack the schedule or iteration_s)", path);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      guint64 v;
      const char *s = g_hash_table_lookup (attrs, keys[i]);
      if (s == NULL || !g_ascii_string_to_unsigned (s, 10, 1, G_MAXINT32, &v, NULL))
        return ds_fail (error, DS_ERROR_INVALID, "%s: attribute '%s' is missing or not a "
                        "count", path, keys[i]);
      *out[i] = (guint) v;
    }
  info->iteration_s = g_ascii_strtod (it, &end);
  if (end == it || *end != '\0' || !(info->iteration_s > 0) || !isfinite (info->iteration_s))
    return ds_fail (error, DS_ERROR_INVALID, "%s: iteration_s '%s' is not a time", path, it);
  return TRUE;
}

static DsPlan *
plan_of (const ValidateArgs *a, const DsModel *model, GError **error)
{
  if (a->plan_file != NULL)
    {
      return ds_cli_read_plan (a->plan_file, model, error);
    }
  return ds_plan_split_by_work (model, a->stages > 0 ? (guint) a->stages : 1,
                                a->replicas > 0 ? (guint) a->replicas : 1, error);
}

/* Threads the run had, against this machine's cores: with more threads
 * than cores the simulator shares each core among the threads pinned to
 * it (DsSimOptions.n_cores), as the executor pins them. */
static guint
run_threads (const DsPlan *plan, DsSchedule schedule)
{
  return schedule == DS_SCHEDULE_1F1B
         ? ds_plan_n_replicas (plan)
         : ds_plan_n_stages (plan) * ds_plan_stage_const (plan, 0)->n_replicas;
}

static char *
render_human (const DsModel *model, const RunInfo *info, double predicted_s,
              const DsValidation *v, guint threads, guint cores)
{
  static const char *const headers[] = { "stage", "kind", "measured", "predicted", "error" };
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (headers), headers, "rlrrr");
  GString *s = g_string_new (NULL);
  char x[2][DS_NUM_BUF];

  g_string_append_printf (s, "validate %s, %s, minibatch %u in %u micro-batch%s, %u per epoch\n",
                          ds_model_get_name (model), ds_schedule_name (info->schedule),
                          info->minibatch, info->n_microbatches,
                          info->n_microbatches == 1 ? "" : "es", info->steps);
  g_string_append_printf (s, "time per minibatch  measured %s  predicted %s  error %+.1f%%\n",
                          ds_fmt_seconds_human (x[0], info->iteration_s),
                          ds_fmt_seconds_human (x[1], predicted_s),
                          100 * (predicted_s / info->iteration_s - 1));
  g_string_append_printf (s, "operations          mean |error| %.1f%%, largest %.1f%%\n",
                          100 * v->mape, 100 * v->max_ape);
  if (threads > cores)
    g_string_append_printf (s, "cores               %u worker threads on %u cores, "
                            "simulated as sharing them (thread i on core i mod %u)\n",
                            threads, cores, cores);
  g_string_append_c (s, '\n');
  for (guint i = 0; i < v->rows->len; i++)
    {
      const DsValidationRow *r = &g_array_index (v->rows, DsValidationRow, i);
      char st[16], err[16], m[DS_NUM_BUF], p[DS_NUM_BUF];
      g_snprintf (st, sizeof st, "%u", r->stage);
      g_snprintf (err, sizeof err, "%+.1f%%", 100 * r->error);
      ds_table_add_row (t, (const char *const[]) {
        st, ds_trace_kind_name (r->kind), ds_fmt_seconds_human (m, r->measured_s),
        ds_fmt_seconds_human (p, r->predicted_s), err });
    }
  {
    g_autofree char *table = ds_table_to_human (t);
    g_string_append (s, table);
  }
  return g_string_free (s, FALSE);
}

static char *
render_json (const RunInfo *info, double predicted_s, const DsValidation *v, guint threads,
             guint cores)
{
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_uint64 (w, "threads", threads);
  ds_json_member_uint64 (w, "cores", cores);
  ds_json_member_string (w, "schedule", ds_schedule_name (info->schedule));
  ds_json_member_double (w, "measured_iteration_s", info->iteration_s);
  ds_json_member_double (w, "predicted_iteration_s", predicted_s);
  ds_json_member_double (w, "iteration_error", predicted_s / info->iteration_s - 1);
  ds_json_member_double (w, "operations_mape", v->mape);
  ds_json_member_double (w, "operations_max_ape", v->max_ape);
  ds_json_end_object (w);
  return ds_json_writer_finish (g_steal_pointer (&w), NULL);
}

static const char description[] =
  "Compares a run of 'dawnsim exec --measured TRACE' with what the simulator\n"
  "predicts for it on this machine, measured now: each layer's time on the\n"
  "executor's kernels, the copy rate and the hand-off between threads. Give\n"
  "the plan the run used: --plan FILE, or the same --stages (and --replicas).\n\n"
  "Examples:\n"
  "  dawnsim exec mlp-wide --stages 2 --schedule 1f1b --data synthetic --max-steps 20 --measured m.json\n"
  "  dawnsim validate mlp-wide --stages 2 --measured m.json --csv joined.csv";

gboolean
ds_cmd_validate (int argc, char **argv, GError **error)
{
  g_auto(ValidateArgs) a = { .reps = 5 };
  g_auto(DsCliModelArgs) margs = { 0 };
  const GOptionEntry entries[] = {
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &a.file, "Model file", "FILE" },
    { "measured", 0, 0, G_OPTION_ARG_FILENAME, &a.measured,
      "The run's trace (dawnsim exec --measured; required)", "TRACE" },
    { "plan", 0, 0, G_OPTION_ARG_FILENAME, &a.plan_file, "The plan the run used", "FILE" },
    { "stages", 0, 0, G_OPTION_ARG_INT, &a.stages, "Or the run's --stages", "P" },
    { "replicas", 0, 0, G_OPTION_ARG_INT, &a.replicas, "And its --replicas", "R" },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &a.reps, "Timings per layer (median; default 5)", "N" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &a.csv, "Write the joined table as CSV", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &a.format, "Output: human (default) or json", "FMT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "validate", "[MODEL]", "Compare a measured run with the simulator's prediction.",
      description, entries);
  g_autoptr(DsModel) model = NULL, timed = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsTrace) measured = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  g_autoptr(DsSimResult) sim = NULL;
  g_autoptr(DsValidation) v = NULL;
  g_autofree char *text = NULL, *out = NULL;
  gsize len = 0;
  DsOutputFormat format;
  DsExecMachine machine;
  DsSimOptions o;
  RunInfo info;
  guint rows;
  double predicted_s;

  ds_cli_add_model_options (context, &margs);
  if (!ds_cli_parse (context, "validate", &argc, &argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if ((a.file != NULL) == (argc == 2) || argc > 2)
    return ds_cli_usage (error, "validate takes one MODEL, or -f FILE");
  if (a.measured == NULL)
    return ds_cli_usage (error, "validate needs --measured TRACE (from dawnsim exec --measured)");
  if (a.reps < 1 || a.stages < 0 || a.replicas < 0)
    return ds_cli_usage (error, "--repeats, --stages and --replicas must be >= 1");
  model = ds_cli_open_model (a.file != NULL ? a.file : argv[1], &margs, error);
  if (model == NULL || !ds_read_file (a.measured, &text, &len, error)
      || (measured = ds_trace_read_json (text, len, a.measured, error)) == NULL
      || !read_run_info (measured, a.measured, &info, error)
      || (plan = plan_of (&a, model, error)) == NULL
      || !ds_exec_measure_machine (&machine, error))
    return FALSE;
  rows = info.minibatch / info.n_microbatches
         / (info.schedule == DS_SCHEDULE_1F1B ? 1 : ds_plan_stage_const (plan, 0)->n_replicas);
  timed = ds_exec_profile_layers (model, MAX (rows, 1), info.minibatch, (guint) a.reps, error);
  if (timed == NULL)
    return FALSE;
  cluster = ds_exec_machine_cluster (&machine, MAX (machine.n_cores, ds_plan_n_replicas (plan)));
  ds_sim_options_init (&o);
  o.schedule = info.schedule;
  o.n_microbatches = info.n_microbatches;
  o.n_iterations = info.steps;
  o.n_cores = machine.n_cores;
  o.record_trace = TRUE;
  sim = ds_sim_run (plan, timed, cluster, &o, error);
  if (sim == NULL)
    return FALSE;
  predicted_s = sim->makespan_s / info.steps;
  v = ds_validation_new (measured, sim->trace);
  if (a.csv != NULL)
    {
      g_autofree char *csv = ds_validation_to_csv (v);
      if (!ds_write_file (a.csv, csv, strlen (csv), error))
        return FALSE;
    }
  out = format == DS_OUTPUT_JSON
        ? render_json (&info, predicted_s, v, run_threads (plan, info.schedule), machine.n_cores)
        : format == DS_OUTPUT_CSV ? ds_validation_to_csv (v)
        : render_human (model, &info, predicted_s, v, run_threads (plan, info.schedule),
                        machine.n_cores);
  fputs (out, stdout);
  return TRUE;
}
