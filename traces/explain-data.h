/* traces/explain-data.h - the rows that MacroBase-style explanation reads.
 *
 * A DsExplainData is a column store: string attributes, dictionary-coded
 * per column (an item is a (column, value id) pair, never text glued
 * together: upstream bug B9), and double metrics. After classification
 * each row also has an outlier weight o >= 0 and a total weight t > 0
 * (t = 1 for a raw event, the count for a pre-aggregated row). Readers
 * (explain-csv.h, ds_explain_data_from_trace) and tests fill it through
 * ds_explain_data_add_row; classifiers write `outlier`; explainers read.
 * Value ids are dense from 0 in order of first appearance, so the same
 * input gives the same ids.
 */
#pragma once

#include <glib.h>

#include "core/trace.h"

G_BEGIN_DECLS

/* An empty attribute cell becomes this value (upstream's library does the
 * same), explainable like any other. */
#define DS_EXPLAIN_NULL "NULL"

typedef struct {
  char *name;
  GPtrArray *values;         /* id -> char*, owned */
  GHashTable *ids;           /* value (borrowed from values) -> id + 1 */
  const char *last;          /* the last value looked up, and its id: */
  guint32 last_id;           /* runs of equal values skip the hash */
} DsExplainColumn;

typedef struct {
  guint n_rows;
  guint n_attrs, n_metrics;
  DsExplainColumn *attrs;    /* [n_attrs] */
  char **metric_names;       /* [n_metrics + 1], NULL-terminated */
  guint32 *codes;            /* [n_rows * n_attrs], row-major value ids */
  double **metrics;          /* [n_metrics][n_rows] */
  double *weight;            /* [n_rows] total weight t; NULL: every t = 1 */
  double *outlier;           /* [n_rows] outlier weight o; NULL until classified */
  double *sums[2];           /* [n_rows] extra sums the cube metrics aggregate, set by
                              * the cube classifiers: mean x count (mean_deviation:
                              * sums[0]); outlier and inlier mean x count (mean_shift);
                              * NULL otherwise */
  guint64 n_dropped;         /* rows a reader dropped (a bad metric cell) */
  guint first_dropped_line;  /* the line of the first, 0 if none */
  char *first_dropped_why;   /* why, owned */
  guint capacity;
} DsExplainData;

/* @attrs and @metrics are NULL-terminated names (copied); @weighted adds
 * a weight per row (ds_explain_data_add_row's @weight is otherwise 1). */
DsExplainData *ds_explain_data_new      (const char *const *attrs,
                                         const char *const *metrics,
                                         gboolean weighted);
void           ds_explain_data_free     (DsExplainData *d);
/* Preallocates room for @n_rows rows in all. */
void           ds_explain_data_reserve  (DsExplainData *d, guint n_rows);
/* One row: n_attrs values (NULL or "" become DS_EXPLAIN_NULL), n_metrics
 * doubles, and its weight (ignored unless weighted). */
void           ds_explain_data_add_row  (DsExplainData *d, const char *const *values,
                                         const double *metrics, double weight);
/* The id of @value in column @col, added when new. */
guint32        ds_explain_column_intern (DsExplainColumn *col, const char *value);
/* -1 when there is no such attribute or metric. */
int            ds_explain_data_attr     (const DsExplainData *d, const char *name);
int            ds_explain_data_metric   (const DsExplainData *d, const char *name);
static inline double
ds_explain_data_t (const DsExplainData *d, guint row)
{
  return d->weight != NULL ? d->weight[row] : 1.0;
}
/* Adds an attribute column (values copied) to a data set; returns its
 * index. Used by metric bucketing. */
guint          ds_explain_data_add_attr (DsExplainData *d, const char *name,
                                         const char *const *row_values);
/* Reorders the attribute columns so that @names (NULL-terminated, each
 * an existing column) come first, in that order; the others follow in
 * their old order. Explainers take "the first n columns". */
void           ds_explain_data_order_attrs (DsExplainData *d, const char *const *names);
/* Keeps the rows whose keep[] is TRUE, in order (before classifying). */
void           ds_explain_data_keep_rows (DsExplainData *d, const gboolean *keep);
/* Forgets the rows (and drop counts) but keeps the dictionaries. */
void           ds_explain_data_clear_rows (DsExplainData *d);
/* Records a dropped row (for the reader's report). */
void           ds_explain_data_drop     (DsExplainData *d, guint line,
                                         const char *why);

/* The fields of a trace event, flattened: the attributes "device" (the
 * resource), "kind", "stage", "layer", "microbatch" (empty where the
 * event has none) and every event attribute by its key; the metrics
 * "duration_s", "start_s", "bytes", or an event attribute holding a
 * number. @attrs and @metrics name the columns wanted; an unknown name is
 * an error (DS_ERROR_UNKNOWN_NAME) naming @file. An event whose metric
 * attribute is missing or not a number is dropped and counted. */
DsExplainData *ds_explain_data_from_trace (const DsTrace *trace, const char *file,
                                           const char *const *attrs,
                                           const char *const *metrics,
                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsExplainData, ds_explain_data_free)

G_END_DECLS
