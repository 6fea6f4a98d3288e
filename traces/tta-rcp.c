/* traces/tta-rcp.c - MLPerf reference convergence points: reading, the
 * per-batch statistics and minimum acceptable mean, and the checker's
 * pruning (see tta-rcp.h; reference/tta.md 7 and 8).
 */
#include "config.h"

#include "traces/tta-rcp.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/json-reader.h"
#include "traces/tta-stats.h"

guint
ds_rcp_submission_runs (const char *benchmark)
{
  /* tta.md 7, minimum runs; the three benchmarks whose RCPs ship in
   * ../shared/data/dawnbench/mlperf_rcps/ (cases.json submission_runs_N) */
  static const struct { const char *name; guint n; } table[] = {
    { "resnet", 5 }, { "ssd", 5 }, { "bert", 10 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (benchmark, table[i].name) == 0)
      return table[i].n;
  return 0;
}

/* tta.md 8.2, the closed form of the checker's bisection */
double
ds_rcp_min_mean (double mean, double sd, guint n_ref, guint n_subm)
{
  g_return_val_if_fail (n_ref >= 1 && n_subm >= 1 && n_ref + n_subm > 2, NAN);
  if (sd == 0)
    return mean;
  return mean - gsl_cdf_tdist_Pinv (0.95, n_ref + n_subm - 2) * sd
                * sqrt (1.0 / n_ref + 1.0 / n_subm);
}

static void
point_clear (gpointer p)
{
  DsRcpPoint *pt = p;
  g_free (pt->name);
  g_free (pt->runs);
}

void
ds_rcp_set_free (DsRcpSet *set)
{
  if (set == NULL)
    return;
  g_free (set->file);
  g_free (set->benchmark);
  if (set->points != NULL)
    g_array_unref (set->points);
  g_free (set);
}

static void
point_stats (DsRcpPoint *p, guint n_subm)
{
  g_autofree double *v = g_memdup2 (p->runs, p->n_runs * sizeof (double));
  g_autofree gboolean *ok = g_new (gboolean, p->n_runs);
  const char *why = NULL;

  for (guint i = 0; i < p->n_runs; i++)
    ok[i] = TRUE;
  ds_tta_olympic_mean (v, ok, p->n_runs, &p->olympic_mean, &why);
  gsl_sort (v, 1, p->n_runs);
  /* population deviations, each about its own mean (the trimmed runs'
   * mean is the olympic mean) */
  p->sd_all = gsl_stats_sd_with_fixed_mean (v, 1, p->n_runs, gsl_stats_mean (v, 1, p->n_runs));
  p->sd_trimmed = gsl_stats_sd_with_fixed_mean (v + 1, 1, p->n_runs - 2, p->olympic_mean);
  p->min_mean = ds_rcp_min_mean (p->olympic_mean, p->sd_all, p->n_runs - 2, n_subm);
}

static gboolean
read_runs (DsJsonDoc *doc, JsonObject *rec, DsRcpPoint *p, GError **error)
{
  JsonArray *runs = NULL;

  if (!ds_json_get_array (doc, rec, "Epochs to converge", TRUE, &runs, error))
    return FALSE;
  p->n_runs = json_array_get_length (runs);
  if (p->n_runs < 3)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, rec, "Epochs to converge"),
                       "'%s': 'Epochs to converge' needs 3 or more runs, got %u", p->name,
                       p->n_runs);
  p->runs = g_new (double, p->n_runs);
  for (guint i = 0; i < p->n_runs; i++)
    {
      JsonNode *n = json_array_get_element (runs, i);
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) == G_TYPE_STRING
          || json_node_get_value_type (n) == G_TYPE_BOOLEAN
          || !((p->runs[i] = json_node_get_double (n)) > 0) || !isfinite (p->runs[i]))
        return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos_element (doc, runs, i),
                           "'%s': run %u of 'Epochs to converge' must be a number > 0",
                           p->name, i + 1);
    }
  return TRUE;
}

static gboolean
read_record (DsJsonDoc *doc, JsonObject *root, const char *name, DsRcpSet *set,
             GError **error)
{
  DsRcpPoint p = { .name = g_strdup (name) };
  JsonObject *rec = NULL;
  const char *bench = NULL;
  guint64 bs = 0;

  g_array_append_val (set->points, p);       /* the array frees it from now on */
  if (!ds_json_get_object (doc, root, name, TRUE, &rec, error)
      || !ds_json_get_string (doc, rec, "Benchmark", TRUE, &bench, error)
      || !ds_json_get_uint64 (doc, rec, "BS", TRUE, &bs, error))
    return FALSE;
  if (bs < 1 || bs > G_MAXUINT)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, rec, "BS"),
                       "'%s': 'BS' must be >= 1, got %" G_GUINT64_FORMAT, name, bs);
  if (set->benchmark == NULL)
    set->benchmark = g_strdup (bench);
  else if (strcmp (set->benchmark, bench) != 0)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, rec, "Benchmark"),
                       "'%s': benchmark '%s' in a file of '%s'", name, bench, set->benchmark);
  g_array_index (set->points, DsRcpPoint, set->points->len - 1).batch_size = (guint) bs;
  return read_runs (doc, rec, &g_array_index (set->points, DsRcpPoint, set->points->len - 1),
                    error);
}

static gint
by_batch (gconstpointer a, gconstpointer b)
{
  const DsRcpPoint *x = a, *y = b;
  return (x->batch_size > y->batch_size) - (x->batch_size < y->batch_size);
}

static gboolean
finish_set (DsRcpSet *set, guint submission_runs, GError **error)
{
  if (set->points->len == 0)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (set->file, 0), "no reference points");
  g_array_sort (set->points, by_batch);
  for (guint i = 1; i < set->points->len; i++)
    if (g_array_index (set->points, DsRcpPoint, i).batch_size
        == g_array_index (set->points, DsRcpPoint, i - 1).batch_size)
      return ds_fail_at (error, DS_ERROR_DUPLICATE, DS_POS (set->file, 0),
                         "batch size %u appears twice ('%s', '%s')",
                         g_array_index (set->points, DsRcpPoint, i).batch_size,
                         g_array_index (set->points, DsRcpPoint, i - 1).name,
                         g_array_index (set->points, DsRcpPoint, i).name);
  set->submission_runs = submission_runs > 0 ? submission_runs
                                             : ds_rcp_submission_runs (set->benchmark);
  if (set->submission_runs < 3)
    return ds_fail_at (error, DS_ERROR_UNSUPPORTED, DS_POS (set->file, 0),
                       "benchmark '%s': runs per submission unknown (give them; 3 or more)",
                       set->benchmark);
  for (guint i = 0; i < set->points->len; i++)
    point_stats (&g_array_index (set->points, DsRcpPoint, i), set->submission_runs - 2);
  return TRUE;
}

DsRcpSet *
ds_rcp_parse (const char *text, gsize len, const char *file, guint submission_runs,
              GError **error)
{
  g_autoptr(DsJsonDoc) doc = ds_json_doc_parse (text, (gssize) len, file, error);
  g_autoptr(DsRcpSet) set = g_new0 (DsRcpSet, 1);
  g_autoptr(GList) names = NULL;
  JsonObject *root;

  if (doc == NULL || (root = ds_json_doc_root_object (doc, error)) == NULL)
    return NULL;
  set->file = g_strdup (file);
  set->points = g_array_new (FALSE, TRUE, sizeof (DsRcpPoint));
  g_array_set_clear_func (set->points, point_clear);
  names = json_object_get_members (root);
  for (GList *l = names; l != NULL; l = l->next)
    if (!read_record (doc, root, l->data, set, error))
      return NULL;
  if (!finish_set (set, submission_runs, error))
    return NULL;
  return g_steal_pointer (&set);
}

DsRcpSet *
ds_rcp_load (const char *path, guint submission_runs, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_rcp_parse (text, len, path, submission_runs, error);
}

static double
mean_at (const DsRcpSet *set, GArray *idx, guint i)
{
  return g_array_index (set->points, DsRcpPoint, g_array_index (idx, guint, i)).olympic_mean;
}

static double
batch_at (const DsRcpSet *set, GArray *idx, guint i)
{
  return g_array_index (set->points, DsRcpPoint, g_array_index (idx, guint, i)).batch_size;
}

GArray *
ds_rcp_prune (const DsRcpSet *set)
{
  GArray *idx = g_array_new (FALSE, FALSE, sizeof (guint));
  guint fastest = 0;

  for (guint i = 1; i < set->points->len; i++)
    if (g_array_index (set->points, DsRcpPoint, i).olympic_mean
        < g_array_index (set->points, DsRcpPoint, fastest).olympic_mean)
      fastest = i;
  for (guint i = fastest; i < set->points->len; i++)
    g_array_append_val (idx, i);
  for (guint c = 1; c + 1 < idx->len;)
    {
      double b0 = batch_at (set, idx, c - 1), b2 = batch_at (set, idx, c + 1);
      double m0 = mean_at (set, idx, c - 1), m2 = mean_at (set, idx, c + 1);
      double line = m0 + (m2 - m0) * (batch_at (set, idx, c) - b0) / (b2 - b0);
      if (mean_at (set, idx, c) > line)
        g_array_remove_index (idx, c);   /* re-test whatever moves into c */
      else
        c++;
    }
  return idx;
}
