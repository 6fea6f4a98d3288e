/* cli/table.h - tables for people (aligned columns) and for machines (CSV).
 *
 * Cells are strings the caller formats (with units for people, exact
 * numbers for CSV: callers fill the table for one output format). A
 * column aligned 'r' is right-aligned in human output, for numbers.
 * Human output has a header, a rule under it, and an optional rule before
 * a totals row; CSV has the header and the rows (no rules), quoted per
 * RFC 4180 where a cell needs it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsTable DsTable;

/* @align: one character per column, 'l' or 'r'; @headers: n_cols strings. */
DsTable *ds_table_new       (guint n_cols, const char *const *headers,
                             const char *align);
void     ds_table_free      (DsTable *table);
/* Appends a row of n_cols cells (copied). */
void     ds_table_add_row   (DsTable *table, const char *const *cells);
/* A rule before the next row (human output only), e.g. before totals. */
void     ds_table_add_rule  (DsTable *table);
char    *ds_table_to_human  (const DsTable *table);
char    *ds_table_to_csv    (const DsTable *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsTable, ds_table_free)

G_END_DECLS
