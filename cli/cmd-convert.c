/* cli/cmd-convert.c - `dawnsim convert IN OUT`: between model formats.
 *
 * IN is any MODEL (a file or a zoo name); OUT's format comes from --to or
 * its name (.json, .txt), and "-" writes to standard output. The output
 * is written atomically, so a failed conversion leaves no file behind.
 * graph.txt -> JSON -> graph.txt gives back the original bytes.
 */
#include "config.h"

#include "cli/cli.h"
#include "core/model-io.h"

gboolean
ds_cmd_convert (int argc, char **argv, GError **error)
{
  g_auto(DsCliModelArgs) margs = { 0 };
  g_autofree char *to = NULL;
  const GOptionEntry entries[] = {
    { "to", 't', 0, G_OPTION_ARG_STRING, &to,
      "Output format: json or graphtxt (default: from OUT's name)", "FMT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "convert", "IN OUT", "Convert a model between file formats.",
      "IN is a model file or a zoo name; OUT is a file name or - for\n"
      "standard output. Formats: json (dawnsim's own, docs/formats.md),\n"
      "graphtxt (PipeDream's profile format), csv (per-layer tables; read only).\n\n"
      "Examples:\n"
      "  dawnsim convert profiles/vgg16/graph.txt vgg16.json\n"
      "  dawnsim convert vgg16.json graph.txt\n"
      "  dawnsim convert resnet50 - --to json", entries);
  g_autoptr(DsModel) model = NULL;
  DsModelFormat format = DS_MODEL_FORMAT_AUTO;

  ds_cli_add_model_options (context, &margs);
  if (!ds_cli_parse (context, "convert", &argc, &argv, error))
    return FALSE;
  if (argc != 3)
    return ds_cli_usage (error, "convert takes IN and OUT (see 'dawnsim help convert')");
  if (to != NULL)
    {
      g_autoptr(GError) local = NULL;
      if (!ds_model_format_parse (to, &format, &local))
        return ds_cli_usage (error, "--to: %s", local->message);
    }
  else if (ds_model_format_guess (argv[2]) == DS_MODEL_FORMAT_AUTO)
    return ds_cli_usage (error, "cannot tell the format of '%s' from its name: "
                         "give --to json or --to graphtxt", argv[2]);
  model = ds_cli_open_model (argv[1], &margs, error);
  if (model == NULL)
    return FALSE;
  return ds_model_save (model, argv[2], format, error);
}
