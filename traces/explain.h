/* traces/explain.h - `dawnsim explain` as a library call: read an input,
 * classify its rows, explain the outliers (MacroBase spec section 12).
 *
 * Inputs, told apart by content: a dawnsim trace (JSON, core/trace-json.h;
 * events flattened by ds_explain_data_from_trace, default attributes
 * stage, device, kind and metric duration_s), the CSV of `dawnsim
 * validate --csv` (stage,kind,...,error: default attributes stage, kind
 * and metric error), or any CSV (attributes and metrics must be named).
 * A gzip file is read through. Errors: DS_ERROR_UNKNOWN_NAME for a column
 * that does not exist, DS_ERROR_SYNTAX / DS_ERROR_INVALID for bad input,
 * both with file and line; the configuration is the caller's to check
 * for usage errors (ds_explain_config_check).
 */
#pragma once

#include "traces/explain-apriori.h"
#include "traces/explain-classify.h"
#include "traces/explain-data.h"
#include "traces/explain-fpgrowth.h"
#include "traces/explain-result.h"

G_BEGIN_DECLS

typedef enum { DS_EXPLAINER_APRIORI, DS_EXPLAINER_FPGROWTH } DsExplainerKind;
typedef enum {
  DS_EXPLAIN_INPUT_CSV, DS_EXPLAIN_INPUT_VALIDATE, DS_EXPLAIN_INPUT_TRACE,
} DsExplainInput;

typedef struct {
  char **attrs;              /* columns to explain; NULL: the input's default */
  char **metrics;            /* NULL: the input's default */
  char *weight;              /* a count column (pre-aggregated rows), or NULL */
  char *outlier_column;      /* classifier "column": o per row from here */
  DsExplainClassifier classifier;
  char **buckets;            /* "NAME" or "NAME:p1,p2,..." (percent) */
  DsExplainerKind explainer;
  double min_support;        /* NAN: 0.01 (apriori), 0.1 (fpgrowth) */
  double min_ratio;          /* NAN: 3.0 */
  DsExplainRatio ratio;      /* apriori's metric (fpgrowth: risk ratio); mean_deviation
                              * and mean_shift go with their cube classifiers */
  guint max_order;           /* apriori, 1..3 (3) */
  gboolean no_combinations;  /* fpgrowth: single items only */
  gboolean prune;            /* drop supersets of better explanations */
  DsExplainPredicate *where; /* rows to keep before classifying; NULL: all */
} DsExplainConfig;

void     ds_explain_config_init  (DsExplainConfig *cfg);
void     ds_explain_config_clear (DsExplainConfig *cfg);
/* Problems a user fixes on the command line: returns FALSE with a
 * message in DS_ERROR_INVALID. */
gboolean ds_explain_config_check (const DsExplainConfig *cfg, GError **error);

typedef struct {
  DsExplainInput input;
  DsExplainData *data;       /* explained columns first */
  guint n_explained;
  DsExplainFit fit;
  DsExplainResult *result;
  double min_support, min_ratio;  /* as resolved */
  char **metrics;            /* as resolved */
} DsExplainReport;

/* The columns a run needs: @explain (to explain, in order), @load_attrs
 * (what to read as attributes), @metrics; NULL-terminated, owned by the
 * caller (g_strfreev). Fails when a plain CSV lacks --attributes or a
 * needed --metric. */
gboolean          ds_explain_resolve_columns (const DsExplainConfig *cfg, DsExplainInput input,
                                              const char *file, char ***explain,
                                              char ***load_attrs, char ***metrics,
                                              GError **error);
/* What a text holds, by its first bytes. */
DsExplainInput    ds_explain_detect_input (const char *text, gsize len);

void              ds_explain_report_free (DsExplainReport *r);
/* Reads @path ("-": standard input) and runs the pipeline. */
DsExplainReport  *ds_explain_run         (const DsExplainConfig *cfg, const char *path,
                                          GError **error);
/* The same on text already read (@file names it in messages). */
DsExplainReport  *ds_explain_run_text    (const DsExplainConfig *cfg, const char *text,
                                          gsize len, const char *file, GError **error);
/* The explainer alone, on classified data; @fit gives mean_deviation its
 * global mean and std (center, spread). */
DsExplainResult  *ds_explain_explain     (const DsExplainConfig *cfg, const DsExplainData *d,
                                          guint n_explained, const DsExplainFit *fit);
const char       *ds_explain_input_name  (DsExplainInput input);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsExplainReport, ds_explain_report_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DsExplainConfig, ds_explain_config_clear)

G_END_DECLS
