/* traces/explain-csv.c - the incremental RFC 4180 reader behind explain.
 *
 * Input accumulates in `pending`; each feed parses the complete records
 * in it and keeps the incomplete tail (a record is complete at an
 * unquoted newline, or at the end of input once finish is called). A
 * record's cells are copied, unquoted and NUL-terminated, into one
 * scratch buffer, and only the cells of chosen columns are copied at
 * all: the per-row cost is a scan of the bytes plus one dictionary
 * lookup per attribute and one strtod per metric.
 */
#include "config.h"

#include <gio/gio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "traces/explain-csv.h"

enum { ROLE_IGNORE = -1, ROLE_WEIGHT = -2, ROLE_METRIC = 1 << 20 };

struct _DsExplainCsvReader {
  char *file;
  GStrv attrs, metrics;
  char *weight;
  GString *pending;          /* input not yet parsed */
  guint line;                /* the line pending starts on */
  gboolean have_header, failed;
  guint n_fields;            /* the header's */
  int *role;                 /* [n_fields]: attribute index, ROLE_METRIC + m, ... */
  DsExplainData *data;
  GString *scratch;          /* this record's chosen cells, NUL-separated */
  GArray *cells;             /* gsize offsets into scratch, one per field (header: all) */
  const char **values;       /* [n_attrs] */
  double *metric_vals;       /* [n_metrics + 1] */
};

DsExplainCsvReader *
ds_explain_csv_reader_new (const char *file, const DsExplainSchema *schema)
{
  DsExplainCsvReader *r = g_new0 (DsExplainCsvReader, 1);
  static const char *const none[] = { NULL };

  r->file = g_strdup (file);
  r->attrs = g_strdupv ((char **) (schema->attrs != NULL ? schema->attrs : none));
  r->metrics = g_strdupv ((char **) (schema->metrics != NULL ? schema->metrics : none));
  r->weight = g_strdup (schema->weight);
  r->pending = g_string_new (NULL);
  r->scratch = g_string_new (NULL);
  r->cells = g_array_new (FALSE, FALSE, sizeof (gsize));
  r->line = 1;
  return r;
}

void
ds_explain_csv_reader_free (DsExplainCsvReader *r)
{
  if (r == NULL)
    return;
  g_free (r->file);
  g_strfreev (r->attrs);
  g_strfreev (r->metrics);
  g_free (r->weight);
  g_string_free (r->pending, TRUE);
  g_string_free (r->scratch, TRUE);
  g_array_unref (r->cells);
  g_free (r->role);
  g_free (r->values);
  g_free (r->metric_vals);
  ds_explain_data_free (r->data);
  g_free (r);
}

DsExplainData *
ds_explain_csv_reader_data (DsExplainCsvReader *r)
{
  return r->data;
}

DsExplainData *
ds_explain_csv_reader_steal (DsExplainCsvReader *r)
{
  return g_steal_pointer (&r->data);
}

/* ---- one record ---- */

typedef enum { REC_DONE, REC_MORE, REC_ERROR } RecStatus;

static gboolean
wanted (const DsExplainCsvReader *r, guint field)
{
  return !r->have_header || (field < r->n_fields && r->role[field] != ROLE_IGNORE);
}

/* Copies a cell (the bytes s..e, with "" turned into " when @quoted). */
static void
keep_cell (DsExplainCsvReader *r, const char *s, const char *e, gboolean quoted)
{
  gsize off = r->scratch->len;

  g_array_append_val (r->cells, off);
  if (!quoted)
    g_string_append_len (r->scratch, s, e - s);
  else
    for (const char *p = s; p < e; p++)
      {
        g_string_append_c (r->scratch, *p);
        if (*p == '"')
          p++;                  /* the second of "" */
      }
  g_string_append_c (r->scratch, '\0');
}

/* record -> field (',' field)* ('\r'? '\n' | end); field -> '"' ... '"' | [^,\n]*
 * Sets *n to the number of fields and *next after the record's end. */
static RecStatus
parse_record (DsExplainCsvReader *r, const char *p, const char *end, gboolean final,
              guint *n, guint *lines, const char **next, GError **error)
{
  guint field = 0;

  g_string_truncate (r->scratch, 0);
  g_array_set_size (r->cells, 0);
  *lines = 0;
  for (;;)
    {
      const char *s = p;
      gboolean quoted = p < end && *p == '"';
      if (quoted)
        {
          s = ++p;
          for (;; p++)
            {
              if (p >= end)
                {
                  if (!final)
                    return REC_MORE;
                  ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->file, r->line),
                              "field %u: quoted field not closed before the end of the input",
                              field + 1);
                  return REC_ERROR;
                }
              if (*p == '\n')
                (*lines)++;
              if (*p == '"')
                {
                  if (p + 1 < end && p[1] == '"')
                    p++;
                  else if (p + 1 >= end && !final)
                    return REC_MORE;
                  else
                    break;
                }
            }
          if (wanted (r, field))
            keep_cell (r, s, p, TRUE);
          p++;
          if (p < end && *p == '\r')
            {
              /* "\r\n" ends the record; the '\n' may be in the next chunk */
              if (p + 1 >= end && !final)
                return REC_MORE;
              if (p + 1 >= end || p[1] == '\n')
                p++;
            }
          if (p < end && *p != ',' && *p != '\n')
            {
              char what[8];
              g_snprintf (what, sizeof what, g_ascii_isprint (*p) ? "'%c'" : "byte 0x%02x",
                          g_ascii_isprint (*p) ? *p : (guint8) *p);
              ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->file, r->line + *lines),
                          "field %u: unexpected %s after a closing quote", field + 1, what);
              return REC_ERROR;
            }
        }
      else
        {
          while (p < end && *p != ',' && *p != '\n')
            p++;
          if (p >= end && !final)
            return REC_MORE;
          if (wanted (r, field))
            keep_cell (r, s, p > s && p[-1] == '\r' && (p >= end || *p == '\n') ? p - 1 : p,
                       FALSE);
        }
      field++;
      if (p < end && *p == ',')
        {
          p++;
          continue;
        }
      if (p < end)             /* '\n' */
        p++;
      *n = field;
      *next = p;
      return REC_DONE;
    }
}

/* ---- header and rows ---- */

static int
find_column (char **names, guint n, const char *want, gboolean *dup)
{
  int at = -1;
  *dup = FALSE;
  for (guint i = 0; i < n; i++)
    if (strcmp (names[i], want) == 0)
      {
        *dup = at >= 0;
        at = (int) i;
      }
  return at;
}

static gboolean
set_role (DsExplainCsvReader *r, char **names, const char *want, int role, GError **error)
{
  gboolean dup;
  int at = find_column (names, r->n_fields, want, &dup);

  if (at < 0)
    {
      g_autofree char *list = g_strjoinv (", ", names);
      return ds_fail_at (error, DS_ERROR_UNKNOWN_NAME, DS_POS (r->file, r->line),
                         "no column '%s' in the header (columns: %s)", want, list);
    }
  if (dup)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, r->line),
                       "column '%s' appears twice in the header", want);
  if (r->role[at] != ROLE_IGNORE)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, r->line),
                       "column '%s' is named twice (as attribute, metric or weight)", want);
  r->role[at] = role;
  return TRUE;
}

static gboolean
read_header (DsExplainCsvReader *r, guint n, GError **error)
{
  g_autofree char **names = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    names[i] = r->scratch->str + g_array_index (r->cells, gsize, i);
  r->n_fields = n;
  r->role = g_new (int, n);
  for (guint i = 0; i < n; i++)
    r->role[i] = ROLE_IGNORE;
  for (guint c = 0; r->attrs[c] != NULL; c++)
    if (!set_role (r, names, r->attrs[c], (int) c, error))
      return FALSE;
  for (guint m = 0; r->metrics[m] != NULL; m++)
    if (!set_role (r, names, r->metrics[m], ROLE_METRIC + (int) m, error))
      return FALSE;
  if (r->weight != NULL && !set_role (r, names, r->weight, ROLE_WEIGHT, error))
    return FALSE;
  r->data = ds_explain_data_new ((const char *const *) r->attrs,
                                 (const char *const *) r->metrics, r->weight != NULL);
  r->values = g_new0 (const char *, g_strv_length (r->attrs) + 1);
  r->metric_vals = g_new0 (double, g_strv_length (r->metrics) + 1);
  r->have_header = TRUE;
  return TRUE;
}

static gboolean
parse_number (const char *cell, double *out)
{
  char *end = NULL;
  *out = g_ascii_strtod (cell, &end);
  return end != cell && *end == '\0' && isfinite (*out);
}

static gboolean
read_row (DsExplainCsvReader *r, guint n, GError **error)
{
  double weight = 1.0;
  guint k = 0;

  if (n != r->n_fields)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (r->file, r->line),
                       "the row has %u field%s, the header has %u", n, n == 1 ? "" : "s",
                       r->n_fields);
  for (guint i = 0; i < n; i++)
    {
      int role = r->role[i];
      const char *cell;
      double *slot;
      if (role == ROLE_IGNORE)
        continue;
      cell = r->scratch->str + g_array_index (r->cells, gsize, k++);
      if (role >= 0 && role < ROLE_METRIC)
        {
          r->values[role] = cell;
          continue;
        }
      slot = role == ROLE_WEIGHT ? &weight : &r->metric_vals[role - ROLE_METRIC];
      if (!parse_number (cell, slot) || (role == ROLE_WEIGHT && *slot < 0))
        {
          const char *name = role == ROLE_WEIGHT ? r->weight : r->metrics[role - ROLE_METRIC];
          g_autofree char *why = g_strdup_printf ("%s '%s' is '%s', not a %s", role ==
                                                  ROLE_WEIGHT ? "weight" : "metric", name,
                                                  cell, role == ROLE_WEIGHT
                                                  ? "count >= 0" : "finite number");
          ds_explain_data_drop (r->data, r->line, why);
          return TRUE;
        }
    }
  ds_explain_data_add_row (r->data, r->values, r->metric_vals, weight);
  return TRUE;
}

static gboolean
parse_pending (DsExplainCsvReader *r, gboolean final, GError **error)
{
  const char *p = r->pending->str, *end = p + r->pending->len;

  while (p < end)
    {
      const char *next;
      guint n = 0, lines = 0;
      RecStatus st;

      if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n'))
        {
          p += *p == '\r' ? 2 : 1;          /* a blank line */
          r->line++;
          continue;
        }
      if (*p == '\r' && p + 1 >= end && !final)
        break;
      st = parse_record (r, p, end, final, &n, &lines, &next, error);
      if (st == REC_MORE)
        break;
      if (st == REC_ERROR
          || !(r->have_header ? read_row (r, n, error) : read_header (r, n, error)))
        {
          r->failed = TRUE;
          return FALSE;
        }
      r->line += lines + (next[-1] == '\n' ? 1 : 0);
      p = next;
    }
  g_string_erase (r->pending, 0, p - r->pending->str);
  return TRUE;
}

gboolean
ds_explain_csv_reader_feed (DsExplainCsvReader *r, const char *chunk, gsize len,
                            GError **error)
{
  g_return_val_if_fail (!r->failed, FALSE);
  if (memchr (chunk, '\0', len) != NULL)
    {
      r->failed = TRUE;
      return ds_fail (error, DS_ERROR_SYNTAX, "%s: a NUL byte in the input (not a text CSV)",
                      r->file);
    }
  g_string_append_len (r->pending, chunk, len);
  return parse_pending (r, FALSE, error);
}

gboolean
ds_explain_csv_reader_finish (DsExplainCsvReader *r, gboolean allow_empty, GError **error)
{
  g_return_val_if_fail (!r->failed, FALSE);
  if (!parse_pending (r, TRUE, error))
    return FALSE;
  if (!r->have_header)
    return ds_fail (error, DS_ERROR_SYNTAX, "%s: empty input, expected a header line",
                    r->file);
  if (allow_empty || r->data->n_rows > 0)
    return TRUE;
  if (r->data->n_dropped > 0)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (r->file, r->data->first_dropped_line),
                       "no usable rows: all %" G_GUINT64_FORMAT " were dropped (the first "
                       "because its %s)", r->data->n_dropped, r->data->first_dropped_why);
  return ds_fail (error, DS_ERROR_INVALID, "%s: no data rows after the header", r->file);
}

DsExplainData *
ds_explain_csv_read (const char *text, gsize len, const char *file,
                     const DsExplainSchema *schema, GError **error)
{
  g_autoptr(DsExplainCsvReader) r = ds_explain_csv_reader_new (file, schema);

  if (!ds_explain_csv_reader_feed (r, text, len, error)
      || !ds_explain_csv_reader_finish (r, FALSE, error))
    return NULL;
  return ds_explain_csv_reader_steal (r);
}

/* ---- files ---- */

static gboolean
gunzip (const char *path, const char *in, gsize len, GByteArray *out, GError **error)
{
  g_autoptr(GZlibDecompressor) gz = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  gsize done = 0;
  guint8 buf[65536];

  for (;;)
    {
      gsize read = 0, written = 0;
      g_autoptr(GError) e = NULL;
      GConverterResult res = g_converter_convert (G_CONVERTER (gz), in + done, len - done,
                                                  buf, sizeof buf, G_CONVERTER_INPUT_AT_END,
                                                  &read, &written, &e);
      if (res == G_CONVERTER_ERROR)
        return ds_fail (error, DS_ERROR_SYNTAX, "%s: bad gzip data: %s", path, e->message);
      done += read;
      g_byte_array_append (out, buf, written);
      if (res == G_CONVERTER_FINISHED)
        return TRUE;
    }
}

static gboolean
read_stdin (char **text, gsize *len, GError **error)
{
  GByteArray *all = g_byte_array_new ();
  guint8 buf[65536];
  gssize n;

  while ((n = read (0, buf, sizeof buf)) > 0)
    g_byte_array_append (all, buf, (guint) n);
  if (n < 0)
    {
      g_byte_array_unref (all);
      return ds_fail (error, DS_ERROR_IO, "standard input: read failed");
    }
  *len = all->len;
  g_byte_array_append (all, (const guint8 *) "", 1);
  *text = (char *) g_byte_array_free (all, FALSE);
  return TRUE;
}

gboolean
ds_explain_read_input (const char *path, char **text, gsize *len, GError **error)
{
  g_autofree char *raw = NULL;
  gsize n = 0;
  GByteArray *out;

  if (strcmp (path, "-") == 0 ? !read_stdin (&raw, &n, error)
      : !ds_read_file (path, &raw, &n, error))
    return FALSE;
  if (n < 2 || (guint8) raw[0] != 0x1f || (guint8) raw[1] != 0x8b)
    {
      *text = g_steal_pointer (&raw);
      *len = n;
      return TRUE;
    }
  out = g_byte_array_new ();
  if (!gunzip (path, raw, n, out, error))
    {
      g_byte_array_unref (out);
      return FALSE;
    }
  *len = out->len;
  g_byte_array_append (out, (const guint8 *) "", 1);
  *text = (char *) g_byte_array_free (out, FALSE);
  return TRUE;
}
