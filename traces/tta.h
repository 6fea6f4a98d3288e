/* traces/tta.h - time to accuracy, measured the way DAWNBench and MLPerf do.
 *
 * Input is a DAWNBench log: a tab-separated file with a header naming its
 * columns (any order; `hours` and one metric are required, others are
 * carried or ignored), one row per evaluation, `hours` cumulative. The
 * executor writes the same format (`dawnsim exec --log`). An entry is a
 * DAWNBench JSON file (price per hour, model, hardware) plus the TSV of
 * the same stem beside it, or a TSV alone.
 *
 * The rule (reference/tta.md 2.1): TTA is the `hours` of the first row, in
 * file order, whose metric meets the target (>= for accuracies, <= for
 * losses), inclusive, with no interpolation, sorting or smoothing. A log
 * that never meets it is NOT reached: no time and no cost, never 0.
 * Thresholds and logged values are parsed by the same routine, so a
 * logged "93.00" meets a threshold "93". Cost = TTA hours x price per
 * hour, and is "not available" (not 0) without a price.
 *
 * Time base: a DAWNBench log's `hours` is training time as the submitter
 * logged it (evaluation and checkpointing may be left out, 2.5); the TTA
 * here is on that base. The executor's TSV leaves every evaluation out.
 *
 * Errors (DS_ERROR) name the file and line: parse failures are
 * DS_ERROR_SYNTAX, values out of range DS_ERROR_INVALID, a duplicated
 * column DS_ERROR_DUPLICATE, a file that cannot be read DS_ERROR_IO.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ---- targets ---- */

typedef struct {
  char *metric;           /* column name, e.g. "top5Accuracy" */
  gboolean at_most;       /* TRUE: metric <= threshold (losses) */
  double threshold;
  char *threshold_text;   /* as given, e.g. "93" */
} DsTtaTarget;

void     ds_tta_target_clear (DsTtaTarget *target);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DsTtaTarget, ds_tta_target_clear)

/* Parses "METRIC>=X", "METRIC<=X" or a bare "X" (then the metric is
 * @metric, which must not be NULL, and the direction >=). X is a decimal
 * number (digits, sign, point, exponent; no hex, inf or nan). Fails with
 * DS_ERROR_SYNTAX. @target is cleared first. */
gboolean ds_tta_target_parse (const char *text, const char *metric,
                              DsTtaTarget *target, GError **error);
/* "top5Accuracy >= 93" into a buffer the caller frees. */
char    *ds_tta_target_describe (const DsTtaTarget *target);

/* Parses a decimal number as the log reader does; FALSE if @text is not
 * one (the whole text, finite). */
gboolean ds_tta_parse_decimal (const char *text, double *out);

/* ---- logs ---- */

typedef struct {
  guint line;             /* in the file, from 1 */
  char *hours_text;       /* the `hours` field as written (spaces trimmed) */
  char *epoch_text;       /* the `epoch` field, or NULL without that column */
  double hours;
  double value;           /* the metric */
} DsTtaRow;

typedef struct {
  char *file;             /* the name used in messages */
  char **columns;         /* the header's names, trimmed, NULL-terminated */
  char *metric;           /* the column read into DsTtaRow.value */
  GArray *rows;           /* DsTtaRow, in file order */
  GPtrArray *warnings;    /* char*: "file:line: ..." for suspicious input */
} DsTtaLog;

/* Reads a DAWNBench TSV (the parsing algorithm of reference/tta.md 3.3):
 * a UTF-8 BOM is dropped, lines end in "\n" or "\r\n" (mixed is fine; a
 * "\r" anywhere else is an error), blank lines are skipped, fields are
 * trimmed of spaces, and every row must have as many fields as the header.
 * @metric names the column to read; NULL picks the task's metric from the
 * columns (ds_tta_default_target). NUL bytes and invalid UTF-8 are errors.
 * A log with no data rows is an error. Warnings (hours decreasing, a
 * percent metric that never exceeds 1) do not fail. @file names the input
 * in messages and is copied. */
DsTtaLog *ds_tta_log_parse (const char *text, gsize len, const char *file,
                            const char *metric, GError **error);
DsTtaLog *ds_tta_log_load  (const char *path, const char *metric, GError **error);
void      ds_tta_log_free  (DsTtaLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsTtaLog, ds_tta_log_free)

/* The DAWNBench task's target for a header (reference/tta.md 2.2): with
 * an `f1Score` column SQuAD's f1Score >= 0.75; else with `top5Accuracy`
 * ImageNet's top5Accuracy >= 93; else with `top1Accuracy` CIFAR10's
 * top1Accuracy >= 94 (also the executor's logs). FALSE (and @target
 * cleared) when the header has none of them. */
gboolean  ds_tta_default_target (const char *const *columns, DsTtaTarget *target);
/* The task's thresholds for a sweep (tta.md 6.1: ImageNet top-5 90 to
 * 93.5, CIFAR10 top-1 92 to 94.5, SQuAD F1 0.70 to 0.76), as decimal
 * texts in ascending order, NULL-terminated and static; NULL when the
 * header names no task. */
const char *const *ds_tta_default_sweep (const char *const *columns);
/* The task name of the same rule ("SQuAD", "ImageNet", "CIFAR10"), or NULL. */
const char *ds_tta_task_of (const char *const *columns);

/* ---- time to accuracy ---- */

typedef struct {
  gboolean reached;
  guint n_rows;           /* evaluations in the log */
  /* when reached: */
  guint hit_row;          /* 0-based data row; evaluations to target = hit_row + 1 */
  guint hit_line;
  const char *hours_text; /* borrowed from the log */
  const char *epoch_text; /* borrowed; NULL without an epoch column */
  double tta_hours;
  double tta_s;           /* tta_hours x 3600 */
  double hit_value;
  /* always: */
  double best_value;      /* the best metric in the log (max, or min for <=) */
  double last_hours;      /* the last row's hours */
} DsTtaResult;

/* First crossing of @target in @log. @target->metric must be the metric
 * @log was read for (asserted). @out borrows strings from @log. */
void      ds_tta_first_crossing (const DsTtaLog *log, const DsTtaTarget *target,
                                 DsTtaResult *out);

/* ---- entries ---- */

typedef struct {
  char *name;             /* the file stem */
  char *json_file;        /* NULL for a TSV given alone */
  char *model, *hardware, *framework;   /* from the JSON, else NULL */
  gboolean has_cost_per_hour;           /* costPerHour present and not null */
  double cost_per_hour_usd;
  DsTtaLog *log;
} DsTtaEntry;

/* @path is a DAWNBench JSON (its TSV: same stem, ".tsv", beside it) or a
 * TSV (anything else). The JSON must be an object with the fields the
 * DAWNBench CI requires (version "v1.0", author, authorEmail, framework,
 * model, hardware, timestamp: strings); costPerHour, when present, is a
 * number >= 0 or null. @metric as in ds_tta_log_parse. */
DsTtaEntry *ds_tta_entry_load (const char *path, const char *metric, GError **error);
/* The JSON part alone, on text (for tests and the fuzz target); the log
 * is left NULL. */
DsTtaEntry *ds_tta_entry_parse_json (const char *text, gsize len, const char *file,
                                     GError **error);
void        ds_tta_entry_free (DsTtaEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsTtaEntry, ds_tta_entry_free)

/* Cost of a result: TRUE with *cost_usd = tta_hours x price when @result
 * reached the target and @entry has a price; FALSE (not available)
 * otherwise, *cost_usd untouched. */
gboolean  ds_tta_cost (const DsTtaEntry *entry, const DsTtaResult *result,
                       double *cost_usd);

/* ---- time formats ---- */

/* "2:37.55"-style text for people: "H:MM:SS.ss", with "Nd " in front from
 * one day up, rounded to the centisecond ("0:02:37.55", "10d 3:59:58.19").
 * Writes into @buf of @size bytes (32 is enough) and returns it. */
const char *ds_tta_format_hms (char *buf, gsize size, double s);

G_END_DECLS
