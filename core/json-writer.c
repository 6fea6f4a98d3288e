/* core/json-writer.c - the pretty, exact JSON writer of json-writer.h.
 *
 * State is a stack of open containers; each knows whether it is inline,
 * whether it is an object, and how many items it holds, which is all that
 * is needed to place commas, newlines and indentation.
 */
#include "config.h"

#include "core/json-writer.h"
#include "core/units.h"

#include <math.h>
#include <string.h>

typedef struct {
  gboolean is_object;
  gboolean is_inline;
  guint n_items;
} Frame;

struct _DsJsonWriter {
  GString *out;
  GArray *stack;             /* Frame */
  gboolean have_member;      /* ds_json_member() called, value pending */
  gboolean have_root;
};

DsJsonWriter *
ds_json_writer_new (void)
{
  DsJsonWriter *w = g_new0 (DsJsonWriter, 1);

  w->out = g_string_sized_new (4096);
  w->stack = g_array_new (FALSE, FALSE, sizeof (Frame));
  return w;
}

void
ds_json_writer_free (DsJsonWriter *w)
{
  if (w == NULL)
    return;
  g_string_free (w->out, TRUE);
  g_array_unref (w->stack);
  g_free (w);
}

char *
ds_json_writer_finish (DsJsonWriter *w, gsize *len)
{
  g_assert (w->stack->len == 0 && w->have_root);
  g_string_append_c (w->out, '\n');
  if (len != NULL)
    *len = w->out->len;
  g_array_unref (w->stack);
  char *text = g_string_free (w->out, FALSE);
  g_free (w);
  return text;
}

static Frame *
top (DsJsonWriter *w)
{
  return w->stack->len == 0 ? NULL
         : &g_array_index (w->stack, Frame, w->stack->len - 1);
}

static void
newline_indent (DsJsonWriter *w)
{
  g_string_append_c (w->out, '\n');
  for (guint i = 0; i < w->stack->len; i++)
    g_string_append (w->out, "  ");
}

/* Separator before an item (member or array element) of the top frame. */
static void
begin_item (DsJsonWriter *w)
{
  Frame *f = top (w);

  if (f->n_items > 0)
    g_string_append_c (w->out, ',');
  if (f->is_inline)
    {
      if (f->n_items > 0)
        g_string_append_c (w->out, ' ');
    }
  else
    newline_indent (w);
  f->n_items++;
}

/* Called before every value: checks the grammar and places separators. */
static void
begin_value (DsJsonWriter *w)
{
  Frame *f = top (w);

  if (f == NULL)
    {
      g_assert (!w->have_root);
      w->have_root = TRUE;
      return;
    }
  if (f->is_object)
    {
      g_assert (w->have_member);
      w->have_member = FALSE;
      return;
    }
  begin_item (w);
}

static void
append_escaped (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    switch (*p)
      {
      case '"':  g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      case '\b': g_string_append (out, "\\b"); break;
      case '\f': g_string_append (out, "\\f"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (out, "\\u%04x", *p);
        else
          g_string_append_c (out, (char) *p);
      }
  g_string_append_c (out, '"');
}

static void
open_container (DsJsonWriter *w, gboolean is_object, gboolean is_inline)
{
  Frame f = { is_object, is_inline, 0 };
  Frame *parent;

  begin_value (w);
  parent = top (w);
  /* an inline container's children are inline too */
  if (parent != NULL && parent->is_inline)
    f.is_inline = TRUE;
  g_string_append_c (w->out, is_object ? '{' : '[');
  g_array_append_val (w->stack, f);
}

static void
close_container (DsJsonWriter *w, gboolean is_object)
{
  Frame *f = top (w);

  g_assert (f != NULL && f->is_object == is_object && !w->have_member);
  gboolean had_items = f->n_items > 0, was_inline = f->is_inline;
  g_array_set_size (w->stack, w->stack->len - 1);
  if (had_items && !was_inline)
    newline_indent (w);
  g_string_append_c (w->out, is_object ? '}' : ']');
}

void ds_json_begin_object (DsJsonWriter *w)        { open_container (w, TRUE, FALSE); }
void ds_json_begin_object_inline (DsJsonWriter *w) { open_container (w, TRUE, TRUE); }
void ds_json_end_object (DsJsonWriter *w)          { close_container (w, TRUE); }
void ds_json_begin_array (DsJsonWriter *w)         { open_container (w, FALSE, FALSE); }
void ds_json_begin_array_inline (DsJsonWriter *w)  { open_container (w, FALSE, TRUE); }
void ds_json_end_array (DsJsonWriter *w)           { close_container (w, FALSE); }

void
ds_json_member (DsJsonWriter *w, const char *name)
{
  Frame *f = top (w);

  g_assert (f != NULL && f->is_object && !w->have_member);
  begin_item (w);
  append_escaped (w->out, name);
  g_string_append (w->out, ": ");
  w->have_member = TRUE;
}

void
ds_json_string (DsJsonWriter *w, const char *s)
{
  begin_value (w);
  if (s == NULL)
    g_string_append (w->out, "null");
  else
    append_escaped (w->out, s);
}

void
ds_json_scaled (DsJsonWriter *w, double v, double scale)
{
  char buf[DS_NUM_BUF];

  g_assert (isfinite (v));
  begin_value (w);
  g_string_append (w->out, ds_fmt_scaled (buf, v, scale));
}

void
ds_json_double (DsJsonWriter *w, double v)
{
  ds_json_scaled (w, v, 1.0);
}

void
ds_json_uint64 (DsJsonWriter *w, guint64 v)
{
  begin_value (w);
  g_string_append_printf (w->out, "%" G_GUINT64_FORMAT, v);
}

void
ds_json_int64 (DsJsonWriter *w, gint64 v)
{
  begin_value (w);
  g_string_append_printf (w->out, "%" G_GINT64_FORMAT, v);
}

void
ds_json_bool (DsJsonWriter *w, gboolean v)
{
  begin_value (w);
  g_string_append (w->out, v ? "true" : "false");
}

void
ds_json_null (DsJsonWriter *w)
{
  begin_value (w);
  g_string_append (w->out, "null");
}

void
ds_json_member_string (DsJsonWriter *w, const char *name, const char *s)
{
  ds_json_member (w, name);
  ds_json_string (w, s);
}

void
ds_json_member_double (DsJsonWriter *w, const char *name, double v)
{
  ds_json_member (w, name);
  ds_json_double (w, v);
}

void
ds_json_member_scaled (DsJsonWriter *w, const char *name, double v,
                       double scale)
{
  ds_json_member (w, name);
  ds_json_scaled (w, v, scale);
}

void
ds_json_member_uint64 (DsJsonWriter *w, const char *name, guint64 v)
{
  ds_json_member (w, name);
  ds_json_uint64 (w, v);
}

void
ds_json_member_int64 (DsJsonWriter *w, const char *name, gint64 v)
{
  ds_json_member (w, name);
  ds_json_int64 (w, v);
}

void
ds_json_member_bool (DsJsonWriter *w, const char *name, gboolean v)
{
  ds_json_member (w, name);
  ds_json_bool (w, v);
}

static gint
compare_keys (gconstpointer a, gconstpointer b, gpointer unused)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

void
ds_json_member_string_map (DsJsonWriter *w, const char *name, GHashTable *map)
{
  g_autofree const char **keys = NULL;
  guint n = 0;

  if (g_hash_table_size (map) == 0)
    return;
  keys = (const char **) g_hash_table_get_keys_as_array (map, &n);
  g_qsort_with_data (keys, n, sizeof (char *), compare_keys, NULL);
  ds_json_member (w, name);
  ds_json_begin_object_inline (w);
  for (guint i = 0; i < n; i++)
    ds_json_member_string (w, keys[i], g_hash_table_lookup (map, keys[i]));
  ds_json_end_object (w);
}
