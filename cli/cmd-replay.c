/* cli/cmd-replay.c - `dawnsim replay TRACE`: re-simulate a measured trace
 * from its dependency graph, and ask what-if.
 *
 * Reads any trace dawnsim reads (traces/chrome-read.h: its own JSON,
 * Chrome JSON, PyTorch profiler JSON, gzip or not), replays it unchanged
 * (traces/replay.h) and reports the error per iteration against the
 * trace's own timeline; with --scale/--bandwidth/--remove-wait it
 * replays again with those changes and prints predicted against original
 * time. --output writes the last replay as Chrome JSON (Perfetto).
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
#include "traces/chrome.h"
#include "traces/replay.h"

typedef struct {
  char **scale, **bandwidth, **remove_wait;
  char *output, *format;
} ReplayArgs;

static void
replay_args_clear (ReplayArgs *a)
{
  g_strfreev (a->scale);
  g_strfreev (a->bandwidth);
  g_strfreev (a->remove_wait);
  g_free (a->output);
  g_free (a->format);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReplayArgs, replay_args_clear)

static gboolean
has_whatif (const ReplayArgs *a)
{
  return a->scale != NULL || a->bandwidth != NULL || a->remove_wait != NULL;
}

/* Applies every what-if in order, noting what each touched. */
static gboolean
apply_whatifs (DsReplay *r, const ReplayArgs *a, GString *notes, GError **error)
{
  for (guint i = 0; a->scale != NULL && a->scale[i] != NULL; i++)
    {
      guint n = 0;
      if (!ds_replay_scale (r, a->scale[i], &n, error))
        return FALSE;
      g_string_append_printf (notes, "--scale '%s': %u operations\n", a->scale[i], n);
    }
  for (guint i = 0; a->bandwidth != NULL && a->bandwidth[i] != NULL; i++)
    {
      guint n = 0;
      if (!ds_replay_bandwidth (r, a->bandwidth[i], &n, error))
        return FALSE;
      g_string_append_printf (notes, "--bandwidth '%s': %u transfers\n", a->bandwidth[i], n);
    }
  for (guint i = 0; a->remove_wait != NULL && a->remove_wait[i] != NULL; i++)
    {
      guint n = 0;
      if (!ds_replay_remove_waits (r, a->remove_wait[i], &n, error))
        return FALSE;
      g_string_append_printf (notes, "--remove-wait '%s': %u waits\n", a->remove_wait[i], n);
    }
  return TRUE;
}

static double
at (const GArray *a, guint i)
{
  return g_array_index (a, double, i);
}

static char *
render_human (const char *path, const DsTrace *trace, const DsReplay *r, const DsReplayResult *base,
              const DsReplayResult *what, const char *notes)
{
  static const char *const headers[] = { "iteration", "trace", "replay", "error",
                                         "what-if", "change" };
  guint cols = what != NULL ? 6 : 4;
  g_autoptr(DsTable) t = ds_table_new (cols, headers, "rrrrrr" + (6 - cols));
  GString *s = g_string_new (NULL);
  char x[3][DS_NUM_BUF];

  g_string_append_printf (s, "replay %s: %s trace, %u operations; edges: lane %u, launch %u, "
                          "sync %u, wait %u, message %u, collective %u\n", path,
                          ds_replay_flavour (r), ds_replay_n_tasks (r),
                          ds_replay_n_edges (r, "lane"), ds_replay_n_edges (r, "launch"),
                          ds_replay_n_edges (r, "sync"), ds_replay_n_edges (r, "wait"),
                          ds_replay_n_edges (r, "message"), ds_replay_n_edges (r, "collective"));
  g_string_append_printf (s, "replay error per iteration: mean %.2f%%, max %.2f%% over %u\n",
                          100 * base->mean_abs_error, 100 * base->max_abs_error,
                          base->original_s->len);
  {
    /* dawnsim exec records its own clock's time per minibatch: the check
     * that the trace holds everything the run spent time on */
    const char *it = g_hash_table_lookup (ds_trace_get_attrs ((DsTrace *) trace), "iteration_s");
    double m = it != NULL ? g_ascii_strtod (it, NULL) : 0;
    if (m > 0 && isfinite (m) && base->replayed_s->len > 0)
      {
        double mean = base->replayed_total_s / base->replayed_s->len;
        g_string_append_printf (s, "run's own iteration_s %s, replay mean %s (%+.2f%%)\n",
                                ds_fmt_seconds_human (x[0], m), ds_fmt_seconds_human (x[1], mean),
                                100 * (mean / m - 1));
      }
  }
  if (what != NULL)
    {
      g_string_append (s, notes);
      g_string_append_printf (s, "what-if: %s -> %s (%+.1f%%)\n",
                              ds_fmt_seconds_human (x[0], base->replayed_total_s),
                              ds_fmt_seconds_human (x[1], what->replayed_total_s),
                              100 * (what->replayed_total_s / base->replayed_total_s - 1));
    }
  g_string_append_c (s, '\n');
  for (guint i = 0; i <= base->original_s->len; i++)
    {
      gboolean total = i == base->original_s->len;
      double o = total ? base->original_total_s : at (base->original_s, i);
      double p = total ? base->replayed_total_s : at (base->replayed_s, i);
      double w = what == NULL ? 0 : total ? what->replayed_total_s : at (what->replayed_s, i);
      char it[16], err[16], chg[16];
      if (total)
        ds_table_add_rule (t);
      g_snprintf (it, sizeof it, total ? "total" : "%u", i);
      g_snprintf (err, sizeof err, "%+.2f%%", o > 0 ? 100 * (p / o - 1) : 0.0);
      g_snprintf (chg, sizeof chg, "%+.1f%%", p > 0 ? 100 * (w / p - 1) : 0.0);
      ds_table_add_row (t, (const char *const[]) {
        it, ds_fmt_seconds_human (x[0], o), ds_fmt_seconds_human (x[1], p), err,
        ds_fmt_seconds_human (x[2], w), chg });
    }
  {
    g_autofree char *table = ds_table_to_human (t);
    g_string_append (s, table);
  }
  return g_string_free (s, FALSE);
}

static char *
render_csv (const DsReplayResult *base, const DsReplayResult *what)
{
  GString *s = g_string_new ("iteration,original_s,replayed_s,error");
  char x[3][DS_NUM_BUF];

  g_string_append (s, what != NULL ? ",predicted_s,change\n" : "\n");
  for (guint i = 0; i < base->original_s->len; i++)
    {
      double o = at (base->original_s, i), p = at (base->replayed_s, i);
      g_string_append_printf (s, "%u,%s,%s,%s", i, ds_fmt_double (x[0], o),
                              ds_fmt_double (x[1], p), ds_fmt_double (x[2], o > 0 ? p / o - 1 : 0));
      if (what != NULL)
        {
          double w = at (what->replayed_s, i);
          g_string_append_printf (s, ",%s,%s", ds_fmt_double (x[0], w),
                                  ds_fmt_double (x[1], p > 0 ? w / p - 1 : 0));
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static void
member_series (DsJsonWriter *w, const char *name, const GArray *a)
{
  ds_json_member (w, name);
  ds_json_begin_array_inline (w);
  for (guint i = 0; i < a->len; i++)
    ds_json_double (w, at (a, i));
  ds_json_end_array (w);
}

static char *
render_json (const DsReplay *r, const DsReplayResult *base, const DsReplayResult *what)
{
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "flavour", ds_replay_flavour (r));
  ds_json_member_uint64 (w, "operations", ds_replay_n_tasks (r));
  member_series (w, "original_s", base->original_s);
  member_series (w, "replayed_s", base->replayed_s);
  ds_json_member_double (w, "original_total_s", base->original_total_s);
  ds_json_member_double (w, "replayed_total_s", base->replayed_total_s);
  ds_json_member_double (w, "mean_abs_error", base->mean_abs_error);
  ds_json_member_double (w, "max_abs_error", base->max_abs_error);
  if (what != NULL)
    {
      member_series (w, "predicted_s", what->replayed_s);
      ds_json_member_double (w, "predicted_total_s", what->replayed_total_s);
    }
  ds_json_end_object (w);
  return ds_json_writer_finish (g_steal_pointer (&w), NULL);
}

static const char description[] =
  "Rebuilds the dependency graph of a trace (thread and stream order, kernel\n"
  "launches, synchronisations, cross-stream waits, messages between stages,\n"
  "collectives), replays it and reports the error per iteration against the\n"
  "trace's own times. What-ifs (repeatable, applied in order) replay it again\n"
  "changed and print predicted against original time. TRACE: dawnsim's own\n"
  "JSON (exec --measured), Chrome trace JSON, or a PyTorch profiler trace;\n"
  "gzip is read as it streams. See docs/traces.md.\n\n"
  "Examples:\n"
  "  dawnsim replay m.json\n"
  "  dawnsim replay run.pt.trace.json.gz --scale 'kernel:gemm*=0.5'\n"
  "  dawnsim replay m.json --scale 'backward=0.8' --bandwidth 2 -o whatif.json\n"
  "  dawnsim replay pipe.json.gz --remove-wait '*' --format csv";

gboolean
ds_cmd_replay (int argc, char **argv, GError **error)
{
  g_auto(ReplayArgs) a = { 0 };
  const GOptionEntry entries[] = {
    { "scale", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.scale,
      "Scale matching operations' times: [KIND:]GLOB=FACTOR", "SPEC" },
    { "bandwidth", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.bandwidth,
      "Multiply link bandwidth for matching transfers: [GLOB=]FACTOR", "SPEC" },
    { "remove-wait", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.remove_wait,
      "Drop cross-stream waits into operations matching GLOB", "GLOB" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output,
      "Write the (what-if) replay as Chrome trace JSON", "FILE" },
    DS_CLI_FORMAT_OPTION (&a.format),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "replay", "TRACE", "Replay a trace from its dependency graph; ask what-if.",
      description, entries);
  g_autoptr(DsTrace) trace = NULL;
  g_autoptr(DsReplay) r = NULL;
  g_autoptr(DsReplayResult) base = NULL, what = NULL;
  g_autoptr(GString) notes = g_string_new (NULL);
  g_autofree char *out = NULL;
  DsOutputFormat format;

  if (!ds_cli_parse (context, "replay", &argc, &argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if (argc != 2)
    return ds_cli_usage (error, "replay takes one TRACE");
  trace = ds_trace_load (argv[1], error);
  if (trace == NULL || (r = ds_replay_new (trace, error)) == NULL
      || (base = ds_replay_run (r, error)) == NULL)
    return FALSE;
  if (has_whatif (&a))
    {
      if (!apply_whatifs (r, &a, notes, error) || (what = ds_replay_run (r, error)) == NULL)
        return FALSE;
    }
  if (a.output != NULL)
    {
      g_autoptr(DsTrace) retimed = ds_replay_retimed (r);
      gsize len = 0;
      g_autofree char *chrome = ds_trace_write_chrome (retimed, &len);
      if (!ds_write_file (a.output, chrome, (gssize) len, error))
        return FALSE;
    }
  out = format == DS_OUTPUT_JSON ? render_json (r, base, what)
        : format == DS_OUTPUT_CSV ? render_csv (base, what)
        : render_human (argv[1], trace, r, base, what, notes->str);
  fputs (out, stdout);
  return TRUE;
}
