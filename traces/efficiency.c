/* traces/efficiency.c - the statistical-efficiency model of efficiency.h:
 * McCandlish's critical batch with a staleness factor, fitted with GSL.
 *
 * The fit runs in two steps. Without staleness, minimising
 * sum ((a + b B_i) / E_i - 1)^2 is gsl_fit_wlinear on E = a + b B with
 * weights 1 / E_i^2 (tta.md 9.5), and e_min = a, b_crit = a / b. That
 * answer (or, when b <= 0, a large b_crit) starts a trust-region solve in
 * x = (ln e_min, ln b_crit, kappa) of the same relative residuals with
 * the staleness factor, which also keeps e_min and b_crit positive. With
 * no stale point the solve has nothing to add and returns the linear
 * answer (the problems are the same), which tests/test-efficiency.c checks.
 */
#include "config.h"

#include "traces/efficiency.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/fit.h"
#include "traces/tta.h"

/* b_crit when the points do not grow with B: larger than any batch seen
 * by this factor, so 1 + B / b_crit is 1 to within 1e-6 */
#define FLAT_B_CRIT_FACTOR 1e6


/* ---- grouping ---- */

static gint
by_key (gconstpointer a, gconstpointer b)
{
  const DsEffPoint *x = a, *y = b;

  if (x->staleness != y->staleness)
    return x->staleness < y->staleness ? -1 : 1;
  if (x->batch != y->batch)
    return x->batch < y->batch ? -1 : 1;
  return (x->epochs > y->epochs) - (x->epochs < y->epochs);
}

GArray *
ds_eff_group_medians (const DsEffPoint *points, guint n, GArray **n_runs)
{
  g_autofree DsEffPoint *sorted = g_memdup2 (points, MAX (n, 1) * sizeof *points);
  g_autofree double *v = g_new (double, MAX (n, 1));
  GArray *out = g_array_new (FALSE, FALSE, sizeof (DsEffPoint));

  if (n_runs != NULL)
    *n_runs = g_array_new (FALSE, FALSE, sizeof (guint));
  qsort (sorted, n, sizeof *sorted, by_key);
  for (guint i = 0; i < n;)
    {
      guint j = i, k = 0;
      DsEffPoint p = sorted[i];
      for (; j < n && sorted[j].batch == p.batch && sorted[j].staleness == p.staleness; j++)
        v[k++] = sorted[j].epochs;       /* ascending already */
      p.epochs = gsl_stats_median_from_sorted_data (v, 1, k);
      g_array_append_val (out, p);
      if (n_runs != NULL)
        g_array_append_val (*n_runs, k);
      i = j;
    }
  return out;
}

/* ---- the fit ---- */

typedef struct {
  const DsEffPoint *p;
  guint n;
  gboolean with_kappa;
} Points;

/* x = (ln e_min, ln b_crit [, kappa]); exp clamped as in hwmodels/calibrate.c
 * so a wild trial step costs a finite amount the solver can reject */
static DsEffModel
model_of (const gsl_vector *x, gboolean with_kappa)
{
  return (DsEffModel) {
    .e_min = exp (CLAMP (gsl_vector_get (x, 0), -300.0, 300.0)),
    .b_crit = exp (CLAMP (gsl_vector_get (x, 1), -300.0, 300.0)),
    .kappa = with_kappa ? gsl_vector_get (x, 2) : 0,
    .has_kappa = with_kappa,
  };
}

/* r_i = epochs (B_i, s_i; x) / E_i - 1 */
static int
residuals (const gsl_vector *x, void *data, gsl_vector *f)
{
  const Points *pts = data;
  DsEffModel m = model_of (x, pts->with_kappa);

  for (guint i = 0; i < pts->n; i++)
    gsl_vector_set (f, i, ds_eff_predict (&m, pts->p[i].batch, pts->p[i].staleness)
                          / pts->p[i].epochs - 1);
  return GSL_SUCCESS;
}

/* tta.md 9.5: E = a + b B, weights 1 / E^2, over the synchronous points
 * (all points when none is). */
static void
linear_start (const Points *pts, double *e_min, double *b_crit)
{
  g_autofree double *b = g_new (double, pts->n);
  g_autofree double *e = g_new (double, pts->n);
  g_autofree double *w = g_new (double, pts->n);
  double a = 0, slope = 0, c00, c01, c11, chisq, b_max = 0;
  guint k = 0;

  for (guint i = 0; i < pts->n; i++)
    if (pts->p[i].staleness == 0)
      {
        b[k] = pts->p[i].batch;
        e[k] = pts->p[i].epochs;
        w[k] = 1 / (e[k] * e[k]);
        k++;
        b_max = MAX (b_max, pts->p[i].batch);
      }
  if (k < 2 || gsl_fit_wlinear (b, 1, w, 1, e, 1, k, &a, &slope, &c00, &c01, &c11, &chisq)
      || !(a > 0))
    {
      /* fewer than two synchronous batch sizes, or a line through 0 or
       * below: start flat at the smallest point */
      a = pts->p[0].epochs;
      slope = 0;
      for (guint i = 0; i < pts->n; i++)
        {
          a = MIN (a, pts->p[i].epochs);
          b_max = MAX (b_max, pts->p[i].batch);
        }
    }
  *e_min = a;
  *b_crit = slope > 0 ? a / slope : FLAT_B_CRIT_FACTOR * b_max;
}

static double
solve (const Points *pts, const double *x0, DsEffModel *out)
{
  guint np = pts->with_kappa ? 3 : 2;
  double x[3] = { x0[0], x0[1], x0[2] };
  double cost = ds_fit_least_squares (residuals, (void *) pts, pts->n, np, x, 500, 1e-12);

  gsl_vector_const_view xv = gsl_vector_const_view_array (x, np);

  if (isfinite (cost))
    *out = model_of (&xv.vector, pts->with_kappa);
  return cost;
}

static gboolean
check_points (const DsEffPoint *p, guint n, gboolean *with_kappa, GError **error)
{
  guint n_batches = 0, n_pairs = 0;

  *with_kappa = FALSE;
  for (guint i = 0; i < n; i++)
    {
      gboolean new_batch = TRUE, new_pair = TRUE;
      if (!(p[i].batch > 0 && isfinite (p[i].batch) && p[i].epochs > 0
            && isfinite (p[i].epochs) && p[i].staleness >= 0 && isfinite (p[i].staleness)))
        return ds_fail (error, DS_ERROR_INVALID, "point %u: batch and epochs must be > 0 "
                        "and staleness >= 0, got %g, %g, %g", i + 1, p[i].batch,
                        p[i].epochs, p[i].staleness);
      for (guint j = 0; j < i; j++)
        {
          new_batch = new_batch && p[j].batch != p[i].batch;
          new_pair = new_pair && (p[j].batch != p[i].batch || p[j].staleness != p[i].staleness);
        }
      n_batches += new_batch;
      n_pairs += new_pair;
      *with_kappa = *with_kappa || p[i].staleness > 0;
    }
  if (n_batches < 2)
    return ds_fail (error, DS_ERROR_INVALID, "a fit needs points at 2 or more batch sizes, "
                    "got %u", n_batches);
  if (*with_kappa && n_pairs < 3)
    return ds_fail (error, DS_ERROR_INVALID, "fitting the staleness factor needs 3 or more "
                    "distinct (batch, staleness) points, got %u", n_pairs);
  return TRUE;
}

gboolean
ds_eff_fit (const DsEffPoint *points, guint n, DsEffModel *model, GError **error)
{
  static const double kappa_starts[] = { 0, 1, 5 };
  Points pts = { points, n, FALSE };
  double e0, b0, best = INFINITY;
  gsl_error_handler_t *old;

  if (!check_points (points, n, &pts.with_kappa, error))
    return FALSE;
  linear_start (&pts, &e0, &b0);
  old = gsl_set_error_handler_off ();
  for (guint k = 0; k < (pts.with_kappa ? G_N_ELEMENTS (kappa_starts) : 1); k++)
    {
      double x0[3] = { log (e0), log (b0), kappa_starts[k] };
      DsEffModel m;
      double cost = solve (&pts, x0, &m);
      if (cost < best)
        {
          best = cost;
          *model = m;
        }
    }
  gsl_set_error_handler (old);
  if (!isfinite (best))
    return ds_fail (error, DS_ERROR_INVALID, "the efficiency fit did not converge");
  model->n_points = n;
  model->rms_rel = sqrt (best / n);
  return TRUE;
}

/* ---- points files ---- */

static gboolean
points_row (const char *file, guint line, char **fields, const int *col,
            GArray *out, guint *n_not_reached, GError **error)
{
  static const char *const names[] = { "batch_size", "epochs", "staleness" };
  double v[3] = { 0, 0, 0 };

  if (col[1] >= 0 && strcmp (fields[col[1]], "none") == 0)
    {
      (*n_not_reached)++;
      return TRUE;
    }
  for (guint c = 0; c < 3; c++)
    if (col[c] >= 0 && !ds_tta_parse_decimal (fields[col[c]], &v[c]))
      return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (file, line),
                         "column '%s': expected a decimal number, got '%s'", names[c],
                         fields[col[c]]);
  if (!(v[0] > 0 && v[1] > 0 && v[2] >= 0))
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (file, line),
                       "batch_size and epochs must be > 0 and staleness >= 0, got %g, %g, %g",
                       v[0], v[1], v[2]);
  g_array_append_val (out, ((DsEffPoint) { v[0], v[2], v[1] }));
  return TRUE;
}

static gboolean
points_header (const char *file, char **fields, int *col, GError **error)
{
  static const char *const names[] = { "batch_size", "epochs", "staleness" };

  for (guint c = 0; c < 3; c++)
    {
      col[c] = -1;
      for (guint i = 0; fields[i] != NULL; i++)
        if (strcmp (g_strstrip (fields[i]), names[c]) == 0)
          {
            if (col[c] >= 0)
              return ds_fail_at (error, DS_ERROR_DUPLICATE, DS_POS (file, 1),
                                 "column '%s' appears twice", names[c]);
            col[c] = (int) i;
          }
      if (col[c] < 0 && c < 2)
        return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (file, 1), "missing column '%s'",
                           names[c]);
    }
  return TRUE;
}

GArray *
ds_eff_points_parse (const char *text, gsize len, const char *file, guint *n_not_reached,
                     GError **error)
{
  g_autofree char *copy = g_strndup (text, len);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (DsEffPoint));
  guint n_header_fields = 0, skipped = 0;
  int col[3];
  gboolean seen_header = FALSE;

  if (strlen (copy) != len || !g_utf8_validate (copy, -1, NULL))
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (file, 0),
                            "not UTF-8 text (a NUL byte or invalid UTF-8)");
  lines = g_strsplit (copy, "\n", -1);
  for (guint l = 0; lines[l] != NULL; l++)
    {
      g_auto(GStrv) fields = NULL;
      gsize n = strlen (lines[l]);
      if (n > 0 && lines[l][n - 1] == '\r')
        lines[l][n - 1] = '\0';
      if (*g_strstrip (lines[l]) == '\0')
        continue;
      fields = g_strsplit (lines[l], "\t", -1);
      if (!seen_header)
        {
          if (!points_header (file, fields, col, error))
            return NULL;
          n_header_fields = g_strv_length (fields);
          seen_header = TRUE;
          continue;
        }
      if (g_strv_length (fields) != n_header_fields)
        return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (file, l + 1),
                                "expected %u fields, got %u", n_header_fields,
                                g_strv_length (fields));
      for (guint i = 0; fields[i] != NULL; i++)
        g_strstrip (fields[i]);
      if (!points_row (file, l + 1, fields, col, out, &skipped, error))
        return NULL;
    }
  if (!seen_header)
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (file, 0), "empty file");
  if (n_not_reached != NULL)
    *n_not_reached = skipped;
  return g_steal_pointer (&out);
}

GArray *
ds_eff_points_load (const char *path, guint *n_not_reached, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_eff_points_parse (text, len, path, n_not_reached, error);
}
