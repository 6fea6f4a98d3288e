/* cli/cmd-models.c - `dawnsim models`: list the zoo.
 *
 * Each entry is built with its defaults to report what a user picks by:
 * parameter count, layer count, forward FLOPs per minibatch.
 */
#include "config.h"

#include "cli/cli.h"
#include "cli/table.h"
#include "core/json-writer.h"
#include "core/units.h"
#include "core/zoo.h"

#include <stdio.h>

static const char *const headers[] = {
  "model", "family", "layers", "params", "batch", "fwd/minibatch", "description"
};

static void
add_row (DsTable *table, const DsZooEntry *entry, const DsModelTotals *t,
         DsOutputFormat format)
{
  char layers[DS_NUM_BUF], params[DS_NUM_BUF], batch[DS_NUM_BUF], flops[DS_NUM_BUF];

  g_snprintf (layers, sizeof layers, "%u", t->n_layers);
  g_snprintf (batch, sizeof batch, "%u", entry->default_batch);
  if (format == DS_OUTPUT_HUMAN)
    {
      ds_fmt_count_human (params, t->n_params);
      ds_fmt_flops_human (flops, t->fwd_flops);
    }
  else
    {
      g_snprintf (params, sizeof params, "%" G_GUINT64_FORMAT, t->n_params);
      ds_fmt_double (flops, t->fwd_flops);
    }
  ds_table_add_row (table, (const char *const[]) {
    entry->name, entry->family, layers, params, batch, flops, entry->summary });
}

static void
write_json_entry (DsJsonWriter *w, const DsZooEntry *entry, const DsModelTotals *t)
{
  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "name", entry->name);
  ds_json_member_string (w, "family", entry->family);
  ds_json_member_uint64 (w, "layers", t->n_layers);
  ds_json_member_uint64 (w, "params", t->n_params);
  ds_json_member_uint64 (w, "default_batch", entry->default_batch);
  ds_json_member_double (w, "fwd_flops", t->fwd_flops);
  ds_json_member_string (w, "summary", entry->summary);
  ds_json_end_object (w);
}

gboolean
ds_cmd_models (int argc, char **argv, GError **error)
{
  g_autofree char *format_name = NULL;
  const GOptionEntry entries[] = {
    DS_CLI_FORMAT_OPTION (&format_name),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "models", "", "List the models of the zoo, built with their defaults.",
      "Example:\n  dawnsim models --format csv > zoo.csv", entries);
  g_autoptr(DsTable) table = ds_table_new (G_N_ELEMENTS (headers), headers, "llrrrrl");
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();
  g_autofree char *text = NULL;
  DsOutputFormat format;
  guint n = 0;
  const DsZooEntry *zoo = ds_zoo_list (&n);

  if (!ds_cli_parse (context, "models", &argc, &argv, error)
      || !ds_cli_output_format (format_name, &format, error))
    return FALSE;
  if (argc > 1)
    return ds_cli_usage (error, "models takes no arguments");
  ds_json_begin_array (w);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DsModel) model = ds_zoo_build (zoo[i].name, NULL, error);
      DsModelTotals t;
      if (model == NULL)
        return FALSE;
      ds_model_totals (model, &t);
      add_row (table, &zoo[i], &t, format);
      write_json_entry (w, &zoo[i], &t);
    }
  ds_json_end_array (w);
  text = format == DS_OUTPUT_JSON ? ds_json_writer_finish (g_steal_pointer (&w), NULL)
         : format == DS_OUTPUT_CSV ? ds_table_to_csv (table)
         : ds_table_to_human (table);
  fputs (text, stdout);
  return TRUE;
}
