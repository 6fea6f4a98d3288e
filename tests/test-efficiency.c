/* tests/test-efficiency.c - the statistical-efficiency model and MLPerf's
 * reference convergence points (traces/efficiency.h, traces/tta-rcp.h).
 *
 * The fit recovers known parameters from points the model generates
 * (exactly, and within a stated band under seeded noise), reproduces the
 * presets of ../shared/data/dawnbench/cases.json from the RCP files, and
 * the RCP statistics and pruning match the 32 reference points there.
 */
#include "config.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "traces/efficiency.h"
#include "traces/tta-rcp.h"
#include "tests/testutil.h"

/* ---- synthetic points ---- */

static GArray *
model_points (const DsEffModel *truth, const double *batches, guint n_batches,
              const double *stale, guint n_stale, double noise, guint64 seed)
{
  GArray *p = g_array_new (FALSE, FALSE, sizeof (DsEffPoint));
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);

  gsl_rng_set (rng, seed);
  for (guint s = 0; s < n_stale; s++)
    for (guint b = 0; b < n_batches; b++)
      {
        DsEffPoint pt = { batches[b], stale[s], ds_eff_predict (truth, batches[b], stale[s]) };
        if (noise > 0)
          pt.epochs *= exp (gsl_ran_gaussian (rng, noise));
        g_array_append_val (p, pt);
      }
  gsl_rng_free (rng);
  return p;
}

static void
test_recover_exact (void)
{
  static const double batches[] = { 32, 64, 128, 256, 512, 1024, 2048 };
  static const double stale[] = { 0, 0.5, 1 };
  const DsEffModel cases[] = {
    { .e_min = 2.5, .b_crit = 400, .kappa = 0.8 },
    { .e_min = 34.5, .b_crit = 46760, .kappa = 0 },
    { .e_min = 0.3, .b_crit = 90, .kappa = 2.5 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GArray) p = model_points (&cases[c], batches, G_N_ELEMENTS (batches), stale,
                                          cases[c].kappa > 0 ? 3 : 1, 0, 1);
      g_autoptr(GError) error = NULL;
      DsEffModel m;
      g_assert_true (ds_eff_fit ((DsEffPoint *) p->data, p->len, &m, &error));
      g_assert_no_error (error);
      g_assert_true (ds_test_rel_close (m.e_min, cases[c].e_min, 1e-6));
      g_assert_true (ds_test_rel_close (m.b_crit, cases[c].b_crit, 1e-6));
      g_assert_cmpfloat (fabs (m.kappa - cases[c].kappa), <, 1e-6);
      g_assert_cmpint (m.has_kappa, ==, cases[c].kappa > 0);
      g_assert_cmpfloat (m.rms_rel, <, 1e-8);
    }
}

/* 3 % lognormal noise on 21 points, 20 seeds: every fit within 10 % of
 * e_min and kappa's truth +- 0.15, and b_crit within 25 % (the least
 * determined parameter: it sets only the slope). */
static void
test_recover_noisy (void)
{
  static const double batches[] = { 32, 64, 128, 256, 512, 1024, 2048 };
  static const double stale[] = { 0, 0.5, 1 };
  const DsEffModel truth = { .e_min = 2.5, .b_crit = 400, .kappa = 0.8 };

  for (guint64 seed = 1; seed <= 20; seed++)
    {
      g_autoptr(GArray) p = model_points (&truth, batches, 7, stale, 3, 0.03, seed);
      g_autoptr(GError) error = NULL;
      DsEffModel m;
      g_assert_true (ds_eff_fit ((DsEffPoint *) p->data, p->len, &m, &error));
      g_assert_true (ds_test_rel_close (m.e_min, truth.e_min, 0.10));
      g_assert_true (ds_test_rel_close (m.b_crit, truth.b_crit, 0.25));
      g_assert_cmpfloat (fabs (m.kappa - truth.kappa), <, 0.15);
      g_assert_cmpfloat (m.rms_rel, >, 0.01);
      g_assert_cmpfloat (m.rms_rel, <, 0.06);
    }
}

/* Points that do not grow with B give a b_crit far above every batch. */
static void
test_flat (void)
{
  const DsEffPoint p[] = { { 64, 0, 3 }, { 128, 0, 3 }, { 256, 0, 3 } };
  DsEffModel m;

  g_assert_true (ds_eff_fit (p, 3, &m, NULL));
  g_assert_true (ds_test_rel_close (m.e_min, 3, 1e-6));
  g_assert_cmpfloat (m.b_crit, >, 1e6 * 256);
  g_assert_true (ds_test_rel_close (ds_eff_predict (&m, 1024, 0), 3, 1e-5));
}

static void
test_fit_errors (void)
{
  const DsEffPoint one_batch[] = { { 128, 0, 2 }, { 128, 0, 2.2 } };
  const DsEffPoint stale_two[] = { { 128, 0, 2 }, { 256, 0.5, 3 } };
  const DsEffPoint negative[] = { { 128, 0, 2 }, { 256, 0, -1 } };
  const DsEffPoint *sets[] = { one_batch, stale_two, negative };

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autoptr(GError) error = NULL;
      DsEffModel m;
      g_assert_false (ds_eff_fit (sets[i], 2, &m, &error));
      g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
    }
}

static void
test_group_medians (void)
{
  const DsEffPoint p[] = {
    { 256, 0, 3 }, { 128, 0, 2 }, { 128, 0, 9 }, { 128, 0.5, 4 }, { 128, 0, 1 }, { 256, 0, 5 },
  };
  g_autoptr(GArray) runs = NULL;
  g_autoptr(GArray) g = ds_eff_group_medians (p, G_N_ELEMENTS (p), &runs);
  const DsEffPoint want[] = { { 128, 0, 2 }, { 256, 0, 4 }, { 128, 0.5, 4 } };
  const guint want_runs[] = { 3, 2, 1 };

  g_assert_cmpuint (g->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      DsEffPoint *q = &g_array_index (g, DsEffPoint, i);
      g_assert_cmpfloat (q->batch, ==, want[i].batch);
      g_assert_cmpfloat (q->staleness, ==, want[i].staleness);
      g_assert_cmpfloat (q->epochs, ==, want[i].epochs);
      g_assert_cmpuint (g_array_index (runs, guint, i), ==, want_runs[i]);
    }
}

static void
test_staleness (void)
{
  const struct { const char *name; guint n; double s; } ok[] = {
    { "dp", 4, 0 }, { "gpipe", 4, 0 }, { "1f1b-flush", 4, 0 }, { "interleaved", 4, 0 },
    { "1f1b", 1, 0 }, { "1f1b", 2, 0.5 }, { "1f1b", 5, 2 }, { "2bw", 4, 1 },
  };
  double s = -1;

  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_assert_true (ds_eff_staleness (ok[i].name, ok[i].n, &s));
      g_assert_cmpfloat (s, ==, ok[i].s);
    }
  g_assert_false (ds_eff_staleness ("async", 2, &s));
}

/* ---- files ---- */

static void
test_points_parse (void)
{
  static const char text[] =
    "seed\tbatch_size\tepochs\tstaleness\r\n"
    "1\t128\t1.6\t0\n"
    "\n"
    "2\t128\tnone\t0\n"
    "3\t 256 \t2.9\t0.5";
  g_autoptr(GError) error = NULL;
  guint skipped = 0;
  g_autoptr(GArray) p = ds_eff_points_parse (text, strlen (text), "p.tsv", &skipped, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (p->len, ==, 2);
  g_assert_cmpuint (skipped, ==, 1);
  g_assert_cmpfloat (g_array_index (p, DsEffPoint, 1).batch, ==, 256);
  g_assert_cmpfloat (g_array_index (p, DsEffPoint, 1).staleness, ==, 0.5);
  g_assert_cmpfloat (g_array_index (p, DsEffPoint, 1).epochs, ==, 2.9);
}

static void
test_points_bad (void)
{
  const struct { const char *text; int code; const char *msg; } bad[] = {
    { "batch\tepochs\n1\t2\n", DS_ERROR_SYNTAX, "p.tsv:1: missing column 'batch_size'" },
    { "batch_size\tepochs\n128\t2\t3\n", DS_ERROR_SYNTAX, "p.tsv:2: expected 2 fields, got 3" },
    { "batch_size\tepochs\n128\t0x2\n", DS_ERROR_SYNTAX,
      "p.tsv:2: column 'epochs': expected a decimal number, got '0x2'" },
    { "batch_size\tepochs\n\n0\t2\n", DS_ERROR_INVALID,
      "p.tsv:3: batch_size and epochs must be > 0 and staleness >= 0, got 0, 2, 0" },
    { "batch_size\tepochs\tepochs\n", DS_ERROR_DUPLICATE, "p.tsv:1: column 'epochs' appears twice" },
    { "\n\n", DS_ERROR_SYNTAX, "p.tsv: empty file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) p = ds_eff_points_parse (bad[i].text, strlen (bad[i].text), "p.tsv",
                                                 NULL, &error);
      g_assert_null (p);
      g_assert_error (error, DS_ERROR, bad[i].code);
      g_assert_cmpstr (error->message, ==, bad[i].msg);
    }
}

static void
test_model_json (void)
{
  const DsEffModel m = { 1.7, 812.5, 1.3, TRUE, 7, 0.042 };
  g_autofree char *text = ds_eff_model_to_json (&m);
  g_autoptr(GError) error = NULL;
  DsEffModel back;
  static const char bad[] = "{\"e_min\": 2, \"b_crit\": -5}";
  static const char typo[] = "{\"e_min\": 2, \"b_crit\": 5, \"kapa\": 1}";

  g_assert_true (ds_eff_model_parse (text, strlen (text), "m.json", &back, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (back.e_min, ==, m.e_min);
  g_assert_cmpfloat (back.b_crit, ==, m.b_crit);
  g_assert_cmpfloat (back.kappa, ==, m.kappa);
  g_assert_true (back.has_kappa);
  g_assert_false (ds_eff_model_parse (bad, strlen (bad), "m.json", &back, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (ds_eff_model_parse (typo, strlen (typo), "m.json", &back, &error));
  g_assert_nonnull (error);
}

/* ---- MLPerf RCPs against cases.json ---- */

static JsonObject *
reference_points (JsonParser **keep)
{
  g_autofree char *path = ds_test_shared ("dawnbench/cases.json");
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    return NULL;
  *keep = json_parser_new ();
  g_assert_true (json_parser_load_from_file (*keep, path, &error));
  return json_object_get_object_member (
      json_object_get_object_member (json_node_get_object (json_parser_get_root (*keep)),
                                     "mlperf_rcp"), "reference_points");
}

static DsRcpSet *
load_rcp (JsonObject *c)
{
  g_autofree char *rel = g_build_filename ("dawnbench",
                                           json_object_get_string_member (c, "file"), NULL);
  g_autofree char *path = ds_test_shared (rel);
  g_autoptr(GError) error = NULL;
  DsRcpSet *set = ds_rcp_load (path, 0, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (set->submission_runs, ==, json_object_get_int_member (c, "submission_runs_N"));
  return set;
}

/* Every point: runs, olympic mean, sd of all runs, the checker's minimum
 * acceptable mean (to cases.json's printed digits); the pruned set. */
static void
check_points (const DsRcpSet *set, JsonObject *c)
{
  JsonArray *pts = json_object_get_array_member (c, "points");
  JsonArray *pruned = json_object_get_array_member (c, "pruned_batch_sizes");
  g_autoptr(GArray) idx = ds_rcp_prune (set);

  g_assert_cmpuint (set->points->len, ==, json_array_get_length (pts));
  for (guint i = 0; i < set->points->len; i++)
    {
      const DsRcpPoint *p = &g_array_index (set->points, DsRcpPoint, i);
      JsonObject *q = json_array_get_object_element (pts, i);
      g_assert_cmpuint (p->batch_size, ==, json_object_get_int_member (q, "batch_size"));
      g_assert_cmpuint (p->n_runs, ==, json_object_get_int_member (q, "runs"));
      g_assert_true (ds_test_rel_close (p->olympic_mean,
                                        json_object_get_double_member (q, "olympic_mean"), 1e-5));
      g_assert_true (ds_test_rel_close (p->sd_all, json_object_get_double_member (q, "sd_all_runs"),
                                        5e-4));
      g_assert_true (ds_test_rel_close (p->min_mean,
                                        json_object_get_double_member (q, "min_acceptable_mean_checker"),
                                        1e-5));
      g_assert_cmpfloat (p->min_mean, <=, p->olympic_mean);
    }
  g_assert_cmpuint (idx->len, ==, json_array_get_length (pruned));
  for (guint i = 0; i < idx->len; i++)
    g_assert_cmpuint (g_array_index (set->points, DsRcpPoint, g_array_index (idx, guint, i)).batch_size,
                      ==, json_array_get_int_element (pruned, i));
}

/* tta.md 9.5's presets: the fit to the olympic means of all batch sizes. */
static void
check_preset (const DsRcpSet *set, JsonObject *c)
{
  JsonObject *fit = json_object_get_object_member (c, "fit");
  g_autofree DsEffPoint *p = g_new (DsEffPoint, set->points->len);
  DsEffModel m;

  for (guint i = 0; i < set->points->len; i++)
    {
      const DsRcpPoint *q = &g_array_index (set->points, DsRcpPoint, i);
      p[i] = (DsEffPoint) { q->batch_size, 0, q->olympic_mean };
    }
  g_assert_true (ds_eff_fit (p, set->points->len, &m, NULL));
  /* cases.json rounds (3.40123 is printed 3.4) */
  g_assert_true (ds_test_rel_close (m.e_min, json_object_get_double_member (fit, "E_min"), 1e-3));
  g_assert_true (ds_test_rel_close (m.b_crit, json_object_get_double_member (fit, "B_crit"), 1e-3));
  g_assert_cmpfloat (fabs (100 * m.rms_rel
                           - json_object_get_double_member (fit, "rms_relative_error_pct")),
                     <, 0.006);
}

static void
test_rcp_reference (void)
{
  g_autoptr(JsonParser) keep = NULL;
  JsonObject *refs = reference_points (&keep);
  g_autoptr(GList) names = NULL;
  guint n = 0;

  if (refs == NULL)
    return;
  names = json_object_get_members (refs);
  for (GList *it = names; it != NULL; it = it->next)
    {
      JsonObject *c = json_object_get_object_member (refs, it->data);
      g_autoptr(DsRcpSet) set = load_rcp (c);
      check_points (set, c);
      check_preset (set, c);
      n++;
    }
  g_assert_cmpuint (n, ==, 3);
}

/* The appendix's example A at batch 128 (tta.md 8.6): m* with the
 * trimmed sd (the rules document) and with all runs (the checker). */
static void
test_rcp_appendix (void)
{
  static const char text[] =
    "{\"a_128\": {\"Benchmark\": \"resnet\", \"BS\": 128,\n"
    "  \"Epochs to converge\": [16, 14, 16, 17, 16, 16, 15, 16, 15, 16]}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(DsRcpSet) set = ds_rcp_parse (text, strlen (text), "a.json", 5, &error);
  const DsRcpPoint *p;

  g_assert_no_error (error);
  p = &g_array_index (set->points, DsRcpPoint, 0);
  g_assert_cmpfloat (fabs (p->olympic_mean - 15.75), <, 1e-12);
  g_assert_cmpfloat (fabs (p->sd_trimmed - 0.433), <, 5e-4);
  g_assert_cmpfloat (fabs (ds_rcp_min_mean (p->olympic_mean, p->sd_trimmed, 8, 3) - 15.2126), <, 2e-4);
  g_assert_cmpfloat (fabs (p->min_mean - 14.7807), <, 2e-4);
}

static void
test_rcp_bad (void)
{
  const struct { const char *text; const char *msg; } bad[] = {
    { "{\"a\": {\"Benchmark\": \"resnet\", \"Epochs to converge\": [1, 2, 3]}}",
      "r.json:1: missing required field 'BS'" },
    { "{\"a\": {\"Benchmark\": \"resnet\", \"BS\": 8, \"Epochs to converge\": [1, 2]}}",
      "r.json:1: 'a': 'Epochs to converge' needs 3 or more runs, got 2" },
    { "{\"a\": {\"Benchmark\": \"resnet\", \"BS\": 8, \"Epochs to converge\": [1, \"2\", 3]}}",
      "r.json:1: 'a': run 2 of 'Epochs to converge' must be a number > 0" },
    { "{\"a\": {\"Benchmark\": \"resnet\", \"BS\": 8, \"Epochs to converge\": [1, 2, 3]},\n"
      " \"b\": {\"Benchmark\": \"bert\", \"BS\": 16, \"Epochs to converge\": [1, 2, 3]}}",
      "r.json:2: 'b': benchmark 'bert' in a file of 'resnet'" },
    { "{\"a\": {\"Benchmark\": \"resnet\", \"BS\": 8, \"Epochs to converge\": [1, 2, 3]},\n"
      " \"b\": {\"Benchmark\": \"resnet\", \"BS\": 8, \"Epochs to converge\": [1, 2, 3]}}",
      "r.json: batch size 8 appears twice ('a', 'b')" },
    { "{\"a\": {\"Benchmark\": \"unknown\", \"BS\": 8, \"Epochs to converge\": [1, 2, 3]}}",
      "r.json: benchmark 'unknown': runs per submission unknown (give them; 3 or more)" },
    { "{}", "r.json: no reference points" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsRcpSet) set = ds_rcp_parse (bad[i].text, strlen (bad[i].text), "r.json", 0,
                                              &error);
      g_assert_null (set);
      g_assert_nonnull (error);
      if (!g_str_has_prefix (error->message, bad[i].msg))
        g_error ("case %u: got '%s', want '%s...'", i, error->message, bad[i].msg);
    }
}

/* tta.md 9.7 in core/efficiency.c: the evaluation rounding (an epoch
 * count a rounding error above a multiple of the period stays on it),
 * the steps per epoch, start-up and evaluation time, the default band. */
static void
test_tta_prediction (void)
{
  /* e_min 0.1 * 3 = 0.30000000000000004 epochs: the third evaluation */
  DsEffModel m = { .e_min = 0.1 * 3, .b_crit = 1e300 };
  DsTtaSetup setup = { .dataset_size = 1000, .eval_every = 0.1, .startup_s = 5, .eval_s = 1 };
  DsTtaPrediction p;

  ds_eff_tta (&m, 100, 0, 2.0, &setup, &p);
  g_assert_cmpfloat (p.n_evals, ==, 3);
  g_assert_true (ds_test_rel_close (p.epochs_at_eval, 0.3, 1e-12));
  g_assert_cmpfloat (p.steps_per_epoch, ==, 10);
  g_assert_true (ds_test_rel_close (p.tta_s, 0.3 * 10 * 2.0 + 5 + 3 * 1, 1e-12));
  g_assert_true (ds_test_rel_close (p.band_s, 0.05 * p.tta_s, 1e-12));
  /* 0.31 epochs: the fourth; 1001 samples: 11 minibatches of 100 */
  m.e_min = 0.31;
  setup.dataset_size = 1001;
  setup.cov = 0.1;
  ds_eff_tta (&m, 100, 0, 2.0, &setup, &p);
  g_assert_cmpfloat (p.n_evals, ==, 4);
  g_assert_cmpfloat (p.steps_per_epoch, ==, 11);
  g_assert_true (ds_test_rel_close (p.band_s, 0.1 * p.tta_s, 1e-12));
  /* no evaluation grid: the TTA at the predicted epoch itself, with staleness */
  m = (DsEffModel) { .e_min = 2, .b_crit = 100, .kappa = 0.5 };
  setup = (DsTtaSetup) { .dataset_size = 1000 };
  ds_eff_tta (&m, 100, 1, 0.5, &setup, &p);
  g_assert_true (ds_test_rel_close (p.epochs, 2 * 2 * 1.5, 1e-12));
  g_assert_cmpfloat (p.n_evals, ==, 0);
  g_assert_true (ds_test_rel_close (p.tta_s, 6 * 10 * 0.5, 1e-12));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/efficiency/tta-prediction", test_tta_prediction);
  g_test_add_func ("/efficiency/fit/recovers-exact", test_recover_exact);
  g_test_add_func ("/efficiency/fit/recovers-noisy", test_recover_noisy);
  g_test_add_func ("/efficiency/fit/flat", test_flat);
  g_test_add_func ("/efficiency/fit/errors", test_fit_errors);
  g_test_add_func ("/efficiency/group-medians", test_group_medians);
  g_test_add_func ("/efficiency/staleness", test_staleness);
  g_test_add_func ("/efficiency/points/parse", test_points_parse);
  g_test_add_func ("/efficiency/points/bad", test_points_bad);
  g_test_add_func ("/efficiency/model-json", test_model_json);
  g_test_add_func ("/efficiency/rcp/reference-points", test_rcp_reference);
  g_test_add_func ("/efficiency/rcp/appendix", test_rcp_appendix);
  g_test_add_func ("/efficiency/rcp/bad", test_rcp_bad);
  return g_test_run ();
}
