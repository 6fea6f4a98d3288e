/* tests/test-validate.c - a measured trace against a predicted one
 * (traces/validate.h), and `dawnsim validate` on a short real run. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "traces/validate.h"
#include "tests/testutil.h"

static void
add (DsTrace *t, const char *res, DsTraceKind kind, gint stage, double dur)
{
  DsTraceEvent *e = ds_trace_append (t, res, kind, 0, dur);
  e->stage_idx = stage;
}

/* Means per stage and kind, errors, and what is left out. */
static void
test_join (void)
{
  g_autoptr(DsTrace) m = ds_trace_new ();
  g_autoptr(DsTrace) p = ds_trace_new ();
  g_autoptr(DsValidation) v = NULL;
  g_autofree char *csv = NULL;
  const DsValidationRow *r;

  add (m, "cpu0", DS_TRACE_FORWARD, 0, 1.0);
  add (m, "cpu0", DS_TRACE_FORWARD, 0, 3.0);       /* mean 2 */
  add (m, "cpu1", DS_TRACE_BACKWARD, 1, 4.0);
  add (m, "cpu1", DS_TRACE_SEND, 1, 9.0);          /* not compared */
  add (m, "cpu1", DS_TRACE_OPTIMIZER, 1, 1.0);     /* not predicted */
  add (p, "gpu0", DS_TRACE_FORWARD, 0, 2.5);
  add (p, "gpu5", DS_TRACE_BACKWARD, 1, 3.0);
  add (p, "gpu5", DS_TRACE_MEMORY, 1, 0);
  v = ds_validation_new (m, p);
  g_assert_cmpuint (v->rows->len, ==, 2);
  r = &g_array_index (v->rows, DsValidationRow, 0);
  g_assert_cmpuint (r->stage, ==, 0);
  g_assert_cmpint (r->kind, ==, DS_TRACE_FORWARD);
  g_assert_cmpuint (r->n_measured, ==, 2);
  g_assert_cmpfloat_with_epsilon (r->error, 0.25, 1e-12);
  r = &g_array_index (v->rows, DsValidationRow, 1);
  g_assert_cmpfloat_with_epsilon (r->error, -0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (v->mape, 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (v->max_ape, 0.25, 1e-12);
  csv = ds_validation_to_csv (v);
  g_assert_true (g_str_has_prefix (csv, "stage,kind,n_measured,n_predicted,measured_s,"
                                        "predicted_s,error\n0,forward,2,1,2,2.5,0.25\n"));
}

/* exec writes what validate needs; validate predicts every operation of
 * the run and says how far it is. (How close is docs/validation.md's
 * question: this machine is shared and the run is short.) */
static void
test_cli (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *trace = g_build_filename (dir, "m.json", NULL);
  g_autofree char *csv = g_build_filename (dir, "j.csv", NULL);
  g_autofree char *joined = NULL;
  g_auto(DsTestRun) e = { 0 }, v = { 0 }, bad = { 0 };

  ds_test_run_dawnsim (&e, "exec", "mlp", "--stages", "2", "--schedule", "1f1b", "--data",
                       "synthetic", "--max-steps", "6", "--no-pin", "--measured", trace, NULL);
  g_assert_cmpint (e.status, ==, 0);
  ds_test_run_dawnsim (&v, "validate", "mlp", "--stages", "2", "--measured", trace,
                       "--repeats", "2", "--csv", csv, NULL);
  g_assert_cmpint (v.status, ==, 0);
  g_assert_nonnull (strstr (v.out, "time per minibatch  measured"));
  joined = ds_test_read (csv, NULL);
  /* forward, backward, optimizer of 2 stages */
  for (guint i = 0, n = 0; ; i++)
    {
      if (joined[i] == '\0')
        {
          g_assert_cmpuint (n, ==, 1 + 6);
          break;
        }
      n += joined[i] == '\n';
    }
  ds_test_run_dawnsim (&bad, "validate", "mlp", "--measured", csv, NULL);
  g_assert_cmpint (bad.status, ==, 1);
  ds_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/traces/validate/join", test_join);
  g_test_add_func ("/traces/validate/cli", test_cli);
  return g_test_run ();
}
