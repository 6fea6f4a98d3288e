/* traces/explain-csv.h - CSV input for explain.
 *
 * Format: the first non-blank line is the header; quoting follows
 * RFC 4180 (a field in double quotes may hold commas, newlines and "" for
 * a quote); blank lines are skipped; CRLF line ends are accepted. Columns
 * are chosen by header name: attributes (strings; empty -> "NULL"),
 * metrics (doubles) and an optional weight (a count per row); the others
 * are ignored. A row whose metric or weight is empty or not a finite
 * number is dropped and counted (MacroBase spec section 4, case CSV-03);
 * the caller reports the count. Errors (DS_ERROR_SYNTAX, or
 * DS_ERROR_UNKNOWN_NAME for a missing column) name the file and line: a
 * row with more or fewer fields than the header, a quote not closed by
 * the end of the input, text after a closing quote, an empty input, and
 * an input without any usable row.
 *
 * The reader is incremental, so `dawnsim explain --stream` can read a pipe:
 * feed it chunks cut anywhere; rows are appended to its data as soon as
 * they are complete. A whole file is one feed and a finish.
 */
#pragma once

#include "traces/explain-data.h"

G_BEGIN_DECLS

typedef struct {
  const char *const *attrs;      /* NULL-terminated column names */
  const char *const *metrics;    /* NULL-terminated; may be empty */
  const char *weight;            /* a count column, or NULL */
} DsExplainSchema;

typedef struct _DsExplainCsvReader DsExplainCsvReader;

/* @file names the input in messages (copied). */
DsExplainCsvReader *ds_explain_csv_reader_new    (const char *file,
                                                  const DsExplainSchema *schema);
void                ds_explain_csv_reader_free   (DsExplainCsvReader *r);
/* Parses every complete row in what was fed so far. Fails on the first
 * bad line; the reader must not be fed again after a failure. */
gboolean            ds_explain_csv_reader_feed   (DsExplainCsvReader *r, const char *chunk,
                                                  gsize len, GError **error);
/* Parses the last row (which needs no newline) and checks that the input
 * had a header and, unless @allow_empty, at least one usable row. */
gboolean            ds_explain_csv_reader_finish (DsExplainCsvReader *r, gboolean allow_empty,
                                                  GError **error);
/* The rows so far (NULL before the header is read); owned by the reader.
 * A streaming caller may empty it (ds_explain_data_clear_rows) between
 * feeds: dictionaries stay, so value ids stay stable. */
DsExplainData      *ds_explain_csv_reader_data   (DsExplainCsvReader *r);
/* The data, which the caller now owns (NULL before the header). */
DsExplainData      *ds_explain_csv_reader_steal  (DsExplainCsvReader *r);

/* A whole CSV text at once. */
DsExplainData      *ds_explain_csv_read  (const char *text, gsize len, const char *file,
                                          const DsExplainSchema *schema, GError **error);
/* Reads @path whole ("-" is standard input); a gzip file (by its magic
 * bytes) is decompressed. The text is NUL-terminated. */
gboolean            ds_explain_read_input (const char *path, char **text, gsize *len,
                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsExplainCsvReader, ds_explain_csv_reader_free)

G_END_DECLS
