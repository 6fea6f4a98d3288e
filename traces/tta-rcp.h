/* traces/tta-rcp.h - MLPerf reference convergence points (RCPs).
 *
 * An RCP file (mlcommons/logging, rcp_checker/training_VERSION/rcps_NAME.json)
 * is a JSON object of records, one per batch size:
 *
 *     "resnet_ref_1632": { "Benchmark": "resnet", "BS": 1632,
 *                          "Hyperparams": {...}, "Epochs to converge": [34, 34, ...] }
 *
 * (other members, such as "Creator" and "Platform", are carried by the
 * file and ignored here). "Epochs to converge" counts epochs, or samples
 * for BERT. All records of a file must name one benchmark.
 *
 * Per record (reference/tta.md 8): the olympic mean (traces/tta-stats.h),
 * the population standard deviation of all runs (the checker's since
 * 2024) and of the trimmed runs (the rules document's), and the minimum
 * acceptable submission mean of the one-sided two-sample t-test at
 * alpha 0.05, closed form:
 *
 *     m* = mean - t(0.95; n_ref + n_subm - 2) sd sqrt (1/n_ref + 1/n_subm)
 *
 * with n_ref the runs after trimming and n_subm = N - 2, N the runs a
 * submission needs (ResNet 5, SSD 5, BERT 10, ...; ds_rcp_submission_runs).
 * A submission (or a prediction) whose mean is below m* is "faster than
 * the reference can converge". ds_rcp_prune is the checker's pruning.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;                 /* the record's key, "resnet_ref_1632" */
  guint batch_size;
  double *runs;               /* epochs (or samples) to converge, n_runs of them */
  guint n_runs;
  double olympic_mean;
  double sd_all;              /* population sd of all runs */
  double sd_trimmed;          /* population sd without the fastest and slowest */
  double min_mean;            /* m* with sd_all (the checker's convention) */
} DsRcpPoint;

typedef struct {
  char *file;
  char *benchmark;            /* "resnet", "bert", "ssd", ... */
  guint submission_runs;      /* N */
  GArray *points;             /* DsRcpPoint, ascending batch size */
} DsRcpSet;

/* N for a benchmark name as the checker spells it (tta.md 7's minimum
 * runs), or 0 when unknown. */
guint      ds_rcp_submission_runs (const char *benchmark);

/* m* for a reference of @n_ref trimmed runs with mean @mean and sd @sd,
 * against a submission of @n_subm trimmed runs; @mean when sd is 0. */
double     ds_rcp_min_mean (double mean, double sd, guint n_ref, guint n_subm);

/* Reads an RCP file. Each record needs "Benchmark" (a string, the same
 * in every record), "BS" (a whole number >= 1, distinct) and "Epochs to
 * converge" (3 or more numbers > 0). @submission_runs 0 takes N from
 * ds_rcp_submission_runs and fails for an unknown benchmark. Errors name
 * the file and line. */
DsRcpSet  *ds_rcp_parse (const char *text, gsize len, const char *file,
                         guint submission_runs, GError **error);
DsRcpSet  *ds_rcp_load  (const char *path, guint submission_runs, GError **error);
void       ds_rcp_set_free (DsRcpSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsRcpSet, ds_rcp_set_free)

/* The checker's pruning (tta.md 8.3): drop the points whose batch size
 * is below that of the point with the smallest mean, then walk by batch
 * size and delete an interior point whose mean is above the straight
 * line between its neighbours, re-testing the point that moves into its
 * place. Returns a new array of indices into @set->points (guint). */
GArray    *ds_rcp_prune (const DsRcpSet *set);

G_END_DECLS
