/* traces/explain-result.c - quality metrics and the order of results.
 *
 * The formulas are the MacroBase spec's section 6, guards included; cases
 * MET-01 to MET-03 pin them. Ordering is total, so output never depends
 * on hash order (upstream bug B16).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "traces/explain-result.h"

static const char *const ratio_names[] = {
  "global_ratio", "risk_ratio", "prevalence_ratio", "mean_deviation", "mean_shift",
};

const char *
ds_explain_ratio_name (DsExplainRatio r)
{
  g_return_val_if_fail ((guint) r < G_N_ELEMENTS (ratio_names), "?");
  return ratio_names[r];
}

gboolean
ds_explain_ratio_from_name (const char *name, DsExplainRatio *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (ratio_names); i++)
    if (strcmp (name, ratio_names[i]) == 0)
      {
        *out = (DsExplainRatio) i;
        return TRUE;
      }
  return FALSE;
}

/* RR = (eO/E) / (uO/R), E = eI + eO, R = I + O - E, uO = O - eO */
double
ds_explain_risk_ratio (double e_inliers, double e_outliers, double inliers, double outliers)
{
  double exposed = e_inliers + e_outliers;
  double rest = inliers + outliers - exposed;
  double u_outliers = outliers - e_outliers;

  if (exposed == 0 || rest == 0)
    return 0;
  if (u_outliers == 0)
    return INFINITY;
  return (e_outliers / exposed) / (u_outliers / rest);
}

/* PR = (o/mi) / (O/I) */
double
ds_explain_prevalence_ratio (double o, double t, double outliers, double total)
{
  double matched_in = t - o > 0 ? t - o : 1;
  double inliers = total - outliers;

  if (inliers <= 0)
    return 0;
  if (outliers == 0)
    outliers = 1;
  return (o / matched_in) / (outliers / inliers);
}

/* GR = (o/t) / (O/T) */
double
ds_explain_global_ratio (double o, double t, double outliers, double total)
{
  if (t == 0 || outliers == 0)
    return 0;
  return (o / t) / (outliers / total);
}

double
ds_explain_ratio (DsExplainRatio r, double o, double t, double outliers, double total)
{
  switch (r)
    {
    case DS_EXPLAIN_RISK_RATIO:
      return ds_explain_risk_ratio (t - o, o, total - outliers, outliers);
    case DS_EXPLAIN_PREVALENCE_RATIO:
      return ds_explain_prevalence_ratio (o, t, outliers, total);
    case DS_EXPLAIN_MEAN_DEVIATION:
    case DS_EXPLAIN_MEAN_SHIFT:
      return NAN;
    case DS_EXPLAIN_GLOBAL_RATIO:
    default:
      return ds_explain_global_ratio (o, t, outliers, total);
    }
}

/* |m1/n - mean| / std */
double
ds_explain_mean_deviation (double n, double m1, double mean, double std)
{
  return fabs (m1 / n - mean) / std;
}

/* (o_sum/o) / (i_sum/i) */
double
ds_explain_mean_shift (double o, double o_sum, double i, double i_sum)
{
  if (o == 0)
    return 0;
  if (i == 0 || i_sum == 0)
    return INFINITY;
  return (o_sum / o) / (i_sum / i);
}

DsExplanation *
ds_explanation_new (const DsExplainItem *items, guint n_items)
{
  DsExplanation *x = g_new0 (DsExplanation, 1);

  x->n_items = n_items;
  x->items = g_memdup2 (items, n_items * sizeof *items);
  for (guint i = 1; i < n_items; i++)       /* insertion sort: n is tiny */
    for (guint j = i; j > 0 && x->items[j - 1].col > x->items[j].col; j--)
      {
        DsExplainItem tmp = x->items[j];
        x->items[j] = x->items[j - 1];
        x->items[j - 1] = tmp;
      }
  return x;
}

void
ds_explanation_free (DsExplanation *x)
{
  if (x == NULL)
    return;
  g_free (x->items);
  g_free (x);
}

DsExplainResult *
ds_explain_result_new (DsExplainRatio ratio, double outliers, double total)
{
  DsExplainResult *res = g_new0 (DsExplainResult, 1);

  res->explanations = g_ptr_array_new_with_free_func ((GDestroyNotify) ds_explanation_free);
  res->ratio = ratio;
  res->outliers = outliers;
  res->total = total;
  return res;
}

void
ds_explain_result_free (DsExplainResult *res)
{
  if (res == NULL)
    return;
  g_ptr_array_unref (res->explanations);
  g_free (res);
}

void
ds_explain_result_add (DsExplainResult *res, const DsExplainItem *items, guint n_items,
                       double support, double ratio, double o, double t)
{
  DsExplanation *x = ds_explanation_new (items, n_items);

  x->support = support;
  x->ratio = ratio;
  x->o = o;
  x->t = t;
  g_ptr_array_add (res->explanations, x);
}

/* Descending, +inf first, NaN last. */
static int
cmp_desc (double a, double b)
{
  if (isnan (a) || isnan (b))
    return isnan (a) - isnan (b);
  return a > b ? -1 : a < b ? 1 : 0;
}

static int
compare (gconstpointer pa, gconstpointer pb, gpointer data)
{
  const DsExplanation *a = *(DsExplanation *const *) pa, *b = *(DsExplanation *const *) pb;
  const DsExplainData *d = data;
  int c;

  if ((c = cmp_desc (a->ratio, b->ratio)) != 0 || (c = cmp_desc (a->support, b->support)) != 0)
    return c;
  if (a->n_items != b->n_items)
    return a->n_items < b->n_items ? -1 : 1;
  for (guint i = 0; i < a->n_items; i++)
    {
      const DsExplainItem *x = &a->items[i], *y = &b->items[i];
      if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
      if (x->value != y->value)
        return strcmp (g_ptr_array_index (d->attrs[x->col].values, x->value),
                       g_ptr_array_index (d->attrs[y->col].values, y->value));
    }
  return 0;
}

void
ds_explain_result_sort (DsExplainResult *res, const DsExplainData *d)
{
  g_ptr_array_sort_with_data (res->explanations, compare, (gpointer) d);
}

gboolean
ds_explanation_is_subset (const DsExplanation *a, const DsExplanation *b)
{
  guint j = 0;

  for (guint i = 0; i < a->n_items; i++)
    {
      while (j < b->n_items && b->items[j].col < a->items[i].col)
        j++;
      if (j == b->n_items || b->items[j].col != a->items[i].col
          || b->items[j].value != a->items[i].value)
        return FALSE;
    }
  return TRUE;
}

void
ds_explain_result_prune (DsExplainResult *res, const DsExplainData *d)
{
  GPtrArray *xs = res->explanations;

  ds_explain_result_sort (res, d);
  for (guint i = 0; i < xs->len; i++)
    for (guint j = i + 1; j < xs->len;)
      if (ds_explanation_is_subset (g_ptr_array_index (xs, i), g_ptr_array_index (xs, j)))
        g_ptr_array_remove_index (xs, j);
      else
        j++;
}
