/* cli/cli.c - option parsing and usage errors shared by the commands. */
#include "config.h"

#include "cli/cli.h"
#include "core/error.h"
#include "core/model-io.h"
#include "core/plan-json.h"
#include "core/zoo.h"
#include "hwmodels/cost.h"
#include "hwmodels/presets.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (ds-cli-error-quark, ds_cli_error)

gboolean
ds_cli_usage (GError **error, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, DS_CLI_ERROR, DS_CLI_ERROR_USAGE, msg);
  return FALSE;
}

GOptionContext *
ds_cli_context (const char *command, const char *params, const char *summary,
                const char *description, const GOptionEntry *entries)
{
  g_autofree char *usage = g_strdup_printf ("%s %s", command, params);
  GOptionContext *context = g_option_context_new (usage);

  g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  return context;
}

gboolean
ds_cli_parse (GOptionContext *context, const char *command, int *argc,
              char ***argv, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (g_option_context_parse (context, argc, argv, &local))
    return TRUE;
  return ds_cli_usage (error, "%s: %s (see 'dawnsim help %s')", command,
                       local->message, command);
}

gboolean
ds_cli_output_format (const char *name, DsOutputFormat *out, GError **error)
{
  if (name == NULL || g_strcmp0 (name, "human") == 0)
    *out = DS_OUTPUT_HUMAN;
  else if (g_strcmp0 (name, "json") == 0)
    *out = DS_OUTPUT_JSON;
  else if (g_strcmp0 (name, "csv") == 0)
    *out = DS_OUTPUT_CSV;
  else
    return ds_cli_usage (error, "--format must be human, json or csv, got '%s'",
                         name);
  return TRUE;
}

void
ds_cli_add_model_options (GOptionContext *context, DsCliModelArgs *args)
{
  const GOptionEntry entries[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &args->from,
      "Format of a model file: json, graphtxt or csv (default: from the name)", "FMT" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &args->batch,
      "Samples per minibatch, for zoo models (default: the model's)", "N" },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &args->dtype,
      "Datatype of a zoo model: fp32, fp16 or bf16 (default: fp32)", "DTYPE" },
    { "seq-len", 0, 0, G_OPTION_ARG_INT, &args->seq_len,
      "Sequence length, for zoo transformers and RNNs", "N" },
    { NULL }
  };
  GOptionGroup *group = g_option_group_new ("model", "Model options:",
                                            "Show model options", NULL, NULL);

  g_option_group_add_entries (group, entries);
  g_option_context_add_group (context, group);
}

void
ds_cli_model_args_clear (DsCliModelArgs *args)
{
  g_clear_pointer (&args->from, g_free);
  g_clear_pointer (&args->dtype, g_free);
}

gboolean
ds_cli_tta_args_check (const DsCliTtaArgs *args, gboolean run, GError **error)
{
  double run_sum = run ? args->startup_s + args->eval_s + args->cov : 0;
  gboolean run_given = run && (args->startup_s != 0 || args->eval_s != 0 || args->cov != 0);
  gboolean run_ok = !run || (args->startup_s >= 0 && args->eval_s >= 0 && args->cov >= 0);

  if (args->efficiency == NULL)
    {
      if (args->dataset_size != 0 || args->minibatch != 0 || args->eval_every != 0 || run_given)
        return ds_cli_usage (error, run ? "--dataset-size, --minibatch, --eval-every, --startup, "
                                          "--eval-time and --cov go with --efficiency FILE"
                                        : "--dataset-size, --minibatch and --eval-every go with "
                                          "--efficiency FILE");
      return TRUE;
    }
  if (!(args->dataset_size >= 1) || !isfinite (args->dataset_size))
    return ds_cli_usage (error, "--efficiency needs --dataset-size N (samples per epoch, >= 1)");
  if (!(args->minibatch >= 0 && args->eval_every >= 0 && run_ok)
      || !isfinite (args->minibatch + args->eval_every + run_sum))
    return ds_cli_usage (error, run ? "--minibatch, --eval-every, --startup, --eval-time and --cov "
                                      "must be >= 0"
                                    : "--minibatch and --eval-every must be >= 0");
  return TRUE;
}

DsTtaSetup
ds_cli_tta_setup (const DsCliTtaArgs *args)
{
  return (DsTtaSetup) { args->dataset_size, args->eval_every, args->startup_s, args->eval_s,
                        args->cov };
}

void
ds_cli_tta_args_clear (DsCliTtaArgs *args)
{
  g_clear_pointer (&args->efficiency, g_free);
}

static gboolean
dtype_bytes (const char *dtype, guint *out, GError **error)
{
  if (dtype == NULL || strcmp (dtype, "fp32") == 0)
    *out = 4;
  else if (strcmp (dtype, "fp16") == 0 || strcmp (dtype, "bf16") == 0)
    *out = 2;
  else
    return ds_cli_usage (error, "--dtype must be fp32, fp16 or bf16, got '%s'",
                         dtype);
  return TRUE;
}

DsModel *
ds_cli_open_model (const char *arg, const DsCliModelArgs *args, GError **error)
{
  DsZooOptions zoo = { 0 };
  DsModelFormat format = DS_MODEL_FORMAT_AUTO;
  gboolean is_zoo = ds_zoo_find (arg) != NULL;

  if (args->batch < 0 || args->seq_len < 0)
    return ds_cli_usage (error, "--batch and --seq-len must be positive"), NULL;
  if (!is_zoo && (args->batch > 0 || args->dtype != NULL || args->seq_len > 0))
    return ds_cli_usage (error, "--batch, --dtype and --seq-len apply to zoo "
                         "models; '%s' is not one", arg), NULL;
  if (is_zoo && args->from != NULL)
    return ds_cli_usage (error, "--from applies to model files; '%s' is a zoo "
                         "model", arg), NULL;
  if (args->from != NULL)
    {
      g_autoptr(GError) local = NULL;
      if (!ds_model_format_parse (args->from, &format, &local))
        return ds_cli_usage (error, "--from: %s", local->message), NULL;
      return ds_model_load (arg, format, error);
    }
  if (!dtype_bytes (args->dtype, &zoo.dtype_bytes, error))
    return NULL;
  zoo.dtype_name = args->dtype;
  zoo.batch_size = args->batch;
  zoo.seq_len = args->seq_len;
  return ds_model_open (arg, &zoo, error);
}

gboolean
ds_cli_price_model (DsModel *model, const char *device, const DsCluster *cluster,
                    GError **error)
{
  const char *name = device;
  g_autoptr(DsHwDevice) hw = NULL;
  gboolean untimed = FALSE;

  for (guint i = 0; i < ds_model_n_layers (model) && !untimed; i++)
    untimed = !ds_model_layer (model, i)->has_times;
  if (!untimed)
    return TRUE;
  if (name == NULL && cluster != NULL && ds_cluster_device_const (cluster)->name[0] != '\0')
    name = ds_cluster_device_const (cluster)->name;
  if (name == NULL)
    return ds_cli_usage (error, "model '%s' has layers without measured times: "
                         "give --device NAME (or a --cluster) to price them "
                         "from their FLOPs", ds_model_get_name (model));
  hw = ds_hw_device_open (name, error);
  return hw != NULL && ds_hw_model_cost (model, hw, NULL, NULL, error);
}

DsPlan *
ds_cli_read_plan (const char *path, const DsModel *model, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_plan_read_json (text, len, path, model, error);
}
