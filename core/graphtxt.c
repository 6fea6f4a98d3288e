/* core/graphtxt.c - read and write PipeDream's graph.txt profiles.
 *
 * The format is drawn in graphtxt-private.h. The reader copies the text
 * once, then cuts lines and fields in place (NUL over separators), so a
 * profile costs O(size) plus one hash lookup per node id; the largest
 * shipped profile (NASNet-A large, 1251 nodes) reads in about a
 * millisecond. Invariant: every number text kept in an attribute reads
 * back, through the same parse functions, to the value it came with; the
 * writer re-checks that before printing a kept text, so an edited value
 * is printed fresh and an unedited one byte for byte.
 */
#include "config.h"

#include "core/graphtxt.h"
#include "core/graphtxt-private.h"
#include "core/error.h"
#include "core/units.h"

#include <math.h>
#include <string.h>

#define SEP " -- "
#define SEP_LEN 4

static const char *const meta_keys[] = {
  "forward_compute_time", "backward_compute_time",
  "activation_size", "parameter_size",
};

typedef struct {
  const char *file;       /* for messages; may be NULL */
  DsModel *model;
  GArray *node_lines;     /* guint: the line of each layer's node */
  guint line;             /* the line being read, from 1 */
  guint first_edge_line;  /* 0 until an edge line was read */
} Reader;

/* ---- numbers ---- */

static gsize
skip_digits (const char *s, gsize i)
{
  while (g_ascii_isdigit (s[i]))
    i++;
  return i;
}

/* number -> [+-]? (digit+ ("." digit*)? | "." digit+) ([eE] [+-]? digit+)?
 * Returns the length of the number at @s, 0 if there is none. */
static gsize
scan_number (const char *s)
{
  gsize i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  gsize int_end = skip_digits (s, i), end = int_end;

  if (s[end] == '.')
    end = skip_digits (s, end + 1);
  if (end - i < 1 + (s[int_end] == '.'))   /* no digit at all */
    return 0;
  if (s[end] == 'e' || s[end] == 'E')
    {
      gsize exp = end + 1 + (s[end + 1] == '+' || s[end + 1] == '-');
      gsize exp_end = skip_digits (s, exp);
      if (exp_end == exp)
        return 0;
      end = exp_end;
    }
  return end;
}

/* One number ending at a char in @stops ("" = the end of the string). */
static DsGraphtxtNum
parse_number (const char *s, const char *stops, double *out, gsize *used)
{
  gsize n = scan_number (s);

  if (n == 0 || (s[n] != '\0' && strchr (stops, s[n]) == NULL))
    return DS_GRAPHTXT_NUM_BAD;
  *out = g_ascii_strtod (s, NULL);
  *used = n;
  if (!isfinite (*out))
    return DS_GRAPHTXT_NUM_INFINITE;
  return *out < 0 ? DS_GRAPHTXT_NUM_NEGATIVE : DS_GRAPHTXT_NUM_OK;
}

DsGraphtxtNum
ds_graphtxt_parse_ms (const char *text, double *ms)
{
  gsize used;

  return parse_number (text, "", ms, &used);
}

static DsGraphtxtNum
parse_whole (const char *s, const char *stops, guint64 *bytes, gsize *used)
{
  double v;
  DsGraphtxtNum st = parse_number (s, stops, &v, used);

  if (st != DS_GRAPHTXT_NUM_OK)
    return st;
  if (v != floor (v))
    return DS_GRAPHTXT_NUM_FRACTIONAL;
  if (v > (double) DS_GRAPHTXT_MAX_BYTES)
    return DS_GRAPHTXT_NUM_TOO_BIG;
  *bytes = (guint64) v;
  return DS_GRAPHTXT_NUM_OK;
}

/* list -> "[" bytes ("; " bytes)* "]", summed */
static DsGraphtxtNum
parse_list (const char *s, guint64 *sum)
{
  const char *p = s + 1;

  *sum = 0;
  for (;;)
    {
      guint64 v = 0;
      gsize used = 0;
      DsGraphtxtNum st = parse_whole (p, ";]", &v, &used);

      if (st != DS_GRAPHTXT_NUM_OK)
        return st;
      *sum += v;                  /* both <= 2^53: no overflow */
      if (*sum > DS_GRAPHTXT_MAX_BYTES)
        return DS_GRAPHTXT_NUM_TOO_BIG;
      p += used;
      if (p[0] == ']')
        return p[1] == '\0' ? DS_GRAPHTXT_NUM_OK : DS_GRAPHTXT_NUM_BAD;
      if (p[0] != ';' || p[1] != ' ')
        return DS_GRAPHTXT_NUM_BAD;
      p += 2;
    }
}

DsGraphtxtNum
ds_graphtxt_parse_bytes (const char *text, gboolean allow_list,
                         guint64 *bytes)
{
  gsize used;

  if (allow_list && text[0] == '[')
    return parse_list (text, bytes);
  return parse_whole (text, "", bytes, &used);
}

char *
ds_graphtxt_kind (const char *desc)
{
  g_autofree char *head = g_strndup (desc, strcspn (desc, "("));
  gsize n;

  g_strstrip (head);
  n = strlen (head);
  while (n > 0 && g_ascii_isdigit (head[n - 1]))
    n--;
  return g_ascii_strdown (head, n);
}

/* ---- reading ---- */

static DsPos
here (const Reader *r)
{
  return DS_POS (r->file, r->line);
}

static gboolean
fail_number (const Reader *r, const char *id, const char *key,
             const char *text, DsGraphtxtNum st, GError **error)
{
  static const char *const why[] = {
    [DS_GRAPHTXT_NUM_BAD] = "must be a number",
    [DS_GRAPHTXT_NUM_INFINITE] = "must be a finite number",
    [DS_GRAPHTXT_NUM_NEGATIVE] = "must be >= 0",
    [DS_GRAPHTXT_NUM_FRACTIONAL] = "must be a whole number of bytes",
    [DS_GRAPHTXT_NUM_TOO_BIG] = "must be at most 2^53 bytes",
  };

  return ds_fail_at (error, st == DS_GRAPHTXT_NUM_BAD ? DS_ERROR_SYNTAX
                                                       : DS_ERROR_INVALID,
                     here (r), "node '%s': '%s' %s, got '%s'", id, key,
                     why[st], text);
}

/* Cuts @s in place at every @sep; stores up to @max pieces in @out and
 * returns how many pieces there are in all. */
static guint
split_in_place (char *s, const char *sep, char **out, guint max)
{
  gsize sep_len = strlen (sep);
  guint n = 0;

  for (;;)
    {
      char *next = strstr (s, sep);

      if (n < max)
        out[n] = s;
      n++;
      if (next == NULL)
        return n;
      *next = '\0';
      s = next + sep_len;
    }
}

/* item -> key "=" value; returns the value, or NULL when the key differs */
static const char *
item_value (const char *item, const char *key)
{
  gsize n = strlen (key);

  if (strncmp (item, key, n) != 0 || item[n] != '=')
    return NULL;
  return item + n + 1;
}

static gboolean
read_metadata (const Reader *r, DsLayer *layer, char *meta, GError **error)
{
  char *items[4];
  const char *values[4];
  guint n = split_in_place (meta, ", ", items, 4);
  double ms[2];
  guint64 bytes[2];

  if (n != 4)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "node '%s': expected 4 metadata items separated by "
                       "', ', got %u", layer->name, n);
  for (guint i = 0; i < 4; i++)
    {
      DsGraphtxtNum st;

      values[i] = item_value (items[i], meta_keys[i]);
      if (values[i] == NULL)
        return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                           "node '%s': expected '%s=<number>', got '%s'",
                           layer->name, meta_keys[i], items[i]);
      st = i < 2 ? ds_graphtxt_parse_ms (values[i], &ms[i])
                 : ds_graphtxt_parse_bytes (values[i], i == 2, &bytes[i - 2]);
      if (st != DS_GRAPHTXT_NUM_OK)
        return fail_number (r, layer->name, meta_keys[i], values[i], st, error);
    }
  layer->has_times = TRUE;
  layer->fwd_s = ms[0] / 1000.0;
  layer->bwd_s = ms[1] / 1000.0;
  layer->out_bytes = bytes[0];
  layer->param_bytes = bytes[1];
  /* fp32 profiles: 4 bytes a parameter; anything else is not fp32 */
  layer->n_params = layer->param_bytes % 4 == 0 ? layer->param_bytes / 4 : 0;
  g_hash_table_insert (layer->attrs, g_strdup (DS_GRAPHTXT_ATTR_FWD), g_strdup (values[0]));
  g_hash_table_insert (layer->attrs, g_strdup (DS_GRAPHTXT_ATTR_BWD), g_strdup (values[1]));
  g_hash_table_insert (layer->attrs, g_strdup (DS_GRAPHTXT_ATTR_ACT), g_strdup (values[2]));
  g_hash_table_insert (layer->attrs, g_strdup (DS_GRAPHTXT_ATTR_PARAM), g_strdup (values[3]));
  return TRUE;
}

/* stage -> "stage_id=" digit+ */
static gboolean
read_stage (const Reader *r, DsLayer *layer, const char *field,
            GError **error)
{
  const char *v = item_value (field, "stage_id");
  gsize n = v != NULL ? skip_digits (v, 0) : 0;

  if (v == NULL || n == 0 || v[n] != '\0' || n > 9)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "node '%s': expected 'stage_id=<integer>', got '%s'",
                       layer->name, field);
  g_hash_table_insert (layer->attrs, g_strdup (DS_GRAPHTXT_ATTR_STAGE),
                       g_strdup (v));
  return TRUE;
}

static DsLayer *
add_node (Reader *r, const char *id, const char *desc, GError **error)
{
  g_autofree char *kind = NULL;
  gint prev;
  DsLayer *layer;

  if (id[0] == '\0')            /* defensive: a stripped line cannot
                                 * start with " -- " */
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, here (r),
                            "node id must not be empty");
  /* an edge line is stripped, so "a " could never be an edge's end */
  if (g_ascii_isspace (id[strlen (id) - 1]))
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, here (r),
                            "node id '%s' ends with a blank", id);
  prev = ds_model_find_layer (r->model, id);
  if (prev >= 0)
    return ds_fail_at_null (error, DS_ERROR_DUPLICATE, here (r),
                            "node '%s' is defined twice (first on line %u)",
                            id, g_array_index (r->node_lines, guint, prev));
  kind = ds_graphtxt_kind (desc);
  layer = ds_model_add_layer (r->model, id, kind, NULL);
  g_assert (layer != NULL);             /* name checked above */
  layer->desc = g_strdup (desc);
  g_array_append_val (r->node_lines, r->line);
  return layer;
}

/* node -> id " -- " desc " -- " metadata [" -- " stage] */
static gboolean
read_node (Reader *r, char *line, GError **error)
{
  char *fields[4];
  guint n = split_in_place (line, SEP, fields, 4);
  DsLayer *layer;

  if (r->first_edge_line != 0)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "node '%s' comes after the edges (first edge on "
                       "line %u)", fields[0], r->first_edge_line);
  if (n < 3 || n > 4)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "node '%s': expected 3 or 4 fields separated by "
                       "' -- ', got %u", fields[0], n);
  layer = add_node (r, fields[0], fields[1], error);
  return layer != NULL
         && read_metadata (r, layer, fields[2], error)
         && (n == 3 || read_stage (r, layer, fields[3], error));
}

static gint
edge_end (const Reader *r, const char *src, const char *dst, const char *id,
          GError **error)
{
  gint idx = ds_model_find_layer (r->model, id);

  if (idx < 0)
    ds_fail_at (error, DS_ERROR_UNKNOWN_NAME, here (r),
                "edge '%s -- %s': node '%s' is not defined on an earlier "
                "line", src, dst, id);
  return idx;
}

/* edge -> TAB src " -- " dst */
static gboolean
read_edge (Reader *r, char *line, GError **error)
{
  char *sep = strstr (line, SEP);
  const char *dst;
  gint src_idx, dst_idx;

  if (sep == NULL || strstr (sep + SEP_LEN, SEP) != NULL)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "edge: expected '<src> -- <dst>', got '%s'", line);
  *sep = '\0';
  dst = sep + SEP_LEN;
  if (r->first_edge_line == 0)
    r->first_edge_line = r->line;
  if ((src_idx = edge_end (r, line, dst, line, error)) < 0
      || (dst_idx = edge_end (r, line, dst, dst, error)) < 0)
    return FALSE;
  if (!ds_model_add_edge (r->model, src_idx, dst_idx, error))
    {
      if (r->file != NULL)
        g_prefix_error (error, "%s:%u: ", r->file, r->line);
      return FALSE;
    }
  return TRUE;
}

/* Python's str.isspace() on ASCII: what the original's strip() removes. */
static gboolean
is_space (char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static char *
strip (char *s)
{
  char *end = s + strlen (s);

  while (is_space (*s))
    s++;
  while (end > s && is_space (end[-1]))
    *--end = '\0';
  return s;
}

/* line -> node | TAB edge */
static gboolean
read_line (Reader *r, char *line, gsize len, GError **error)
{
  gboolean is_edge = line[0] == '\t';

  if (memchr (line, '\0', len) != NULL)
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r), "unexpected NUL byte");
  line[len] = '\0';
  if (!g_utf8_validate (line, len, NULL))
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "line is not valid UTF-8");
  line = strip (line);
  if (line[0] == '\0')
    return ds_fail_at (error, DS_ERROR_SYNTAX, here (r),
                       "empty line inside the profile");
  return is_edge ? read_edge (r, line, error) : read_node (r, line, error);
}

/* Length of a line break at @p: "\r\n" is one, as Python's text mode. */
static gsize
break_len (const char *p, const char *end)
{
  if (*p == '\r')
    return p + 1 < end && p[1] == '\n' ? 2 : 1;
  return *p == '\n' ? 1 : 0;
}

/* Reads the lines of [p, end); r->line is the line p starts on. */
static gboolean
read_lines (Reader *r, char *p, char *end, GError **error)
{
  while (p < end)
    {
      char *q = p;
      gsize brk = 0;

      while (q < end && (brk = break_len (q, end)) == 0)
        q++;
      if (!read_line (r, p, q - p, error))
        return FALSE;
      p = q + brk;
      r->line++;
    }
  return TRUE;
}

/* A profile called graph.txt is named after its folder (PipeDream keeps
 * profiles/<model>/graph.txt), any other file after its stem. */
static char *
model_name (const char *file)
{
  g_autofree char *base = file != NULL ? g_path_get_basename (file) : NULL;

  if (base != NULL && strcmp (base, "graph.txt") == 0)
    {
      g_autofree char *dir = g_path_get_dirname (file);
      g_autofree char *folder = g_path_get_basename (dir);
      if (strcmp (folder, ".") != 0 && strcmp (folder, G_DIR_SEPARATOR_S) != 0)
        return g_steal_pointer (&folder);
    }
  return ds_file_stem (file, "graph");
}

/* Skips leading whitespace, counting the lines it spans. */
static char *
skip_leading (char *p, char *end, guint *line)
{
  for (; p < end && is_space (*p); p++)
    if (*p == '\n' || (*p == '\r' && break_len (p, end) == 1))
      (*line)++;
  return p;
}

DsModel *
ds_graphtxt_read (const char *text, gssize len, const char *file,
                  GError **error)
{
  g_autofree char *name = model_name (file);
  g_autoptr(DsModel) model = ds_model_new (name);
  g_autoptr(GArray) node_lines = g_array_new (FALSE, FALSE, sizeof (guint));
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  g_autofree char *buf = g_malloc (n + 1);
  Reader r = { file, model, node_lines, 1, 0 };
  char *start, *end = buf + n;

  memcpy (buf, text, n);
  buf[n] = '\0';
  start = skip_leading (buf, end, &r.line);
  while (end > start && is_space (end[-1]))
    end--;
  g_hash_table_insert (ds_model_get_attrs (model),
                       g_strdup (DS_GRAPHTXT_ATTR_TRAILING),
                       g_strdup (buf + n - end == 1 && *end == '\n'
                                 ? "true" : "false"));
  if (!read_lines (&r, start, end, error))
    return NULL;
  if (!ds_model_check (model, error))
    {
      if (file != NULL)
        g_prefix_error (error, "%s: ", file);
      return NULL;
    }
  return g_steal_pointer (&model);
}

/* ---- writing ---- */

/* The kept text of a time, if it still reads back to @s; else the
 * shortest text that does. */
static const char *
time_text (const DsLayer *l, const char *attr, double s, char buf[DS_NUM_BUF])
{
  const char *kept = g_hash_table_lookup (l->attrs, attr);
  double ms;

  if (kept != NULL && ds_graphtxt_parse_ms (kept, &ms) == DS_GRAPHTXT_NUM_OK
      && ms / 1000.0 == s)
    return kept;
  return ds_fmt_scaled (buf, s, 1000.0);
}

static const char *
bytes_text (const DsLayer *l, const char *attr, gboolean allow_list,
            guint64 bytes, char buf[DS_NUM_BUF])
{
  const char *kept = g_hash_table_lookup (l->attrs, attr);
  guint64 v;

  if (kept != NULL
      && ds_graphtxt_parse_bytes (kept, allow_list, &v) == DS_GRAPHTXT_NUM_OK
      && v == bytes)
    return kept;
  g_snprintf (buf, DS_NUM_BUF, "%" G_GUINT64_FORMAT, bytes);
  return buf;
}

static void
write_node (GString *out, const DsLayer *l)
{
  char f[DS_NUM_BUF], b[DS_NUM_BUF], a[DS_NUM_BUF], p[DS_NUM_BUF];
  const char *stage = g_hash_table_lookup (l->attrs, DS_GRAPHTXT_ATTR_STAGE);

  g_string_append_printf (
      out, "%s" SEP "%s" SEP "forward_compute_time=%s, "
      "backward_compute_time=%s, activation_size=%s, parameter_size=%s",
      l->name, l->desc != NULL ? l->desc : l->kind,
      time_text (l, DS_GRAPHTXT_ATTR_FWD, l->has_times ? l->fwd_s : 0, f),
      time_text (l, DS_GRAPHTXT_ATTR_BWD, l->has_times ? l->bwd_s : 0, b),
      bytes_text (l, DS_GRAPHTXT_ATTR_ACT, TRUE, l->out_bytes, a),
      bytes_text (l, DS_GRAPHTXT_ATTR_PARAM, FALSE, l->param_bytes, p));
  if (stage != NULL)
    g_string_append_printf (out, SEP "stage_id=%s", stage);
  g_string_append_c (out, '\n');
}

/* graph.txt has no quoting: a name or description holding a field
 * separator or a line break (possible in JSON) cannot be written so that
 * it reads back, so it is refused rather than written wrong. */
static gboolean
has_separator (const char *text)
{
  g_autofree char *followed = NULL;

  if (text == NULL)
    return FALSE;
  if (strpbrk (text, "\n\r") != NULL)
    return TRUE;
  /* the reader splits at the leftmost " -- ": the text must end before it
   * ("x --" followed by " -- " would split early) */
  followed = g_strconcat (text, SEP, NULL);
  return strstr (followed, SEP) != followed + strlen (text);
}

static gboolean
writable (const DsLayer *layer, GError **error)
{
  const char *name = layer->name;
  gsize n = strlen (name);

  if (has_separator (name) || g_ascii_isspace (name[0])
      || g_ascii_isspace (name[n - 1]))
    return ds_fail (error, DS_ERROR_UNSUPPORTED,
                    "layer '%s': a graph.txt node id cannot hold '" SEP "' or "
                    "line breaks, nor start or end with blanks", name);
  if (has_separator (layer->desc))
    return ds_fail (error, DS_ERROR_UNSUPPORTED,
                    "layer '%s': graph.txt descriptions cannot hold '" SEP
                    "' or line breaks", name);
  return TRUE;
}

char *
ds_graphtxt_write (const DsModel *model, gsize *len, GError **error)
{
  GHashTable *attrs = ds_model_get_attrs ((DsModel *) model);
  guint n = ds_model_n_layers (model);
  GString *out;

  for (guint i = 0; i < n; i++)
    if (!writable (ds_model_layer_const (model, i), error))
      return NULL;
  out = g_string_sized_new (200 * (gsize) n + 64);

  for (guint i = 0; i < n; i++)
    write_node (out, ds_model_layer_const (model, i));
  for (guint e = 0; e < ds_model_n_edges (model); e++)
    {
      guint src, dst;
      ds_model_edge (model, e, &src, &dst);
      g_string_append_printf (out, "\t%s" SEP "%s\n",
                              ds_model_layer_const (model, src)->name,
                              ds_model_layer_const (model, dst)->name);
    }
  if (out->len > 0
      && g_strcmp0 (g_hash_table_lookup (attrs, DS_GRAPHTXT_ATTR_TRAILING),
                    "false") == 0)
    g_string_truncate (out, out->len - 1);
  if (len != NULL)
    *len = out->len;
  return g_string_free (out, FALSE);
}
