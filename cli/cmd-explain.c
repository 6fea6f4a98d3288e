/* cli/cmd-explain.c - `dawnsim explain`: which attribute values the
 * outliers share (MacroBase-style; traces/explain.h).
 *
 * Parses the options into a DsExplainConfig, runs the pipeline (batch:
 * ds_explain_run; --stream: ds_explain_stream_run, one report per
 * window), and prints: the resolved configuration and what the
 * classifier learned, then the explanations ranked (ratio, support,
 * order), each with its outlier and total counts. Rows dropped for a bad
 * metric are counted on stderr with the first one's line.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/error.h"
#include "core/json-writer.h"
#include "traces/explain-stream.h"
#include "traces/explain.h"

typedef struct {
  char *where;
  char *classifier, *predicate, *tails, *explainer, *ratio, *format, *time_column;
  char **attributes, **metrics, **low_metrics, **buckets;
  char *quantile_levels;
  char *weight, *outlier_column;
  double cutoff, min_support, min_ratio, score_threshold, score_percentile;
  double mcd_alpha, window, slide;
  int max_order, seed;
  int warmup, period, reservoir, amc_size;
  double decay;
  gboolean no_combinations, prune, stream, sketch;
} ExplainArgs;

static void
explain_args_clear (ExplainArgs *a)
{
  g_free (a->classifier);
  g_free (a->predicate);
  g_free (a->where);
  g_free (a->tails);
  g_free (a->explainer);
  g_free (a->ratio);
  g_free (a->format);
  g_free (a->time_column);
  g_strfreev (a->attributes);
  g_strfreev (a->metrics);
  g_strfreev (a->low_metrics);
  g_strfreev (a->buckets);
  g_free (a->quantile_levels);
  g_free (a->weight);
  g_free (a->outlier_column);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExplainArgs, explain_args_clear)

/* "a,b" "c" -> {a, b, c}; NULL stays NULL. */
static char **
split_lists (char **args)
{
  GPtrArray *out;

  if (args == NULL)
    return NULL;
  out = g_ptr_array_new ();
  for (guint i = 0; args[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (args[i], ",", -1);
      for (guint k = 0; parts[k] != NULL; k++)
        if (*g_strstrip (parts[k]) != '\0')
          g_ptr_array_add (out, g_strdup (parts[k]));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* "0,0.1,0.5" -> the quantile classifier's levels */
static gboolean
parse_levels (const char *text, DsExplainClassifier *c, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  c->n_quantile_levels = g_strv_length (parts);
  c->quantile_levels = g_new (double, MAX (c->n_quantile_levels, 1));
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      c->quantile_levels[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0')
        return ds_cli_usage (error, "--quantile-levels: '%s' is not a number", parts[i]);
    }
  return TRUE;
}

static gboolean
to_config (ExplainArgs *a, DsExplainConfig *cfg, GError **error)
{
  DsExplainClassifier *c = &cfg->classifier;
  g_autoptr(GError) e = NULL;

  cfg->attrs = split_lists (a->attributes);
  cfg->metrics = split_lists (a->metrics);
  c->low_metrics = split_lists (a->low_metrics);
  cfg->buckets = g_strdupv (a->buckets);
  cfg->weight = g_strdup (a->weight);
  cfg->outlier_column = g_strdup (a->outlier_column);
  if (a->outlier_column != NULL)
    c->kind = DS_EXPLAIN_CLS_COLUMN;
  if (a->where != NULL)
    {
      cfg->where = g_new0 (DsExplainPredicate, 1);
      if (!ds_explain_predicate_parse (a->where, cfg->where, &e))
        return ds_cli_usage (error, "--where: %s", e->message);
    }
  if (a->predicate != NULL)
    {
      if (!ds_explain_predicate_parse (a->predicate, &c->predicate, &e))
        return ds_cli_usage (error, "%s", e->message);
      c->kind = DS_EXPLAIN_CLS_PREDICATE;
    }
  if (a->classifier != NULL && !ds_explain_classifier_from_name (a->classifier, &c->kind))
    return ds_cli_usage (error, "--classifier: no classifier '%s' (percentile, predicate, "
                         "mad, zscore, mcd, column, arithmetic, quantile, count-mean-shift, "
                         "mean-deviation)", a->classifier);
  if (a->quantile_levels != NULL && !parse_levels (a->quantile_levels, c, error))
    return FALSE;
  if (a->tails != NULL)
    {
      static const char *const tails[] = { "both", "high", "low" };
      guint i = 0;
      while (i < G_N_ELEMENTS (tails) && strcmp (a->tails, tails[i]) != 0)
        i++;
      if (i == G_N_ELEMENTS (tails))
        return ds_cli_usage (error, "--tails must be both, high or low, got '%s'", a->tails);
      c->tails = (DsExplainTails) i;
    }
  if (a->explainer != NULL)
    {
      if (strcmp (a->explainer, "apriori") == 0)
        cfg->explainer = DS_EXPLAINER_APRIORI;
      else if (strcmp (a->explainer, "fpgrowth") == 0)
        cfg->explainer = DS_EXPLAINER_FPGROWTH;
      else
        return ds_cli_usage (error, "--explainer must be apriori or fpgrowth, got '%s'",
                             a->explainer);
    }
  if (a->ratio != NULL && !ds_explain_ratio_from_name (a->ratio, &cfg->ratio))
    return ds_cli_usage (error, "--ratio-metric must be global_ratio, risk_ratio, "
                         "prevalence_ratio, mean_deviation or mean_shift, got '%s'", a->ratio);
  if (a->ratio == NULL && c->kind == DS_EXPLAIN_CLS_MEAN_DEVIATION)
    cfg->ratio = DS_EXPLAIN_MEAN_DEVIATION;       /* the metric these sums are for */
  if (a->ratio == NULL && c->kind == DS_EXPLAIN_CLS_COUNT_MEAN_SHIFT)
    cfg->ratio = DS_EXPLAIN_MEAN_SHIFT;
  if (a->ratio != NULL && cfg->explainer == DS_EXPLAINER_FPGROWTH
      && cfg->ratio != DS_EXPLAIN_RISK_RATIO)
    return ds_cli_usage (error, "fpgrowth ranks by risk_ratio only");
  if (!isnan (a->cutoff))
    c->cutoff_pct = a->cutoff;
  if (!isnan (a->score_threshold))
    c->score_threshold = a->score_threshold;
  if (!isnan (a->score_percentile))
    c->score_percentile = a->score_percentile;
  if (!isnan (a->mcd_alpha))
    c->mcd_alpha = a->mcd_alpha;
  c->seed = (guint64) MAX (a->seed, 0);
  cfg->min_support = a->min_support;
  cfg->min_ratio = a->min_ratio;
  cfg->max_order = (guint) MAX (a->max_order, 0);
  cfg->no_combinations = a->no_combinations;
  cfg->prune = a->prune;
  if (!ds_explain_config_check (cfg, &e))
    return ds_cli_usage (error, "%s", e->message);
  return TRUE;
}

/* ---- output ---- */

static const char *
fmt_num (char buf[G_ASCII_DTOSTR_BUF_SIZE], const char *format, double v)
{
  if (isinf (v))
    return v > 0 ? "Infinity" : "-Infinity";
  if (isnan (v))
    return "NaN";
  return g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, format, v);
}

static char *
render_table (const DsExplainData *d, guint n_cols, const DsExplainResult *res,
              DsOutputFormat format)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new ();
  g_autoptr(GString) align = g_string_new (NULL);
  g_autoptr(DsTable) t = NULL;
  gboolean csv = format == DS_OUTPUT_CSV;
  const char *num = csv ? "%.17g" : "%.3f", *count = csv ? "%.17g" : "%.6g";

  for (guint c = 0; c < n_cols; c++)
    {
      g_ptr_array_add (headers, d->attrs[c].name);
      g_string_append_c (align, 'l');
    }
  g_ptr_array_add (headers, (char *) "support");
  g_ptr_array_add (headers, (char *) ds_explain_ratio_name (res->ratio));
  g_ptr_array_add (headers, (char *) (csv ? "outlier_count" : "outliers"));
  g_ptr_array_add (headers, (char *) (csv ? "total_count" : "total"));
  g_string_append (align, "rrrr");
  t = ds_table_new (headers->len, (const char *const *) headers->pdata, align->str);
  for (guint i = 0; i < res->explanations->len; i++)
    {
      const DsExplanation *x = g_ptr_array_index (res->explanations, i);
      g_autofree const char **cells = g_new0 (const char *, n_cols + 4);
      char b[4][G_ASCII_DTOSTR_BUF_SIZE];
      for (guint c = 0; c < n_cols; c++)
        cells[c] = "";
      for (guint k = 0; k < x->n_items; k++)
        cells[x->items[k].col] = g_ptr_array_index (d->attrs[x->items[k].col].values,
                                                    x->items[k].value);
      cells[n_cols] = fmt_num (b[0], num, x->support);
      cells[n_cols + 1] = fmt_num (b[1], num, x->ratio);
      cells[n_cols + 2] = fmt_num (b[2], count, x->o);
      cells[n_cols + 3] = fmt_num (b[3], count, x->t);
      ds_table_add_row (t, cells);
    }
  return csv ? ds_table_to_csv (t) : ds_table_to_human (t);
}

static void
json_number (DsJsonWriter *w, const char *name, double v)
{
  if (isfinite (v))
    ds_json_member_double (w, name, v);
  else if (isnan (v))
    {
      ds_json_member (w, name);
      ds_json_null (w);
    }
  else
    ds_json_member_string (w, name, v > 0 ? "Infinity" : "-Infinity");
}

static void
json_explanations (DsJsonWriter *w, const DsExplainData *d, const DsExplainResult *res)
{
  ds_json_member (w, "explanations");
  ds_json_begin_array (w);
  for (guint i = 0; i < res->explanations->len; i++)
    {
      const DsExplanation *x = g_ptr_array_index (res->explanations, i);
      ds_json_begin_object_inline (w);
      ds_json_member (w, "attributes");
      ds_json_begin_object_inline (w);
      for (guint k = 0; k < x->n_items; k++)
        ds_json_member_string (w, d->attrs[x->items[k].col].name,
                               g_ptr_array_index (d->attrs[x->items[k].col].values,
                                                  x->items[k].value));
      ds_json_end_object (w);
      json_number (w, "support", x->support);
      json_number (w, ds_explain_ratio_name (res->ratio), x->ratio);
      json_number (w, "outliers", x->o);
      json_number (w, "total", x->t);
      ds_json_end_object (w);
    }
  ds_json_end_array (w);
}

static void
json_fit (DsJsonWriter *w, const DsExplainConfig *cfg, const DsExplainFit *fit)
{
  const DsExplainClassifier *c = &cfg->classifier;

  ds_json_member (w, "classifier");
  ds_json_begin_object_inline (w);
  ds_json_member_string (w, "name", ds_explain_classifier_name (c->kind));
  if (c->kind == DS_EXPLAIN_CLS_PERCENTILE)
    {
      ds_json_member_double (w, "cutoff_pct", c->cutoff_pct);
      json_number (w, "low", fit->low);
      json_number (w, "high", fit->high);
    }
  if (c->kind == DS_EXPLAIN_CLS_MAD || c->kind == DS_EXPLAIN_CLS_ZSCORE)
    {
      json_number (w, c->kind == DS_EXPLAIN_CLS_MAD ? "median" : "mean", fit->center);
      json_number (w, c->kind == DS_EXPLAIN_CLS_MAD ? "mad" : "std", fit->spread);
    }
  if (c->kind == DS_EXPLAIN_CLS_MAD || c->kind == DS_EXPLAIN_CLS_ZSCORE
      || c->kind == DS_EXPLAIN_CLS_MCD)
    json_number (w, "score_cutoff", fit->score_cutoff);
  if (c->kind == DS_EXPLAIN_CLS_MCD)
    ds_json_member_uint64 (w, "c_steps", fit->mcd_steps);
  if (c->kind == DS_EXPLAIN_CLS_ARITHMETIC || c->kind == DS_EXPLAIN_CLS_QUANTILE)
    {
      ds_json_member_double (w, "cutoff_pct", c->cutoff_pct);
      json_number (w, "low", fit->low);
      json_number (w, "high", fit->high);
    }
  if (c->kind == DS_EXPLAIN_CLS_MEAN_DEVIATION)
    {
      json_number (w, "mean", fit->center);
      json_number (w, "std", fit->spread);
      json_number (w, "score_cutoff", fit->score_cutoff);
    }
  ds_json_end_object (w);
}

static char *
render_json (const DsExplainConfig *cfg, const DsExplainReport *r)
{
  g_autoptr(DsJsonWriter) w = ds_json_writer_new ();

  ds_json_begin_object (w);
  ds_json_member_string (w, "input", ds_explain_input_name (r->input));
  ds_json_member_uint64 (w, "rows", r->data->n_rows);
  ds_json_member_uint64 (w, "dropped", r->data->n_dropped);
  json_number (w, "outliers", r->fit.outliers);
  json_number (w, "total", r->fit.total);
  json_fit (w, cfg, &r->fit);
  ds_json_member_string (w, "explainer", cfg->explainer == DS_EXPLAINER_FPGROWTH
                         ? "fpgrowth" : "apriori");
  ds_json_member_string (w, "ratio_metric", ds_explain_ratio_name (r->result->ratio));
  ds_json_member_double (w, "min_support", r->min_support);
  ds_json_member_double (w, "min_ratio", r->min_ratio);
  json_explanations (w, r->data, r->result);
  ds_json_end_object (w);
  return ds_json_writer_finish (g_steal_pointer (&w), NULL);
}

static void
append_fit (GString *s, const DsExplainConfig *cfg, const DsExplainReport *r)
{
  const DsExplainClassifier *c = &cfg->classifier;
  const char *metric = r->metrics != NULL && r->metrics[0] != NULL ? r->metrics[0] : "?";
  static const char *const tails[] = { "both tails", "high tail", "low tail" };

  switch (c->kind)
    {
    case DS_EXPLAIN_CLS_PERCENTILE:
      g_string_append_printf (s, "classifier percentile on %s: outlier below %g or above %g "
                              "(cut-off %g%%, %s, strict)\n", metric, r->fit.low, r->fit.high,
                              c->cutoff_pct, tails[c->tails]);
      break;
    case DS_EXPLAIN_CLS_PREDICATE:
      g_string_append_printf (s, "classifier predicate: %s\n", c->predicate.column);
      break;
    case DS_EXPLAIN_CLS_MAD:
    case DS_EXPLAIN_CLS_ZSCORE:
      g_string_append_printf (s, "classifier %s on %s: %s %g, %s %g, outlier when score %s %g"
                              " (%s between %g and %g)\n",
                              ds_explain_classifier_name (c->kind), metric,
                              c->kind == DS_EXPLAIN_CLS_MAD ? "median" : "mean", r->fit.center,
                              c->kind == DS_EXPLAIN_CLS_MAD ? "MAD" : "std", r->fit.spread,
                              c->score_threshold > 0 ? ">" : ">=", r->fit.score_cutoff,
                              "inliers", r->fit.center - r->fit.score_cutoff * r->fit.spread,
                              r->fit.center + r->fit.score_cutoff * r->fit.spread);
      break;
    case DS_EXPLAIN_CLS_MCD:
      g_string_append_printf (s, "classifier mcd on %u metrics: outlier when distance %s %g "
                              "(%u C-steps)\n", g_strv_length (r->metrics),
                              c->score_threshold > 0 ? ">" : ">=", r->fit.score_cutoff,
                              r->fit.mcd_steps);
      break;
    case DS_EXPLAIN_CLS_ARITHMETIC:
    case DS_EXPLAIN_CLS_QUANTILE:
      g_string_append_printf (s, "classifier %s (cube): events below %g or above %g (cut-off "
                              "%g%%, %s), outlier weight fractional\n",
                              ds_explain_classifier_name (c->kind), r->fit.low, r->fit.high,
                              c->cutoff_pct, tails[c->tails]);
      break;
    case DS_EXPLAIN_CLS_COUNT_MEAN_SHIFT:
      g_string_append_printf (s, "classifier count-mean-shift (cube) on %s: outliers where "
                              "'%s' holds\n", metric, c->predicate.column);
      break;
    case DS_EXPLAIN_CLS_MEAN_DEVIATION:
      g_string_append_printf (s, "classifier mean-deviation (cube) on %s: global mean %g, std "
                              "%g; a group is an outlier when its deviation > %g\n", metric,
                              r->fit.center, r->fit.spread, r->fit.score_cutoff);
      break;
    case DS_EXPLAIN_CLS_COLUMN:
    default:
      g_string_append_printf (s, "classifier column: outlier weight from '%s'\n",
                              cfg->outlier_column);
      break;
    }
}

static char *
render_human (const DsExplainConfig *cfg, const DsExplainReport *r, const char *path)
{
  GString *s = g_string_new (NULL);
  g_autofree char *table = NULL;

  g_string_append_printf (s, "explain %s (%s): %u rows, %" G_GUINT64_FORMAT " dropped\n",
                          path, ds_explain_input_name (r->input), r->data->n_rows,
                          r->data->n_dropped);
  append_fit (s, cfg, r);
  g_string_append_printf (s, "outliers %g of %g (%.2f%%)\n", r->fit.outliers, r->fit.total,
                          r->fit.total > 0 ? 100 * r->fit.outliers / r->fit.total : 0.0);
  g_string_append_printf (s, "explainer %s: min support %g, min %s %g",
                          cfg->explainer == DS_EXPLAINER_FPGROWTH ? "fpgrowth" : "apriori",
                          r->min_support, ds_explain_ratio_name (r->result->ratio),
                          r->min_ratio);
  if (cfg->explainer == DS_EXPLAINER_APRIORI)
    g_string_append_printf (s, ", max order %u", cfg->max_order);
  g_string_append (s, "\n\n");
  if (r->result->explanations->len == 0)
    {
      g_string_append (s, r->fit.outliers > 0 ? "no explanations\n" : "no outliers\n");
      return g_string_free (s, FALSE);
    }
  table = render_table (r->data, r->n_explained, r->result, DS_OUTPUT_HUMAN);
  g_string_append (s, table);
  return g_string_free (s, FALSE);
}

static void
note_dropped (const DsExplainData *d, const char *path)
{
  if (d->n_dropped == 0)
    return;
  if (d->first_dropped_line > 0)
    fprintf (stderr, "dawnsim: note: %s: %" G_GUINT64_FORMAT " row%s dropped (the first, at "
             "line %u, because its %s)\n", path, d->n_dropped, d->n_dropped == 1 ? "" : "s",
             d->first_dropped_line, d->first_dropped_why);
  else
    fprintf (stderr, "dawnsim: note: %s: %" G_GUINT64_FORMAT " row%s dropped (the first: %s)\n",
             path, d->n_dropped, d->n_dropped == 1 ? "" : "s", d->first_dropped_why);
}

typedef struct {
  DsOutputFormat format;
  const DsExplainConfig *cfg;
} StreamPrint;

/* The sketch mode's one report: decayed totals, then the table. */
static gboolean
print_sketch (const DsExplainData *d, const DsExplainResult *res, const StreamPrint *sp)
{
  g_autofree char *text = NULL;

  if (sp->format == DS_OUTPUT_JSON)
    {
      g_autoptr(DsJsonWriter) jw = ds_json_writer_new ();
      ds_json_begin_object_inline (jw);
      ds_json_member_string (jw, "summarizer", "sketch");
      json_number (jw, "outliers", res->outliers);
      json_number (jw, "total", res->total);
      ds_json_member_string (jw, "ratio_metric", ds_explain_ratio_name (res->ratio));
      json_explanations (jw, d, res);
      ds_json_end_object (jw);
      text = ds_json_writer_finish (g_steal_pointer (&jw), NULL);
      fputs (text, stdout);
      return TRUE;
    }
  printf ("sketch summary (decayed counts): %g outliers of %g%s\n", res->outliers, res->total,
          res->explanations->len == 0 ? ", no explanations" : "");
  if (res->explanations->len == 0)
    return TRUE;
  text = render_table (d, d->n_attrs, res, sp->format);
  fputs (text, stdout);
  return TRUE;
}

/* One window: a heading and the table, or one JSON object per line. */
static gboolean
print_window (const DsExplainWindow *w, const DsExplainData *d, const DsExplainResult *res,
              gpointer user_data, GError **error)
{
  const StreamPrint *sp = user_data;
  double start, end;
  guint rows;
  guint64 late;
  g_autofree char *text = NULL;

  (void) error;
  if (w == NULL)
    return print_sketch (d, res, sp);
  ds_explain_window_span (w, &start, &end, &rows, &late);
  if (sp->format == DS_OUTPUT_JSON)
    {
      g_autoptr(DsJsonWriter) jw = ds_json_writer_new ();
      ds_json_begin_object_inline (jw);
      ds_json_member_double (jw, "window_start", start);
      ds_json_member_double (jw, "window_end", end);
      ds_json_member_uint64 (jw, "rows", rows);
      json_number (jw, "outliers", res->outliers);
      ds_json_member_uint64 (jw, "late", late);
      json_explanations (jw, d, res);
      ds_json_end_object (jw);
      text = ds_json_writer_finish (g_steal_pointer (&jw), NULL);
      fputs (text, stdout);
      return TRUE;
    }
  printf ("window [%g, %g): %u rows, %g outliers%s\n", start, end, rows, res->outliers,
          res->explanations->len == 0 ? ", no explanations" : "");
  if (res->explanations->len == 0)
    return TRUE;
  text = render_table (d, w != NULL ? d->n_attrs : 0, res, sp->format);
  fputs (text, stdout);
  fputc ('\n', stdout);
  return TRUE;
}

static const char description[] =
  "Labels each row of FILE as an outlier or not (a classifier over one or\n"
  "more metrics, or a predicate), then reports the combinations of up to\n"
  "three attribute values over-represented among the outliers, ranked by\n"
  "a ratio, with their support (the share of all outliers they cover) and\n"
  "counts. FILE is a CSV with a header, a dawnsim trace (JSON; attributes\n"
  "device, kind, stage, layer, microbatch and event attributes; metric\n"
  "duration_s), or the CSV of 'dawnsim validate --csv' (attributes stage,\n"
  "kind; metric error); '-' reads standard input, gzip is read through.\n"
  "Defaults follow MacroBase: percentile classifier at 1% per tail (both,\n"
  "strict); apriori with min support 0.01, min global_ratio 3, order <= 3;\n"
  "fpgrowth with min support 0.1, min risk_ratio 3. Score classifiers\n"
  "(mad, zscore, mcd) flag scores >= their 99th percentile unless\n"
  "--score-threshold is given. Pre-aggregated (cube) rows: --weight COUNT\n"
  "with --classifier arithmetic (--metric MEAN,STD), quantile (--metric\n"
  "Q0,..,Qm --quantile-levels L0,..,Lm), count-mean-shift (--metric MEAN\n"
  "--predicate EXPR; ratio mean_shift) or mean-deviation (--metric\n"
  "MEAN,STD; ratio mean_deviation). See docs/explain.md.\n\n"
  "Examples:\n"
  "  dawnsim explain m.json --metric duration_s --attributes stage,device,kind\n"
  "  dawnsim explain --predicate 'error > 0.2' diff.csv\n"
  "  dawnsim explain sample.csv --metric usage --attributes location,version \\\n"
  "      --classifier mad --ratio-metric risk_ratio --format json\n"
  "  dawnsim explain events.csv --metric latency --attributes host,zone \\\n"
  "      --stream --time-column t --window 60 --slide 10\n"
  "  dawnsim explain sensor.csv --metric power_drain --attributes device_id \\\n"
  "      --classifier mad --stream --sketch --warmup 100 --period 1000";

gboolean
ds_cmd_explain (int argc, char **argv, GError **error)
{
  g_auto(ExplainArgs) a = { .cutoff = NAN, .min_support = NAN, .min_ratio = NAN,
                            .score_threshold = NAN, .score_percentile = NAN,
                            .mcd_alpha = NAN, .max_order = 3 };
  const GOptionEntry entries[] = {
    { "attributes", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &a.attributes,
      "Columns to explain, comma-separated", "A,B,..." },
    { "metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &a.metrics,
      "Metric(s) to classify on (several for mcd)", "NAME" },
    { "classifier", 'c', 0, G_OPTION_ARG_STRING, &a.classifier,
      "percentile (default), predicate, mad, zscore, mcd, column; cube rows: arithmetic, "
      "quantile, count-mean-shift, mean-deviation", "NAME" },
    { "predicate", 'p', 0, G_OPTION_ARG_STRING, &a.predicate,
      "Outlier iff 'COLUMN OP VALUE' (== != < > <= >=; a quoted value compares text)",
      "EXPR" },
    { "cutoff", 0, 0, G_OPTION_ARG_DOUBLE, &a.cutoff,
      "Percentile classifier: percent per tail (default 1.0)", "PCT" },
    { "tails", 0, 0, G_OPTION_ARG_STRING, &a.tails, "both (default), high or low", "T" },
    { "score-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &a.score_threshold,
      "Score classifiers: outlier iff score > T (static mode)", "T" },
    { "score-percentile", 0, 0, G_OPTION_ARG_DOUBLE, &a.score_percentile,
      "Score classifiers: outlier iff score >= this quantile of scores (0.99)", "Q" },
    { "low-metric", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.low_metrics,
      "Low values are bad: score 1/max(x, 0.1)", "NAME" },
    { "quantile-levels", 0, 0, G_OPTION_ARG_STRING, &a.quantile_levels,
      "quantile classifier: the level of each --metric, ascending in [0, 1]", "L,L,..." },
    { "mcd-alpha", 0, 0, G_OPTION_ARG_DOUBLE, &a.mcd_alpha, "MCD subset fraction (0.5)", "A" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &a.seed, "Seed of MCD's random start (0)", "N" },
    { "outlier-column", 0, 0, G_OPTION_ARG_STRING, &a.outlier_column,
      "Pre-classified rows: the outlier weight is this column", "NAME" },
    { "weight", 0, 0, G_OPTION_ARG_STRING, &a.weight,
      "Pre-aggregated rows: each row counts this column's value times", "NAME" },
    { "bucket", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.buckets,
      "Explain metric NAME by percentile buckets NAME_a (default 10,90)", "NAME[:P,..]" },
    { "explainer", 'e', 0, G_OPTION_ARG_STRING, &a.explainer,
      "apriori (default) or fpgrowth", "NAME" },
    { "ratio-metric", 'r', 0, G_OPTION_ARG_STRING, &a.ratio,
      "global_ratio (default), risk_ratio or prevalence_ratio; cube: mean_deviation, "
      "mean_shift", "NAME" },
    { "min-support", 's', 0, G_OPTION_ARG_DOUBLE, &a.min_support,
      "Least share of the outliers an explanation covers", "S" },
    { "min-ratio", 0, 0, G_OPTION_ARG_DOUBLE, &a.min_ratio, "Least ratio (default 3)", "R" },
    { "max-order", 0, 0, G_OPTION_ARG_INT, &a.max_order,
      "apriori: most attributes per explanation (1-3, default 3)", "K" },
    { "no-combinations", 0, 0, G_OPTION_ARG_NONE, &a.no_combinations,
      "fpgrowth: single attribute values only", NULL },
    { "prune", 0, 0, G_OPTION_ARG_NONE, &a.prune,
      "Drop explanations that extend a better one", NULL },
    { "where", 'w', 0, G_OPTION_ARG_STRING, &a.where,
      "Keep only the rows with 'COLUMN OP VALUE' before classifying", "EXPR" },
    { "stream", 0, 0, G_OPTION_ARG_NONE, &a.stream,
      "Read rows as they come and report per window", NULL },
    { "time-column", 0, 0, G_OPTION_ARG_STRING, &a.time_column,
      "--stream: the time of each row (non-decreasing)", "NAME" },
    { "window", 0, 0, G_OPTION_ARG_DOUBLE, &a.window, "--stream: window length", "W" },
    { "slide", 0, 0, G_OPTION_ARG_DOUBLE, &a.slide, "--stream: slide (default: window)", "S" },
    { "sketch", 0, 0, G_OPTION_ARG_NONE, &a.sketch,
      "--stream: the paper-era summarizer (AMC sketches, no window), one report at the end",
      NULL },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &a.warmup,
      "--stream: rows before the first model (10000)", "N" },
    { "period", 0, 0, G_OPTION_ARG_INT, &a.period,
      "--stream: refit, decay (and --sketch: summarize) every N rows", "N" },
    { "reservoir", 0, 0, G_OPTION_ARG_INT, &a.reservoir,
      "--stream: ADR sample size of inputs and scores (10000)", "N" },
    { "amc-size", 0, 0, G_OPTION_ARG_INT, &a.amc_size,
      "--sketch: items each AMC keeps (100000)", "N" },
    { "decay", 0, 0, G_OPTION_ARG_DOUBLE, &a.decay,
      "--stream: share lost per period (0.01)", "R" },
    DS_CLI_FORMAT_OPTION (&a.format),
    { NULL }
  };
  g_autoptr(GOptionContext) context = ds_cli_context (
      "explain", "FILE", "Explain the outliers of a trace or CSV by attribute values.",
      description, entries);
  g_auto(DsExplainConfig) cfg;
  g_autoptr(DsExplainReport) r = NULL;
  g_autofree char *out = NULL;
  DsOutputFormat format;

  ds_explain_config_init (&cfg);
  if (!ds_cli_parse (context, "explain", &argc, &argv, error)
      || !ds_cli_output_format (a.format, &format, error))
    return FALSE;
  if (argc != 2)
    return ds_cli_usage (error, "explain takes one FILE ('-' for standard input)");
  if (!to_config (&a, &cfg, error))
    return FALSE;
  if (a.stream && a.where != NULL)
    return ds_cli_usage (error, "--where works in batch mode, not with --stream");
  if (!a.stream && (a.sketch || a.warmup || a.period || a.reservoir || a.amc_size
                    || a.decay != 0))
    return ds_cli_usage (error, "--sketch, --warmup, --period, --reservoir, --amc-size and "
                         "--decay go with --stream");
  if (a.stream)
    {
      DsExplainStreamOptions so = { a.time_column, a.window, a.slide > 0 ? a.slide : a.window,
                                    (guint) a.warmup, (guint) a.period, (guint) a.period,
                                    a.decay, (guint) a.reservoir, a.sketch, (guint) a.period,
                                    (guint) a.amc_size };
      StreamPrint sp = { format, &cfg };
      if (!a.sketch && (a.time_column == NULL || !(a.window > 0) || a.slide < 0))
        return ds_cli_usage (error, "--stream needs --time-column and --window > 0 (or "
                             "--sketch)");
      if (a.warmup < 0 || a.period < 0 || a.reservoir < 0 || a.amc_size < 0
          || !(a.decay >= 0 && a.decay < 1))
        return ds_cli_usage (error, "--warmup, --period, --reservoir and --amc-size must be "
                             ">= 0 and --decay in [0, 1)");
      return ds_explain_stream_run (&cfg, &so, argv[1], print_window, &sp, error);
    }
  r = ds_explain_run (&cfg, argv[1], error);
  if (r == NULL)
    return FALSE;
  note_dropped (r->data, argv[1]);
  out = format == DS_OUTPUT_JSON ? render_json (&cfg, r)
        : format == DS_OUTPUT_CSV ? render_table (r->data, r->n_explained, r->result,
                                                  DS_OUTPUT_CSV)
        : render_human (&cfg, r, argv[1]);
  fputs (out, stdout);
  return TRUE;
}
