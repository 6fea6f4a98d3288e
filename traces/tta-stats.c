/* traces/tta-stats.c - repeated runs, MLPerf's olympic mean and threshold
 * sweeps (see tta-stats.h; reference/tta.md sections 5 to 7). GSL gives
 * the moments; Kendall's tau_b is a pair loop (GSL has none).
 */
#include "config.h"

#include "traces/tta-stats.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

void
ds_tta_stats (const double *values, const gboolean *reached, guint n, DsTtaStats *out)
{
  g_autofree double *v = g_new (double, MAX (n, 1));
  guint k = 0;

  for (guint i = 0; i < n; i++)
    if (reached[i])
      v[k++] = values[i];
  out->n_runs = n;
  out->n_reached = k;
  out->mean = out->median = out->min = out->max = out->sd = out->cov = NAN;
  if (k == 0)
    return;
  gsl_sort (v, 1, k);
  out->mean = gsl_stats_mean (v, 1, k);
  out->median = gsl_stats_median_from_sorted_data (v, 1, k);
  out->min = v[0];
  out->max = v[k - 1];
  if (k < 2)
    return;
  out->sd = gsl_stats_sd_m (v, 1, k, out->mean);
  out->cov = out->mean != 0 ? out->sd / out->mean : NAN;
}

/* mean of sorted runs [1, n - 1): a not-reached run sorts last */
gboolean
ds_tta_olympic_mean (const double *values, const gboolean *reached, guint n,
                     double *mean, const char **why)
{
  g_autofree double *v = g_new (double, MAX (n, 1));
  guint k = 0;

  if (n < 3)
    {
      *why = "needs at least 3 runs";
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    if (reached[i])
      v[k++] = values[i];
  if (k + 1 < n)
    {
      *why = "more than one run did not reach the target";
      return FALSE;
    }
  gsl_sort (v, 1, k);
  /* with one failure it is the slowest: drop v[0] only */
  *mean = gsl_stats_mean (v + 1, 1, n - 2);
  return TRUE;
}

static int
sign (double d)
{
  return (d > 0) - (d < 0);
}

/* tau_b = (nc - nd) / sqrt ((n0 - n1)(n0 - n2)), n0 = n(n-1)/2 pairs,
 * n1 and n2 the pairs tied in x and in y */
double
ds_tta_kendall_tau_b (const double *x, const double *y, guint n, guint *n_discordant)
{
  double n0 = 0, n1 = 0, n2 = 0, s = 0;

  *n_discordant = 0;
  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      {
        int sx = sign (x[j] - x[i]), sy = sign (y[j] - y[i]);
        n0++;
        n1 += sx == 0;
        n2 += sy == 0;
        s += sx * sy;
        *n_discordant += sx * sy < 0;
      }
  if (n0 == n1 || n0 == n2)
    return NAN;
  return s / sqrt ((n0 - n1) * (n0 - n2));
}

/* ---- sweeps ---- */

typedef struct {
  const DsTtaResult *cells;
  guint stride;
} RankCtx;

static gint
by_tta (gconstpointer a, gconstpointer b, gpointer data)
{
  const RankCtx *ctx = data;
  guint ra = *(const guint *) a, rb = *(const guint *) b;
  const DsTtaResult *x = &ctx->cells[ra * ctx->stride], *y = &ctx->cells[rb * ctx->stride];

  if (x->reached != y->reached)
    return x->reached ? -1 : 1;
  if (x->reached && x->tta_s != y->tta_s)
    return x->tta_s < y->tta_s ? -1 : 1;
  return ra < rb ? -1 : ra > rb;
}

static void
rank_target (DsTtaSweep *s, guint t)
{
  g_autofree guint *order = g_new (guint, MAX (s->n_runs, 1));
  RankCtx ctx = { s->cells + t, s->n_targets };

  for (guint r = 0; r < s->n_runs; r++)
    order[r] = r;
  g_qsort_with_data (order, (gint) s->n_runs, sizeof (guint), by_tta, &ctx);
  for (guint i = 0; i < s->n_runs; i++)
    s->rank[order[i] * s->n_targets + t] = i + 1;
}

static void
compare_adjacent (DsTtaSweep *s, guint t)
{
  g_autofree double *x = g_new (double, MAX (s->n_runs, 1));
  g_autofree double *y = g_new (double, MAX (s->n_runs, 1));
  guint k = 0;

  for (guint r = 0; r < s->n_runs; r++)
    {
      const DsTtaResult *a = &s->cells[r * s->n_targets + t], *b = a + 1;
      if (!a->reached || !b->reached)
        continue;
      x[k] = a->tta_s;
      y[k++] = b->tta_s;
    }
  s->n_both[t] = k;
  s->tau_b[t] = ds_tta_kendall_tau_b (x, y, k, &s->n_discordant[t]);
}

DsTtaSweep *
ds_tta_sweep_new (DsTtaLog *const *logs, guint n_runs, const DsTtaTarget *targets,
                  guint n_targets)
{
  DsTtaSweep *s = g_new0 (DsTtaSweep, 1);
  guint n_pairs = n_targets > 0 ? n_targets - 1 : 0;

  s->n_runs = n_runs;
  s->n_targets = n_targets;
  s->cells = g_new0 (DsTtaResult, MAX (n_runs * n_targets, 1));
  s->rank = g_new0 (guint, MAX (n_runs * n_targets, 1));
  s->n_reached = g_new0 (guint, MAX (n_targets, 1));
  s->n_both = g_new0 (guint, MAX (n_pairs, 1));
  s->n_discordant = g_new0 (guint, MAX (n_pairs, 1));
  s->tau_b = g_new0 (double, MAX (n_pairs, 1));
  for (guint r = 0; r < n_runs; r++)
    for (guint t = 0; t < n_targets; t++)
      {
        DsTtaResult *c = &s->cells[r * n_targets + t];
        ds_tta_first_crossing (logs[r], &targets[t], c);
        s->n_reached[t] += c->reached;
      }
  for (guint t = 0; t < n_targets; t++)
    rank_target (s, t);
  for (guint t = 0; t < n_pairs; t++)
    compare_adjacent (s, t);
  return s;
}

void
ds_tta_sweep_free (DsTtaSweep *sweep)
{
  if (sweep == NULL)
    return;
  g_free (sweep->cells);
  g_free (sweep->rank);
  g_free (sweep->n_reached);
  g_free (sweep->n_both);
  g_free (sweep->n_discordant);
  g_free (sweep->tau_b);
  g_free (sweep);
}
