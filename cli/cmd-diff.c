/* cli/cmd-diff.c - `dawnsim diff A B`: two traces, operation by operation.
 *
 * Reads both traces (traces/chrome-read.h), aligns them by kind, name,
 * stage and micro-batch (traces/diff.h) and prints the rows that differ
 * most in total time, or all rows as CSV (the input `dawnsim explain`
 * reads: attribute columns, then metric columns, error = B/A - 1) or JSON.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/json-writer.h"
#include "core/units.h"
#include "traces/chrome-read.h"
#include "traces/diff.h"

static double
total_change (const DsDiffRow *r)
{
  return r->n_b * r->b_s - r->n_a * r->a_s;
}

static gint
by_total_change (gconstpointer pa, gconstpointer pb)
{
  double a = fabs (total_change (*(const DsDiffRow *const *) pa));
  double b = fabs (total_change (*(const DsDiffRow *const *) pb));
  return a > b ? -1 : a < b;
}

static char *
render_human (const char *pa, const char *pb, const DsDiff *d, int top)
{
  static const char *const headers[] = { "kind", "name", "stage", "mb", "count A", "count B",
                                         "A", "B", "error" };
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (headers), headers, "llrrrrrrr");
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  GString *s = g_string_new (NULL);
  char x[2][DS_NUM_BUF];

  g_string_append_printf (s, "diff A=%s B=%s: %u operation keys, %u on both sides\n", pa, pb,
                          d->rows->len, d->n_matched);
  g_string_append_printf (s, "time in operations: A %s, B %s (%+.1f%%)\n",
                          ds_fmt_seconds_human (x[0], d->busy_a_s),
                          ds_fmt_seconds_human (x[1], d->busy_b_s),
                          d->busy_a_s > 0 ? 100 * (d->busy_b_s / d->busy_a_s - 1) : 0.0);
  for (guint i = 0; i < d->rows->len; i++)
    g_ptr_array_add (order, &g_array_index (d->rows, DsDiffRow, i));
  g_ptr_array_sort (order, by_total_change);
  g_string_append_printf (s, "the %u largest changes in total time:\n\n",
                          MIN ((guint) top, order->len));
  for (guint i = 0; i < order->len && i < (guint) top; i++)
    {
      const DsDiffRow *r = g_ptr_array_index (order, i);
      char st[16] = "", mb[16] = "", na[16], nb[16], err[16] = "";
      g_autofree char *name = g_utf8_strlen (r->name, -1) > 48
        ? g_strdup_printf ("%.45s...", r->name) : g_strdup (r->name);
      if (r->stage >= 0)
        g_snprintf (st, sizeof st, "%d", r->stage);
      if (r->microbatch >= 0)
        g_snprintf (mb, sizeof mb, "%d", r->microbatch);
      g_snprintf (na, sizeof na, "%u", r->n_a);
      g_snprintf (nb, sizeof nb, "%u", r->n_b);
      if (r->n_a > 0 && r->n_b > 0 && r->a_s > 0)
        g_snprintf (err, sizeof err, "%+.1f%%", 100 * (r->b_s / r->a_s - 1));
      ds_table_add_row (t, (const char *const[]) {
        ds_trace_kind_name (r->kind), name, st, mb, na, nb,
        r->n_a > 0 ? ds_fmt_seconds_human (x[0], r->a_s) : "",
        r->n_b > 0 ? ds_fmt_seconds_human (x[1], r->b_s) : "", err });
    }
  {
    g_autofree char *table = ds_table_to_human (t);
    g_string_append (s, table);
  }
  return g_string_free (s, FALSE);
}

static char *
render_json (const DsDiff *d)
{
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_double (w, "busy_a_s", d->busy_a_s);
  ds_json_member_double (w, "busy_b_s", d->busy_b_s);
  ds_json_member_uint64 (w, "matched", d->n_matched);
  ds_json_member (w, "rows");
  ds_json_begin_array (w);
  for (guint i = 0; i < d->rows->len; i++)
    {
      const DsDiffRow *r = &g_array_index (d->rows, DsDiffRow, i);
      ds_json_begin_object_inline (w);
      ds_json_member_string (w, "kind", ds_trace_kind_name (r->kind));
      ds_json_member_string (w, "name", r->name);
      ds_json_member_int64 (w, "stage", r->stage);
      ds_json_member_int64 (w, "microbatch", r->microbatch);
      ds_json_member_uint64 (w, "count_a", r->n_a);
      ds_json_member_uint64 (w, "count_b", r->n_b);
      ds_json_member_double (w, "a_s", r->a_s);
      ds_json_member_double (w, "b_s", r->b_s);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_end_object (w);
  return ds_json_writer_finish (g_steal_pointer (&w), NULL);
}

static const char description[] =
  "Aligns the operations of two traces by kind, name, stage and micro-batch\n"
  "and compares their mean durations; error = B/A - 1. Either trace may be\n"
  "dawnsim's own JSON, Chrome JSON or a PyTorch profiler trace (gzip too).\n"
  "--csv writes every row (kind,name,stage,microbatch,count_a,count_b,a_s,\n"
  "b_s,diff_s,error), the table `dawnsim explain` reads.\n\n"
  "Examples:\n"
  "  dawnsim diff measured.json predicted.json\n"
  "  dawnsim replay run.json.gz --scale 'kernel:gemm*=0.5' -o fast.json\n"
  "  dawnsim diff run.json.gz fast.json --csv ops.csv";

gboolean
ds_cmd_diff (int argc, char **argv, GError **error)
{
  g_autofree char *format_name = NULL, *csv_path = NULL;
  int top = 20;
  const GOptionEntry entries[] = {
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_path, "Also write every row as CSV", "FILE" },
    { "top", 'n', 0, G_OPTION_ARG_INT, &top, "Rows in the table (default 20)", "N" },
    DS_CLI_FORMAT_OPTION (&format_name),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "diff", "A B", "Compare two traces operation by operation.", description, entries);
  g_autoptr(DsTrace) a = NULL, b = NULL;
  g_autoptr(DsDiff) d = NULL;
  g_autofree char *out = NULL;
  DsOutputFormat format;

  if (!ds_cli_parse (context, "diff", &argc, &argv, error)
      || !ds_cli_output_format (format_name, &format, error))
    return FALSE;
  if (argc != 3)
    return ds_cli_usage (error, "diff takes two traces, A and B");
  if (top < 1)
    return ds_cli_usage (error, "--top must be >= 1");
  if ((a = ds_trace_load (argv[1], error)) == NULL || (b = ds_trace_load (argv[2], error)) == NULL)
    return FALSE;
  d = ds_diff_new (a, b);
  if (csv_path != NULL)
    {
      g_autofree char *csv = ds_diff_to_csv (d);
      if (!ds_write_file (csv_path, csv, -1, error))
        return FALSE;
    }
  out = format == DS_OUTPUT_JSON ? render_json (d)
        : format == DS_OUTPUT_CSV ? ds_diff_to_csv (d)
        : render_human (argv[1], argv[2], d, top);
  fputs (out, stdout);
  return TRUE;
}
