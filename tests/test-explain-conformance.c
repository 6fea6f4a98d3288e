/* tests/test-explain-conformance.c - `dawnsim explain` against
 * MacroBase's results (../shared/data/macrobase/cases.md).
 *
 * Data-driven: tests/data/explain/cases.txt holds one case per line (its
 * header says the format); each becomes a test /explain/conformance/ID
 * that runs the built dawnsim with --format json and compares the
 * explanations as a set (or the top one, or a lower bound on the count)
 * and the listed scalars of the report. Skips when the shared data is
 * absent.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "tests/testutil.h"

typedef struct {
  char *id, *input, *args, *compare, *expect, *checks;
} Case;

static void
case_free (gpointer p)
{
  Case *c = p;
  g_free (c->id);
  g_free (c->input);
  g_free (c->args);
  g_free (c->compare);
  g_free (c->expect);
  g_free (c->checks);
  g_free (c);
}

/* "x" within 1e-12 relative, "x~t" within t, "*" anything, "Infinity". */
static gboolean
number_matches (const char *want, double got)
{
  const char *tilde = strchr (want, '~');
  double w;

  if (strcmp (want, "*") == 0)
    return TRUE;
  if (strcmp (want, "Infinity") == 0)
    return isinf (got) && got > 0;
  w = g_ascii_strtod (want, NULL);
  if (tilde != NULL)
    return fabs (got - w) <= g_ascii_strtod (tilde + 1, NULL);
  return ds_test_rel_close (got, w, 1e-12);
}

static double
node_number (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NAN;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return strcmp (json_node_get_string (node), "Infinity") == 0 ? INFINITY : NAN;
  return json_node_get_double (node);
}

/* "k=v,k=v" against an explanation's attributes object; a piece without
 * '=' continues the value before it (bucket labels hold commas). */
static gboolean
attrs_match (const char *spec, JsonObject *attrs)
{
  g_auto(GStrv) pieces = g_strsplit (spec, ",", -1);
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; pieces[i] != NULL; i++)
    if (strchr (pieces[i], '=') != NULL || pairs->len == 0)
      g_ptr_array_add (pairs, g_strdup (pieces[i]));
    else
      {
        char *joined = g_strconcat (g_ptr_array_index (pairs, pairs->len - 1), ",",
                                    pieces[i], NULL);
        g_free (g_ptr_array_index (pairs, pairs->len - 1));
        g_ptr_array_index (pairs, pairs->len - 1) = joined;
      }
  for (guint i = 0; i < pairs->len; i++)
    {
      const char *pair = g_ptr_array_index (pairs, i), *eq = strchr (pair, '=');
      g_autofree char *key = NULL;
      g_assert_nonnull (eq);
      key = g_strndup (pair, eq - pair);
      if (!json_object_has_member (attrs, key)
          || strcmp (json_object_get_string_member (attrs, key), eq + 1) != 0)
        return FALSE;
    }
  return pairs->len == json_object_get_size (attrs);
}

/* One expected explanation "attrs support ratio o t" against a reported one. */
static gboolean
explanation_matches (char **f, JsonObject *x, const char *ratio, gboolean values)
{
  if (!attrs_match (f[0], json_object_get_object_member (x, "attributes")))
    return FALSE;
  return !values
         || (number_matches (f[1], node_number (json_object_get_member (x, "support")))
             && number_matches (f[2], node_number (json_object_get_member (x, ratio)))
             && number_matches (f[3], node_number (json_object_get_member (x, "outliers")))
             && number_matches (f[4], node_number (json_object_get_member (x, "total"))));
}

static void
check_explanations (const Case *c, JsonObject *report)
{
  JsonArray *got = json_object_get_array_member (report, "explanations");
  const char *ratio = json_object_get_string_member (report, "ratio_metric");
  g_auto(GStrv) want = strcmp (c->expect, "-") == 0 ? g_new0 (char *, 1)
                       : g_strsplit (c->expect, ";", -1);
  gboolean values = strcmp (c->compare, "top") != 0;
  guint n_got = json_array_get_length (got), n_want = g_strv_length (want);

  if (strcmp (c->compare, "set") == 0)
    g_assert_cmpuint (n_got, ==, n_want);
  else if (g_str_has_prefix (c->compare, "atleast:"))
    g_assert_cmpuint (n_got, >=, (guint) atoi (c->compare + 8));
  for (guint i = 0; i < n_want; i++)
    {
      g_auto(GStrv) f = g_strsplit_set (g_strstrip (want[i]), " ", -1);
      gboolean found = FALSE;
      if (g_strv_length (f) != 5)
        g_error ("%s: '%s' is not 'attrs support ratio outliers total'", c->id, want[i]);
      for (guint k = 0; k < n_got && !found; k++)
        found = explanation_matches (f, json_array_get_object_element (got, k), ratio, values);
      if (!found)
        g_error ("%s: expected explanation '%s' not reported", c->id, want[i]);
      if (i == 0 && strcmp (c->compare, "top") == 0)
        g_assert_true (explanation_matches (f, json_array_get_object_element (got, 0), ratio,
                                            FALSE));
    }
}

/* "classifier.low=4.005" against the report. */
static void
check_scalars (const Case *c, JsonObject *report)
{
  g_auto(GStrv) checks = g_strsplit_set (c->checks, " ", -1);

  for (guint i = 0; checks[i] != NULL; i++)
    {
      const char *eq = strchr (checks[i], '=');
      g_autofree char *key = NULL;
      const char *dot;
      JsonObject *o = report;
      double got;
      if (*checks[i] == '\0')
        continue;
      g_assert_nonnull (eq);
      key = g_strndup (checks[i], eq - checks[i]);
      dot = strchr (key, '.');
      if (dot != NULL)
        {
          g_autofree char *outer = g_strndup (key, dot - key);
          o = json_object_get_object_member (report, outer);
        }
      got = node_number (json_object_get_member (o, dot != NULL ? dot + 1 : key));
      if (!number_matches (eq + 1, got))
        g_error ("%s: %s is %.17g, expected %s", c->id, key, got, eq + 1);
    }
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *path = NULL;
  g_auto(GStrv) args = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(DsTestRun) run = { 0 };
  JsonObject *report;

  if (g_str_has_prefix (c->input, "fixture:"))
    {
      g_autofree char *rel = g_build_filename ("explain", c->input + 8, NULL);
      path = ds_test_fixture (rel);
    }
  else
    {
      g_autofree char *rel = g_build_filename ("macrobase", c->input, NULL);
      path = ds_test_shared (rel);
      if (path == NULL)
        return;
    }
  g_assert_true (g_shell_parse_argv (c->args, NULL, &args, &error));
  g_ptr_array_add (argv, (gpointer) "explain");
  g_ptr_array_add (argv, path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, args[i]);
  g_ptr_array_add (argv, (gpointer) "--format=json");
  g_ptr_array_add (argv, NULL);
  ds_test_run_dawnsim_argv (&run, (const char *const *) argv->pdata);
  if (strcmp (c->compare, "error") == 0)
    {
      /* the message is the product here: "dawnsim: error: FILE:LINE: ..." */
      g_autofree char *want = g_strdup_printf ("dawnsim: error: %s%s\n", path, c->expect);
      g_assert_cmpint (run.status, ==, 1);
      g_assert_cmpstr (run.err, ==, want);
      return;
    }
  if (run.status != 0)
    g_error ("%s: dawnsim exited %d: %s", c->id, run.status, run.err);
  g_assert_true (json_parser_load_from_data (parser, run.out, -1, &error));
  report = json_node_get_object (json_parser_get_root (parser));
  check_explanations (c, report);
  check_scalars (c, report);
}

static void
add_cases (void)
{
  g_autofree char *path = ds_test_fixture ("explain/cases.txt");
  g_autofree char *text = ds_test_read (path, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      Case *c;
      g_autofree char *name = NULL;
      if (lines[i][0] == '#' || *g_strstrip (lines[i]) == '\0')
        continue;
      f = g_strsplit (lines[i], "|", -1);
      if (g_strv_length (f) < 5)
        g_error ("cases.txt:%u: expected 6 fields split by '|'", i + 1);
      c = g_new0 (Case, 1);
      c->id = g_strdup (g_strstrip (f[0]));
      c->input = g_strdup (g_strstrip (f[1]));
      c->args = g_strdup (g_strstrip (f[2]));
      c->compare = g_strdup (g_strstrip (f[3]));
      c->expect = g_strdup (g_strstrip (f[4]));
      c->checks = g_strdup (f[5] != NULL ? g_strstrip (f[5]) : "");
      name = g_strdup_printf ("/explain/conformance/%s", c->id);
      g_test_add_data_func_full (name, c, run_case, case_free);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  add_cases ();
  return g_test_run ();
}
