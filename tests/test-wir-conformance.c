/* tests/test-wir-conformance.c - the Weld cases of
 * ../shared/data/weld/cases.md, read as data (weld.md §18).
 *
 * One GTest case per `wir-case` block and back end:
 * /wir/conformance/<backend>/<id>. Execution cases run every program on
 * every input and compare with `expect` (a value within the case's `tol`,
 * `reject (...)` for the front end, `error KIND` for a clean run-time
 * failure); outside-subset cases must be rejected by the front end;
 * transform cases run the named pass alone to a fixpoint and compare trees
 * up to renaming of bound symbols.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "exec/wir/backend-c.h"
#include "exec/wir/interp.h"
#include "exec/wir/passes.h"
#include "exec/wir/wir.h"
#include "tests/testutil.h"

typedef struct {
  char *program;
  GPtrArray *inputs, *expects;      /* char *, pairwise */
} CaseProgram;

typedef struct {
  char *id, *group, *conf, *transform, *before, *after, *check;
  double tol;
  GPtrArray *programs;              /* CaseProgram * */
  const char *backend;              /* "interp", "interp-opt" or "c" */
} Case;

/* the kernel cache of this run: a fresh folder, so the C cases compile */
static char *cache_dir;

static void
case_program_free (CaseProgram *p)
{
  g_free (p->program);
  g_ptr_array_unref (p->inputs);
  g_ptr_array_unref (p->expects);
  g_free (p);
}

static void
case_free (Case *c)
{
  g_free (c->id);
  g_free (c->group);
  g_free (c->conf);
  g_free (c->transform);
  g_free (c->before);
  g_free (c->after);
  g_free (c->check);
  g_ptr_array_unref (c->programs);
  g_free (c);
}

static void
case_set (Case *c, const char *key, const char *value)
{
  CaseProgram *p = c->programs->len > 0 ? c->programs->pdata[c->programs->len - 1] : NULL;
  if (strcmp (key, "id") == 0)
    c->id = g_strdup (value);
  else if (strcmp (key, "group") == 0)
    c->group = g_strdup (value);
  else if (strcmp (key, "conf") == 0)
    c->conf = g_strdup (value);
  else if (strcmp (key, "transform") == 0)
    c->transform = g_strdup (value);
  else if (strcmp (key, "before") == 0)
    c->before = g_strdup (value);
  else if (strcmp (key, "after") == 0)
    c->after = g_strdup (value);
  else if (strcmp (key, "check") == 0)
    c->check = g_strdup (value);
  else if (strcmp (key, "tol") == 0)
    c->tol = g_ascii_strtod (value, NULL);
  else if (strcmp (key, "program") == 0)
    {
      p = g_new0 (CaseProgram, 1);
      p->program = g_strdup (value);
      p->inputs = g_ptr_array_new_with_free_func (g_free);
      p->expects = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (c->programs, p);
    }
  else if (strcmp (key, "input") == 0 && p != NULL)
    g_ptr_array_add (p->inputs, g_strdup (value));
  else if (strcmp (key, "expect") == 0 && p != NULL)
    g_ptr_array_add (p->expects, g_strdup (value));
}

static GPtrArray *
read_cases (const char *text)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  Case *c = NULL;
  for (guint k = 0; lines[k] != NULL; k++)
    {
      const char *l = lines[k];
      if (strcmp (l, "```wir-case") == 0)
        {
          c = g_new0 (Case, 1);
          c->programs = g_ptr_array_new_with_free_func ((GDestroyNotify) case_program_free);
          continue;
        }
      if (c != NULL && strcmp (l, "```") == 0)
        {
          g_assert_nonnull (c->id);
          g_ptr_array_add (cases, c);
          c = NULL;
          continue;
        }
      const char *colon = c != NULL ? strstr (l, ": ") : NULL;
      if (colon != NULL)
        {
          g_autofree char *key = g_strndup (l, (gsize) (colon - l));
          case_set (c, key, colon + 2);
        }
    }
  return cases;
}

/* a program that must be rejected by the parser or the type checker */
static void
assert_rejected (const char *text, const char *why)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WirProgram) p = wir_program_parse (text, -1, "case", &error);
  if (p != NULL)
    wir_program_check (p, FALSE, &error);
  if (error == NULL)
    g_error ("accepted, expected %s: %s", why, text);
  g_assert_true (error->code == WIR_ERROR_SYNTAX || error->code == WIR_ERROR_UNSUPPORTED
                 || error->code == WIR_ERROR_TYPE);
  g_test_message ("rejected: %s", error->message);
}

static WirErrorCode
error_kind (const char *kind)
{
  if (g_str_has_prefix (kind, "out-of-bounds"))
    return WIR_ERROR_OUT_OF_BOUNDS;
  if (g_str_has_prefix (kind, "out-of-memory"))
    return WIR_ERROR_OUT_OF_MEMORY;
  g_error ("unknown error kind '%s'", kind);
}

static guint64
memory_limit (const Case *c)
{
  const char *m = c->conf != NULL ? strstr (c->conf, "memory limit ") : NULL;
  return m != NULL ? g_ascii_strtoull (m + strlen ("memory limit "), NULL, 10) : 0;
}

/* "interp": the interpreter on the program as written; "interp-opt": on
 * the output of the whole optimizer; "c": that output compiled */
static WirValue *
run_backend (const Case *c, WirProgram *p, GPtrArray *args, GError **error)
{
  WirRunOptions opts = { memory_limit (c) };
  if (strcmp (c->backend, "interp") == 0)
    return wir_program_run (p, (WirValue *const *) args->pdata, args->len, &opts, error);
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(GError) local = NULL;
  g_assert_true (wir_optimize (p, TRUE, log, &local));
  g_assert_no_error (local);
  if (strcmp (c->backend, "interp-opt") == 0)
    return wir_program_run (p, (WirValue *const *) args->pdata, args->len, &opts, error);
  WirCOptions copts = { cache_dir, FALSE, FALSE };
  g_autoptr(WirKernel) k = wir_c_compile (p, &copts, NULL, &local);
  g_assert_no_error (local);
  return wir_kernel_run (k, (WirValue *const *) args->pdata, args->len, &opts, error);
}

static void
check_expect (const Case *c, WirProgram *p, const char *input, const char *expect)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = wir_input_parse (p, input, &error);
  g_assert_no_error (error);
  g_autoptr(WirValue) got = run_backend (c, p, args, &error);
  if (g_str_has_prefix (expect, "error "))
    {
      g_assert_null (got);
      g_assert_error (error, WIR_ERROR, (gint) error_kind (expect + 6));
      g_test_message ("failed cleanly: %s", error->message);
      return;
    }
  g_assert_no_error (error);
  g_autoptr(WirValue) want = NULL;
  const char *same = strstr (expect, "identical to ");
  if (same != NULL)
    {
      /* "T identical to NAME": the argument called NAME, unchanged */
      const char *name = same + strlen ("identical to ");
      for (guint k = 0; k < wir_program_n_params (p); k++)
        if (strncmp (wir_program_param_name (p, k), name, strlen (wir_program_param_name (p, k))) == 0)
          g_assert_true (wir_value_identical (got, args->pdata[k]));
      return;
    }
  want = wir_value_parse (expect, &error);
  g_assert_no_error (error);
  if (!wir_value_equal (got, want, c->tol))
    {
      g_autofree char *a = wir_value_print (got, 20), *b = wir_value_print (want, 20);
      g_error ("%s: got %s, expected %s", c->id, a, b);
    }
}

static void
run_execution (const Case *c)
{
  for (guint k = 0; k < c->programs->len; k++)
    {
      const CaseProgram *cp = c->programs->pdata[k];
      g_autoptr(GError) error = NULL;
      if (g_str_has_prefix (cp->expects->pdata[0], "reject"))
        {
          assert_rejected (cp->program, cp->expects->pdata[0]);
          continue;
        }
      g_autoptr(WirProgram) p = wir_program_parse (cp->program, -1, c->id, &error);
      g_assert_no_error (error);
      wir_program_check (p, FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (cp->inputs->len, ==, cp->expects->len);
      for (guint j = 0; j < cp->inputs->len; j++)
        check_expect (c, p, cp->inputs->pdata[j], cp->expects->pdata[j]);
    }
}

/* "|| e" for a bare expression (cases.md: transform cases) */
static WirProgram *
parse_transform_side (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = text[0] == '|' ? g_strdup (text) : g_strdup_printf ("|| %s", text);
  WirProgram *p = wir_program_parse (src, -1, "case", &error);
  g_assert_no_error (error);
  wir_program_check (p, TRUE, &error);
  g_assert_no_error (error);
  return p;
}

static void
run_transform (const Case *c)
{
  g_autofree char *pass = g_strndup (c->transform, strcspn (c->transform, " ,"));
  g_autoptr(WirProgram) before = parse_transform_side (c->before);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  gboolean unchanged = strcmp (c->after, "unchanged") == 0;
  g_autoptr(WirProgram) after = parse_transform_side (unchanged ? c->before : c->after);

  wir_pass_run (before, pass, log, &error);
  g_assert_no_error (error);
  g_test_message ("pass log: %s", log->str);
  if (!wir_program_equal (before, after))
    {
      g_autofree char *got = wir_program_print (before), *want = wir_program_print (after);
      g_error ("%s: %s gave\n  %s\nexpected\n  %s", c->id, pass, got, want);
    }
}

/* N04: the program must also stay unfused (cases.md `check`) */
static void
run_check (const Case *c)
{
  if (c->check == NULL)
    return;
  g_assert_true (g_str_has_prefix (c->check, "running vertical-fusion alone leaves the program unchanged"));
  const CaseProgram *cp = c->programs->pdata[0];
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(WirProgram) p = wir_program_parse (cp->program, -1, c->id, &error);
  g_autoptr(WirProgram) q = wir_program_parse (cp->program, -1, c->id, &error);
  g_assert_no_error (error);
  wir_program_check (p, FALSE, &error);
  wir_program_check (q, FALSE, &error);
  g_assert_no_error (error);
  wir_pass_run (p, "vertical-fusion", log, &error);
  g_assert_no_error (error);
  g_assert_true (wir_program_equal (p, q));
  for (guint j = 0; j < cp->inputs->len; j++)
    check_expect (c, p, cp->inputs->pdata[j], cp->expects->pdata[j]);
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  if (strcmp (c->id, "X16") == 0)
    {
      g_test_skip ("X16 tests Weld's vectorizer, which WIR does not have (weld.md section 18)");
      return;
    }
  if (c->transform != NULL)
    run_transform (c);
  else if (strcmp (c->group, "outside-subset") == 0)
    for (guint k = 0; k < c->programs->len; k++)
      assert_rejected (((CaseProgram *) c->programs->pdata[k])->program, "outside the subset");
  else
    {
      run_execution (c);
      run_check (c);
    }
}

static void
test_counts (gconstpointer data)
{
  const GPtrArray *cases = data;
  guint exec = 0, transform = 0;
  for (guint k = 0; k < cases->len; k++)
    {
      const Case *c = cases->pdata[k];
      if (c->transform != NULL)
        transform++;
      else
        exec++;
    }
  /* cases.md: 116 execution and 16 transform cases */
  g_assert_cmpuint (exec, ==, 116);
  g_assert_cmpuint (transform, ==, 16);
}

static void
skip_no_data (void)
{
  g_test_skip ("DS_SHARED_DATA is not set: no ../shared/data/weld/cases.md");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree char *path = NULL;
  const char *dir = g_getenv ("DS_SHARED_DATA");
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_add_func ("/wir/conformance/skip", skip_no_data);
      return g_test_run ();
    }
  path = g_build_filename (dir, "weld", "cases.md", NULL);
  g_autofree char *text = ds_test_read (path, NULL);
  g_autoptr(GPtrArray) cases = read_cases (text);
  g_test_add_data_func ("/wir/conformance/counts", cases, test_counts);
  static const char *const backends[] = { "interp", "interp-opt", "c" };
  g_autoptr(GPtrArray) copies = g_ptr_array_new_with_free_func (g_free);
  for (guint b = 0; b < G_N_ELEMENTS (backends); b++)
    for (guint k = 0; k < cases->len; k++)
      {
        Case *c = g_memdup2 (cases->pdata[k], sizeof (Case));
        g_ptr_array_add (copies, c);
        g_autofree char *name = g_strdup_printf ("/wir/conformance/%s/%s", backends[b], c->id);
        c->backend = backends[b];
        /* transform and outside-subset cases are about the front end and
         * the passes: once is enough */
        if (b > 0 && (c->transform != NULL || strcmp (c->group, "outside-subset") == 0))
          continue;
        g_test_add_data_func (name, c, test_case);
      }
  cache_dir = ds_test_tmpdir ();
  int rc = g_test_run ();
  ds_test_rmtree (cache_dir);
  g_free (cache_dir);
  return rc;
}
