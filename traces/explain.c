/* traces/explain.c - the explain pipeline: input detection, column
 * resolution, bucketing, classification, explanation.
 *
 * The columns a run loads are: the attributes to explain, a string
 * predicate's column (loaded as a hidden attribute), the metrics (the
 * classifier's, a numeric predicate's, the buckets'). Bucket columns
 * NAME_a are made from their metric after loading and are always
 * explained. Explained columns are moved first (explainers take the
 * first n_explained).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/trace-json.h"
#include "traces/explain-csv.h"
#include "traces/explain.h"

void
ds_explain_config_init (DsExplainConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  ds_explain_classifier_init (&cfg->classifier);
  cfg->explainer = DS_EXPLAINER_APRIORI;
  cfg->min_support = NAN;
  cfg->min_ratio = NAN;
  cfg->ratio = DS_EXPLAIN_GLOBAL_RATIO;
  cfg->max_order = 3;
}

void
ds_explain_config_clear (DsExplainConfig *cfg)
{
  g_clear_pointer (&cfg->attrs, g_strfreev);
  g_clear_pointer (&cfg->metrics, g_strfreev);
  g_clear_pointer (&cfg->weight, g_free);
  g_clear_pointer (&cfg->outlier_column, g_free);
  g_clear_pointer (&cfg->buckets, g_strfreev);
  ds_explain_classifier_clear (&cfg->classifier);
  if (cfg->where != NULL)
    {
      ds_explain_predicate_clear (cfg->where);
      g_clear_pointer (&cfg->where, g_free);
    }
}

/* The cube metrics need their classifier (which makes the sums they
 * aggregate) and APriori-linear; the quantile classifier needs a level
 * per metric. */
static gboolean
check_cube (const DsExplainConfig *cfg, GError **error)
{
  const DsExplainClassifier *c = &cfg->classifier;
  gboolean dev = cfg->ratio == DS_EXPLAIN_MEAN_DEVIATION;
  gboolean shift = cfg->ratio == DS_EXPLAIN_MEAN_SHIFT;

  if (dev != (c->kind == DS_EXPLAIN_CLS_MEAN_DEVIATION)
      || shift != (c->kind == DS_EXPLAIN_CLS_COUNT_MEAN_SHIFT))
    return ds_fail (error, DS_ERROR_INVALID, "the ratio metric mean_deviation goes with the "
                    "mean-deviation classifier, mean_shift with count-mean-shift");
  if ((dev || shift) && cfg->explainer != DS_EXPLAINER_APRIORI)
    return ds_fail (error, DS_ERROR_INVALID, "%s is an apriori metric",
                    ds_explain_ratio_name (cfg->ratio));
  if (c->kind != DS_EXPLAIN_CLS_QUANTILE)
    return TRUE;
  if (c->n_quantile_levels < 2)
    return ds_fail (error, DS_ERROR_INVALID, "the quantile classifier needs "
                    "--quantile-levels with at least 2 levels");
  for (guint i = 0; i < c->n_quantile_levels; i++)
    if (!(c->quantile_levels[i] >= 0 && c->quantile_levels[i] <= 1)
        || (i > 0 && !(c->quantile_levels[i] > c->quantile_levels[i - 1])))
      return ds_fail (error, DS_ERROR_INVALID, "--quantile-levels must ascend within [0, 1]");
  if (cfg->metrics == NULL || g_strv_length (cfg->metrics) != c->n_quantile_levels)
    return ds_fail (error, DS_ERROR_INVALID, "the quantile classifier needs one --metric per "
                    "quantile level (%u), in the same order", c->n_quantile_levels);
  return TRUE;
}

gboolean
ds_explain_config_check (const DsExplainConfig *cfg, GError **error)
{
  const DsExplainClassifier *c = &cfg->classifier;

  if (!isnan (cfg->min_support) && !(cfg->min_support >= 0 && cfg->min_support <= 1))
    return ds_fail (error, DS_ERROR_INVALID, "--min-support must be in [0, 1], got %g",
                    cfg->min_support);
  if (!isnan (cfg->min_ratio) && !(cfg->min_ratio >= 0))
    return ds_fail (error, DS_ERROR_INVALID, "--min-ratio must be >= 0, got %g",
                    cfg->min_ratio);
  if (cfg->max_order < 1 || cfg->max_order > 3)
    return ds_fail (error, DS_ERROR_INVALID, "--max-order must be 1, 2 or 3, got %u",
                    cfg->max_order);
  if (!(c->cutoff_pct > 0 && c->cutoff_pct < 50))
    return ds_fail (error, DS_ERROR_INVALID, "--cutoff must be in (0, 50) percent, got %g",
                    c->cutoff_pct);
  if (!(c->score_percentile > 0 && c->score_percentile <= 1))
    return ds_fail (error, DS_ERROR_INVALID, "--score-percentile must be in (0, 1], got %g",
                    c->score_percentile);
  if (!(c->mcd_alpha > 0 && c->mcd_alpha <= 1))
    return ds_fail (error, DS_ERROR_INVALID, "--mcd-alpha must be in (0, 1], got %g",
                    c->mcd_alpha);
  if (ds_explain_classifier_uses_predicate (c->kind) && c->predicate.column == NULL)
    return ds_fail (error, DS_ERROR_INVALID, "the %s classifier needs --predicate",
                    ds_explain_classifier_name (c->kind));
  if (!check_cube (cfg, error))
    return FALSE;
  if (c->kind == DS_EXPLAIN_CLS_COLUMN && cfg->outlier_column == NULL)
    return ds_fail (error, DS_ERROR_INVALID, "the column classifier needs --outlier-column");
  return TRUE;
}

const char *
ds_explain_input_name (DsExplainInput input)
{
  static const char *const names[] = { "csv", "validate-csv", "trace" };
  return names[input];
}

void
ds_explain_report_free (DsExplainReport *r)
{
  if (r == NULL)
    return;
  ds_explain_data_free (r->data);
  ds_explain_result_free (r->result);
  g_strfreev (r->metrics);
  g_free (r);
}

/* ---- columns ---- */

DsExplainInput
ds_explain_detect_input (const char *text, gsize len)
{
  gsize i = 0;
  while (i < len && g_ascii_isspace (text[i]))
    i++;
  if (i < len && text[i] == '{')
    return DS_EXPLAIN_INPUT_TRACE;
  if (len - i >= 26 && strncmp (text + i, "stage,kind,n_measured,", 22) == 0)
    return DS_EXPLAIN_INPUT_VALIDATE;
  return DS_EXPLAIN_INPUT_CSV;
}

static void
add_unique (GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (strcmp (g_ptr_array_index (names, i), name) == 0)
      return;
  g_ptr_array_add (names, g_strdup (name));
}

/* "m1:5,95" -> metric "m1", levels {5, 95}. */
static gboolean
parse_bucket (const char *spec, char **metric, GArray *levels, GError **error)
{
  const char *colon = strchr (spec, ':');
  g_auto(GStrv) parts = NULL;

  *metric = colon != NULL ? g_strndup (spec, colon - spec) : g_strdup (spec);
  if (colon == NULL)
    return TRUE;
  parts = g_strsplit (colon + 1, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      double p = g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !(p >= 0 && p <= 100))
        return ds_fail (error, DS_ERROR_INVALID, "--bucket '%s': '%s' is not a percentile "
                        "in [0, 100]", spec, parts[i]);
      g_array_append_val (levels, p);
    }
  return TRUE;
}

typedef struct {
  GPtrArray *explain;        /* names of the columns to explain, in order */
  GPtrArray *load_attrs;     /* what the reader loads */
  GPtrArray *metrics;
} Columns;

static void
columns_clear (Columns *c)
{
  g_ptr_array_unref (c->explain);
  g_ptr_array_unref (c->load_attrs);
  g_ptr_array_unref (c->metrics);
}

static gboolean
is_bucket_column (const DsExplainConfig *cfg, const char *name)
{
  for (guint i = 0; cfg->buckets != NULL && cfg->buckets[i] != NULL; i++)
    {
      gsize n = strcspn (cfg->buckets[i], ":");
      if (strlen (name) == n + 2 && strncmp (name, cfg->buckets[i], n) == 0
          && strcmp (name + n, "_a") == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
resolve_columns (const DsExplainConfig *cfg, DsExplainInput input, const char *file,
                 Columns *cols, GError **error)
{
  static const char *const trace_attrs[] = { "stage", "device", "kind", NULL };
  static const char *const validate_attrs[] = { "stage", "kind", NULL };
  const DsExplainClassifier *c = &cfg->classifier;
  const char *const *attrs = (const char *const *) cfg->attrs;
  const char *const *metrics = (const char *const *) cfg->metrics;
  const char *default_metric = input == DS_EXPLAIN_INPUT_TRACE ? "duration_s"
                               : input == DS_EXPLAIN_INPUT_VALIDATE ? "error" : NULL;

  cols->explain = g_ptr_array_new_with_free_func (g_free);
  cols->load_attrs = g_ptr_array_new_with_free_func (g_free);
  cols->metrics = g_ptr_array_new_with_free_func (g_free);
  if (attrs == NULL)
    attrs = input == DS_EXPLAIN_INPUT_TRACE ? trace_attrs
            : input == DS_EXPLAIN_INPUT_VALIDATE ? validate_attrs : NULL;
  if (attrs == NULL && cfg->buckets == NULL)
    return ds_fail (error, DS_ERROR_INVALID, "%s: name the columns to explain with "
                    "--attributes (a plain CSV has no default)", file);
  for (guint i = 0; attrs != NULL && attrs[i] != NULL; i++)
    {
      add_unique (cols->explain, attrs[i]);
      if (!is_bucket_column (cfg, attrs[i]))
        add_unique (cols->load_attrs, attrs[i]);
    }
  if (c->kind == DS_EXPLAIN_CLS_COLUMN)
    add_unique (cols->metrics, cfg->outlier_column);       /* metric 0: the weight */
  if (ds_explain_classifier_uses_predicate (c->kind) && c->predicate.string != NULL)
    add_unique (cols->load_attrs, c->predicate.column);
  if (metrics == NULL && c->kind != DS_EXPLAIN_CLS_PREDICATE && c->kind != DS_EXPLAIN_CLS_COLUMN)
    {
      if (default_metric == NULL)
        return ds_fail (error, DS_ERROR_INVALID, "%s: name the metric with --metric (a plain "
                        "CSV has no default)", file);
      add_unique (cols->metrics, default_metric);
    }
  for (guint i = 0; metrics != NULL && metrics[i] != NULL; i++)
    add_unique (cols->metrics, metrics[i]);
  if (ds_explain_classifier_uses_predicate (c->kind) && c->predicate.string == NULL)
    add_unique (cols->metrics, c->predicate.column);
  if (cfg->where != NULL && cfg->where->string != NULL)
    add_unique (cols->load_attrs, cfg->where->column);
  else if (cfg->where != NULL)
    {
      if (c->kind == DS_EXPLAIN_CLS_MCD
          && !g_ptr_array_find_with_equal_func (cols->metrics, cfg->where->column, g_str_equal, NULL))
        return ds_fail (error, DS_ERROR_INVALID, "--where on '%s': MCD classifies on every "
                        "metric, so a filter's metric must be one of them (--metric)",
                        cfg->where->column);
      add_unique (cols->metrics, cfg->where->column);
    }
  for (guint i = 0; cfg->buckets != NULL && cfg->buckets[i] != NULL; i++)
    {
      g_autofree char *metric = g_strndup (cfg->buckets[i], strcspn (cfg->buckets[i], ":"));
      g_autofree char *name = g_strdup_printf ("%s_a", metric);
      add_unique (cols->metrics, metric);
      add_unique (cols->explain, name);
    }
  g_ptr_array_add (cols->explain, NULL);
  g_ptr_array_add (cols->load_attrs, NULL);
  g_ptr_array_add (cols->metrics, NULL);
  return TRUE;
}

static DsExplainData *
load (const DsExplainConfig *cfg, DsExplainInput input, const char *text, gsize len,
      const char *file, const Columns *cols, GError **error)
{
  const char *const *attrs = (const char *const *) cols->load_attrs->pdata;
  const char *const *metrics = (const char *const *) cols->metrics->pdata;
  DsExplainSchema schema = { attrs, metrics, cfg->weight };
  g_autoptr(DsTrace) trace = NULL;

  if (input != DS_EXPLAIN_INPUT_TRACE)
    return ds_explain_csv_read (text, len, file, &schema, error);
  if (cfg->weight != NULL)
    return ds_fail_null (error, DS_ERROR_INVALID, "%s: a trace has no weight column", file);
  trace = ds_trace_read_json (text, (gssize) len, file, error);
  if (trace == NULL)
    return NULL;
  if (ds_trace_n_events (trace) == 0)
    return ds_fail_null (error, DS_ERROR_INVALID, "%s: the trace has no events", file);
  return ds_explain_data_from_trace (trace, file, attrs, metrics, error);
}

static gboolean
apply_buckets (const DsExplainConfig *cfg, DsExplainData *d, GError **error)
{
  for (guint i = 0; cfg->buckets != NULL && cfg->buckets[i] != NULL; i++)
    {
      g_autofree char *metric = NULL;
      g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (double));
      if (!parse_bucket (cfg->buckets[i], &metric, levels, error)
          || !ds_explain_bucket (d, metric, (double *) (void *) levels->data, levels->len,
                                 error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ds_explain_resolve_columns (const DsExplainConfig *cfg, DsExplainInput input, const char *file,
                            char ***explain, char ***load_attrs, char ***metrics,
                            GError **error)
{
  Columns cols;

  if (!resolve_columns (cfg, input, file, &cols, error))
    {
      columns_clear (&cols);
      return FALSE;
    }
  *explain = g_strdupv ((char **) cols.explain->pdata);
  *load_attrs = g_strdupv ((char **) cols.load_attrs->pdata);
  *metrics = g_strdupv ((char **) cols.metrics->pdata);
  columns_clear (&cols);
  return TRUE;
}

DsExplainResult *
ds_explain_explain (const DsExplainConfig *cfg, const DsExplainData *d, guint n_explained,
                    const DsExplainFit *fit)
{
  DsExplainResult *res;

  if (cfg->explainer == DS_EXPLAINER_FPGROWTH)
    {
      DsExplainFpgOptions o;
      ds_explain_fpg_options_init (&o);
      if (!isnan (cfg->min_support))
        o.min_support = cfg->min_support;
      if (!isnan (cfg->min_ratio))
        o.min_ratio = cfg->min_ratio;
      o.combinations = !cfg->no_combinations;
      o.n_attrs = n_explained;
      res = ds_explain_fpgrowth (d, &o);
    }
  else
    {
      DsExplainAprioriOptions o;
      ds_explain_apriori_options_init (&o);
      if (!isnan (cfg->min_support))
        o.min_support = cfg->min_support;
      if (!isnan (cfg->min_ratio))
        o.min_ratio = cfg->min_ratio;
      o.ratio = cfg->ratio;
      o.max_order = cfg->max_order;
      o.n_attrs = n_explained;
      o.mean = fit->center;
      o.std = fit->spread;
      res = ds_explain_apriori (d, &o);
    }
  if (cfg->prune)
    ds_explain_result_prune (res, d);
  return res;
}

/* --where: the rows to explain among. */
static gboolean
keep_where (const DsExplainConfig *cfg, DsExplainData *d, const char *file, GError **error)
{
  g_autofree gboolean *keep = NULL;

  if (cfg->where == NULL)
    return TRUE;
  keep = g_new (gboolean, d->n_rows + 1);
  if (!ds_explain_predicate_match (d, cfg->where, keep, error))
    return FALSE;
  ds_explain_data_keep_rows (d, keep);
  if (d->n_rows == 0)
    return ds_fail (error, DS_ERROR_INVALID, "%s: no row satisfies --where", file);
  return TRUE;
}

DsExplainReport *
ds_explain_run_text (const DsExplainConfig *cfg, const char *text, gsize len,
                     const char *file, GError **error)
{
  g_autoptr(DsExplainReport) r = g_new0 (DsExplainReport, 1);
  DsExplainClassifier classifier;
  Columns cols;
  gboolean ok;

  r->input = ds_explain_detect_input (text, len);
  if (!resolve_columns (cfg, r->input, file, &cols, error))
    {
      columns_clear (&cols);
      return NULL;
    }
  r->data = load (cfg, r->input, text, len, file, &cols, error);
  ok = r->data != NULL && keep_where (cfg, r->data, file, error)
       && apply_buckets (cfg, r->data, error);
  if (ok)
    {
      r->n_explained = cols.explain->len - 1;
      ds_explain_data_order_attrs (r->data, (const char *const *) cols.explain->pdata);
      r->metrics = g_strdupv ((char **) cols.metrics->pdata);
    }
  columns_clear (&cols);
  r->min_support = !isnan (cfg->min_support) ? cfg->min_support
                   : cfg->explainer == DS_EXPLAINER_FPGROWTH ? 0.1 : 0.01;
  r->min_ratio = !isnan (cfg->min_ratio) ? cfg->min_ratio : 3.0;
  classifier = cfg->classifier;                  /* shallow: only read */
  if (classifier.kind == DS_EXPLAIN_CLS_MEAN_DEVIATION && !(classifier.score_threshold > 0))
    classifier.score_threshold = r->min_ratio;   /* a row's own deviation */
  if (!ok || !ds_explain_classify (r->data, &classifier, &r->fit, error))
    return NULL;
  r->result = ds_explain_explain (cfg, r->data, r->n_explained, &r->fit);
  return g_steal_pointer (&r);
}

DsExplainReport *
ds_explain_run (const DsExplainConfig *cfg, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_explain_read_input (path, &text, &len, error))
    return NULL;
  return ds_explain_run_text (cfg, text, len, strcmp (path, "-") == 0 ? "<stdin>" : path,
                              error);
}
