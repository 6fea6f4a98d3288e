/* core/json-reader.c - json-glib parsing plus the positions it forgets.
 *
 * While json-glib parses, its signals report each object member (after the
 * member's value is read, so the line is the value's last line: exact for
 * scalars, the closing line for nested values), each array element
 * likewise, and object start and end. We keep the line of every member
 * keyed by (object, name), of every object keyed by the object (its
 * opening line, from a stack of start lines), and of every array element.
 */
#include "config.h"

#include "core/json-reader.h"

#include <math.h>
#include <string.h>

struct _DsJsonDoc {
  char *file;
  JsonParser *parser;
  GArray *open_lines;          /* stack of lines of '{' not yet closed */
  GHashTable *object_lines;    /* JsonObject* -> line */
  GHashTable *member_lines;    /* JsonObject* -> (char* name -> line) */
  GHashTable *element_lines;   /* JsonArray* -> GArray of guint */
};

static void
on_object_start (JsonParser *parser, gpointer data)
{
  DsJsonDoc *doc = data;
  guint line = json_parser_get_current_line (parser);

  g_array_append_val (doc->open_lines, line);
}

static void
on_object_end (JsonParser *parser, JsonObject *object, gpointer data)
{
  DsJsonDoc *doc = data;
  guint line = 0;

  if (doc->open_lines->len > 0)
    {
      line = g_array_index (doc->open_lines, guint, doc->open_lines->len - 1);
      g_array_set_size (doc->open_lines, doc->open_lines->len - 1);
    }
  g_hash_table_insert (doc->object_lines, object, GUINT_TO_POINTER (line));
}

static void
on_object_member (JsonParser *parser, JsonObject *object, const char *name,
                  gpointer data)
{
  DsJsonDoc *doc = data;
  GHashTable *members = g_hash_table_lookup (doc->member_lines, object);

  if (members == NULL)
    {
      members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (doc->member_lines, object, members);
    }
  g_hash_table_insert (members, g_strdup (name),
                       GUINT_TO_POINTER (json_parser_get_current_line (parser)));
}

static void
on_array_element (JsonParser *parser, JsonArray *array, gint index,
                  gpointer data)
{
  DsJsonDoc *doc = data;
  GArray *lines = g_hash_table_lookup (doc->element_lines, array);
  guint line = json_parser_get_current_line (parser);

  if (lines == NULL)
    {
      lines = g_array_new (FALSE, TRUE, sizeof (guint));
      g_hash_table_insert (doc->element_lines, array, lines);
    }
  if ((guint) index >= lines->len)
    g_array_set_size (lines, index + 1);
  g_array_index (lines, guint, index) = line;
}

static void
free_lines (gpointer p)
{
  g_array_unref (p);
}

void
ds_json_doc_free (DsJsonDoc *doc)
{
  if (doc == NULL)
    return;
  g_hash_table_unref (doc->element_lines);
  g_hash_table_unref (doc->member_lines);
  g_hash_table_unref (doc->object_lines);
  g_array_unref (doc->open_lines);
  g_clear_object (&doc->parser);
  g_free (doc->file);
  g_free (doc);
}

/* json-glib says "<data>:3:14: Parse error: ..."; name the file instead. */
static gboolean
syntax_error (const char *file, const GError *local, GError **error)
{
  const char *msg = local->message;

  if (g_str_has_prefix (msg, "<data>:"))
    msg += strlen ("<data>:");
  else
    return ds_fail_at (error, DS_ERROR_SYNTAX, DS_POS (file, 0), "%s", msg);
  return ds_fail (error, DS_ERROR_SYNTAX, "%s:%s", file, msg);
}

/* json-glib turns an invalid escape inside a string ("\7") into bytes
 * that are not UTF-8 and accepts the document; our writer would then
 * print them and json-glib refuse its own input on the way back (found by
 * tests/fuzz/fuzz-trace-json). So every key and string is checked once,
 * here, and a bad one fails with its line. */
static gboolean check_utf8_node (const DsJsonDoc *doc, JsonNode *node,
                                 DsPos pos, GError **error);

static gboolean
check_utf8_object (const DsJsonDoc *doc, JsonObject *obj, GError **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      DsPos pos = ds_json_pos (doc, obj, name);
      if (!g_utf8_validate (name, -1, NULL))
        return ds_fail_at (error, DS_ERROR_SYNTAX, pos,
                           "a field name is not valid UTF-8 (an invalid escape?)");
      if (!check_utf8_node (doc, value, pos, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_utf8_node (const DsJsonDoc *doc, JsonNode *node, DsPos pos,
                 GError **error)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return check_utf8_object (doc, json_node_get_object (node), error);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        if (!check_utf8_node (doc, json_array_get_element (array, i),
                              ds_json_pos_element (doc, array, i), error))
          return FALSE;
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
      && !g_utf8_validate (json_node_get_string (node), -1, NULL))
    return ds_fail_at (error, DS_ERROR_SYNTAX, pos,
                       "a string is not valid UTF-8 (an invalid escape?)");
  return TRUE;
}

DsJsonDoc *
ds_json_doc_parse (const char *text, gssize len, const char *file,
                   GError **error)
{
  g_autoptr(DsJsonDoc) doc = g_new0 (DsJsonDoc, 1);
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  doc->file = g_strdup (file != NULL ? file : "<input>");
  doc->parser = json_parser_new_immutable ();
  doc->open_lines = g_array_new (FALSE, FALSE, sizeof (guint));
  doc->object_lines = g_hash_table_new (NULL, NULL);
  doc->member_lines = g_hash_table_new_full (NULL, NULL, NULL,
                                             (GDestroyNotify) g_hash_table_unref);
  doc->element_lines = g_hash_table_new_full (NULL, NULL, NULL, free_lines);
  g_signal_connect (doc->parser, "object-start", G_CALLBACK (on_object_start), doc);
  g_signal_connect (doc->parser, "object-end", G_CALLBACK (on_object_end), doc);
  g_signal_connect (doc->parser, "object-member", G_CALLBACK (on_object_member), doc);
  g_signal_connect (doc->parser, "array-element", G_CALLBACK (on_array_element), doc);

  if (!json_parser_load_from_data (doc->parser, text, len, &local))
    {
      syntax_error (doc->file, local, error);
      return NULL;
    }
  root = json_parser_get_root (doc->parser);
  if (root == NULL)
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (doc->file, 0),
                            "no JSON value (the file is empty)");
  if (!check_utf8_node (doc, root, DS_POS (doc->file, 0), error))
    return NULL;
  return g_steal_pointer (&doc);
}

DsJsonDoc *
ds_json_doc_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!ds_read_file (path, &text, &len, error))
    return NULL;
  return ds_json_doc_parse (text, len, path, error);
}

const char *
ds_json_doc_file (const DsJsonDoc *doc)
{
  return doc->file;
}

JsonObject *
ds_json_doc_root_object (DsJsonDoc *doc, GError **error)
{
  JsonNode *root = json_parser_get_root (doc->parser);

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return ds_fail_at_null (error, DS_ERROR_SYNTAX, DS_POS (doc->file, 1),
                            "expected a JSON object at the top, got %s",
                            json_node_type_name (root));
  return json_node_get_object (root);
}

DsPos
ds_json_pos (const DsJsonDoc *doc, JsonObject *obj, const char *member)
{
  guint line = 0;

  if (member != NULL)
    {
      GHashTable *members = g_hash_table_lookup (doc->member_lines, obj);
      if (members != NULL)
        line = GPOINTER_TO_UINT (g_hash_table_lookup (members, member));
    }
  if (line == 0)
    line = GPOINTER_TO_UINT (g_hash_table_lookup (doc->object_lines, obj));
  return DS_POS (doc->file, line);
}

DsPos
ds_json_pos_element (const DsJsonDoc *doc, JsonArray *array, guint idx)
{
  GArray *lines = g_hash_table_lookup (doc->element_lines, array);

  if (lines == NULL || idx >= lines->len)
    return DS_POS (doc->file, 0);
  return DS_POS (doc->file, g_array_index (lines, guint, idx));
}

/* The member's node, or NULL (with *ok set) when absent. */
static JsonNode *
member_node (const DsJsonDoc *doc, JsonObject *obj, const char *member,
             gboolean required, gboolean *ok, GError **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  *ok = TRUE;
  if (node == NULL && required)
    *ok = ds_fail_at (error, DS_ERROR_SYNTAX, ds_json_pos (doc, obj, NULL),
                      "missing required field '%s'", member);
  return node;
}

static gboolean
wrong_type (const DsJsonDoc *doc, JsonObject *obj, const char *member,
            const char *expected, JsonNode *node, GError **error)
{
  const char *got = JSON_NODE_HOLDS_VALUE (node)
                    ? g_type_name (json_node_get_value_type (node))
                    : json_node_type_name (node);

  if (g_strcmp0 (got, "gchararray") == 0)
    got = "a string";
  else if (g_strcmp0 (got, "gint64") == 0 || g_strcmp0 (got, "gdouble") == 0)
    got = "a number";
  else if (g_strcmp0 (got, "gboolean") == 0)
    got = "a boolean";
  return ds_fail_at (error, DS_ERROR_SYNTAX, ds_json_pos (doc, obj, member),
                     "'%s' must be %s, got %s", member, expected, got);
}

static gboolean
is_number (JsonNode *node)
{
  GType t;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  t = json_node_get_value_type (node);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
}

gboolean
ds_json_get_string (const DsJsonDoc *doc, JsonObject *obj, const char *member,
                    gboolean required, const char **out, GError **error)
{
  gboolean ok;
  JsonNode *node = member_node (doc, obj, member, required, &ok, error);

  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (doc, obj, member, "a string", node, error);
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
ds_json_get_double (const DsJsonDoc *doc, JsonObject *obj, const char *member,
                    gboolean required, double *out, GError **error)
{
  gboolean ok;
  JsonNode *node = member_node (doc, obj, member, required, &ok, error);

  if (node == NULL)
    return ok;
  if (!is_number (node))
    return wrong_type (doc, obj, member, "a number", node, error);
  *out = json_node_get_double (node);
  if (!isfinite (*out))
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                       "'%s' must be finite, got %g", member, *out);
  return TRUE;
}

gboolean
ds_json_get_uint64 (const DsJsonDoc *doc, JsonObject *obj, const char *member,
                    gboolean required, guint64 *out, GError **error)
{
  double v = 0;
  gboolean present = json_object_has_member (obj, member);

  if (!ds_json_get_double (doc, obj, member, required, &v, error))
    return FALSE;
  if (!present)
    return TRUE;
  if (v < 0 || v > 9007199254740992.0 || v != floor (v))
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                       "'%s' must be a whole number >= 0, got %.17g", member, v);
  *out = (guint64) v;
  return TRUE;
}

gboolean
ds_json_get_uint (const DsJsonDoc *doc, JsonObject *obj, const char *member,
                  gboolean required, guint *out, GError **error)
{
  guint64 v = 0;
  gboolean present = json_object_has_member (obj, member);

  if (!ds_json_get_uint64 (doc, obj, member, required, &v, error))
    return FALSE;
  if (!present)
    return TRUE;
  if (v > G_MAXUINT)
    return ds_fail_at (error, DS_ERROR_INVALID, ds_json_pos (doc, obj, member),
                       "'%s' must be at most %u, got %" G_GUINT64_FORMAT,
                       member, G_MAXUINT, v);
  *out = (guint) v;
  return TRUE;
}

gboolean
ds_json_get_bool (const DsJsonDoc *doc, JsonObject *obj, const char *member,
                  gboolean required, gboolean *out, GError **error)
{
  gboolean ok;
  JsonNode *node = member_node (doc, obj, member, required, &ok, error);

  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return wrong_type (doc, obj, member, "true or false", node, error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
ds_json_get_array (const DsJsonDoc *doc, JsonObject *obj, const char *member,
                   gboolean required, JsonArray **out, GError **error)
{
  gboolean ok;
  JsonNode *node = member_node (doc, obj, member, required, &ok, error);

  *out = NULL;
  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (doc, obj, member, "an array", node, error);
  *out = json_node_get_array (node);
  return TRUE;
}

gboolean
ds_json_get_object (const DsJsonDoc *doc, JsonObject *obj, const char *member,
                    gboolean required, JsonObject **out, GError **error)
{
  gboolean ok;
  JsonNode *node = member_node (doc, obj, member, required, &ok, error);

  *out = NULL;
  if (node == NULL)
    return ok;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (doc, obj, member, "an object", node, error);
  *out = json_node_get_object (node);
  return TRUE;
}

JsonObject *
ds_json_array_object (const DsJsonDoc *doc, JsonArray *array, guint idx,
                      const char *what, GError **error)
{
  JsonNode *node = json_array_get_element (array, idx);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return ds_fail_at_null (error, DS_ERROR_SYNTAX,
                            ds_json_pos_element (doc, array, idx),
                            "%s %u must be an object, got %s", what, idx,
                            json_node_type_name (node));
  return json_node_get_object (node);
}

gboolean
ds_json_check_members (const DsJsonDoc *doc, JsonObject *obj,
                       const char *const *known, GError **error)
{
  JsonObjectIter iter;
  const char *name;

  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, NULL))
    if (!g_strv_contains (known, name))
      return ds_fail_at (error, DS_ERROR_SYNTAX, ds_json_pos (doc, obj, name),
                         "unknown field '%s'", name);
  return TRUE;
}

gboolean
ds_json_get_string_map (const DsJsonDoc *doc, JsonObject *obj,
                        const char *member, GHashTable *into, GError **error)
{
  JsonObject *map = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (!ds_json_get_object (doc, obj, member, FALSE, &map, error))
    return FALSE;
  if (map == NULL)
    return TRUE;
  json_object_iter_init (&iter, map);
  while (json_object_iter_next (&iter, &name, &value))
    {
      const char *s = NULL;
      if (!ds_json_get_string (doc, map, name, TRUE, &s, error))
        return FALSE;
      g_hash_table_insert (into, g_strdup (name), g_strdup (s));
    }
  return TRUE;
}

gboolean
ds_json_check_format (const DsJsonDoc *doc, JsonObject *root,
                      const char *format, guint max_version, GError **error)
{
  const char *got = NULL;
  const char *noun = g_str_has_prefix (format, "dawnsim-") ? format + 8 : format;
  guint version = 0;

  if (!ds_json_get_string (doc, root, "format", FALSE, &got, error)
      || !ds_json_get_uint (doc, root, "version", FALSE, &version, error))
    return FALSE;
  if (got != NULL && strcmp (got, format) != 0)
    return ds_fail_at (error, DS_ERROR_UNSUPPORTED,
                       ds_json_pos (doc, root, "format"),
                       "'format' must be \"%s\", got \"%s\"", format, got);
  if (version > max_version)
    return ds_fail_at (error, DS_ERROR_UNSUPPORTED,
                       ds_json_pos (doc, root, "version"),
                       "%s format version %u is newer than this dawnsim "
                       "reads (%u)", noun, version, max_version);
  return TRUE;
}
