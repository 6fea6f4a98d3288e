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

typedef struct {
  char *file, *plan_file, *schedule, *data, *data_dir, *log, *trace, *measured, *format;
  char *transport, *slow;
  int stages, replicas, microbatches, batch_size, epochs, max_steps, seed, eval_every;
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
  o->progress = progress;
  o->progress_data = (gpointer) a;
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
  "  dawnsim exec mlp-wide --stages 2 --schedule gpipe -m 4 --max-steps 20 --trace t.json";

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
    { "transport", 0, 0, G_OPTION_ARG_STRING, &a.transport,
      "threads (default) or mpi (the default under mpirun)", "NAME" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &a.format, "Output: human (default), json or csv", "FMT" },
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
  model = ds_cli_open_model (a.file != NULL ? a.file : argv[1], &margs, error);
  if (model == NULL || (plan = choose_plan (&a, model, error)) == NULL
      || !fill_options (&a, plan, &o, error) || !load_data (&a, &train, &test, error))
    return FALSE;
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
