/* cli/cmd-exec.c - `dawnsim exec`: train a plan for real on this machine's
 * cores (exec/runtime.h) and record what happened.
 *
 * The plan: --plan FILE, else --stages P (a straight pipeline balanced by
 * the layers' FLOPs, --replicas R each). The data: Fashion-MNIST from the
 * Debian package, or --data synthetic. Prints a line per epoch (loss,
 * test accuracy, time) and a summary; --log writes DAWNBench's TSV
 * (epoch, hours, top1Accuracy), --trace the measured timeline as Chrome
 * trace JSON, --measured it as dawnsim trace JSON.
 *
 * Under mpirun (or with --transport mpi) each rank runs one worker; rank 0
 * alone prints and writes the outputs.
 *
 * --repeat N runs the same plan with seeds seed, seed + 1, ..., one after
 * another on data loaded once, reads each run's DAWNBench TSV back with
 * traces/tta.h (so the numbers are the ones `dawnsim tta` would give for
 * the logs) and reports the TTA and epochs to the target over the runs
 * and the threshold curve (traces/tta-stats.h).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/json-writer.h"
#include "core/trace-json.h"
#include "core/units.h"
#include "exec/dataset.h"
#include "exec/mpi.h"
#include "exec/runtime.h"
#include "planner/split.h"
#include "traces/chrome.h"
#include "traces/tta-stats.h"
#include "traces/tta.h"

typedef struct {
  char *file, *plan_file, *schedule, *data, *data_dir, *log, *trace, *measured, *format;
  char *transport, *slow, *thresholds, *wir;
  int stages, replicas, microbatches, batch_size, epochs, max_steps, seed, eval_every, repeat;
  double lr, momentum, weight_decay, target;
  gboolean no_pin;
} ExecArgs;

static void
exec_args_clear (ExecArgs *a)
{
  g_free (a->file);
  g_free (a->plan_file);
  g_free (a->schedule);
  g_free (a->data);
  g_free (a->data_dir);
  g_free (a->log);
  g_free (a->trace);
  g_free (a->measured);
  g_free (a->format);
  g_free (a->transport);
  g_free (a->slow);
  g_free (a->thresholds);
  g_free (a->wir);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExecArgs, exec_args_clear)

static DsPlan *
choose_plan (const ExecArgs *a, const DsModel *model, GError **error)
{
  if (a->plan_file != NULL)
    {
      if (a->stages > 0)
        {
          ds_cli_usage (error, "give --plan or --stages, not both");
          return NULL;
        }
      return ds_cli_read_plan (a->plan_file, model, error);
    }
  return ds_plan_split_by_work (model, a->stages > 0 ? (guint) a->stages : 1,
                         a->replicas > 0 ? (guint) a->replicas : 1, error);
}

static gboolean
load_data (const ExecArgs *a, DsDataset **train, DsDataset **test, GError **error)
{
  if (a->data == NULL || strcmp (a->data, "fashion-mnist") == 0)
    {
      *train = ds_dataset_fashion_mnist (a->data_dir, TRUE, error);
      *test = *train != NULL ? ds_dataset_fashion_mnist (a->data_dir, FALSE, error) : NULL;
      return *test != NULL;
    }
  if (strcmp (a->data, "synthetic") == 0)
    {
      /* one task, split: the test set shares the training set's centres */
      g_autoptr(DsDataset) all = ds_dataset_synthetic (70000, 784, 10, (guint64) a->seed);
      *train = ds_dataset_slice (all, 0, 60000);
      *test = ds_dataset_slice (all, 60000, 10000);
      return TRUE;
    }
  return ds_cli_usage (error, "--data takes fashion-mnist or synthetic, got '%s'", a->data);
}

static void
progress (guint epoch, double loss, double accuracy, gpointer data)
{
  const ExecArgs *a = data;

  if (a->format == NULL || strcmp (a->format, "human") == 0)
    {
      printf ("epoch %-3u train loss %.4f  test accuracy %.2f%%\n", epoch, loss, 100 * accuracy);
      fflush (stdout);
    }
  else if (isatty (STDERR_FILENO))
    fprintf (stderr, "epoch %u: loss %.4f, accuracy %.2f%%\n", epoch, loss, 100 * accuracy);
}

/* DAWNBench's TSV: a row per evaluation, cumulative training hours
 * (evaluations left out, as DAWNBench allows), accuracy in percent. */
static char *
dawnbench_tsv (const DsExecResult *r)
{
  GString *s = g_string_new ("epoch\thours\ttop1Accuracy\n");

  for (guint i = 0; i < r->evals->len; i++)
    {
      const DsExecEval *e = &g_array_index (r->evals, DsExecEval, i);
      char ep[G_ASCII_DTOSTR_BUF_SIZE], h[G_ASCII_DTOSTR_BUF_SIZE], acc[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (ep, sizeof ep, "%.4g", e->epochs);
      g_ascii_formatd (h, sizeof h, "%.6f", e->seconds / 3600);
      g_ascii_formatd (acc, sizeof acc, "%.2f", 100 * e->test_accuracy);
      g_string_append_printf (s, "%s\t%s\t%s\n", ep, h, acc);
    }
  return g_string_free (s, FALSE);
}

static gboolean
write_outputs (const ExecArgs *a, const DsExecResult *r, GError **error)
{
  if (a->log != NULL)
    {
      g_autofree char *tsv = dawnbench_tsv (r);
      if (!ds_write_file (a->log, tsv, strlen (tsv), error))
        return FALSE;
    }
  if (a->trace != NULL)
    {
      gsize len = 0;
      g_autofree char *text = ds_trace_write_chrome (r->trace, &len);
      if (!ds_write_file (a->trace, text, len, error))
        return FALSE;
    }
  if (a->measured != NULL)
    {
      gsize len = 0;
      g_autofree char *text = ds_trace_write_json (r->trace, &len);
      if (!ds_write_file (a->measured, text, len, error))
        return FALSE;
    }
  return TRUE;
}

static char *
render (const DsModel *model, const DsPlan *plan, const DsExecOptions *o,
        const DsExecResult *r, DsOutputFormat format)
{
  const DsExecEpoch *last = &g_array_index (r->epochs, DsExecEpoch, r->epochs->len - 1);
  char x[3][DS_NUM_BUF];
  g_autofree char *reached = NULL;

  if (format == DS_OUTPUT_JSON)
    {
      g_autoptr(DsJsonWriter) w = ds_json_writer_new ();
      ds_json_begin_object (w);
      ds_json_member_string (w, "model", ds_model_get_name (model));
      ds_json_member_string (w, "schedule", ds_schedule_name (o->schedule));
      ds_json_member_uint64 (w, "n_stages", ds_plan_n_stages (plan));
      ds_json_member_uint64 (w, "minibatch", o->minibatch);
      ds_json_member_uint64 (w, "n_microbatches", o->n_microbatches);
      ds_json_member_double (w, "iteration_s", r->iteration_s);
      ds_json_member_double (w, "samples_per_s", o->minibatch / r->iteration_s);
      ds_json_member_string (w, "wir", ds_net_wir_mode_name (o->wir));
      ds_json_member_uint64 (w, "wir_kernels", r->wir_kernels);
      ds_json_member_uint64 (w, "wir_kernels_reused", r->wir_reused);
      if (r->reached_epoch > 0)
        {
          ds_json_member_int64 (w, "target_epoch", r->reached_epoch);
          ds_json_member_double (w, "epochs_to_target", r->target_epochs);
          ds_json_member_double (w, "time_to_target_s", r->reached_s);
        }
      ds_json_member (w, "epochs");
      ds_json_begin_array (w);
      for (guint i = 0; i < r->epochs->len; i++)
        {
          const DsExecEpoch *e = &g_array_index (r->epochs, DsExecEpoch, i);
          ds_json_begin_object_inline (w);
          ds_json_member_uint64 (w, "epoch", e->epoch);
          ds_json_member_double (w, "seconds", e->seconds);
          ds_json_member_double (w, "train_loss", e->train_loss);
          ds_json_member_double (w, "test_accuracy", e->test_accuracy);
          ds_json_end_object (w);
        }
      ds_json_end_array (w);
      ds_json_member (w, "evals");
      ds_json_begin_array (w);
      for (guint i = 0; i < r->evals->len; i++)
        {
          const DsExecEval *e = &g_array_index (r->evals, DsExecEval, i);
          ds_json_begin_object_inline (w);
          ds_json_member_double (w, "epochs", e->epochs);
          ds_json_member_double (w, "seconds", e->seconds);
          ds_json_member_double (w, "wall_s", e->wall_s);
          ds_json_member_double (w, "test_accuracy", e->test_accuracy);
          ds_json_end_object (w);
        }
      ds_json_end_array (w);
      ds_json_end_object (w);
      return ds_json_writer_finish (g_steal_pointer (&w), NULL);
    }
  if (format == DS_OUTPUT_CSV)
    {
      g_autofree char *tsv = dawnbench_tsv (r);
      return g_strdelimit (g_steal_pointer (&tsv), "\t", ',');
    }
  if (r->reached_epoch > 0)
    reached = g_strdup_printf (" (target reached after %.4g epochs, %s)", r->target_epochs,
                               ds_fmt_seconds_human (x[2], r->reached_s));
  return g_strdup_printf ("%s, %u stage%s, %s, minibatch %u in %u micro-batch%s: "
                          "%s per minibatch (%.0f samples/s)\n"
                          "final test accuracy %.2f%% after %u epoch%s, %s%s\n",
                          ds_model_get_name (model), ds_plan_n_stages (plan),
                          ds_plan_n_stages (plan) == 1 ? "" : "s", ds_schedule_name (o->schedule),
                          o->minibatch, o->n_microbatches, o->n_microbatches == 1 ? "" : "es",
                          ds_fmt_seconds_human (x[0], r->iteration_s),
                          o->minibatch / r->iteration_s, 100 * last->test_accuracy,
                          last->epoch, last->epoch == 1 ? "" : "s",
                          ds_fmt_seconds_human (x[1], last->seconds),
                          reached != NULL ? reached : "");
}

static gboolean
fill_options (const ExecArgs *a, const DsPlan *plan, DsExecOptions *o, GError **error)
{
  ds_exec_options_init (o, plan);
  if (a->schedule != NULL && !ds_schedule_from_name (a->schedule, &o->schedule))
    return ds_cli_usage (error, "unknown schedule '%s': dp, gpipe, 1f1b or 1f1b-flush",
                         a->schedule);
  if (a->microbatches < 0 || a->batch_size < 0 || a->epochs < 0 || a->max_steps < 0
      || a->stages < 0 || a->replicas < 0 || a->seed < 0)
    return ds_cli_usage (error, "counts must be >= 1");
  if (a->microbatches > 0)
    o->n_microbatches = (guint) a->microbatches;
  if (a->batch_size > 0)
    o->minibatch = (guint) a->batch_size;
  if (a->epochs > 0)
    o->epochs = (guint) a->epochs;
  o->max_steps = (guint) a->max_steps;
  if (a->eval_every < 0)
    return ds_cli_usage (error, "--eval-every must be >= 0");
  o->eval_every = (guint) a->eval_every;
  o->seed = (guint64) a->seed;
  if (!(a->lr > 0) || !(a->momentum >= 0 && a->momentum < 1) || !(a->weight_decay >= 0)
      || !(a->target >= 0 && a->target <= 1))
    return ds_cli_usage (error, "--lr must be > 0, --momentum in [0, 1), --weight-decay "
                         ">= 0, --target in [0, 1]");
  o->lr = a->lr;
  o->momentum = a->momentum;
  o->weight_decay = a->weight_decay;
  o->target_accuracy = a->target;
  o->record_trace = a->trace != NULL || a->measured != NULL;
  o->pin_threads = !a->no_pin;
  if (a->slow != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (a->slow, ":", 2);
      guint64 stage = 0;
      char *end = NULL;
      if (g_strv_length (parts) != 2
          || !g_ascii_string_to_unsigned (parts[0], 10, 0, ds_plan_n_stages (plan) - 1, &stage, NULL)
          || (o->slow_s = g_ascii_strtod (parts[1], &end), end == parts[1] || *end != '\0')
          || !(o->slow_s > 0 && o->slow_s <= 10))
        return ds_cli_usage (error, "--slow-stage takes STAGE:SECONDS, a stage of the plan "
                             "(0 to %u) and a delay in (0, 10], got '%s'",
                             ds_plan_n_stages (plan) - 1, a->slow);
      o->slow_stage = (gint) stage;
    }
  if (a->transport == NULL)
    o->transport = ds_mpi_launched () ? DS_EXEC_MPI : DS_EXEC_THREADS;
  else if (strcmp (a->transport, "threads") == 0 || strcmp (a->transport, "mpi") == 0)
    o->transport = a->transport[0] == 'm' ? DS_EXEC_MPI : DS_EXEC_THREADS;
  else
    return ds_cli_usage (error, "--transport takes threads or mpi, got '%s'", a->transport);
  if (a->wir != NULL && !ds_net_wir_mode_parse (a->wir, &o->wir))
    return ds_cli_usage (error, "--wir takes off, unfused or fused, got '%s'", a->wir);
  o->progress = progress;
  o->progress_data = (gpointer) a;
  return TRUE;
}

/* ---- --repeat: the DAWNBench analysis over seeds ---- */

typedef struct {
  guint64 seed;
  DsTtaLog *log;               /* the run's TSV, read back */
  DsTtaResult at_target;
  double epochs;               /* the hit row's epoch, or NAN */
  double iteration_s;
} RepeatRun;

static void
repeat_run_clear (gpointer p)
{
  ds_tta_log_free (((RepeatRun *) p)->log);
}

static gboolean
check_repeat (const ExecArgs *a, GError **error)
{
  if (a->repeat < 1)
    return ds_cli_usage (error, "--repeat must be >= 1, got %d", a->repeat);
  if (ds_mpi_launched () || (a->transport != NULL && strcmp (a->transport, "mpi") == 0))
    return ds_cli_usage (error, "--repeat runs its seeds one after another in one process, "
                         "not under MPI: run one seed per mpirun job (--seed N --log FILE) "
                         "and give the logs to 'dawnsim tta --runs --sweep'");
  if (!(a->target > 0))
    return ds_cli_usage (error, "--repeat needs --target (the accuracy to time, e.g. 0.85)");
  if (a->trace != NULL || a->measured != NULL)
    return ds_cli_usage (error, "--repeat writes no --trace or --measured (one per run "
                         "would be needed): run the seed of interest alone");
  if (a->log != NULL && a->repeat > 1 && strstr (a->log, "{seed}") == NULL)
    return ds_cli_usage (error, "with --repeat, --log takes a pattern with {seed} "
                         "(e.g. 'run-{seed}.tsv'), got '%s'", a->log);
  return TRUE;
}

/* The targets of the threshold curve, ascending, in the TSV's percent:
 * --thresholds, else the target -2, -1, -0.5, 0, +0.5, +1 points. Built
 * as text and parsed (tta.md 2.3), so 85 is the logged "85.00". */
static gboolean
repeat_targets (const ExecArgs *a, GArray *targets, GError **error)
{
  static const double offsets[] = { -2, -1, -0.5, 0, 0.5, 1 };
  g_auto(GStrv) texts = NULL;

  if (a->thresholds != NULL)
    texts = g_strsplit (a->thresholds, ",", -1);
  else
    {
      texts = g_new0 (char *, G_N_ELEMENTS (offsets) + 1);
      for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
        texts[i] = g_strdup_printf ("%.10g", 100 * a->target + offsets[i]);
    }
  for (guint i = 0; texts[i] != NULL; i++)
    {
      DsTtaTarget t = { 0 };
      g_autoptr(GError) bad = NULL;
      if (!ds_tta_target_parse (texts[i], "top1Accuracy", &t, &bad))
        return ds_cli_usage (error, "--thresholds: %s", bad->message);
      g_array_append_val (targets, t);
      if (i > 0 && !(t.threshold > g_array_index (targets, DsTtaTarget, i - 1).threshold))
        return ds_cli_usage (error, "--thresholds must ascend, got '%s'", a->thresholds);
      if (!(t.threshold > 0 && t.threshold <= 100))
        return ds_cli_usage (error, "--thresholds are percent in (0, 100], got '%s'", texts[i]);
    }
  return TRUE;
}

static char *
seed_path (const char *pattern, guint64 seed)
{
  g_auto(GStrv) parts = g_strsplit (pattern, "{seed}", -1);
  g_autofree char *s = g_strdup_printf ("%" G_GUINT64_FORMAT, seed);

  return g_strjoinv (s, parts);
}

static gboolean
repeat_one (const ExecArgs *a, const DsPlan *plan, const DsModel *model,
            const DsDataset *train, const DsDataset *test, DsExecOptions *o,
            const DsTtaTarget *target, RepeatRun *run, GError **error)
{
  g_autoptr(DsExecResult) r = ds_exec_run (plan, model, train, test, o, error);
  g_autofree char *tsv = NULL, *name = NULL;

  if (r == NULL)
    return FALSE;
  tsv = dawnbench_tsv (r);
  name = a->log != NULL ? seed_path (a->log, o->seed)
                        : g_strdup_printf ("seed-%" G_GUINT64_FORMAT, o->seed);
  if (a->log != NULL && !ds_write_file (name, tsv, strlen (tsv), error))
    return FALSE;
  run->seed = o->seed;
  run->iteration_s = r->iteration_s;
  run->log = ds_tta_log_parse (tsv, strlen (tsv), name, "top1Accuracy", error);
  if (run->log == NULL)
    return FALSE;
  ds_tta_first_crossing (run->log, target, &run->at_target);
  run->epochs = NAN;
  if (run->at_target.reached)
    ds_tta_parse_decimal (run->at_target.epoch_text, &run->epochs);
  return TRUE;
}

static void
repeat_stats (GArray *runs, gboolean use_epochs, DsTtaStats *st, gboolean *olympic_ok,
              double *olympic, const char **why)
{
  g_autofree double *v = g_new (double, runs->len);
  g_autofree gboolean *ok = g_new (gboolean, runs->len);

  for (guint i = 0; i < runs->len; i++)
    {
      const RepeatRun *r = &g_array_index (runs, RepeatRun, i);
      v[i] = use_epochs ? r->epochs : r->at_target.tta_s;
      ok[i] = r->at_target.reached;
    }
  ds_tta_stats (v, ok, runs->len, st);
  if (olympic_ok != NULL)
    *olympic_ok = ds_tta_olympic_mean (v, ok, runs->len, olympic, why);
}

/* Mean TTA and CoV at each threshold over the runs that reach it. */
static void
curve_stats (const DsTtaSweep *sw, guint t, DsTtaStats *st)
{
  g_autofree double *v = g_new (double, MAX (sw->n_runs, 1));
  g_autofree gboolean *ok = g_new (gboolean, MAX (sw->n_runs, 1));

  for (guint r = 0; r < sw->n_runs; r++)
    {
      v[r] = sw->cells[r * sw->n_targets + t].tta_s;
      ok[r] = sw->cells[r * sw->n_targets + t].reached;
    }
  ds_tta_stats (v, ok, sw->n_runs, st);
}

static void
json_stats (DsJsonWriter *w, const char *name, const DsTtaStats *st)
{
  const double v[] = { st->mean, st->median, st->min, st->max, st->sd, st->cov };
  const char *const names[] = { "mean", "median", "min", "max", "sd", "cov" };

  ds_json_member (w, name);
  ds_json_begin_object_inline (w);
  ds_json_member_uint64 (w, "n_reached", st->n_reached);
  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    {
      ds_json_member (w, names[i]);
      if (isfinite (v[i]))
        ds_json_double (w, v[i]);
      else
        ds_json_null (w);
    }
  ds_json_end_object (w);
}

static char *
repeat_json (GArray *runs, const DsTtaSweep *sw, GArray *targets, const DsTtaStats *tta,
             const DsTtaStats *ep, gboolean olympic_ok, double olympic)
{
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "time_base", "dawnbench");
  ds_json_member (w, "runs");
  ds_json_begin_array (w);
  for (guint i = 0; i < runs->len; i++)
    {
      const RepeatRun *r = &g_array_index (runs, RepeatRun, i);
      ds_json_begin_object_inline (w);
      ds_json_member_uint64 (w, "seed", r->seed);
      ds_json_member_bool (w, "reached", r->at_target.reached);
      ds_json_member (w, "tta_s");
      r->at_target.reached ? ds_json_double (w, r->at_target.tta_s) : ds_json_null (w);
      ds_json_member (w, "epochs_to_target");
      isfinite (r->epochs) ? ds_json_double (w, r->epochs) : ds_json_null (w);
      ds_json_member_double (w, "best_accuracy_pct", r->at_target.best_value);
      ds_json_member_double (w, "iteration_s", r->iteration_s);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  json_stats (w, "tta_s", tta);
  json_stats (w, "epochs_to_target", ep);
  ds_json_member (w, "olympic_mean_s");
  olympic_ok ? ds_json_double (w, olympic) : ds_json_null (w);
  ds_json_member (w, "curve");
  ds_json_begin_array (w);
  for (guint t = 0; t < targets->len; t++)
    {
      DsTtaStats st;
      curve_stats (sw, t, &st);
      ds_json_begin_object_inline (w);
      ds_json_member_double (w, "threshold_pct", g_array_index (targets, DsTtaTarget, t).threshold);
      json_stats (w, "tta_s", &st);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (g_steal_pointer (&w), NULL);
}

static void
human_stat_line (GString *s, const char *what, const DsTtaStats *st, const char *fmt)
{
  g_string_append_printf (s, "%s over the %u runs that reached it: mean ", what, st->n_reached);
  g_string_append_printf (s, fmt, st->mean);
  g_string_append (s, ", median ");
  g_string_append_printf (s, fmt, st->median);
  g_string_append (s, ", min ");
  g_string_append_printf (s, fmt, st->min);
  g_string_append (s, ", max ");
  g_string_append_printf (s, fmt, st->max);
  if (isfinite (st->cov))
    g_string_append_printf (s, ", CoV %.2f%%", 100 * st->cov);
  g_string_append_c (s, '\n');
}

static char *
repeat_human (GArray *runs, const DsTtaSweep *sw, GArray *targets, const DsTtaTarget *target,
              const DsTtaStats *tta, const DsTtaStats *ep, gboolean olympic_ok,
              double olympic, const char *why)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u runs, target top1Accuracy >= %s, time base: DAWNBench "
                          "(training time, evaluations left out)\n", runs->len,
                          target->threshold_text);
  for (guint i = 0; i < runs->len; i++)
    {
      const RepeatRun *r = &g_array_index (runs, RepeatRun, i);
      if (r->at_target.reached)
        g_string_append_printf (s, "  seed %-4" G_GUINT64_FORMAT " TTA %8.2f s  epochs %-6.4g "
                                "best %.2f%%\n", r->seed, r->at_target.tta_s, r->epochs,
                                r->at_target.best_value);
      else
        g_string_append_printf (s, "  seed %-4" G_GUINT64_FORMAT " not reached (best %.2f%%)\n",
                                r->seed, r->at_target.best_value);
    }
  g_string_append_printf (s, "reached the target: %u of %u\n", tta->n_reached, tta->n_runs);
  if (tta->n_reached > 0)
    {
      human_stat_line (s, "TTA (s)", tta, "%.2f");
      human_stat_line (s, "epochs to target", ep, "%.3g");
    }
  if (olympic_ok)
    g_string_append_printf (s, "MLPerf olympic mean TTA: %.2f s\n", olympic);
  else
    g_string_append_printf (s, "MLPerf olympic mean TTA: not valid (%s)\n", why);
  g_string_append (s, "threshold curve (runs reaching it, mean TTA, CoV):\n");
  for (guint t = 0; t < targets->len; t++)
    {
      DsTtaStats st;
      curve_stats (sw, t, &st);
      g_string_append_printf (s, "  >= %-6s %u/%u", g_array_index (targets, DsTtaTarget, t).threshold_text,
                              st.n_reached, st.n_runs);
      if (st.n_reached > 0)
        g_string_append_printf (s, "  %8.2f s", st.mean);
      if (isfinite (st.cov))
        g_string_append_printf (s, "  %6.2f%%", 100 * st.cov);
      if (t + 1 < targets->len && isfinite (sw->tau_b[t]))
        g_string_append_printf (s, "  (Kendall tau_b to the next: %.3f)", sw->tau_b[t]);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static gboolean
run_repeat (const ExecArgs *a, const DsModel *model, const DsPlan *plan, DsExecOptions *o,
            const DsDataset *train, const DsDataset *test, DsOutputFormat format,
            GError **error)
{
  g_autoptr(GArray) targets = g_array_new (FALSE, TRUE, sizeof (DsTtaTarget));
  g_autoptr(GArray) runs = g_array_new (FALSE, TRUE, sizeof (RepeatRun));
  g_autoptr(GPtrArray) logs = g_ptr_array_new ();
  g_autoptr(DsTtaSweep) sweep = NULL;
  g_auto(DsTtaTarget) target = { 0 };
  g_autofree char *target_text = g_strdup_printf ("%.10g", 100 * a->target);
  g_autofree char *out = NULL;
  DsTtaStats tta, ep;
  gboolean olympic_ok;
  double olympic = 0, top;
  const char *why = NULL;

  g_array_set_clear_func (targets, (GDestroyNotify) ds_tta_target_clear);
  g_array_set_clear_func (runs, repeat_run_clear);
  if (format == DS_OUTPUT_CSV)
    return ds_cli_usage (error, "--repeat prints human or json");
  if (!repeat_targets (a, targets, error)
      || !ds_tta_target_parse (target_text, "top1Accuracy", &target, error))
    return FALSE;
  /* run on until the curve's highest threshold, so that it is not cut
   * short by the stop at the target */
  top = g_array_index (targets, DsTtaTarget, targets->len - 1).threshold / 100;
  o->target_accuracy = MAX (a->target, top);
  o->progress = NULL;
  g_array_set_size (runs, a->repeat);
  for (guint i = 0; i < (guint) a->repeat; i++)
    {
      RepeatRun *run = &g_array_index (runs, RepeatRun, i);
      o->seed = (guint64) a->seed + i;
      if (isatty (STDERR_FILENO))
        fprintf (stderr, "run %u of %d (seed %" G_GUINT64_FORMAT ")\n", i + 1, a->repeat, o->seed);
      if (!repeat_one (a, plan, model, train, test, o, &target, run, error))
        return FALSE;
      g_ptr_array_add (logs, run->log);
    }
  sweep = ds_tta_sweep_new ((DsTtaLog *const *) logs->pdata, logs->len,
                            (const DsTtaTarget *) targets->data, targets->len);
  repeat_stats (runs, FALSE, &tta, &olympic_ok, &olympic, &why);
  repeat_stats (runs, TRUE, &ep, NULL, NULL, NULL);
  out = format == DS_OUTPUT_JSON
        ? repeat_json (runs, sweep, targets, &tta, &ep, olympic_ok, olympic)
        : repeat_human (runs, sweep, targets, &target, &tta, &ep, olympic_ok, olympic, why);
  fputs (out, stdout);
  return TRUE;
}

static const char description[] =
  "Trains MODEL for real on this machine's cores: each stage (replica) a\n"
  "thread pinned to a core, activations and gradients passed between them,\n"
  "the schedule's programs as the simulator plays them, PipeDream's weight\n"
  "stashing under 1f1b. Models: the zoo's mlp, mlp-wide, cnn-small and\n"
  "transformer-tiny (and any model file of the same layer kinds).\n\n"
  "Under mpirun each worker is a rank instead (one per stage replica; the\n"
  "command says how many the plan needs), and rank 0 reports. Open MPI on\n"
  "one machine, as root, with more ranks than cores:\n"
  "  mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 \\\n"
  "    dawnsim exec mlp --stages 2 --schedule 1f1b\n\n"
  "The plan: --plan FILE, or --stages P (balanced by FLOPs) with --replicas R.\n"
  "The data: Fashion-MNIST (apt-get install dataset-fashion-mnist), or\n"
  "--data synthetic.\n\n"
  "Examples:\n"
  "  dawnsim exec mlp --epochs 5 --target 0.85 --log mlp.tsv\n"
  "  dawnsim exec mlp --stages 2 --schedule 1f1b --epochs 5 --log 1f1b.tsv\n"
  "  dawnsim exec mlp-wide --stages 2 --schedule gpipe -m 4 --max-steps 20 --trace t.json\n"
  "  dawnsim exec mlp --repeat 5 --target 0.85 --epochs 10 --eval-every 47 --log 'run-{seed}.tsv'\n\n"
  "--repeat N trains N times, seeds seed to seed + N - 1, on the same data\n"
  "(--data synthetic is drawn once, from the first seed), each run going on\n"
  "until the highest threshold of the curve or --epochs; --log then takes a\n"
  "pattern with {seed}. Not under MPI: run one seed per mpirun and give the\n"
  "logs to 'dawnsim tta --runs --sweep'.\n\n"
  "--wir fused|unfused runs each worker's non-GEMM work (activations and\n"
  "dropout, forward and backward, with the bias of the linear before them),\n"
  "the loss and the SGD update as lazy WIR fragments (docs/wir.md), each\n"
  "stretch between two GEMMs compiled to one C kernel with the system's cc\n"
  "(cached, by hash, under $XDG_CACHE_HOME/dawnsim/wir); GEMMs stay OpenBLAS.\n"
  "fused runs the optimizer's fusion passes (one loop per stretch), unfused\n"
  "the same fragments each as its own loop: the same float operations, so\n"
  "the same losses. off (the default) runs the hand-written kernels, whose\n"
  "losses the WIR paths match within float rounding (dropout draws other\n"
  "masks). See docs/exec.md, \"WIR in the executor\".";

gboolean
ds_cmd_exec (int argc, char **argv, GError **error)
{
  g_auto(ExecArgs) a = { .lr = 0.05, .momentum = 0.9, .seed = 1 };
  g_auto(DsCliModelArgs) margs = { 0 };
  const GOptionEntry entries[] = {
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &a.file, "Model file", "FILE" },
    { "plan", 0, 0, G_OPTION_ARG_FILENAME, &a.plan_file, "Run this plan (dawnsim JSON)", "FILE" },
    { "stages", 0, 0, G_OPTION_ARG_INT, &a.stages, "A straight pipeline of P stages", "P" },
    { "replicas", 0, 0, G_OPTION_ARG_INT, &a.replicas, "Replicas of each stage (with --stages)", "R" },
    { "schedule", 's', 0, G_OPTION_ARG_STRING, &a.schedule,
      "dp, gpipe, 1f1b or 1f1b-flush (default: the plan's)", "NAME" },
    { "microbatches", 'm', 0, G_OPTION_ARG_INT, &a.microbatches, "Micro-batches per minibatch", "M" },
    { "minibatch", 0, 0, G_OPTION_ARG_INT, &a.batch_size, "Samples per minibatch (default 128)", "N" },
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &a.epochs, "Epochs (default 1)", "N" },
    { "max-steps", 0, 0, G_OPTION_ARG_INT, &a.max_steps, "Minibatches per epoch at most", "N" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &a.lr, "Learning rate (default 0.05)", "X" },
    { "momentum", 0, 0, G_OPTION_ARG_DOUBLE, &a.momentum, "SGD momentum (default 0.9)", "X" },
    { "weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &a.weight_decay, "Weight decay (default 0)", "X" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &a.seed, "Seed of weights, shuffling, dropout", "N" },
    { "target", 0, 0, G_OPTION_ARG_DOUBLE, &a.target,
      "Stop after the epoch whose test accuracy reaches this (0.85)", "X" },
    { "eval-every", 0, 0, G_OPTION_ARG_INT, &a.eval_every,
      "Also measure test accuracy every N minibatches (off the clock)", "N" },
    { "data", 0, 0, G_OPTION_ARG_STRING, &a.data, "fashion-mnist (default) or synthetic", "NAME" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &a.data_dir,
      "Fashion-MNIST's IDX files (default /usr/share/datasets/fashion-mnist)", "DIR" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &a.log, "Write DAWNBench's TSV (epoch, hours, top1Accuracy)", "FILE" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &a.trace, "Write the measured timeline as Chrome trace JSON", "FILE" },
    { "measured", 0, 0, G_OPTION_ARG_FILENAME, &a.measured, "Write the measured timeline as dawnsim trace JSON", "FILE" },
    { "no-pin", 0, 0, G_OPTION_ARG_NONE, &a.no_pin, "Do not bind threads to cores", NULL },
    { "slow-stage", 0, 0, G_OPTION_ARG_STRING, &a.slow,
      "Add a delay to each forward and backward of a stage (a straggler)", "STAGE:SECONDS" },
    { "wir", 0, 0, G_OPTION_ARG_STRING, &a.wir,
      "Non-GEMM work as WIR kernels: off (default), unfused or fused", "MODE" },
    { "transport", 0, 0, G_OPTION_ARG_STRING, &a.transport,
      "threads (default) or mpi (the default under mpirun)", "NAME" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &a.format, "Output: human (default), json or csv", "FMT" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &a.repeat,
      "Run N seeds (seed, seed + 1, ...): TTA mean, CoV, threshold curve (needs --target)", "N" },
    { "thresholds", 0, 0, G_OPTION_ARG_STRING, &a.thresholds,
      "With --repeat: accuracies in percent for the threshold curve (default: target -2 to +1)",
      "X,Y,..." },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "exec", "[MODEL]", "Train a plan for real on this machine and record what happened.",
      description, entries);
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsDataset) train = NULL;
  g_autoptr(DsDataset) test = NULL;
  g_autoptr(DsExecResult) result = NULL;
  g_autofree char *text = NULL;
  DsExecOptions o;
  DsOutputFormat format;

  ds_cli_add_model_options (context, &margs);
  if (!ds_cli_parse (context, "exec", &argc, &argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if ((a.file != NULL) == (argc == 2) || argc > 2)
    return ds_cli_usage (error, "exec takes one MODEL, or -f FILE (see 'dawnsim help exec')");
  if (a.repeat != 0 && !check_repeat (&a, error))
    return FALSE;
  model = ds_cli_open_model (a.file != NULL ? a.file : argv[1], &margs, error);
  if (model == NULL || (plan = choose_plan (&a, model, error)) == NULL
      || !fill_options (&a, plan, &o, error) || !load_data (&a, &train, &test, error))
    return FALSE;
  if (a.repeat != 0)
    return run_repeat (&a, model, plan, &o, train, test, format, error);
  result = ds_exec_run (plan, model, train, test, &o, error);
  if (result == NULL)
    return FALSE;
  if (!result->root)
    return TRUE;
  if (!write_outputs (&a, result, error))
    return FALSE;
  text = render (model, plan, &o, result, format);
  fputs (text, stdout);
  return TRUE;
}
