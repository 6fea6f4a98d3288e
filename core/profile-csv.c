/* core/profile-csv.c - per-layer profile tables (CSV), see profile-csv.h.
 *
 * The whole file is checked in one pass, whatever profile is asked for:
 * the header names exactly the nine columns (any order), every row has a
 * value for each, numbers parse, and each profile's idx runs 0, 1, 2, ...
 * Rows are then kept for the chosen profile only and become a chain of
 * layers. Plain CSV without quoting: a field holding '"' is refused
 * rather than mis-split. Lines end in "\n" or "\r\n"; one final line
 * break is allowed, a blank line elsewhere is an error.
 */
#include "config.h"

#include "core/profile-csv.h"
#include "core/error.h"

#include <math.h>
#include <string.h>

typedef enum {
  COL_MODEL, COL_DTYPE, COL_BATCH, COL_IDX, COL_LAYER,
  COL_FWD_MS, COL_BWD_MS, COL_OUT_BYTES, COL_PARAM_BYTES,
  N_COLS
} Col;

static const char *const col_names[N_COLS] = {
  "model", "dtype", "batch", "idx", "layer",
  "fwd_ms", "bwd_ms", "out_bytes", "param_bytes",
};

/* One data row, values parsed. */
typedef struct {
  guint line;
  guint profile;            /* index into Table.profiles */
  guint64 idx;
  char *layer;
  double fwd_ms, bwd_ms;
  guint64 out_bytes, param_bytes;
} Row;

typedef struct {
  const char *file;
  guint line;
  guint col_of[N_COLS];     /* position of each column in a row */
  GPtrArray *profiles;      /* char* "model/dtype/batch", first-seen order */
  GHashTable *profile_idx;  /* name -> index + 1 */
  GArray *next_idx;         /* guint64 per profile: the idx expected next */
  GArray *rows;             /* Row */
} Table;

static void
row_clear (gpointer p)
{
  g_free (((Row *) p)->layer);
}

static void
table_init (Table *t, const char *file)
{
  memset (t, 0, sizeof *t);
  t->file = file;
  t->profiles = g_ptr_array_new_with_free_func (g_free);
  t->profile_idx = g_hash_table_new (g_str_hash, g_str_equal);
  t->next_idx = g_array_new (FALSE, TRUE, sizeof (guint64));
  t->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (t->rows, row_clear);
}

static void
table_clear (Table *t)
{
  if (t->rows == NULL)
    return;
  g_hash_table_unref (t->profile_idx);
  g_ptr_array_unref (t->profiles);
  g_array_unref (t->next_idx);
  g_array_unref (t->rows);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Table, table_clear)

static DsPos
here (const Table *t)
{
  return DS_POS (t->file, t->line);
}

/* ---- header ---- */

static gint
col_by_name (const char *name)
{
  for (guint c = 0; c < N_COLS; c++)
    if (strcmp (name, col_names[c]) == 0)
      return c;
  return -1;
}

/* header -> name ("," name)*, each of the nine names exactly once */
static gboolean
read_header (Table *t, char **cells, GError **error)
{
  guint n = g_strv_length (cells);
  gboolean seen[N_COLS] = { FALSE };

  for (guint i = 0; i < n; i++)
    {
      gint c = col_by_name (cells[i]);
      if (c < 0)
        return ds_fail_at (error, DS_ERROR_SYNTAX, here (t),
                           "unknown column '%s' (column %u)", cells[i], i + 1);
      if (seen[c])
        return ds_fail_at (error, DS_ERROR_DUPLICATE, here (t),
                           "column '%s' appears twice", cells[i]);
      seen[c] = TRUE;
      t->col_of[c] = i;
    }
  for (guint c = 0; c < N_COLS; c++)
    if (!seen[c])
      return ds_fail_at (error, DS_ERROR_SYNTAX, here (t),
                         "missing column '%s'", col_names[c]);
  return TRUE;
}

/* ---- values ---- */

static gboolean
fail_cell (const Table *t, Col c, const char *what, const char *cell,
           GError **error)
{
  return ds_fail_at (error, DS_ERROR_INVALID, here (t),
                     "column '%s': expected %s, got '%s'", col_names[c],
                     what, cell);
}

static gboolean
cell_uint (const Table *t, char **cells, Col c, guint64 max, guint64 *out,
           GError **error)
{
  const char *s = cells[t->col_of[c]];

  if (!g_ascii_string_to_unsigned (s, 10, 0, max, out, NULL))
    return fail_cell (t, c, "a whole number >= 0", s, error);
  return TRUE;
}

static gboolean
cell_ms (const Table *t, char **cells, Col c, double *out, GError **error)
{
  const char *s = cells[t->col_of[c]];
  char *end = NULL;

  *out = g_ascii_strtod (s, &end);
  if (s[0] == '\0' || g_ascii_isspace (s[0]) || *end != '\0'
      || !isfinite (*out) || *out < 0)
    return fail_cell (t, c, "a number >= 0", s, error);
  return TRUE;
}

/* A name; model and dtype also make up "model/dtype/batch", so no '/'. */
static gboolean
cell_text (const Table *t, char **cells, Col c, GError **error)
{
  const char *s = cells[t->col_of[c]];

  if (s[0] == '\0' || (c != COL_LAYER && strchr (s, '/') != NULL))
    return fail_cell (t, c, "a name without '/'", s, error);
  return TRUE;
}

/* The profile a row belongs to, added on first sight. */
static guint
profile_of (Table *t, char **cells, guint64 batch)
{
  g_autofree char *key = g_strdup_printf ("%s/%s/%" G_GUINT64_FORMAT,
                                          cells[t->col_of[COL_MODEL]],
                                          cells[t->col_of[COL_DTYPE]], batch);
  gpointer v = g_hash_table_lookup (t->profile_idx, key);
  guint64 zero = 0;

  if (v != NULL)
    return GPOINTER_TO_UINT (v) - 1;
  g_ptr_array_add (t->profiles, g_strdup (key));
  g_hash_table_insert (t->profile_idx, g_ptr_array_index (t->profiles,
                                                          t->profiles->len - 1),
                       GUINT_TO_POINTER (t->profiles->len));
  g_array_append_val (t->next_idx, zero);
  return t->profiles->len - 1;
}

/* Rows of a profile form a chain: idx 0, 1, 2, ... */
static gboolean
check_idx (Table *t, Row *row, GError **error)
{
  guint64 *next = &g_array_index (t->next_idx, guint64, row->profile);

  if (row->idx != *next)
    return ds_fail_at (error, DS_ERROR_INVALID, here (t),
                       "column 'idx': profile '%s' expects idx %"
                       G_GUINT64_FORMAT ", got %" G_GUINT64_FORMAT,
                       (char *) g_ptr_array_index (t->profiles, row->profile),
                       *next, row->idx);
  (*next)++;
  return TRUE;
}

static gboolean
read_row (Table *t, char **cells, GError **error)
{
  Row row = { .line = t->line };
  guint64 batch = 0;

  if (g_strv_length (cells) != N_COLS)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (t),
                       "expected %d fields, got %u", N_COLS,
                       g_strv_length (cells));
  if (!cell_text (t, cells, COL_MODEL, error)
      || !cell_text (t, cells, COL_DTYPE, error)
      || !cell_text (t, cells, COL_LAYER, error)
      || !cell_uint (t, cells, COL_BATCH, G_MAXUINT, &batch, error)
      || !cell_uint (t, cells, COL_IDX, G_MAXUINT, &row.idx, error)
      || !cell_ms (t, cells, COL_FWD_MS, &row.fwd_ms, error)
      || !cell_ms (t, cells, COL_BWD_MS, &row.bwd_ms, error)
      || !cell_uint (t, cells, COL_OUT_BYTES, G_GUINT64_CONSTANT (1) << 53,
                     &row.out_bytes, error)
      || !cell_uint (t, cells, COL_PARAM_BYTES, G_GUINT64_CONSTANT (1) << 53,
                     &row.param_bytes, error))
    return FALSE;
  row.profile = profile_of (t, cells, batch);
  if (!check_idx (t, &row, error))
    return FALSE;
  row.layer = g_strdup (cells[t->col_of[COL_LAYER]]);
  g_array_append_val (t->rows, row);
  return TRUE;
}

/* line -> cell ("," cell)*; no quoting */
static gboolean
read_line (Table *t, const char *line, GError **error)
{
  g_auto(GStrv) cells = NULL;

  if (line[0] == '\0')
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (t), "empty line");
  if (strchr (line, '"') != NULL)
    return ds_fail_at (error, DS_ERROR_UNSUPPORTED, here (t),
                       "quoted fields are not supported");
  cells = g_strsplit (line, ",", -1);
  return t->line == 1 ? read_header (t, cells, error)
                      : read_row (t, cells, error);
}

static gboolean
table_read (Table *t, const char *text, gssize len, GError **error)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  g_autofree char *copy = NULL;
  g_auto(GStrv) lines = NULL;
  guint n_lines;

  if (memchr (text, '\0', n) != NULL)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (t->file, 0),
                       "unexpected NUL byte");
  copy = g_strndup (text, n);
  if (!g_utf8_validate (copy, n, NULL))
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (t->file, 0),
                       "the file is not valid UTF-8");
  lines = g_strsplit (copy, "\n", -1);
  n_lines = g_strv_length (lines);
  if (n_lines > 1 && lines[n_lines - 1][0] == '\0')
    n_lines--;                             /* the final line break */
  if (n_lines == 0)
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (t->file, 0),
                       "the file is empty, expected a header line");
  for (guint i = 0; i < n_lines; i++)
    {
      gsize l = strlen (lines[i]);
      if (l > 0 && lines[i][l - 1] == '\r')
        lines[i][l - 1] = '\0';
      t->line = i + 1;
      if (!read_line (t, lines[i], error))
        return FALSE;
    }
  if (t->profiles->len == 0)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (t->file, 0),
                       "no profile rows");
  return TRUE;
}

/* ---- choosing a profile ---- */

static char *
profile_list (const Table *t)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < t->profiles->len; i++)
    g_string_append_printf (s, "%s'%s'", i > 0 ? ", " : "",
                            (char *) g_ptr_array_index (t->profiles, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* "model" matches "model/..." and "model/dtype" "model/dtype/..." */
static gboolean
profile_matches (const char *profile, const char *select)
{
  gsize n = strlen (select);

  return strncmp (profile, select, n) == 0
         && (profile[n] == '\0' || profile[n] == '/');
}

static gboolean
choose (const Table *t, const char *select, guint *out, GError **error)
{
  g_autofree char *all = profile_list (t);
  guint n_match = 0;

  for (guint i = 0; i < t->profiles->len; i++)
    if (select == NULL
        || profile_matches (g_ptr_array_index (t->profiles, i), select))
      {
        *out = i;
        n_match++;
      }
  if (n_match == 1)
    return TRUE;
  if (n_match == 0)
    return ds_fail_at (error, DS_ERROR_UNKNOWN_NAME, DS_POS (t->file, 0),
                       "no profile matches '%s'; the file has %s", select, all);
  if (select == NULL)
    return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (t->file, 0),
                       "the file holds %u profiles, choose one of %s",
                       n_match, all);
  return ds_fail_at (error, DS_ERROR_INVALID, DS_POS (t->file, 0),
                     "'%s' matches %u profiles, choose one of %s",
                     select, n_match, all);
}

/* ---- building the model ---- */

static guint
dtype_bytes (const char *dtype)
{
  if (strcmp (dtype, "float32") == 0)
    return 4;
  if (strcmp (dtype, "float64") == 0)
    return 8;
  if (strcmp (dtype, "float16") == 0 || strcmp (dtype, "bfloat16") == 0)
    return 2;
  return 0;
}

static void
add_row (DsModel *model, const Row *row, guint size)
{
  g_autofree char *name = g_strdup_printf ("%" G_GUINT64_FORMAT ":%s",
                                           row->idx, row->layer);
  g_autofree char *kind = g_ascii_strdown (row->layer, -1);
  DsLayer *l = ds_model_add_layer (model, name, kind, NULL);

  g_assert (l != NULL);            /* idx is unique within a profile */
  l->has_times = TRUE;
  l->fwd_s = row->fwd_ms / 1000.0;
  l->bwd_s = row->bwd_ms / 1000.0;
  l->out_bytes = row->out_bytes;
  l->param_bytes = row->param_bytes;
  if (size > 0 && row->param_bytes % size == 0)
    l->n_params = row->param_bytes / size;
}

static DsModel *
build (const Table *t, guint profile)
{
  g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (t->profiles, profile),
                                    "/", 3);
  DsModel *model = ds_model_new (parts[0]);
  guint size = dtype_bytes (parts[1]);
  guint n = 0;

  ds_model_set_batch_size (model, (guint) g_ascii_strtoull (parts[2], NULL, 10));
  g_hash_table_insert (ds_model_get_attrs (model), g_strdup ("dtype"),
                       g_strdup (parts[1]));
  for (guint i = 0; i < t->rows->len; i++)
    {
      const Row *row = &g_array_index (t->rows, Row, i);
      if (row->profile != profile)
        continue;
      add_row (model, row, size);
      if (n > 0)
        ds_model_add_edge (model, n - 1, n, NULL);
      n++;
    }
  return model;
}

DsModel *
ds_profile_csv_read (const char *text, gssize len, const char *file,
                     const char *select, GError **error)
{
  g_autoptr(DsModel) model = NULL;
  g_auto(Table) t = { 0 };
  guint profile = 0;

  table_init (&t, file);
  if (!table_read (&t, text, len, error)
      || !choose (&t, select, &profile, error))
    return NULL;
  model = build (&t, profile);
  if (!ds_model_check (model, error))
    {
      if (file != NULL)
        g_prefix_error (error, "%s: ", file);
      return NULL;
    }
  return g_steal_pointer (&model);
}

char **
ds_profile_csv_list (const char *text, gssize len, const char *file,
                     GError **error)
{
  g_auto(Table) t = { 0 };

  table_init (&t, file);
  if (!table_read (&t, text, len, error))
    return NULL;
  g_ptr_array_add (t.profiles, NULL);
  return g_strdupv ((char **) t.profiles->pdata);
}
