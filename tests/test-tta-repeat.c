/* tests/test-tta-repeat.c - `dawnsim exec --repeat` and the efficiency
 * commands of `dawnsim tta`, run as a user runs them.
 *
 * --repeat on the synthetic dataset with a few minibatches per epoch:
 * the runs are the seeds asked for, each log it writes gives the TTA it
 * reports when read back by `dawnsim tta`, the statistics are those of
 * the runs, the first run equals the same seed run alone (accuracies, not
 * times: times are the machine's), and the usage errors are refused. No
 * assertion depends on how fast the machine is.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "traces/efficiency.h"
#include "traces/tta.h"
#include "tests/testutil.h"

#define SYNTHETIC "mlp", "--data", "synthetic", "--max-steps", "12", "--epochs", "3", \
                  "--eval-every", "4", "--no-pin"

static JsonObject *
parse_object (JsonParser *p, const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (p, text, -1, &error));
  return json_node_get_object (json_parser_get_root (p));
}

static char *
accuracy_column (const char *path)
{
  g_autoptr(GPtrArray) rows = ds_test_read_tsv (path);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (s, "%s\n", ((char **) g_ptr_array_index (rows, i))[2]);
  return g_string_free (s, FALSE);
}

/* The TTA of a log as `dawnsim tta` reads it. */
static double
tta_of_log (const char *path, const char *threshold, gboolean *reached)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTtaLog) log = ds_tta_log_load (path, "top1Accuracy", &error);
  g_auto(DsTtaTarget) t = { 0 };
  DsTtaResult r;

  g_assert_no_error (error);
  g_assert_true (ds_tta_target_parse (threshold, "top1Accuracy", &t, &error));
  ds_tta_first_crossing (log, &t, &r);
  *reached = r.reached;
  return r.tta_s;
}

static void
check_runs (JsonObject *root, const char *dir)
{
  JsonArray *runs = json_object_get_array_member (root, "runs");
  JsonObject *st = json_object_get_object_member (root, "tta_s");
  double sum = 0;
  guint n_reached = 0;

  g_assert_cmpuint (json_array_get_length (runs), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *r = json_array_get_object_element (runs, i);
      g_autofree char *name = g_strdup_printf ("r-%u.tsv", i + 5);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean reached = FALSE;
      double tta = tta_of_log (path, "30", &reached);
      g_assert_cmpint (json_object_get_int_member (r, "seed"), ==, i + 5);
      g_assert_cmpint (json_object_get_boolean_member (r, "reached"), ==, reached);
      if (!reached)
        continue;
      g_assert_cmpfloat (json_object_get_double_member (r, "tta_s"), ==, tta);
      sum += tta;
      n_reached++;
    }
  g_assert_cmpuint (json_object_get_int_member (st, "n_reached"), ==, n_reached);
  g_assert_cmpuint (n_reached, >=, 1);      /* the synthetic task reaches 30 % in 3 epochs */
  g_assert_true (ds_test_rel_close (json_object_get_double_member (st, "mean"), sum / n_reached,
                                    1e-12));
}

/* The curve's thresholds ascend, so fewer runs reach each next one and a
 * run's TTA never falls. */
static void
check_curve (JsonObject *root)
{
  JsonArray *curve = json_object_get_array_member (root, "curve");
  guint last_reached = G_MAXUINT;
  double last_threshold = -1;

  g_assert_cmpuint (json_array_get_length (curve), ==, 3);
  for (guint i = 0; i < json_array_get_length (curve); i++)
    {
      JsonObject *c = json_array_get_object_element (curve, i);
      JsonObject *st = json_object_get_object_member (c, "tta_s");
      guint n = json_object_get_int_member (st, "n_reached");
      g_assert_cmpfloat (json_object_get_double_member (c, "threshold_pct"), >, last_threshold);
      g_assert_cmpuint (n, <=, last_reached);
      last_threshold = json_object_get_double_member (c, "threshold_pct");
      last_reached = n;
    }
}

static void
test_repeat_synthetic (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *pattern = g_build_filename (dir, "r-{seed}.tsv", NULL);
  g_autofree char *alone = g_build_filename (dir, "alone.tsv", NULL);
  g_autofree char *first = g_build_filename (dir, "r-5.tsv", NULL);
  g_autofree char *acc_alone = NULL, *acc_first = NULL;
  g_auto(DsTestRun) r = { 0 };
  g_auto(DsTestRun) one = { 0 };
  g_autoptr(JsonParser) p = json_parser_new ();
  JsonObject *root;

  ds_test_run_dawnsim (&r, "exec", SYNTHETIC, "--seed", "5", "--repeat", "3", "--target", "0.3",
                       "--thresholds", "20,30,40", "--log", pattern, "--format", "json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse_object (p, r.out);
  g_assert_cmpstr (json_object_get_string_member (root, "time_base"), ==, "dawnbench");
  check_runs (root, dir);
  check_curve (root);
  /* the first run is seed 5 on seed 5's data, as a run alone */
  ds_test_run_dawnsim (&one, "exec", SYNTHETIC, "--seed", "5", "--target", "0.4", "--log",
                       alone, NULL);
  g_assert_cmpint (one.status, ==, 0);
  acc_alone = accuracy_column (alone);
  acc_first = accuracy_column (first);
  g_assert_cmpstr (acc_first, ==, acc_alone);
  ds_test_rmtree (dir);
}

static void
test_repeat_human (void)
{
  g_auto(DsTestRun) r = { 0 };

  ds_test_run_dawnsim (&r, "exec", SYNTHETIC, "--repeat", "2", "--target", "0.3", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "2 runs, target top1Accuracy >= 30"));
  g_assert_nonnull (strstr (r.out, "threshold curve"));
  g_assert_nonnull (strstr (r.out, ">= 28 "));      /* target - 2 points */
  g_assert_nonnull (strstr (r.out, ">= 31 "));      /* target + 1 point */
}

static void
test_repeat_usage (void)
{
  const char *const cases[][8] = {
    { "--repeat", "2", NULL },
    { "--repeat", "-1", "--target", "0.5", NULL },
    { "--repeat", "2", "--target", "0.5", "--log", "x.tsv", NULL },
    { "--repeat", "2", "--target", "0.5", "--transport", "mpi", NULL },
    { "--repeat", "2", "--target", "0.5", "--trace", "t.json", NULL },
    { "--repeat", "2", "--target", "0.5", "--thresholds", "50,40", NULL },
  };
  const char *const messages[] = {
    "--repeat needs --target", "--repeat must be >= 1", "a pattern with {seed}",
    "not under MPI", "writes no --trace", "--thresholds must ascend",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *args[24] = { "exec", SYNTHETIC };
      guint n = 11;
      g_auto(DsTestRun) r = { 0 };
      for (guint k = 0; cases[i][k] != NULL; k++)
        args[n++] = cases[i][k];
      args[n] = NULL;
      ds_test_run_dawnsim_argv (&r, args);
      if (r.status != 2)
        g_error ("case %u: exit %d, out '%s', err '%s'", i, r.status, r.out, r.err);
      if (strstr (r.err, messages[i]) == NULL)
        g_error ("case %u: '%s' lacks '%s'", i, r.err, messages[i]);
    }
}

/* --fit on a TSV of runs the model generated, then --check and
 * --predict: the fitted model predicts its own generator's points. */
static void
test_fit_cli (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *runs = g_build_filename (dir, "runs.tsv", NULL);
  g_autofree char *model = g_build_filename (dir, "m.json", NULL);
  const DsEffModel truth = { .e_min = 1.5, .b_crit = 300 };
  GString *tsv = g_string_new ("batch_size\tseed\tepochs\n");
  g_auto(DsTestRun) r = { 0 };
  g_auto(DsTestRun) pr = { 0 };
  g_autofree char *text = NULL;
  DsEffModel back;

  for (guint b = 64; b <= 1024; b *= 4)
    for (guint seed = 1; seed <= 3; seed++)
      g_string_append_printf (tsv, "%u\t%u\t%.17g\n", b, seed,
                              ds_eff_predict (&truth, b, 0) * (seed == 2 ? 1 : seed == 1 ? 0.9 : 1.3));
  g_string_append (tsv, "512\t4\tnone\n");
  text = g_string_free (tsv, FALSE);
  g_assert_true (g_file_set_contents (runs, text, -1, NULL));
  ds_test_run_dawnsim (&r, "tta", "--fit", runs, "-o", model, "--check", runs, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "largest error 0.0%"));   /* medians are the truth */
  g_assert_nonnull (strstr (r.out, "1 runs did not reach the target"));
  g_assert_true (ds_eff_model_load (model, &back, NULL));
  g_assert_true (ds_test_rel_close (back.e_min, truth.e_min, 1e-6));
  g_assert_true (ds_test_rel_close (back.b_crit, truth.b_crit, 1e-6));
  ds_test_run_dawnsim (&pr, "tta", "--model", model, "--predict", "300", NULL);
  g_assert_cmpint (pr.status, ==, 0);
  g_assert_nonnull (strstr (pr.out, "  300                 3\n"));   /* e_min x 2 at b_crit */
  ds_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tta/repeat/synthetic", test_repeat_synthetic);
  g_test_add_func ("/tta/repeat/human", test_repeat_human);
  g_test_add_func ("/tta/repeat/usage", test_repeat_usage);
  g_test_add_func ("/tta/efficiency/fit-cli", test_fit_cli);
  return g_test_run ();
}
