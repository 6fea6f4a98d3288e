/* cli/cmd-tta.c - `dawnsim tta`: time to accuracy, as DAWNBench reads it.
 *
 * Each argument is a DAWNBench entry (a JSON file, its TSV beside it) or
 * a log (a TSV: an entry's, or one `dawnsim exec --log` wrote). For each
 * it prints the TTA (first row meeting the target, traces/tta.h), the
 * evaluations to target, and the cost when a price per hour is known.
 * --runs treats the inputs as repeated runs of one configuration (how
 * many reached the target, mean, median, CoV, MLPerf's olympic mean);
 * --sweep gives the TTA of every input at several thresholds, with the
 * ranking at each and Kendall's tau_b between neighbours
 * (traces/tta-stats.h). The target is each file's task default unless
 * --threshold, --metric or --target say otherwise.
 *
 * --fit POINTS fits the statistical-efficiency model (traces/efficiency.h)
 * to runs (a TSV of batch_size, epochs, staleness) or to an MLPerf RCP
 * file (traces/tta-rcp.h); --model FILE reads a fitted one; --check and
 * --predict use it, with --simulated turning predicted epochs into a TTA
 * with `dawnsim simulate`'s time per minibatch.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/json-reader.h"
#include "core/json-writer.h"
#include "core/units.h"
#include "traces/efficiency.h"
#include "traces/tta-rcp.h"
#include "traces/tta-stats.h"
#include "traces/tta.h"

typedef struct {
  char *threshold, *metric, *target, *thresholds, *format;
  double cost_per_hour;
  gboolean runs, sweep;
  /* statistical efficiency */
  char *fit, *model_file, *check, *predict, *simulated, *output;
  double staleness;
  int dataset_size, rcp_runs;
  gboolean pruned;
} TtaArgs;

static void
tta_args_clear (TtaArgs *a)
{
  g_free (a->threshold);
  g_free (a->metric);
  g_free (a->target);
  g_free (a->thresholds);
  g_free (a->format);
  g_free (a->fit);
  g_free (a->model_file);
  g_free (a->check);
  g_free (a->predict);
  g_free (a->simulated);
  g_free (a->output);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TtaArgs, tta_args_clear)

typedef struct {
  const char *path;
  DsTtaEntry *entry;
  DsTtaTarget target;
  DsTtaResult result;
  gboolean has_cost;
  double cost_usd;
} Input;

static void
input_clear (gpointer p)
{
  Input *in = p;
  ds_tta_entry_free (in->entry);
  ds_tta_target_clear (&in->target);
}

/* ---- choosing the target ---- */

/* The metric to read every input for, when the options fix one. */
static const char *
fixed_metric (const TtaArgs *a, const DsTtaTarget *given)
{
  return given->metric != NULL ? given->metric : a->metric;
}

/* --target, else --threshold on --metric or the task's metric, else the
 * task's own target. */
static gboolean
choose_target (const TtaArgs *a, const DsTtaTarget *given, Input *in, GError **error)
{
  const DsTtaLog *log = in->entry->log;

  if (given->metric != NULL)
    {
      in->target.metric = g_strdup (given->metric);
      in->target.at_most = given->at_most;
      in->target.threshold = given->threshold;
      in->target.threshold_text = g_strdup (given->threshold_text);
      return TRUE;
    }
  if (a->threshold != NULL)
    return ds_tta_target_parse (a->threshold, log->metric, &in->target, error);
  if (!ds_tta_default_target ((const char *const *) log->columns, &in->target)
      || strcmp (in->target.metric, log->metric) != 0)
    return ds_cli_usage (error, "%s: no task threshold for '%s': give --threshold",
                         in->path, log->metric);
  return TRUE;
}

static gboolean
open_input (const TtaArgs *a, const DsTtaTarget *given, const char *path, Input *in,
            GError **error)
{
  in->path = path;
  in->entry = ds_tta_entry_load (path, fixed_metric (a, given), error);
  if (in->entry == NULL || !choose_target (a, given, in, error))
    return FALSE;
  if (!in->entry->has_cost_per_hour && a->cost_per_hour >= 0)
    {
      in->entry->has_cost_per_hour = TRUE;
      in->entry->cost_per_hour_usd = a->cost_per_hour;
    }
  ds_tta_first_crossing (in->entry->log, &in->target, &in->result);
  in->has_cost = ds_tta_cost (in->entry, &in->result, &in->cost_usd);
  for (guint w = 0; w < in->entry->log->warnings->len; w++)
    fprintf (stderr, "dawnsim: warning: %s\n",
             (char *) g_ptr_array_index (in->entry->log->warnings, w));
  return TRUE;
}

/* Inputs compared with each other must be read on one metric. */
static gboolean
check_one_metric (GArray *inputs, GError **error)
{
  const Input *first = &g_array_index (inputs, Input, 0);

  for (guint i = 1; i < inputs->len; i++)
    {
      const Input *in = &g_array_index (inputs, Input, i);
      if (strcmp (in->target.metric, first->target.metric) != 0
          || in->target.at_most != first->target.at_most)
        return ds_cli_usage (error, "--runs and --sweep compare inputs on one metric: '%s' "
                             "reads '%s', '%s' reads '%s' (give --metric or --target)",
                             first->path, first->target.metric, in->path, in->target.metric);
    }
  return TRUE;
}

/* --thresholds LIST, else the task's default sweep. */
static gboolean
sweep_targets (const TtaArgs *a, const Input *first, GArray *targets, GError **error)
{
  const char *const *columns = (const char *const *) first->entry->log->columns;
  g_auto(GStrv) list = NULL;
  g_auto(DsTtaTarget) task = { 0 };
  const char *const *texts = ds_tta_default_sweep (columns);

  if (a->thresholds != NULL)
    texts = (const char *const *) (list = g_strsplit (a->thresholds, ",", -1));
  else if (!ds_tta_default_target (columns, &task)
           || strcmp (task.metric, first->target.metric) != 0)
    return ds_cli_usage (error, "no default sweep for '%s': give --thresholds X,Y,...",
                         first->target.metric);
  for (guint i = 0; texts[i] != NULL; i++)
    {
      DsTtaTarget t = { 0 };
      if (!ds_tta_target_parse (texts[i], first->target.metric, &t, error))
        return FALSE;
      t.at_most = first->target.at_most;
      g_array_append_val (targets, t);
    }
  return TRUE;
}

/* ---- numbers for people and machines ---- */

static void
json_number_or_null (DsJsonWriter *w, const char *name, gboolean has, double v)
{
  ds_json_member (w, name);
  if (has && isfinite (v))
    ds_json_double (w, v);
  else
    ds_json_null (w);
}

/* ---- human ---- */

static void
human_inputs (GString *s, GArray *inputs)
{
  static const char *const headers[] = {
    "input", "target", "TTA", "hours", "evals", "value", "$/hour", "cost"
  };
  g_autoptr(DsTable) t = ds_table_new (G_N_ELEMENTS (headers), headers, "llrrrrrr");

  for (guint i = 0; i < inputs->len; i++)
    {
      const Input *in = &g_array_index (inputs, Input, i);
      const DsTtaResult *r = &in->result;
      g_autofree char *target = ds_tta_target_describe (&in->target);
      g_autofree char *value = NULL, *price = NULL, *cost = NULL;
      char hms[32], evals[16];

      g_snprintf (evals, sizeof evals, "%u", r->reached ? r->hit_row + 1 : r->n_rows);
      value = r->reached ? g_strdup_printf ("%.6g", r->hit_value)
                         : g_strdup_printf ("best %.6g", r->best_value);
      price = in->entry->has_cost_per_hour
              ? g_strdup_printf ("%.4f", in->entry->cost_per_hour_usd) : g_strdup ("n/a");
      cost = in->has_cost ? g_strdup_printf ("%.4f", in->cost_usd) : g_strdup ("n/a");
      ds_table_add_row (t, (const char *const[]) {
        in->entry->name, target,
        r->reached ? ds_tta_format_hms (hms, sizeof hms, r->tta_s) : "not reached",
        r->reached ? r->hours_text : "-", evals, value, price, cost });
    }
  {
    g_autofree char *table = ds_table_to_human (t);
    g_string_append (s, table);
  }
}

static void
human_runs (GString *s, const DsTtaStats *st, gboolean olympic_ok, double olympic,
            const char *why)
{
  char a[32], b[32], c[32], d[32];

  g_string_append_printf (s, "\nruns: %u, reached the target: %u (%.0f%%)\n", st->n_runs,
                          st->n_reached, 100.0 * st->n_reached / st->n_runs);
  if (st->n_reached == 0)
    return;
  g_string_append_printf (s, "TTA over the reached runs: mean %s, median %s, min %s, max %s\n",
                          ds_tta_format_hms (a, sizeof a, st->mean),
                          ds_tta_format_hms (b, sizeof b, st->median),
                          ds_tta_format_hms (c, sizeof c, st->min),
                          ds_tta_format_hms (d, sizeof d, st->max));
  if (st->n_reached >= 2)
    g_string_append_printf (s, "sd %.2f s, coefficient of variation %.2f%%\n", st->sd,
                            100 * st->cov);
  if (olympic_ok)
    g_string_append_printf (s, "MLPerf olympic mean (fastest and slowest dropped): %s\n",
                            ds_tta_format_hms (a, sizeof a, olympic));
  else
    g_string_append_printf (s, "MLPerf olympic mean: not valid (%s)\n", why);
}

static void
human_sweep (GString *s, GArray *inputs, const DsTtaSweep *sw, GArray *targets)
{
  guint nt = targets->len;
  g_autofree const char **headers = g_new0 (const char *, nt + 1);
  g_autofree char *align = g_strnfill (nt + 1, 'r');
  g_autoptr(DsTable) t = NULL;
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  headers[0] = "input";
  align[0] = 'l';
  for (guint k = 0; k < nt; k++)
    headers[k + 1] = g_array_index (targets, DsTtaTarget, k).threshold_text;
  t = ds_table_new (nt + 1, headers, align);
  for (guint r = 0; r < sw->n_runs; r++)
    {
      g_ptr_array_set_size (cells, 0);
      g_ptr_array_add (cells, g_strdup (g_array_index (inputs, Input, r).entry->name));
      for (guint k = 0; k < nt; k++)
        {
          const DsTtaResult *c = &sw->cells[r * nt + k];
          char hms[32];
          if (!c->reached)
            g_ptr_array_add (cells, g_strdup ("not reached"));
          else if (sw->n_runs > 1)
            g_ptr_array_add (cells, g_strdup_printf ("%s (%u)", ds_tta_format_hms (hms, sizeof hms, c->tta_s),
                                                     sw->rank[r * nt + k]));
          else
            g_ptr_array_add (cells, g_strdup (ds_tta_format_hms (hms, sizeof hms, c->tta_s)));
        }
      ds_table_add_row (t, (const char *const *) cells->pdata);
    }
  g_ptr_array_set_size (cells, 0);
  g_ptr_array_add (cells, g_strdup ("reached"));
  for (guint k = 0; k < nt; k++)
    g_ptr_array_add (cells, g_strdup_printf ("%u/%u", sw->n_reached[k], sw->n_runs));
  ds_table_add_rule (t);
  ds_table_add_row (t, (const char *const *) cells->pdata);
  {
    g_autofree char *table = ds_table_to_human (t);
    g_string_append_printf (s, "\nTTA by threshold (%s %s%s):\n",
                            g_array_index (targets, DsTtaTarget, 0).metric,
                            g_array_index (targets, DsTtaTarget, 0).at_most ? "<=" : ">=",
                            sw->n_runs > 1 ? "; rank in parentheses" : "");
    g_string_append (s, table);
  }
  if (sw->n_runs < 2)
    return;
  g_string_append (s, "between neighbouring thresholds, over the runs reaching both:\n");
  for (guint k = 0; k + 1 < nt; k++)
    {
      char tau[DS_NUM_BUF];
      g_snprintf (tau, sizeof tau, "%.3f", sw->tau_b[k]);
      g_string_append_printf (s, "  %s -> %s: %u runs, %u discordant pairs, Kendall tau_b %s\n",
                              g_array_index (targets, DsTtaTarget, k).threshold_text,
                              g_array_index (targets, DsTtaTarget, k + 1).threshold_text,
                              sw->n_both[k], sw->n_discordant[k],
                              isfinite (sw->tau_b[k]) ? tau : "-");
    }
}

/* ---- json ---- */

static void
json_input (DsJsonWriter *w, const Input *in)
{
  const DsTtaResult *r = &in->result;

  ds_json_begin_object (w);
  ds_json_member_string (w, "input", in->path);
  ds_json_member_string (w, "name", in->entry->name);
  ds_json_member_string (w, "log", in->entry->log->file);
  ds_json_member_string (w, "metric", in->target.metric);
  ds_json_member_string (w, "direction", in->target.at_most ? "<=" : ">=");
  ds_json_member_double (w, "threshold", in->target.threshold);
  ds_json_member_bool (w, "reached", r->reached);
  json_number_or_null (w, "tta_hours", r->reached, r->tta_hours);
  ds_json_member_string (w, "tta_hours_text", r->reached ? r->hours_text : NULL);
  json_number_or_null (w, "tta_s", r->reached, r->tta_s);
  ds_json_member_uint64 (w, "evaluations", r->n_rows);
  json_number_or_null (w, "evaluations_to_target", r->reached, r->hit_row + 1);
  json_number_or_null (w, "line", r->reached, r->hit_line);
  ds_json_member_string (w, "epoch_label", r->reached ? r->epoch_text : NULL);
  json_number_or_null (w, "value", r->reached, r->hit_value);
  ds_json_member_double (w, "best_value", r->best_value);
  ds_json_member_double (w, "last_hours", r->last_hours);
  json_number_or_null (w, "cost_per_hour_usd", in->entry->has_cost_per_hour,
                       in->entry->cost_per_hour_usd);
  json_number_or_null (w, "cost_usd", in->has_cost, in->cost_usd);
  ds_json_end_object (w);
}

static void
json_runs (DsJsonWriter *w, const DsTtaStats *st, gboolean olympic_ok, double olympic,
           const char *why)
{
  ds_json_member (w, "runs");
  ds_json_begin_object (w);
  ds_json_member_uint64 (w, "n_runs", st->n_runs);
  ds_json_member_uint64 (w, "n_reached", st->n_reached);
  json_number_or_null (w, "mean_s", TRUE, st->mean);
  json_number_or_null (w, "median_s", TRUE, st->median);
  json_number_or_null (w, "min_s", TRUE, st->min);
  json_number_or_null (w, "max_s", TRUE, st->max);
  json_number_or_null (w, "sd_s", TRUE, st->sd);
  json_number_or_null (w, "cov", TRUE, st->cov);
  json_number_or_null (w, "olympic_mean_s", olympic_ok, olympic);
  ds_json_member_string (w, "olympic_invalid", olympic_ok ? NULL : why);
  ds_json_end_object (w);
}

static void
json_sweep (DsJsonWriter *w, const DsTtaSweep *sw, GArray *targets)
{
  guint nt = targets->len;

  ds_json_member (w, "sweep");
  ds_json_begin_object (w);
  ds_json_member (w, "thresholds");
  ds_json_begin_array_inline (w);
  for (guint k = 0; k < nt; k++)
    ds_json_double (w, g_array_index (targets, DsTtaTarget, k).threshold);
  ds_json_end_array (w);
  ds_json_member (w, "tta_hours");             /* per input, per threshold */
  ds_json_begin_array (w);
  for (guint r = 0; r < sw->n_runs; r++)
    {
      ds_json_begin_array_inline (w);
      for (guint k = 0; k < nt; k++)
        {
          const DsTtaResult *c = &sw->cells[r * nt + k];
          if (c->reached)
            ds_json_double (w, c->tta_hours);
          else
            ds_json_null (w);
        }
      ds_json_end_array (w);
    }
  ds_json_end_array (w);
  ds_json_member (w, "rank");
  ds_json_begin_array (w);
  for (guint r = 0; r < sw->n_runs; r++)
    {
      ds_json_begin_array_inline (w);
      for (guint k = 0; k < nt; k++)
        ds_json_uint64 (w, sw->rank[r * nt + k]);
      ds_json_end_array (w);
    }
  ds_json_end_array (w);
  ds_json_member (w, "n_reached");
  ds_json_begin_array_inline (w);
  for (guint k = 0; k < nt; k++)
    ds_json_uint64 (w, sw->n_reached[k]);
  ds_json_end_array (w);
  ds_json_member (w, "adjacent");
  ds_json_begin_array (w);
  for (guint k = 0; k + 1 < nt; k++)
    {
      ds_json_begin_object_inline (w);
      ds_json_member_uint64 (w, "n_both", sw->n_both[k]);
      ds_json_member_uint64 (w, "n_discordant", sw->n_discordant[k]);
      json_number_or_null (w, "tau_b", TRUE, sw->tau_b[k]);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
  ds_json_end_object (w);
}

/* ---- csv: one row per input, or per input and threshold with --sweep ---- */

static char *
render_csv (GArray *inputs, const DsTtaSweep *sw, GArray *targets)
{
  static const char *const h_in[] = {
    "input", "metric", "direction", "threshold", "reached", "tta_hours", "tta_s",
    "evaluations_to_target", "value", "best_value", "cost_per_hour_usd", "cost_usd"
  };
  static const char *const h_sw[] = { "input", "threshold", "reached", "tta_hours", "rank" };
  g_autoptr(DsTable) t = sw != NULL ? ds_table_new (5, h_sw, "lrlrr")
                                    : ds_table_new (12, h_in, "lllrlrrrrrrr");

  for (guint i = 0; i < inputs->len; i++)
    {
      const Input *in = &g_array_index (inputs, Input, i);
      const DsTtaResult *r = &in->result;
      char b[8][DS_NUM_BUF];
      if (sw != NULL)
        {
          for (guint k = 0; k < targets->len; k++)
            {
              const DsTtaResult *c = &sw->cells[i * targets->len + k];
              g_snprintf (b[2], sizeof b[2], "%u", sw->rank[i * targets->len + k]);
              ds_table_add_row (t, (const char *const[]) {
                in->path, g_array_index (targets, DsTtaTarget, k).threshold_text,
                c->reached ? "true" : "false", c->reached ? c->hours_text : "", b[2] });
            }
          continue;
        }
      g_snprintf (b[3], sizeof b[3], "%u", r->hit_row + 1);
      ds_table_add_row (t, (const char *const[]) {
        in->path, in->target.metric, in->target.at_most ? "<=" : ">=",
        in->target.threshold_text, r->reached ? "true" : "false",
        r->reached ? r->hours_text : "", r->reached ? ds_fmt_double (b[0], r->tta_s) : "",
        r->reached ? b[3] : "", r->reached ? ds_fmt_double (b[1], r->hit_value) : "",
        ds_fmt_double (b[2], r->best_value),
        in->entry->has_cost_per_hour ? ds_fmt_double (b[4], in->entry->cost_per_hour_usd) : "",
        in->has_cost ? ds_fmt_double (b[5], in->cost_usd) : "" });
    }
  return ds_table_to_csv (t);
}

/* ---- statistical efficiency: --fit, --check, --predict ---- */

/* What --fit fitted, and the RCP points behind it when it read an RCP file. */
typedef struct {
  DsEffModel model;
  GArray *points;              /* DsEffPoint, the medians (or olympic means) fitted */
  GArray *n_runs;              /* guint per point */
  guint n_not_reached;
  DsRcpSet *rcp;               /* NULL for a TSV */
  GArray *rcp_used;            /* guint indices into rcp->points that were fitted */
} EffFit;

static void
eff_fit_clear (EffFit *f)
{
  g_clear_pointer (&f->points, g_array_unref);
  g_clear_pointer (&f->n_runs, g_array_unref);
  g_clear_pointer (&f->rcp, ds_rcp_set_free);
  g_clear_pointer (&f->rcp_used, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (EffFit, eff_fit_clear)

/* An RCP file: one point per batch size (its olympic mean), every size or
 * the checker's pruned set. */
static gboolean
rcp_points (const TtaArgs *a, EffFit *f, GError **error)
{
  f->rcp = ds_rcp_load (a->fit, a->rcp_runs, error);
  if (f->rcp == NULL)
    return FALSE;
  if (a->pruned)
    f->rcp_used = ds_rcp_prune (f->rcp);
  else
    {
      f->rcp_used = g_array_new (FALSE, FALSE, sizeof (guint));
      for (guint i = 0; i < f->rcp->points->len; i++)
        g_array_append_val (f->rcp_used, i);
    }
  f->points = g_array_new (FALSE, FALSE, sizeof (DsEffPoint));
  f->n_runs = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < f->rcp_used->len; i++)
    {
      const DsRcpPoint *p = &g_array_index (f->rcp->points, DsRcpPoint,
                                            g_array_index (f->rcp_used, guint, i));
      DsEffPoint q = { p->batch_size, 0, p->olympic_mean };
      g_array_append_val (f->points, q);
      g_array_append_val (f->n_runs, p->n_runs);
    }
  return TRUE;
}

static gboolean
fit_points (const TtaArgs *a, EffFit *f, GError **error)
{
  if (g_str_has_suffix (a->fit, ".json"))
    {
      if (!rcp_points (a, f, error))
        return FALSE;
    }
  else
    {
      g_autoptr(GArray) runs = ds_eff_points_load (a->fit, &f->n_not_reached, error);
      if (runs == NULL)
        return FALSE;
      f->points = ds_eff_group_medians ((DsEffPoint *) runs->data, runs->len, &f->n_runs);
    }
  if (!ds_eff_fit ((DsEffPoint *) f->points->data, f->points->len, &f->model, error))
    {
      g_prefix_error (error, "%s: ", a->fit);
      return FALSE;
    }
  return TRUE;
}

static void
human_model (GString *s, const DsEffModel *m)
{
  g_string_append_printf (s, "epochs = e_min (1 + B / b_crit) (1 + kappa s)\n"
                          "e_min %.6g, b_crit %.6g, kappa %.4g%s; %u points, rms relative "
                          "error %.2f%%\n", m->e_min, m->b_crit, m->kappa,
                          m->has_kappa ? "" : " (no stale points: not fitted)", m->n_points,
                          100 * m->rms_rel);
}

/* The fitted points; for an RCP file also the checker's minimum
 * acceptable mean m* and whether the curve lies within the reference's
 * errors: not below m* (MLPerf's one-sided check), and within
 * mean +- (mean - m*). */
static void
human_fit_points (GString *s, const EffFit *f)
{
  guint n_one = 0, n_two = 0;

  g_string_append (s, f->rcp != NULL
                   ? "batch    runs  olympic mean       m*      fitted   error  >= m*  within +-\n"
                   : "batch  staleness  runs    median    fitted   error\n");
  for (guint i = 0; i < f->points->len; i++)
    {
      const DsEffPoint *p = &g_array_index (f->points, DsEffPoint, i);
      double fit = ds_eff_predict (&f->model, p->batch, p->staleness);
      guint runs = g_array_index (f->n_runs, guint, i);
      if (f->rcp == NULL)
        {
          g_string_append_printf (s, "%5g  %9g  %4u  %8.4g  %8.4g  %+5.1f%%\n", p->batch,
                                  p->staleness, runs, p->epochs, fit,
                                  100 * (fit / p->epochs - 1));
          continue;
        }
      const DsRcpPoint *q = &g_array_index (f->rcp->points, DsRcpPoint,
                                            g_array_index (f->rcp_used, guint, i));
      gboolean one = fit >= q->min_mean;
      gboolean two = one && fit <= 2 * q->olympic_mean - q->min_mean;
      n_one += one;
      n_two += two;
      g_string_append_printf (s, "%5u  %6u  %12.6g  %9.6g  %9.6g  %+5.1f%%  %5s  %9s\n",
                              q->batch_size, runs, q->olympic_mean, q->min_mean, fit,
                              100 * (fit / q->olympic_mean - 1), one ? "yes" : "no",
                              two ? "yes" : "no");
    }
  if (f->rcp != NULL)
    g_string_append_printf (s, "%s (%s, N = %u): the curve is not below m* at %u of %u "
                            "points, within mean +- (mean - m*) at %u\n", f->rcp->benchmark,
                            f->rcp->file, f->rcp->submission_runs, n_one, f->points->len, n_two);
  if (f->n_not_reached > 0)
    g_string_append_printf (s, "%u runs did not reach the target and are left out\n",
                            f->n_not_reached);
}

/* --check FILE: the model's epochs at each (batch, staleness) of FILE
 * against the median of its runs. */
static gboolean
human_check (GString *s, const char *path, const DsEffModel *m, GError **error)
{
  guint skipped = 0;
  g_autoptr(GArray) runs = ds_eff_points_load (path, &skipped, error);
  g_autoptr(GArray) n_runs = NULL;
  g_autoptr(GArray) med = NULL;
  double worst = 0;

  if (runs == NULL)
    return FALSE;
  med = ds_eff_group_medians ((DsEffPoint *) runs->data, runs->len, &n_runs);
  g_string_append_printf (s, "\nchecked against %s (medians of its runs):\n"
                          "batch  staleness  runs  measured  predicted   error\n", path);
  for (guint i = 0; i < med->len; i++)
    {
      const DsEffPoint *p = &g_array_index (med, DsEffPoint, i);
      double pred = ds_eff_predict (m, p->batch, p->staleness);
      worst = MAX (worst, fabs (pred / p->epochs - 1));
      g_string_append_printf (s, "%5g  %9g  %4u  %8.4g  %9.4g  %+5.1f%%\n", p->batch,
                              p->staleness, g_array_index (n_runs, guint, i), p->epochs, pred,
                              100 * (pred / p->epochs - 1));
    }
  g_string_append_printf (s, "largest error %.1f%%", 100 * worst);
  if (skipped > 0)
    g_string_append_printf (s, "; %u runs did not reach the target and are left out", skipped);
  g_string_append_c (s, '\n');
  return TRUE;
}

/* Staleness of the prediction: --staleness, else the simulated plan's
 * schedule, else 0. */
static gboolean
predict_staleness (const TtaArgs *a, const char *schedule, guint n_stages, double *s,
                   GError **error)
{
  if (a->staleness >= 0)
    *s = a->staleness;
  else if (schedule != NULL)
    {
      if (!ds_eff_staleness (schedule, n_stages, s))
        return ds_cli_usage (error, "no staleness known for schedule '%s': give --staleness",
                             schedule);
    }
  else
    *s = 0;
  return TRUE;
}

/* `dawnsim simulate --format json`: schedule, stages and seconds per minibatch. */
static gboolean
read_simulated (const char *path, char **schedule, guint *n_stages, double *iteration_s,
                GError **error)
{
  g_autoptr(DsJsonDoc) doc = ds_json_doc_load (path, error);
  JsonObject *root;
  const char *name = NULL;

  if (doc == NULL || (root = ds_json_doc_root_object (doc, error)) == NULL
      || !ds_json_get_string (doc, root, "schedule", TRUE, &name, error)
      || !ds_json_get_uint (doc, root, "n_stages", TRUE, n_stages, error)
      || !ds_json_get_double (doc, root, "iteration_s", TRUE, iteration_s, error))
    return FALSE;
  if (!(*iteration_s > 0) || *n_stages < 1)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, root, "iteration_s"),
                       "'iteration_s' must be > 0 and 'n_stages' >= 1");
  *schedule = g_strdup (name);
  return TRUE;
}

/* tta.md 9.7 without the evaluation rounding (ds_eff_tta): TTA = epochs
 * x ceil (dataset / B) x simulated seconds per minibatch. */
static gboolean
human_predict (GString *s, const TtaArgs *a, const DsEffModel *m, GError **error)
{
  g_auto(GStrv) list = g_strsplit (a->predict, ",", -1);
  g_autofree char *schedule = NULL;
  guint n_stages = 1;
  double iteration_s = 0, stale = 0;

  if (a->simulated != NULL)
    {
      if (a->dataset_size < 1)
        return ds_cli_usage (error, "--simulated needs --dataset-size (samples per epoch)");
      if (g_strv_length (list) != 1)
        return ds_cli_usage (error, "--simulated times one plan: give its minibatch alone "
                             "to --predict");
      if (!read_simulated (a->simulated, &schedule, &n_stages, &iteration_s, error))
        return FALSE;
    }
  if (!predict_staleness (a, schedule, n_stages, &stale, error))
    return FALSE;
  g_string_append_printf (s, "\nstaleness %g%s%s%s\nbatch  predicted epochs%s\n", stale,
                          schedule != NULL ? " (" : "", schedule != NULL ? schedule : "",
                          schedule != NULL ? ")" : "",
                          a->simulated != NULL ? "  s per minibatch  minibatches  TTA" : "");
  for (guint i = 0; list[i] != NULL; i++)
    {
      double b, e;
      if (!ds_tta_parse_decimal (list[i], &b) || !(b >= 1))
        return ds_cli_usage (error, "--predict takes batch sizes >= 1, got '%s'", list[i]);
      e = ds_eff_predict (m, b, stale);
      g_string_append_printf (s, "%5g  %16.4g", b, e);
      if (a->simulated != NULL)
        {
          DsTtaSetup setup = { .dataset_size = a->dataset_size };
          DsTtaPrediction p;
          char hms[32];
          ds_eff_tta (m, b, stale, iteration_s, &setup, &p);
          g_string_append_printf (s, "  %15.6g  %11.0f  %s (%.4g s)", iteration_s,
                                  p.steps_per_epoch,
                                  ds_tta_format_hms (hms, sizeof hms, p.tta_s), p.tta_s);
        }
      g_string_append_c (s, '\n');
    }
  return TRUE;
}

static gboolean
run_efficiency (const TtaArgs *a, int argc, GError **error)
{
  g_auto(EffFit) f = { 0 };
  g_autoptr(GString) s = g_string_new (NULL);

  if (argc > 1)
    return ds_cli_usage (error, "--fit and --model take no ENTRY or LOG");
  if ((a->fit != NULL) == (a->model_file != NULL))
    return ds_cli_usage (error, "give --fit POINTS or --model FILE, not both");
  if (a->fit != NULL)
    {
      if (!fit_points (a, &f, error))
        return FALSE;
      human_model (s, &f.model);
      human_fit_points (s, &f);
    }
  else if (!ds_eff_model_load (a->model_file, &f.model, error))
    return FALSE;
  else
    human_model (s, &f.model);
  if (a->output != NULL)
    {
      g_autofree char *json = ds_eff_model_to_json (&f.model);
      if (!ds_write_file (a->output, json, strlen (json), error))
        return FALSE;
    }
  if (a->check != NULL && !human_check (s, a->check, &f.model, error))
    return FALSE;
  if (a->predict != NULL && !human_predict (s, a, &f.model, error))
    return FALSE;
  fputs (s->str, stdout);
  return TRUE;
}

static const char description[] =
  "TTA is the 'hours' of the first evaluation, in file order, whose metric\n"
  "meets the target (>=; <= with METRIC<=X), with no interpolation; a log that\n"
  "never meets it is 'not reached', with no time and no cost. Cost is TTA x\n"
  "the entry's costPerHour (or --cost-per-hour), else n/a. Times are on the\n"
  "log's base: DAWNBench hours, training time as the submitter logged it\n"
  "(dawnsim exec --log leaves every evaluation out).\n\n"
  "An ENTRY is a DAWNBench JSON file (its TSV beside it, same stem); a LOG is\n"
  "a TSV with 'hours' and a metric column. The target defaults to the task's,\n"
  "found from the columns: f1Score >= 0.75 (SQuAD), top5Accuracy >= 93\n"
  "(ImageNet), top1Accuracy >= 94 (CIFAR10).\n\n"
  "Examples:\n"
  "  dawnsim tta ImageNet/train/fastai_pytorch.json\n"
  "  dawnsim tta CIFAR10/train/*.tsv --sweep\n"
  "  dawnsim exec mlp --epochs 3 --log run.tsv && dawnsim tta run.tsv --threshold 85\n"
  "  dawnsim tta run1.tsv run2.tsv run3.tsv --threshold 85 --runs --format json\n"
  "  dawnsim tta loss.tsv --target 'eval_loss<=0.925'\n\n"
  "Statistical efficiency (docs/tta.md): epochs = e_min (1 + B / b_crit)\n"
  "(1 + kappa s), B the global batch, s the mean staleness in steps.\n"
  "--fit POINTS fits it to a TSV of runs (columns batch_size, epochs and\n"
  "optionally staleness; medians per batch and staleness are fitted) or to\n"
  "an MLPerf RCP file (*.json; olympic means, checked against the reference's\n"
  "minimum acceptable means). --model FILE reads what -o wrote.\n"
  "  dawnsim tta --fit runs.tsv -o model.json --check other-runs.tsv\n"
  "  dawnsim tta --fit mlperf_rcps/training_4.0.0_rcps_resnet.json\n"
  "  dawnsim simulate mlp -b 256 --cluster A --gpus 4 --stages 2 -s 1f1b --format json > sim.json\n"
  "  dawnsim tta --model model.json --predict 256 --simulated sim.json --dataset-size 60000";

static gboolean
check_args (const TtaArgs *a, int argc, DsTtaTarget *given, GError **error)
{
  if (argc < 2)
    return ds_cli_usage (error, "tta takes at least one ENTRY or LOG");
  if (a->target != NULL && (a->threshold != NULL || a->metric != NULL))
    return ds_cli_usage (error, "--target replaces --threshold and --metric: give one");
  if (a->target != NULL)
    {
      g_autoptr(GError) bad = NULL;
      if (!ds_tta_target_parse (a->target, NULL, given, &bad))
        return ds_cli_usage (error, "--target: %s", bad->message);
    }
  if (a->threshold != NULL)
    {
      double v;
      if (!ds_tta_parse_decimal (a->threshold, &v))
        return ds_cli_usage (error, "--threshold: expected a decimal number, got '%s'",
                             a->threshold);
    }
  if (!(a->cost_per_hour >= 0 || a->cost_per_hour == -1))
    return ds_cli_usage (error, "--cost-per-hour must be >= 0");
  return TRUE;
}

gboolean
ds_cmd_tta (int argc, char **argv, GError **error)
{
  g_auto(TtaArgs) a = { .cost_per_hour = -1, .staleness = -1 };
  const GOptionEntry entries[] = {
    { "threshold", 't', 0, G_OPTION_ARG_STRING, &a.threshold,
      "Target value (default: the task's; >= unless --target says <=)", "X" },
    { "metric", 'm', 0, G_OPTION_ARG_STRING, &a.metric,
      "Column to read (default: the task's)", "NAME" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &a.target,
      "Metric and threshold at once: METRIC>=X or METRIC<=X", "T" },
    { "cost-per-hour", 0, 0, G_OPTION_ARG_DOUBLE, &a.cost_per_hour,
      "Price in USD per hour for inputs without one", "USD" },
    { "runs", 'r', 0, G_OPTION_ARG_NONE, &a.runs,
      "The inputs are repeated runs: reached, mean, CoV, olympic mean", NULL },
    { "sweep", 's', 0, G_OPTION_ARG_NONE, &a.sweep,
      "TTA at the task's sweep thresholds (or --thresholds)", NULL },
    { "thresholds", 0, 0, G_OPTION_ARG_STRING, &a.thresholds,
      "Thresholds to sweep, ascending (implies --sweep)", "X,Y,..." },
    DS_CLI_FORMAT_OPTION (&a.format),
    { "fit", 0, 0, G_OPTION_ARG_FILENAME, &a.fit,
      "Fit the epochs model to runs (TSV) or MLPerf RCPs (JSON)", "POINTS" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &a.model_file,
      "Use a fitted epochs model (what -o wrote)", "FILE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output, "Write the fitted model as JSON", "FILE" },
    { "check", 0, 0, G_OPTION_ARG_FILENAME, &a.check,
      "Compare the model with the medians of these runs (TSV)", "POINTS" },
    { "predict", 0, 0, G_OPTION_ARG_STRING, &a.predict, "Predict epochs at these batch sizes",
      "B,B,..." },
    { "staleness", 0, 0, G_OPTION_ARG_DOUBLE, &a.staleness,
      "Mean staleness in steps for --predict (default: the simulated schedule's, else 0)", "S" },
    { "simulated", 0, 0, G_OPTION_ARG_FILENAME, &a.simulated,
      "Predict TTA with this 'dawnsim simulate --format json' output", "FILE" },
    { "dataset-size", 0, 0, G_OPTION_ARG_INT, &a.dataset_size,
      "Samples per epoch (with --simulated)", "N" },
    { "pruned", 0, 0, G_OPTION_ARG_NONE, &a.pruned,
      "RCPs: fit the checker's pruned points only", NULL },
    { "rcp-runs", 0, 0, G_OPTION_ARG_INT, &a.rcp_runs,
      "RCPs: runs per submission (default: the benchmark's)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "tta", "ENTRY|LOG...", "Time to accuracy, cost, spread and threshold sensitivity.",
      description, entries);
  g_autoptr(GArray) inputs = g_array_new (FALSE, TRUE, sizeof (Input));
  g_autoptr(GArray) targets = g_array_new (FALSE, TRUE, sizeof (DsTtaTarget));
  g_autoptr(GPtrArray) logs = g_ptr_array_new ();
  g_autoptr(DsTtaSweep) sweep = NULL;
  g_autofree double *tta_s = NULL;
  g_autofree gboolean *reached = NULL;
  g_autofree char *out = NULL;
  g_auto(DsTtaTarget) given = { 0 };
  DsOutputFormat format;
  DsTtaStats stats = { 0 };
  gboolean olympic_ok = FALSE;
  double olympic = 0;
  const char *why = NULL;

  g_array_set_clear_func (inputs, input_clear);
  g_array_set_clear_func (targets, (GDestroyNotify) ds_tta_target_clear);
  if (!ds_cli_parse (context, "tta", &argc, &argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if (a.fit != NULL || a.model_file != NULL)
    {
      if (format != DS_OUTPUT_HUMAN)
        return ds_cli_usage (error, "--fit and --model print a table; -o writes the model as JSON");
      if (a.rcp_runs < 0 || a.dataset_size < 0 || (a.staleness < 0 && a.staleness != -1))
        return ds_cli_usage (error, "--rcp-runs, --dataset-size and --staleness must be >= 0");
      return run_efficiency (&a, argc, error);
    }
  if (a.check != NULL || a.predict != NULL || a.simulated != NULL || a.output != NULL)
    return ds_cli_usage (error, "--check, --predict, --simulated and -o need --fit or --model");
  if (!check_args (&a, argc, &given, error))
    return FALSE;
  a.sweep = a.sweep || a.thresholds != NULL;
  g_array_set_size (inputs, argc - 1);
  for (int i = 1; i < argc; i++)
    if (!open_input (&a, &given, argv[i], &g_array_index (inputs, Input, i - 1), error))
      return FALSE;
  if ((a.runs || a.sweep) && !check_one_metric (inputs, error))
    return FALSE;

  tta_s = g_new (double, inputs->len);
  reached = g_new (gboolean, inputs->len);
  for (guint i = 0; i < inputs->len; i++)
    {
      Input *in = &g_array_index (inputs, Input, i);
      tta_s[i] = in->result.tta_s;
      reached[i] = in->result.reached;
      g_ptr_array_add (logs, in->entry->log);
    }
  if (a.runs)
    {
      ds_tta_stats (tta_s, reached, inputs->len, &stats);
      olympic_ok = ds_tta_olympic_mean (tta_s, reached, inputs->len, &olympic, &why);
    }
  if (a.sweep)
    {
      if (!sweep_targets (&a, &g_array_index (inputs, Input, 0), targets, error))
        return FALSE;
      sweep = ds_tta_sweep_new ((DsTtaLog *const *) logs->pdata, logs->len,
                                (DsTtaTarget *) targets->data, targets->len);
    }

  if (format == DS_OUTPUT_CSV)
    out = render_csv (inputs, sweep, targets);
  else if (format == DS_OUTPUT_JSON)
    {
      g_autoptr(DsJsonWriter) w = ds_json_writer_new ();
      ds_json_begin_object (w);
      ds_json_member_string (w, "time_base", "dawnbench");
      ds_json_member (w, "inputs");
      ds_json_begin_array (w);
      for (guint i = 0; i < inputs->len; i++)
        json_input (w, &g_array_index (inputs, Input, i));
      ds_json_end_array (w);
      if (a.runs)
        json_runs (w, &stats, olympic_ok, olympic, why);
      if (sweep != NULL)
        json_sweep (w, sweep, targets);
      ds_json_end_object (w);
      out = ds_json_writer_finish (g_steal_pointer (&w), NULL);
    }
  else
    {
      GString *s = g_string_new ("time base: DAWNBench hours (training time as logged)\n");
      human_inputs (s, inputs);
      if (a.runs)
        human_runs (s, &stats, olympic_ok, olympic, why);
      if (sweep != NULL)
        human_sweep (s, inputs, sweep, targets);
      out = g_string_free (s, FALSE);
    }
  fputs (out, stdout);
  return TRUE;
}
