/* cli/cmd-show.c - `dawnsim show MODEL`: the layer table with totals.
 *
 * People get the columns the model has (times when measured, FLOPs when
 * analytic) with units; CSV and JSON always carry every column with exact
 * numbers in the files' units (ms, FLOP, bytes), so scripts can rely on
 * the schema.
 */
#include "config.h"

#include "cli/cli.h"
#include "cli/table.h"
#include "core/json-writer.h"
#include "core/units.h"

#include <stdio.h>

/* inputs[i]: the indices of layer i's producers, in edge order. */
static GPtrArray *
collect_inputs (const DsModel *model)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint i = 0; i < ds_model_n_layers (model); i++)
    g_ptr_array_add (inputs, g_array_new (FALSE, FALSE, sizeof (guint)));
  for (guint e = 0; e < ds_model_n_edges (model); e++)
    {
      guint src, dst;
      ds_model_edge (model, e, &src, &dst);
      g_array_append_val (g_ptr_array_index (inputs, dst), src);
    }
  return inputs;
}

static char *
join_inputs (const DsModel *model, GArray *in, gboolean by_name,
             const char *sep)
{
  GString *s = g_string_new (NULL);

  for (guint k = 0; k < in->len; k++)
    {
      guint src = g_array_index (in, guint, k);
      if (k > 0)
        g_string_append (s, sep);
      if (by_name)
        g_string_append (s, ds_model_layer_const (model, src)->name);
      else
        g_string_append_printf (s, "%u", src);
    }
  return g_string_free (s, FALSE);
}

typedef struct {
  gboolean times;    /* some layer has measured times */
  gboolean flops;    /* some layer has FLOPs */
} Columns;

static Columns
columns_of (const DsModel *model)
{
  Columns c = { FALSE, FALSE };

  for (guint i = 0; i < ds_model_n_layers (model); i++)
    {
      const DsLayer *l = ds_model_layer_const (model, i);
      c.times |= l->has_times;
      c.flops |= l->fwd_flops > 0;
    }
  return c;
}

static void
human_row (DsTable *t, Columns cols, const char *idx, const char *name,
           const char *kind, const char *inputs, double fwd_s, double bwd_s,
           double fwd_flops, double out_bytes, double param_bytes)
{
  char b[6][DS_NUM_BUF];
  const char *cells[10];
  guint n = 0;

  cells[n++] = idx;
  cells[n++] = name;
  cells[n++] = kind;
  cells[n++] = inputs;
  if (cols.times)
    {
      cells[n++] = ds_fmt_seconds_human (b[0], fwd_s);
      cells[n++] = ds_fmt_seconds_human (b[1], bwd_s);
    }
  if (cols.flops)
    cells[n++] = ds_fmt_flops_human (b[2], fwd_flops);
  cells[n++] = ds_fmt_bytes_human (b[3], out_bytes);
  cells[n++] = ds_fmt_bytes_human (b[4], param_bytes);
  ds_table_add_row (t, cells);
}

static char *
render_human (const DsModel *model, GPtrArray *inputs)
{
  Columns cols = columns_of (model);
  const char *headers[10] = { "#", "layer", "kind", "inputs" };
  char align[11] = "rllr";
  guint n = 4;
  DsModelTotals tot;
  char count[DS_NUM_BUF];
  g_autofree char *table_text = NULL;

  if (cols.times)
    {
      headers[n] = "fwd"; align[n++] = 'r';
      headers[n] = "bwd"; align[n++] = 'r';
    }
  if (cols.flops)
    {
      headers[n] = "fwd FLOP"; align[n++] = 'r';
    }
  headers[n] = "output"; align[n++] = 'r';
  headers[n] = "params"; align[n++] = 'r';
  align[n] = '\0';

  g_autoptr(DsTable) t = ds_table_new (n, headers, align);
  for (guint i = 0; i < ds_model_n_layers (model); i++)
    {
      const DsLayer *l = ds_model_layer_const (model, i);
      g_autofree char *in = join_inputs (model, g_ptr_array_index (inputs, i), FALSE, ",");
      char idx[16];
      g_snprintf (idx, sizeof idx, "%u", i);
      human_row (t, cols, idx, l->name, l->kind, in, l->fwd_s, l->bwd_s,
                 l->fwd_flops, l->out_bytes, l->param_bytes);
    }
  ds_model_totals (model, &tot);
  ds_table_add_rule (t);
  human_row (t, cols, "", "total", "", "", tot.fwd_s, tot.bwd_s, tot.fwd_flops,
             tot.out_bytes, tot.param_bytes);
  table_text = ds_table_to_human (t);
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "model %s: %u layers, %u edges",
                          ds_model_get_name (model), tot.n_layers, tot.n_edges);
  if (ds_model_get_batch_size (model) > 0)
    g_string_append_printf (out, ", batch %u", ds_model_get_batch_size (model));
  if (tot.n_params > 0)
    g_string_append_printf (out, ", %s parameters",
                            ds_fmt_count_human (count, tot.n_params));
  g_string_append_printf (out, "\n\n%s", table_text);
  return g_string_free (out, FALSE);
}

static const char *const csv_headers[] = {
  "idx", "name", "kind", "inputs", "fwd_ms", "bwd_ms", "fwd_flops",
  "bwd_flops", "out_bytes", "param_bytes", "n_params"
};

static char *
render_csv (const DsModel *model, GPtrArray *inputs)
{
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (csv_headers), csv_headers,
                                       "rllrrrrrrrr");

  for (guint i = 0; i < ds_model_n_layers (model); i++)
    {
      const DsLayer *l = ds_model_layer_const (model, i);
      g_autofree char *in = join_inputs (model, g_ptr_array_index (inputs, i), TRUE, ";");
      char idx[16], fwd[DS_NUM_BUF], bwd[DS_NUM_BUF], ff[DS_NUM_BUF], bf[DS_NUM_BUF];
      char out[DS_NUM_BUF], par[DS_NUM_BUF], np[DS_NUM_BUF];

      g_snprintf (idx, sizeof idx, "%u", i);
      g_snprintf (out, sizeof out, "%" G_GUINT64_FORMAT, l->out_bytes);
      g_snprintf (par, sizeof par, "%" G_GUINT64_FORMAT, l->param_bytes);
      g_snprintf (np, sizeof np, "%" G_GUINT64_FORMAT, l->n_params);
      ds_table_add_row (t, (const char *const[]) {
        idx, l->name, l->kind, in,
        l->has_times ? ds_fmt_scaled (fwd, l->fwd_s, 1000.0) : "",
        l->has_times ? ds_fmt_scaled (bwd, l->bwd_s, 1000.0) : "",
        ds_fmt_double (ff, l->fwd_flops), ds_fmt_double (bf, l->bwd_flops),
        out, par, np });
    }
  return ds_table_to_csv (t);
}

static void
write_json_layer (DsJsonWriter *w, const DsModel *model, guint i, GArray *in)
{
  const DsLayer *l = ds_model_layer_const (model, i);

  ds_json_begin_object_inline (w);
  ds_json_member_uint64 (w, "idx", i);
  ds_json_member_string (w, "name", l->name);
  ds_json_member_string (w, "kind", l->kind);
  ds_json_member (w, "inputs");
  ds_json_begin_array (w);
  for (guint k = 0; k < in->len; k++)
    ds_json_string (w, ds_model_layer_const (model, g_array_index (in, guint, k))->name);
  ds_json_end_array (w);
  if (l->has_times)
    {
      ds_json_member_scaled (w, "fwd_ms", l->fwd_s, 1000.0);
      ds_json_member_scaled (w, "bwd_ms", l->bwd_s, 1000.0);
    }
  ds_json_member_double (w, "fwd_flops", l->fwd_flops);
  ds_json_member_double (w, "bwd_flops", l->bwd_flops);
  ds_json_member_uint64 (w, "out_bytes", l->out_bytes);
  ds_json_member_uint64 (w, "param_bytes", l->param_bytes);
  ds_json_member_uint64 (w, "n_params", l->n_params);
  ds_json_end_object (w);
}

static char *
render_json (const DsModel *model, GPtrArray *inputs)
{
  DsJsonWriter *w = ds_json_writer_new ();
  DsModelTotals tot;

  ds_model_totals (model, &tot);
  ds_json_begin_object (w);
  ds_json_member_string (w, "model", ds_model_get_name (model));
  ds_json_member_uint64 (w, "batch_size", ds_model_get_batch_size (model));
  ds_json_member (w, "layers");
  ds_json_begin_array (w);
  for (guint i = 0; i < ds_model_n_layers (model); i++)
    write_json_layer (w, model, i, g_ptr_array_index (inputs, i));
  ds_json_end_array (w);
  ds_json_member (w, "totals");
  ds_json_begin_object_inline (w);
  ds_json_member_uint64 (w, "layers", tot.n_layers);
  ds_json_member_uint64 (w, "edges", tot.n_edges);
  ds_json_member_scaled (w, "fwd_ms", tot.fwd_s, 1000.0);
  ds_json_member_scaled (w, "bwd_ms", tot.bwd_s, 1000.0);
  ds_json_member_double (w, "fwd_flops", tot.fwd_flops);
  ds_json_member_double (w, "bwd_flops", tot.bwd_flops);
  ds_json_member_uint64 (w, "out_bytes", tot.out_bytes);
  ds_json_member_uint64 (w, "param_bytes", tot.param_bytes);
  ds_json_member_uint64 (w, "n_params", tot.n_params);
  ds_json_end_object (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (w, NULL);
}

gboolean
ds_cmd_show (int argc, char **argv, GError **error)
{
  g_auto(DsCliModelArgs) margs = { 0 };
  g_autofree char *format_name = NULL;
  const GOptionEntry entries[] = {
    DS_CLI_FORMAT_OPTION (&format_name),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "show", "MODEL", "Show a model's layers with their costs, and the totals.",
      "MODEL is a zoo name or a model file (JSON, PipeDream graph.txt, or a\n"
      "per-layer CSV with FILE.csv#MODEL[/DTYPE[/BATCH]]).\n\n"
      "Examples:\n"
      "  dawnsim show vgg16\n"
      "  dawnsim show gpt3-1.3b --batch 8 --dtype bf16\n"
      "  dawnsim show profiles/vgg16/graph.txt --format csv\n"
      "  dawnsim show layers.csv#resnet50/bfloat16 --format json", entries);
  g_autoptr(DsModel) model = NULL;
  g_autoptr(GPtrArray) inputs = NULL;
  g_autofree char *text = NULL;
  DsOutputFormat format;

  ds_cli_add_model_options (context, &margs);
  if (!ds_cli_parse (context, "show", &argc, &argv, error)
      || !ds_cli_output_format (format_name, &format, error))
    return FALSE;
  if (argc != 2)
    return ds_cli_usage (error, "show takes one MODEL (see 'dawnsim help show')");
  model = ds_cli_open_model (argv[1], &margs, error);
  if (model == NULL)
    return FALSE;
  inputs = collect_inputs (model);
  text = format == DS_OUTPUT_JSON ? render_json (model, inputs)
         : format == DS_OUTPUT_CSV ? render_csv (model, inputs)
         : render_human (model, inputs);
  fputs (text, stdout);
  return TRUE;
}
