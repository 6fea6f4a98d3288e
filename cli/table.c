/* cli/table.c - aligned and CSV rendering of string tables (table.h).
 *
 * Widths are counted in characters (UTF-8), not bytes, so a unit like
 * "µs" or a layer name with accents does not break the alignment.
 */
#include "config.h"

#include "cli/table.h"

#include <string.h>

#define RULE_ROW NULL          /* a NULL row in `rows` marks a rule */

struct _DsTable {
  guint n_cols;
  char **headers;
  char *align;
  GPtrArray *rows;             /* char** (n_cols strings) or RULE_ROW */
};

DsTable *
ds_table_new (guint n_cols, const char *const *headers, const char *align)
{
  DsTable *t = g_new0 (DsTable, 1);

  g_assert (strlen (align) == n_cols);
  t->n_cols = n_cols;
  t->headers = g_new0 (char *, n_cols + 1);
  for (guint i = 0; i < n_cols; i++)
    t->headers[i] = g_strdup (headers[i]);
  t->align = g_strdup (align);
  t->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  return t;
}

void
ds_table_free (DsTable *t)
{
  if (t == NULL)
    return;
  g_ptr_array_unref (t->rows);
  g_strfreev (t->headers);
  g_free (t->align);
  g_free (t);
}

void
ds_table_add_row (DsTable *t, const char *const *cells)
{
  char **row = g_new0 (char *, t->n_cols + 1);

  for (guint i = 0; i < t->n_cols; i++)
    row[i] = g_strdup (cells[i] != NULL ? cells[i] : "");
  g_ptr_array_add (t->rows, row);
}

void
ds_table_add_rule (DsTable *t)
{
  g_ptr_array_add (t->rows, RULE_ROW);
}

static void
append_padded (GString *out, const char *cell, guint width, char align)
{
  guint len = g_utf8_strlen (cell, -1);

  if (align == 'r')
    for (guint i = len; i < width; i++)
      g_string_append_c (out, ' ');
  g_string_append (out, cell);
  if (align != 'r')
    for (guint i = len; i < width; i++)
      g_string_append_c (out, ' ');
}

static void
append_line (GString *out, const DsTable *t, char **cells, const guint *widths)
{
  gsize start = out->len;

  for (guint c = 0; c < t->n_cols; c++)
    {
      if (c > 0)
        g_string_append (out, "  ");
      append_padded (out, cells[c], widths[c], t->align[c]);
    }
  /* no trailing blanks from a left-aligned last column */
  while (out->len > start && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  g_string_append_c (out, '\n');
}

static void
append_rule (GString *out, const DsTable *t, const guint *widths)
{
  guint total = 0;

  for (guint c = 0; c < t->n_cols; c++)
    total += widths[c] + (c > 0 ? 2 : 0);
  for (guint i = 0; i < total; i++)
    g_string_append_c (out, '-');
  g_string_append_c (out, '\n');
}

char *
ds_table_to_human (const DsTable *t)
{
  g_autofree guint *widths = g_new0 (guint, t->n_cols);
  GString *out = g_string_new (NULL);

  for (guint c = 0; c < t->n_cols; c++)
    widths[c] = g_utf8_strlen (t->headers[c], -1);
  for (guint r = 0; r < t->rows->len; r++)
    {
      char **row = g_ptr_array_index (t->rows, r);
      for (guint c = 0; row != RULE_ROW && c < t->n_cols; c++)
        widths[c] = MAX (widths[c], (guint) g_utf8_strlen (row[c], -1));
    }
  append_line (out, t, t->headers, widths);
  append_rule (out, t, widths);
  for (guint r = 0; r < t->rows->len; r++)
    {
      char **row = g_ptr_array_index (t->rows, r);
      if (row == RULE_ROW)
        append_rule (out, t, widths);
      else
        append_line (out, t, row, widths);
    }
  return g_string_free (out, FALSE);
}

/* RFC 4180: quote a cell holding a comma, quote or line break; double
 * the quotes inside. */
static void
append_csv_cell (GString *out, const char *cell)
{
  if (strpbrk (cell, ",\"\r\n") == NULL)
    {
      g_string_append (out, cell);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = cell; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_csv_line (GString *out, guint n_cols, char **cells)
{
  for (guint c = 0; c < n_cols; c++)
    {
      if (c > 0)
        g_string_append_c (out, ',');
      append_csv_cell (out, cells[c]);
    }
  g_string_append_c (out, '\n');
}

char *
ds_table_to_csv (const DsTable *t)
{
  GString *out = g_string_new (NULL);

  append_csv_line (out, t->n_cols, t->headers);
  for (guint r = 0; r < t->rows->len; r++)
    {
      char **row = g_ptr_array_index (t->rows, r);
      if (row != RULE_ROW)
        append_csv_line (out, t->n_cols, row);
    }
  return g_string_free (out, FALSE);
}
