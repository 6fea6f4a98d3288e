/* tests/test-json.c - the located JSON reader and the exact JSON writer. */
#include "config.h"

#include "core/json-reader.h"
#include "core/json-writer.h"

static void
test_member_lines (void)
{
  const char *text = "{\n  \"a\": 1,\n  \"b\": \"x\",\n  \"c\": {\n    \"d\": -2\n  }\n}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(DsJsonDoc) doc = ds_json_doc_parse (text, -1, "t.json", &error);
  JsonObject *root, *c = NULL;
  double d = 0;

  g_assert_no_error (error);
  root = ds_json_doc_root_object (doc, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_json_pos (doc, root, "a").line, ==, 2);
  g_assert_cmpuint (ds_json_pos (doc, root, "b").line, ==, 3);
  g_assert_true (ds_json_get_object (doc, root, "c", TRUE, &c, &error));
  g_assert_cmpuint (ds_json_pos (doc, c, NULL).line, ==, 4);
  g_assert_cmpuint (ds_json_pos (doc, c, "d").line, ==, 5);
  g_assert_true (ds_json_get_double (doc, c, "d", TRUE, &d, &error));
  g_assert_cmpfloat (d, ==, -2);
}

static void
test_type_errors_are_located (void)
{
  const char *text = "{\n\"n\": \"seven\",\n\"u\": 1.5,\n\"v\": -1\n}";
  g_autoptr(DsJsonDoc) doc = ds_json_doc_parse (text, -1, "t.json", NULL);
  JsonObject *root = ds_json_doc_root_object (doc, NULL);
  const char *const known[] = { "n", "u", NULL };
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  double d;
  guint64 u;

  g_assert_false (ds_json_get_double (doc, root, "n", TRUE, &d, &e1));
  g_assert_error (e1, DS_ERROR, DS_ERROR_SYNTAX);
  g_assert_cmpstr (e1->message, ==, "t.json:2: 'n' must be a number, got a string");
  g_assert_false (ds_json_get_uint64 (doc, root, "u", TRUE, &u, &e2));
  g_assert_error (e2, DS_ERROR, DS_ERROR_INVALID);
  g_assert_cmpstr (e2->message, ==, "t.json:3: 'u' must be a whole number >= 0, got 1.5");
  g_assert_false (ds_json_get_uint64 (doc, root, "missing", TRUE, &u, &e3));
  g_assert_cmpstr (e3->message, ==, "t.json:1: missing required field 'missing'");
  g_assert_false (ds_json_check_members (doc, root, known, &e4));
  g_assert_cmpstr (e4->message, ==, "t.json:4: unknown field 'v'");
  g_assert_false (ds_json_get_uint64 (doc, root, "v", TRUE, &u, &e5));
  g_assert_error (e5, DS_ERROR, DS_ERROR_INVALID);
}

static void
test_syntax_errors (void)
{
  const char *bad[] = { "", "   ", "{", "{\"a\": }", "[1, 2", "{\"a\" 1}", "nul" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsJsonDoc) doc = ds_json_doc_parse (bad[i], -1, "bad.json", &error);
      g_assert_null (doc);
      g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
      g_assert_true (g_str_has_prefix (error->message, "bad.json:"));
    }
}

static void
test_root_must_be_object (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsJsonDoc) doc = ds_json_doc_parse ("[1]", -1, "a.json", &error);

  g_assert_no_error (error);
  g_assert_null (ds_json_doc_root_object (doc, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
}

static void
test_writer_layout (void)
{
  DsJsonWriter *w = ds_json_writer_new ();
  g_autoptr(GHashTable) map = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *text = NULL;

  g_hash_table_insert (map, "z", "1");
  g_hash_table_insert (map, "a", "q\"uote");
  ds_json_begin_object (w);
  ds_json_member_string (w, "s", "tab\there");
  ds_json_member_scaled (w, "ms", 2.211 / 1000.0, 1000.0);
  ds_json_member (w, "rows");
  ds_json_begin_array (w);
  ds_json_begin_object_inline (w);
  ds_json_member_uint64 (w, "n", 3);
  ds_json_member_bool (w, "ok", TRUE);
  ds_json_end_object (w);
  ds_json_begin_array_inline (w);
  ds_json_end_array (w);
  ds_json_end_array (w);
  ds_json_member_string_map (w, "attrs", map);
  ds_json_end_object (w);
  text = ds_json_writer_finish (w, NULL);
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "  \"s\": \"tab\\there\",\n"
                   "  \"ms\": 2.211,\n"
                   "  \"rows\": [\n"
                   "    {\"n\": 3, \"ok\": true},\n"
                   "    []\n"
                   "  ],\n"
                   "  \"attrs\": {\"a\": \"q\\\"uote\", \"z\": \"1\"}\n"
                   "}\n");
}

/* What the writer writes, json-glib reads back to the same values. */
static void
test_writer_reads_back (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  DsJsonWriter *w = ds_json_writer_new ();
  g_autofree char *text = NULL;
  double values[200];
  g_autoptr(GError) error = NULL;
  g_autoptr(DsJsonDoc) doc = NULL;
  JsonArray *arr = NULL;

  ds_json_begin_object (w);
  ds_json_member (w, "v");
  ds_json_begin_array_inline (w);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      values[i] = g_rand_double_range (rand, -1e6, 1e6) * (i % 3 ? 1e-9 : 1.0);
      ds_json_double (w, values[i]);
    }
  ds_json_end_array (w);
  ds_json_member_string (w, "ctl", "\x01\x1f");
  ds_json_end_object (w);
  text = ds_json_writer_finish (w, NULL);
  doc = ds_json_doc_parse (text, -1, "rt.json", &error);
  g_assert_no_error (error);
  g_assert_true (ds_json_get_array (doc, ds_json_doc_root_object (doc, NULL),
                                    "v", TRUE, &arr, &error));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_assert_cmpfloat (json_array_get_double_element (arr, i), ==, values[i]);
  g_assert_cmpstr (json_object_get_string_member (ds_json_doc_root_object (doc, NULL), "ctl"),
                   ==, "\x01\x1f");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/json/member-lines", test_member_lines);
  g_test_add_func ("/core/json/type-errors-are-located", test_type_errors_are_located);
  g_test_add_func ("/core/json/syntax-errors", test_syntax_errors);
  g_test_add_func ("/core/json/root-must-be-object", test_root_must_be_object);
  g_test_add_func ("/core/json/writer-layout", test_writer_layout);
  g_test_add_func ("/core/json/writer-reads-back", test_writer_reads_back);
  return g_test_run ();
}
