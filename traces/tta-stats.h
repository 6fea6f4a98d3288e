/* traces/tta-stats.h - time to accuracy over repeated runs and thresholds.
 *
 * Repeated runs (reference/tta.md 5.1): how many reached the target, and
 * over those that did the mean, median, range, sample standard deviation
 * (divisor n - 1) and coefficient of variation sd / mean. A CoV over the
 * reached runs alone hides failures, so n_reached comes with it.
 * MLPerf (7): the olympic mean drops the fastest and the slowest run; one
 * run that did not reach the target may be the dropped slowest, more make
 * the result invalid. Threshold sensitivity (6.1): the TTA of every run at
 * every threshold, the ranking at each, and between adjacent thresholds
 * the discordant pairs and Kendall's tau_b over the runs reaching both.
 * Undefined statistics are NAN (callers print "-" or null), never 0.
 */
#pragma once

#include <glib.h>

#include "traces/tta.h"

G_BEGIN_DECLS

typedef struct {
  guint n_runs, n_reached;
  /* over the reached runs; NAN when none reached (sd, cov: fewer than 2) */
  double mean, median, min, max, sd, cov;
} DsTtaStats;

/* @values[i] counts only where @reached[i]. */
void     ds_tta_stats        (const double *values, const gboolean *reached, guint n,
                              DsTtaStats *out);

/* MLPerf's benchmark result of @n >= 3 runs: TRUE with *mean; FALSE with
 * *why (a static string) when there are fewer than 3 runs or more than one
 * did not reach the target. */
gboolean ds_tta_olympic_mean (const double *values, const gboolean *reached, guint n,
                              double *mean, const char **why);

/* Kendall's tau_b between paired samples (ties in either counted as
 * neither concordant nor discordant); NAN when undefined (n < 2, or one
 * side all tied). *n_discordant gets the pairs ordered oppositely. O(n^2):
 * runs are few. */
double   ds_tta_kendall_tau_b (const double *x, const double *y, guint n,
                               guint *n_discordant);

typedef struct {
  guint n_runs, n_targets;
  DsTtaResult *cells;      /* cells[run * n_targets + t]; borrow from the logs */
  guint *rank;             /* rank[run * n_targets + t] from 1: ascending TTA,
                            * not reached last, ties by run index */
  guint *n_reached;        /* per target */
  /* between target t and t + 1 (n_targets - 1 entries each): */
  guint *n_both;           /* runs reaching both */
  guint *n_discordant;     /* pairs of those ordered differently */
  double *tau_b;           /* Kendall's tau_b over them, or NAN */
} DsTtaSweep;

/* TTA of each log at each target. Every target's metric must be the one
 * every log was read for (asserted). The logs must outlive the sweep. */
DsTtaSweep *ds_tta_sweep_new  (DsTtaLog *const *logs, guint n_runs,
                               const DsTtaTarget *targets, guint n_targets);
void        ds_tta_sweep_free (DsTtaSweep *sweep);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsTtaSweep, ds_tta_sweep_free)

G_END_DECLS
