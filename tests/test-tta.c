/* tests/test-tta.c - time to accuracy (traces/tta.h, traces/tta-stats.h)
 * and `dawnsim tta`.
 *
 * Conformance is data-driven: one case per training entry of
 * $DS_SHARED_DATA/dawnbench/cases.json (TTA text, hit row, value, epoch
 * label, seconds, h:mm:ss, cost or not available), and loops over its
 * sweeps, not-reached pairs and the MLPerf appendix's olympic means. The
 * rest is the parser's bad input and quirks, on small texts written here.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "traces/tta-stats.h"
#include "traces/tta.h"
#include "tests/testutil.h"

#define DAWN "dawnbench/"

static JsonParser *cases_parser;     /* cases.json, kept for the run */

static JsonObject *
cases_root (void)
{
  return json_node_get_object (json_parser_get_root (cases_parser));
}

static char *
shared_path (const char *rel)
{
  g_autofree char *r = g_strconcat (DAWN, rel, NULL);
  return ds_test_shared (r);
}

static DsTtaLog *
parse (const char *text, const char *metric, GError **error)
{
  return ds_tta_log_parse (text, strlen (text), "x.tsv", metric, error);
}

/* ---- conformance over cases.json ---- */

static void
test_entry (gconstpointer data)
{
  JsonObject *c = (JsonObject *) data;
  g_autofree char *json = shared_path (json_object_get_string_member (c, "json"));
  g_autoptr(DsTtaEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(DsTtaTarget) target = { 0 };
  JsonArray *columns = json_object_get_array_member (c, "columns");
  JsonNode *cost_node = json_object_get_member (c, "cost_usd");
  DsTtaResult r;
  double cost = -1, value;
  char hms[32];

  entry = ds_tta_entry_load (json, NULL, &error);
  g_assert_no_error (error);
  /* the task's metric and threshold come from the header alone */
  g_assert_cmpstr (entry->log->metric, ==, json_object_get_string_member (c, "metric"));
  g_assert_true (ds_tta_default_target ((const char *const *) entry->log->columns, &target));
  g_assert_cmpfloat (target.threshold, ==, json_object_get_double_member (c, "threshold"));
  g_assert_cmpstr (ds_tta_task_of ((const char *const *) entry->log->columns), ==,
                   json_object_get_string_member (c, "task"));
  g_assert_cmpuint (g_strv_length (entry->log->columns), ==, json_array_get_length (columns));
  for (guint i = 0; i < json_array_get_length (columns); i++)
    g_assert_cmpstr (entry->log->columns[i], ==, json_array_get_string_element (columns, i));

  ds_tta_first_crossing (entry->log, &target, &r);
  g_assert_true (r.reached);
  g_assert_cmpuint (r.n_rows, ==, json_object_get_int_member (c, "data_rows"));
  g_assert_cmpuint (r.hit_row, ==, json_object_get_int_member (c, "hit_row"));
  g_assert_cmpstr (r.hours_text, ==, json_object_get_string_member (c, "tta_hours"));
  g_assert_cmpstr (r.epoch_text, ==, json_object_get_string_member (c, "hit_epoch_label"));
  g_assert_true (ds_tta_parse_decimal (json_object_get_string_member (c, "hit_value"), &value));
  g_assert_cmpfloat (r.hit_value, ==, value);
  g_assert_cmpfloat (r.tta_s, ==, json_object_get_double_member (c, "tta_s"));
  g_assert_cmpfloat (r.best_value, ==, json_object_get_double_member (c, "max_metric"));
  g_assert_cmpstr (ds_tta_format_hms (hms, sizeof hms, r.tta_s), ==,
                   json_object_get_string_member (c, "tta_hms"));
  if (JSON_NODE_HOLDS_NULL (cost_node))
    g_assert_false (ds_tta_cost (entry, &r, &cost));
  else
    {
      g_assert_true (ds_tta_cost (entry, &r, &cost));
      g_assert_true (ds_test_rel_close (cost, json_node_get_double (cost_node), 1e-9));
    }
  g_assert_cmpint (entry->has_cost_per_hour, ==,
                   strcmp (json_object_get_string_member (c, "cost_per_hour_field"),
                           "present") == 0);
}

/* Every sweep cell, plus the property that holds for any log: for a >=
 * target the TTA never falls as the threshold rises, and a threshold not
 * reached stays unreached above. */
static void
test_sweeps (void)
{
  JsonArray *sweeps;

  sweeps = json_object_get_array_member (cases_root (), "sweeps");
  g_assert_cmpuint (json_array_get_length (sweeps), ==, 69);
  for (guint i = 0; i < json_array_get_length (sweeps); i++)
    {
      JsonObject *s = json_array_get_object_element (sweeps, i);
      JsonObject *by = json_object_get_object_member (s, "tta_hours_by_threshold");
      g_autofree char *tsv = shared_path (json_object_get_string_member (s, "tsv"));
      g_autoptr(GError) error = NULL;
      g_autoptr(DsTtaLog) log = ds_tta_log_load (tsv, NULL, &error);
      g_autoptr(GList) keys = json_object_get_members (by);
      g_autoptr(GArray) targets = g_array_new (FALSE, TRUE, sizeof (DsTtaTarget));
      g_autoptr(DsTtaSweep) sweep = NULL;
      guint t = 0;

      g_assert_no_error (error);
      g_array_set_clear_func (targets, (GDestroyNotify) ds_tta_target_clear);
      for (GList *k = keys; k != NULL; k = k->next)
        {
          DsTtaTarget target = { 0 };
          g_assert_true (ds_tta_target_parse (k->data, log->metric, &target, &error));
          g_array_append_val (targets, target);
        }
      sweep = ds_tta_sweep_new (&log, 1, (DsTtaTarget *) targets->data, targets->len);
      for (GList *k = keys; k != NULL; k = k->next, t++)
        {
          JsonNode *want = json_object_get_member (by, k->data);
          const DsTtaResult *r = &sweep->cells[t];
          if (JSON_NODE_HOLDS_NULL (want))
            g_assert_false (r->reached);
          else
            g_assert_cmpstr (r->hours_text, ==, json_node_get_string (want));
          if (t > 0)
            {
              const DsTtaTarget *tg = &g_array_index (targets, DsTtaTarget, t);
              g_assert_cmpfloat (tg[-1].threshold, <, tg->threshold);
              g_assert_true (!r->reached || (r[-1].reached && r[-1].tta_s <= r->tta_s));
            }
        }
    }
}

static void
test_not_reached (void)
{
  JsonArray *pairs;

  pairs = json_object_get_array_member (cases_root (), "not_reached");
  g_assert_cmpuint (json_array_get_length (pairs), ==, 54);
  for (guint i = 0; i < json_array_get_length (pairs); i++)
    {
      JsonObject *p = json_array_get_object_element (pairs, i);
      g_autofree char *tsv = shared_path (json_object_get_string_member (p, "tsv"));
      g_autoptr(GError) error = NULL;
      g_autoptr(DsTtaEntry) entry = ds_tta_entry_load (tsv, NULL, &error);
      g_auto(DsTtaTarget) target = { 0 };
      char text[G_ASCII_DTOSTR_BUF_SIZE];
      DsTtaResult r;
      double cost = -1;

      g_assert_no_error (error);
      g_ascii_dtostr (text, sizeof text, json_object_get_double_member (p, "threshold"));
      g_assert_true (ds_tta_target_parse (text, entry->log->metric, &target, &error));
      ds_tta_first_crossing (entry->log, &target, &r);
      g_assert_false (r.reached);
      g_assert_cmpfloat (r.tta_s, ==, 0);
      g_assert_cmpfloat (r.best_value, ==, json_object_get_double_member (p, "max_metric"));
      /* no cost for what was not reached, even with a price */
      entry->has_cost_per_hour = TRUE;
      entry->cost_per_hour_usd = 3.06;
      g_assert_false (ds_tta_cost (entry, &r, &cost));
      g_assert_cmpfloat (cost, ==, -1);
    }
}

/* The MLPerf appendix: olympic means of reference runs and submissions. */
static void
test_olympic_appendix (void)
{
  JsonObject *rcp;
  const char *lists[][3] = {
    { "appendix_examples", "reference_epochs", "olympic_mean" },
    { "appendix_submissions", "epochs", "olympic_mean" },
  };
  guint n_checked = 0;

  rcp = json_object_get_object_member (cases_root (), "mlperf_rcp");
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *cases = json_object_get_array_member (rcp, lists[l][0]);
      for (guint i = 0; i < json_array_get_length (cases); i++)
        {
          JsonObject *c = json_array_get_object_element (cases, i);
          JsonArray *runs;
          double v[64], mean = 0, shuffled_mean = 0;
          gboolean ok[64];
          const char *why = NULL;
          guint n;

          if (!json_object_has_member (c, lists[l][1]))
            continue;                    /* the interpolated record has no runs */
          runs = json_object_get_array_member (c, lists[l][1]);
          n = json_array_get_length (runs);
          g_assert_cmpuint (n, <=, G_N_ELEMENTS (v));
          for (guint k = 0; k < n; k++)
            {
              v[k] = json_array_get_double_element (runs, k);
              ok[k] = TRUE;
            }
          g_assert_true (ds_tta_olympic_mean (v, ok, n, &mean, &why));
          g_assert_cmpfloat_with_epsilon (mean, json_object_get_double_member (c, lists[l][2]),
                                          1e-4);
          /* invariant to run order */
          for (guint k = 0; k < n / 2; k++)
            {
              double t = v[k];
              v[k] = v[n - 1 - k];
              v[n - 1 - k] = t;
            }
          g_assert_true (ds_tta_olympic_mean (v, ok, n, &shuffled_mean, &why));
          g_assert_cmpfloat (mean, ==, shuffled_mean);
          n_checked++;
        }
    }
  g_assert_cmpuint (n_checked, ==, 5);
}

/* Rows appended after the hit, or the rows after it reversed, never move
 * the TTA: checked on every training entry. */
static void
test_after_hit_irrelevant (void)
{
  JsonArray *entries;

  entries = json_object_get_array_member (cases_root (), "entries");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *c = json_array_get_object_element (entries, i);
      g_autofree char *tsv = shared_path (json_object_get_string_member (c, "tsv"));
      g_autoptr(DsTtaLog) log = ds_tta_log_load (tsv, NULL, NULL);
      g_autoptr(DsTtaLog) moved = NULL;
      g_autoptr(GString) text = g_string_new (NULL);
      g_auto(DsTtaTarget) target = { 0 };
      DsTtaResult r, r2;

      g_assert_nonnull (log);
      g_assert_true (ds_tta_default_target ((const char *const *) log->columns, &target));
      ds_tta_first_crossing (log, &target, &r);
      /* a log of just hours and the metric, rows after the hit reversed, then
       * an early-looking row that is better than any */
      g_string_append (text, "hours\tm\n");
      for (guint k = 0; k < log->rows->len; k++)
        {
          guint j = k <= r.hit_row ? k : log->rows->len - 1 - (k - r.hit_row - 1);
          const DsTtaRow *row = &g_array_index (log->rows, DsTtaRow, j);
          char v[G_ASCII_DTOSTR_BUF_SIZE];
          g_string_append_printf (text, "%s\t%s\n", row->hours_text,
                                  g_ascii_dtostr (v, sizeof v, row->value));
        }
      g_string_append (text, "0\t100\n");
      moved = parse (text->str, "m", NULL);
      g_assert_nonnull (moved);
      g_free (target.metric);
      target.metric = g_strdup ("m");
      ds_tta_first_crossing (moved, &target, &r2);
      g_assert_true (r2.reached);
      g_assert_cmpuint (r2.hit_row, ==, r.hit_row);
      g_assert_cmpstr (r2.hours_text, ==, r.hours_text);
    }
}

/* ---- dawnsim tta ---- */

static JsonObject *
run_json (DsTestRun *run, JsonParser *parser)
{
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, run->out, -1, NULL));
  return json_node_get_object (json_parser_get_root (parser));
}

/* All 69 entries in one run: tta_hours and cost_usd as cases.json has them. */
static void
test_cli_entries (void)
{
  JsonArray *entries = json_object_get_array_member (cases_root (), "entries");
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(DsTestRun) run = { 0 };
  JsonArray *inputs;

  g_ptr_array_add (args, g_strdup ("tta"));
  for (guint i = 0; i < json_array_get_length (entries); i++)
    g_ptr_array_add (args, shared_path (json_object_get_string_member (
        json_array_get_object_element (entries, i), "json")));
  g_ptr_array_add (args, g_strdup ("--format=json"));
  g_ptr_array_add (args, NULL);
  ds_test_run_dawnsim_argv (&run, (const char *const *) args->pdata);
  inputs = json_object_get_array_member (run_json (&run, parser), "inputs");
  g_assert_cmpuint (json_array_get_length (inputs), ==, json_array_get_length (entries));
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *want = json_array_get_object_element (entries, i);
      JsonObject *got = json_array_get_object_element (inputs, i);
      JsonNode *cost = json_object_get_member (want, "cost_usd");
      double hours;

      g_assert_true (ds_tta_parse_decimal (json_object_get_string_member (want, "tta_hours"),
                                           &hours));
      g_assert_cmpfloat (json_object_get_double_member (got, "tta_hours"), ==, hours);
      g_assert_cmpstr (json_object_get_string_member (got, "tta_hours_text"), ==,
                       json_object_get_string_member (want, "tta_hours"));
      g_assert_cmpint (json_object_get_int_member (got, "evaluations_to_target"), ==,
                       json_object_get_int_member (want, "hit_row") + 1);
      if (JSON_NODE_HOLDS_NULL (cost))
        g_assert_true (json_object_get_null_member (got, "cost_usd"));
      else
        g_assert_true (ds_test_rel_close (json_object_get_double_member (got, "cost_usd"),
                                          json_node_get_double (cost), 1e-9));
    }
}

/* Not reached prints null, not 0; a price does not make a cost. */
static void
test_cli_not_reached (void)
{
  g_autofree char *tsv = shared_path ("CIFAR10/train/basenet.tsv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(DsTestRun) run = { 0 }, human = { 0 };
  JsonObject *in;

  ds_test_run_dawnsim (&run, "tta", tsv, "--threshold", "94.5", "--cost-per-hour", "3",
                       "--format", "json", NULL);
  in = json_array_get_object_element (
      json_object_get_array_member (run_json (&run, parser), "inputs"), 0);
  g_assert_false (json_object_get_boolean_member (in, "reached"));
  g_assert_true (json_object_get_null_member (in, "tta_hours"));
  g_assert_true (json_object_get_null_member (in, "cost_usd"));
  g_assert_cmpfloat (json_object_get_double_member (in, "best_value"), ==, 94.34);
  ds_test_run_dawnsim (&human, "tta", tsv, "--threshold", "94.5", NULL);
  g_assert_cmpint (human.status, ==, 0);
  g_assert_nonnull (strstr (human.out, "not reached"));
}

/* Errors name file and line; usage errors exit 2. */
static void
test_cli_errors (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *tsv = g_build_filename (dir, "nohours.tsv", NULL);
  g_autofree char *a = g_build_filename (dir, "a.tsv", NULL);
  g_autofree char *b = g_build_filename (dir, "b.tsv", NULL);
  g_autofree char *want = NULL;
  g_auto(DsTestRun) bad = { 0 }, usage = { 0 }, none = { 0 }, mixed = { 0 };

  g_assert_true (g_file_set_contents (tsv, "epoch\ttop1Accuracy\n1\t94\n", -1, NULL));
  ds_test_run_dawnsim (&bad, "tta", tsv, NULL);
  g_assert_cmpint (bad.status, ==, 1);
  want = g_strdup_printf ("dawnsim: error: %s:1: missing column 'hours'\n", tsv);
  g_assert_cmpstr (bad.err, ==, want);
  ds_test_run_dawnsim (&usage, "tta", tsv, "--threshold", "9x", NULL);
  g_assert_cmpint (usage.status, ==, 2);
  ds_test_run_dawnsim (&none, "tta", NULL);
  g_assert_cmpint (none.status, ==, 2);
  /* runs compared on different metrics */
  g_assert_true (g_file_set_contents (a, "hours\ttop1Accuracy\n1\t94\n", -1, NULL));
  g_assert_true (g_file_set_contents (b, "hours\tf1Score\n1\t0.8\n", -1, NULL));
  ds_test_run_dawnsim (&mixed, "tta", a, b, "--runs", NULL);
  g_assert_cmpint (mixed.status, ==, 2);
  g_assert_true (g_str_has_suffix (mixed.err, "reads 'f1Score' (give --metric or --target)\n"));
  ds_test_rmtree (dir);
}

/* Repeated runs and a sweep over the three entries of tta.md 6.2: the
 * Huawei entry leads at 92, the Alibaba one from 92.5. */
static void
test_cli_runs_sweep (void)
{
  const char *names[] = {
    "ImageNet/train/huaweicloud_resnet50_modelarts_16_machine_tensorflow18.json",
    "ImageNet/train/alibabacloud_resnet50_gn6e_16_machine_tensorflow.json",
    "ImageNet/train/google_resnet50_tpupod_tensorflow18.json",
  };
  g_autofree char *a = shared_path (names[0]), *b = shared_path (names[1]);
  g_autofree char *c = shared_path (names[2]);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(DsTestRun) run = { 0 };
  JsonObject *root, *runs, *sweep;
  JsonArray *rank, *thresholds;

  ds_test_run_dawnsim (&run, "tta", a, b, c, "--runs", "--sweep", "--format", "json", NULL);
  root = run_json (&run, parser);
  runs = json_object_get_object_member (root, "runs");
  g_assert_cmpint (json_object_get_int_member (runs, "n_reached"), ==, 3);
  /* olympic mean of three runs is the middle one: Huawei's 0.045093458 h */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (runs, "olympic_mean_s"),
                                  0.045093458 * 3600, 1e-9);
  sweep = json_object_get_object_member (root, "sweep");
  thresholds = json_object_get_array_member (sweep, "thresholds");
  g_assert_cmpfloat (json_array_get_double_element (thresholds, 2), ==, 92);
  g_assert_cmpfloat (json_array_get_double_element (thresholds, 3), ==, 92.5);
  rank = json_object_get_array_member (sweep, "rank");
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rank, 0), 2), ==, 1);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rank, 1), 2), ==, 2);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rank, 0), 3), ==, 2);
  g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (rank, 1), 3), ==, 1);
  g_assert_true (json_array_get_null_element (
      json_array_get_array_element (json_object_get_array_member (sweep, "tta_hours"), 2), 5));
}

/* The executor's own log: TTA at its best accuracy is the first row with it. */
static void
test_cli_exec_log (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *log = g_build_filename (dir, "run.tsv", NULL);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(DsTestRun) exec = { 0 }, run = { 0 };
  JsonObject *in;
  double best = -1;
  guint best_row = 0;
  char threshold[G_ASCII_DTOSTR_BUF_SIZE];

  ds_test_run_dawnsim (&exec, "exec", "mlp", "--data", "synthetic", "--epochs", "2",
                       "--no-pin", "--log", log, NULL);
  g_assert_cmpint (exec.status, ==, 0);
  rows = ds_test_read_tsv (log);
  g_assert_cmpuint (rows->len, >=, 2);
  for (guint i = 0; i < rows->len; i++)
    {
      double v = g_ascii_strtod (((char **) g_ptr_array_index (rows, i))[2], NULL);
      if (v > best)
        best = v, best_row = i;
    }
  g_ascii_dtostr (threshold, sizeof threshold, best);
  ds_test_run_dawnsim (&run, "tta", log, "--threshold", threshold, "--format", "json", NULL);
  in = json_array_get_object_element (
      json_object_get_array_member (run_json (&run, parser), "inputs"), 0);
  g_assert_true (json_object_get_boolean_member (in, "reached"));
  g_assert_cmpint (json_object_get_int_member (in, "evaluations_to_target"), ==, best_row + 1);
  g_assert_cmpstr (json_object_get_string_member (in, "tta_hours_text"), ==,
                   ((char **) g_ptr_array_index (rows, best_row))[1]);
  ds_test_rmtree (dir);
}

static void
test_shared_skipped (void)
{
  g_free (shared_path ("cases.json"));
}

static void
add_conformance_cases (void)
{
  const char *root = g_getenv ("DS_SHARED_DATA");
  g_autofree char *path = root != NULL ? g_build_filename (root, DAWN "cases.json", NULL)
                                       : NULL;
  JsonArray *entries;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_add_func ("/tta/conformance/entries", test_shared_skipped);
      return;
    }
  cases_parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (cases_parser, path, NULL));
  entries = json_object_get_array_member (cases_root (), "entries");
  g_assert_cmpuint (json_array_get_length (entries), ==, 69);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *c = json_array_get_object_element (entries, i);
      g_autofree char *name = g_strdup_printf ("/tta/conformance/entry/%s/%s",
                                               json_object_get_string_member (c, "task"),
                                               json_object_get_string_member (c, "entry"));
      g_test_add_data_func (name, c, test_entry);
    }
  g_test_add_func ("/tta/conformance/sweeps", test_sweeps);
  g_test_add_func ("/tta/conformance/not-reached", test_not_reached);
  g_test_add_func ("/tta/conformance/olympic-appendix", test_olympic_appendix);
  g_test_add_func ("/tta/conformance/after-hit-irrelevant", test_after_hit_irrelevant);
  g_test_add_func ("/tta/cli/entries", test_cli_entries);
  g_test_add_func ("/tta/cli/not-reached", test_cli_not_reached);
  g_test_add_func ("/tta/cli/runs-sweep", test_cli_runs_sweep);
}

/* ---- the parser: quirks and bad input ---- */

static void
assert_tta (const char *text, const char *want_hours)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTtaLog) log = parse (text, NULL, &error);
  g_auto(DsTtaTarget) target = { 0 };
  DsTtaResult r;

  g_assert_no_error (error);
  g_assert_true (ds_tta_default_target ((const char *const *) log->columns, &target));
  ds_tta_first_crossing (log, &target, &r);
  g_assert_true (r.reached);
  g_assert_cmpstr (r.hours_text, ==, want_hours);
}

/* Each quirk of tta.md 3.3 on a small text. */
static void
test_quirks (void)
{
  /* BOM, CRLF, no final newline */
  assert_tta ("\xEF\xBB\xBF" "epoch\thours\ttop1Accuracy\r\n0\t0.1\t90\r\n1\t0.2\t94.0", "0.2");
  /* mixed "\n" and "\r\n" */
  assert_tta ("epoch\thours\ttop1Accuracy\r\n0\t0.1\t90\n1\t0.2\t95\r\n2\t0.3\t96\n", "0.2");
  /* blank lines anywhere, hours first, spaces around fields */
  assert_tta ("\n  \nhours\tepoch\ttop1Accuracy\n\n 0.5 \t1\t 93.9\n\t \n0.75\t2\t94  \n\n",
              "0.75");
  /* epoch f1Score hours; SQuAD's threshold 0.75 */
  assert_tta ("epoch\tf1Score\thours\n1\t0.7\t1.5\n2\t0.75\t2.5\n3\t0.74\t3.5\n", "2.5");
  /* ImageNet: top5 decides, not top1 */
  assert_tta ("epoch\thours\ttop1Accuracy\ttop5Accuracy\n1\t1\t94\t92\n2\t2\t75\t93.00\n", "2");
  /* equal epoch labels: the first row that meets the target */
  assert_tta ("epoch\thours\ttop1Accuracy\n41\t1.0\t94.1\n41\t1.1\t94.2\n", "1.0");
  /* extra columns are ignored, whatever they hold */
  assert_tta ("epoch\thours\tnote\ttop1Accuracy\n1\t0.1\tn/a\t94\n", "0.1");
}

static void
assert_fails (const char *text, const char *metric, gint code, const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTtaLog) log = ds_tta_log_parse (text, strlen (text) + (text[0] == 'N'),
                                              "x.tsv", metric, &error);

  g_assert_null (log);
  g_assert_error (error, DS_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_bad_input (void)
{
  assert_fails ("epoch\thours\n1\t0.5\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:1: no metric column: expected 'f1Score', 'top5Accuracy' or "
                "'top1Accuracy' in the header");
  assert_fails ("epoch\ttop1Accuracy\n1\t94\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:1: missing column 'hours'");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t0.5\t94\n", "top5Accuracy", DS_ERROR_SYNTAX,
                "x.tsv:1: missing column 'top5Accuracy'");
  assert_fails ("\nepoch\thours\thours\ttop1Accuracy\n", NULL, DS_ERROR_DUPLICATE,
                "x.tsv:2: column 'hours' appears twice (columns 2 and 3)");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t0.5\t94\n\n2\t0.6\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:4: expected 3 fields, got 2");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t0.5\t94\t\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:2: expected 3 fields, got 4");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t0,5\t94\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:2: column 'hours': expected a decimal number, got '0,5'");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t0.5\tnan\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:2: column 'top1Accuracy': expected a decimal number, got 'nan'");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t0.5\t1e999\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:2: column 'top1Accuracy': expected a decimal number, got '1e999'");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t\t94\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:2: column 'hours': expected a decimal number, got ''");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t-0.5\t94\n", NULL, DS_ERROR_INVALID,
                "x.tsv:2: column 'hours': expected a time >= 0, got '-0.5'");
  /* old Mac line endings, alone or mixed in */
  assert_fails ("epoch\thours\ttop1Accuracy\r1\t0.5\t94\r", NULL, DS_ERROR_SYNTAX,
                "x.tsv:1: carriage return inside a line (lines must end in \"\\n\" or "
                "\"\\r\\n\")");
  assert_fails ("epoch\thours\ttop1Accuracy\r\n1\t0.5\t94\n2\t0.6\t95\r3\t0.7\t96\n", NULL,
                DS_ERROR_SYNTAX, "x.tsv:3: carriage return inside a line (lines must end "
                "in \"\\n\" or \"\\r\\n\")");
  assert_fails ("epoch\thours\ttop1Accuracy\n1\t0.5\t94\n\xff\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:3: invalid UTF-8");
  /* "N..." texts are passed with their terminating NUL */
  assert_fails ("N\thours\ttop1Accuracy\n1\t0.5\t94\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv:3: NUL byte in the text");
  assert_fails (" \n\t\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv: empty: expected a header line and rows");
  assert_fails ("epoch\thours\ttop1Accuracy\n\n", NULL, DS_ERROR_SYNTAX,
                "x.tsv: no rows after the header");
}

/* Not reached is not 0: the best value and the last time, no TTA. */
static void
test_not_reached_log (void)
{
  g_autoptr(DsTtaLog) log = parse ("epoch\thours\ttop1Accuracy\n1\t0.5\t93.99\n2\t1.0\t93.5\n",
                                   NULL, NULL);
  g_auto(DsTtaTarget) target = { 0 };
  DsTtaResult r;

  g_assert_true (ds_tta_default_target ((const char *const *) log->columns, &target));
  ds_tta_first_crossing (log, &target, &r);
  g_assert_false (r.reached);
  g_assert_null (r.hours_text);
  g_assert_cmpuint (r.n_rows, ==, 2);
  g_assert_cmpfloat (r.best_value, ==, 93.99);
  g_assert_cmpfloat (r.last_hours, ==, 1.0);
}

static void
test_warnings (void)
{
  g_autoptr(DsTtaLog) log = parse ("epoch\thours\ttop1Accuracy\n1\t0.5\t0.93\n2\t0.4\t0.95\n",
                                   NULL, NULL);

  g_assert_cmpuint (log->warnings->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (log->warnings, 0), ==,
                   "x.tsv:3: 'hours' decreases from 0.5 to 0.4");
  g_assert_cmpstr (g_ptr_array_index (log->warnings, 1), ==,
                   "x.tsv: 'top1Accuracy' never exceeds 1: a fraction where DAWNBench "
                   "expects percent?");
}

static void
test_targets (void)
{
  g_auto(DsTtaTarget) t = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTtaLog) log = parse ("hours\teval_loss\n1\t1.2\n2\t0.925\n3\t0.9\n", "eval_loss",
                                   NULL);
  g_autofree char *text = NULL;
  const char *bad[] = { "93", "top1Accuracy>=", ">=93", "x>=0x10", "x>=inf", "x>=9<=3",
                        "x>=93%" };
  DsTtaResult r;

  g_assert_true (ds_tta_target_parse ("eval_loss <= 0.925", NULL, &t, &error));
  g_assert_no_error (error);
  g_assert_true (t.at_most);
  text = ds_tta_target_describe (&t);
  g_assert_cmpstr (text, ==, "eval_loss <= 0.925");
  ds_tta_first_crossing (log, &t, &r);
  g_assert_true (r.reached);
  g_assert_cmpstr (r.hours_text, ==, "2");
  g_assert_cmpfloat (r.best_value, ==, 0.9);
  /* a threshold and a logged value from the same text compare equal */
  g_assert_true (ds_tta_target_parse ("0.75", "f1Score", &t, &error));
  g_assert_false (t.at_most);
  g_assert_cmpfloat (t.threshold, ==, 0.75);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_assert_false (ds_tta_target_parse (bad[i], NULL, &t, &e));
      g_assert_error (e, DS_ERROR, DS_ERROR_SYNTAX);
    }
}

/* ---- entries ---- */

static void
assert_entry_fails (const char *json, const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTtaEntry) e = ds_tta_entry_parse_json (json, strlen (json), "e.json", &error);

  g_assert_null (e);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, message);
}

#define ENTRY_HEAD "{\"version\": \"v1.0\", \"author\": \"a\", \"authorEmail\": \"a@b\",\n" \
  "\"framework\": \"f\", \"model\": \"m\", \"hardware\": \"h\", \"timestamp\": \"2018-01-01\""

static void
test_entry_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTtaEntry) priced = NULL, null_price = NULL;
  const char *p = ENTRY_HEAD ",\n\"costPerHour\": 3.06}";
  const char *n = ENTRY_HEAD ",\n\"costPerHour\": null}";

  priced = ds_tta_entry_parse_json (p, strlen (p), "e.json", &error);
  g_assert_no_error (error);
  g_assert_true (priced->has_cost_per_hour);
  g_assert_cmpfloat (priced->cost_per_hour_usd, ==, 3.06);
  g_assert_cmpstr (priced->model, ==, "m");
  null_price = ds_tta_entry_parse_json (n, strlen (n), "e.json", &error);
  g_assert_no_error (error);
  g_assert_false (null_price->has_cost_per_hour);
  assert_entry_fails (ENTRY_HEAD ",\n\"costPerHour\": \"3.06\"}",
                      "e.json:3: 'costPerHour' must be a number, got a string");
  assert_entry_fails (ENTRY_HEAD ",\n\"costPerHour\": -1}",
                      "e.json:3: 'costPerHour' must be >= 0, got -1");
  assert_entry_fails ("{\"version\": \"v2.0\"}", "e.json:1: 'version' must be \"v1.0\", got "
                      "\"v2.0\"");
  assert_entry_fails ("{\"version\": \"v1.0\",\n\"author\": 3}",
                      "e.json:2: 'author' must be a string, got a number");
}

/* A JSON entry without its TSV, and a TSV given alone. */
static void
test_entry_files (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *json = g_build_filename (dir, "e.json", NULL);
  g_autofree char *tsv = g_build_filename (dir, "e.tsv", NULL);
  const char *text = ENTRY_HEAD ",\n\"costPerHour\": 2}";
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTtaEntry) e = NULL;
  g_autofree char *want = NULL;

  g_assert_true (g_file_set_contents (json, text, -1, NULL));
  g_assert_null (ds_tta_entry_load (json, NULL, &error));
  want = g_strdup_printf ("%s: no log beside the entry: expected '%s' (inference entries "
                          "have none)", json, tsv);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (tsv, "epoch\thours\ttop1Accuracy\n1\t0.25\t94\n", -1,
                                      NULL));
  e = ds_tta_entry_load (json, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (e->cost_per_hour_usd, ==, 2);
  g_assert_cmpuint (e->log->rows->len, ==, 1);
  g_clear_pointer (&e, ds_tta_entry_free);
  e = ds_tta_entry_load (tsv, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (e->json_file);
  g_assert_false (e->has_cost_per_hour);
  g_assert_cmpstr (e->name, ==, "e");
  ds_test_rmtree (dir);
}

/* ---- statistics ---- */

static void
test_stats (void)
{
  const double v[] = { 10, 12, 999, 14, 11 };
  const gboolean ok[] = { TRUE, TRUE, FALSE, TRUE, TRUE };
  const gboolean all[] = { TRUE, TRUE, TRUE, TRUE, TRUE };
  const gboolean two_failed[] = { TRUE, FALSE, FALSE, TRUE, TRUE };
  DsTtaStats s;
  double mean = 0;
  const char *why = NULL;

  ds_tta_stats (v, ok, 5, &s);
  g_assert_cmpuint (s.n_runs, ==, 5);
  g_assert_cmpuint (s.n_reached, ==, 4);
  g_assert_cmpfloat (s.mean, ==, 11.75);
  g_assert_cmpfloat (s.median, ==, 11.5);
  g_assert_cmpfloat (s.min, ==, 10);
  g_assert_cmpfloat (s.max, ==, 14);
  /* sample sd: sqrt (((1.75)^2 + 0.25^2 + 2.25^2 + 0.75^2) / 3) */
  g_assert_cmpfloat_with_epsilon (s.sd, sqrt (8.75 / 3), 1e-12);
  g_assert_cmpfloat_with_epsilon (s.cov, sqrt (8.75 / 3) / 11.75, 1e-12);
  ds_tta_stats (v, two_failed, 1, &s);
  g_assert_cmpuint (s.n_reached, ==, 1);
  g_assert_cmpfloat (s.mean, ==, 10);
  g_assert_true (isnan (s.sd) && isnan (s.cov));
  ds_tta_stats (v, two_failed + 1, 2, &s);
  g_assert_true (isnan (s.mean));

  /* olympic: one failure is the dropped slowest */
  g_assert_true (ds_tta_olympic_mean (v, ok, 5, &mean, &why));
  g_assert_cmpfloat (mean, ==, (11 + 12 + 14) / 3.0);
  g_assert_true (ds_tta_olympic_mean (v, all, 5, &mean, &why));
  g_assert_cmpfloat (mean, ==, (11 + 12 + 14) / 3.0);
  g_assert_false (ds_tta_olympic_mean (v, two_failed, 5, &mean, &why));
  g_assert_cmpstr (why, ==, "more than one run did not reach the target");
  g_assert_false (ds_tta_olympic_mean (v, all, 2, &mean, &why));
  g_assert_cmpstr (why, ==, "needs at least 3 runs");
}

static void
test_kendall (void)
{
  const double x[] = { 1, 2, 3, 4 };
  const double same[] = { 10, 20, 30, 40 };
  const double swap[] = { 10, 30, 20, 40 };
  const double tie[] = { 5, 5, 5, 5 };
  guint d = 99;

  g_assert_cmpfloat (ds_tta_kendall_tau_b (x, same, 4, &d), ==, 1);
  g_assert_cmpuint (d, ==, 0);
  /* 6 pairs, one discordant: (5 - 1) / 6 */
  g_assert_cmpfloat_with_epsilon (ds_tta_kendall_tau_b (x, swap, 4, &d), 4.0 / 6, 1e-12);
  g_assert_cmpuint (d, ==, 1);
  g_assert_true (isnan (ds_tta_kendall_tau_b (x, tie, 4, &d)));
  g_assert_true (isnan (ds_tta_kendall_tau_b (x, same, 1, &d)));
}

/* Two runs whose order flips between thresholds (tta.md 6.2's Huawei and
 * Alibaba entries, in miniature), and a third that drops out. */
static void
test_sweep_ranks (void)
{
  g_autoptr(DsTtaLog) a = parse ("hours\ttop5Accuracy\n1\t92\n3\t93\n", NULL, NULL);
  g_autoptr(DsTtaLog) b = parse ("hours\ttop5Accuracy\n2\t93\n", NULL, NULL);
  g_autoptr(DsTtaLog) c = parse ("hours\ttop5Accuracy\n1.5\t92.5\n", NULL, NULL);
  DsTtaLog *logs[] = { a, b, c };
  DsTtaTarget t[2] = { { 0 } };
  g_autoptr(DsTtaSweep) s = NULL;

  g_assert_true (ds_tta_target_parse ("92", "top5Accuracy", &t[0], NULL));
  g_assert_true (ds_tta_target_parse ("93", "top5Accuracy", &t[1], NULL));
  s = ds_tta_sweep_new (logs, 3, t, 2);
  g_assert_cmpuint (s->n_reached[0], ==, 3);
  g_assert_cmpuint (s->n_reached[1], ==, 2);
  /* at 92: a (1 h), c (1.5 h), b (2 h); at 93: b, a, c not reached */
  g_assert_cmpuint (s->rank[0 * 2 + 0], ==, 1);
  g_assert_cmpuint (s->rank[2 * 2 + 0], ==, 2);
  g_assert_cmpuint (s->rank[1 * 2 + 0], ==, 3);
  g_assert_cmpuint (s->rank[1 * 2 + 1], ==, 1);
  g_assert_cmpuint (s->rank[0 * 2 + 1], ==, 2);
  g_assert_cmpuint (s->rank[2 * 2 + 1], ==, 3);
  g_assert_cmpuint (s->n_both[0], ==, 2);
  g_assert_cmpuint (s->n_discordant[0], ==, 1);
  g_assert_cmpfloat (s->tau_b[0], ==, -1);
  ds_tta_target_clear (&t[0]);
  ds_tta_target_clear (&t[1]);
}

static void
test_format_hms (void)
{
  char b[32];

  g_assert_cmpstr (ds_tta_format_hms (b, sizeof b, 157.55), ==, "0:02:37.55");
  g_assert_cmpstr (ds_tta_format_hms (b, sizeof b, 59.999), ==, "0:01:00.00");
  g_assert_cmpstr (ds_tta_format_hms (b, sizeof b, 86400), ==, "1d 0:00:00.00");
  g_assert_cmpstr (ds_tta_format_hms (b, sizeof b, 1e300), ==, "1e+300 s");
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  add_conformance_cases ();
  g_test_add_func ("/tta/parse/quirks", test_quirks);
  g_test_add_func ("/tta/parse/bad-input", test_bad_input);
  g_test_add_func ("/tta/parse/not-reached", test_not_reached_log);
  g_test_add_func ("/tta/parse/warnings", test_warnings);
  g_test_add_func ("/tta/targets", test_targets);
  g_test_add_func ("/tta/entry/json", test_entry_json);
  g_test_add_func ("/tta/entry/files", test_entry_files);
  g_test_add_func ("/tta/stats/runs", test_stats);
  g_test_add_func ("/tta/stats/kendall", test_kendall);
  g_test_add_func ("/tta/stats/sweep-ranks", test_sweep_ranks);
  g_test_add_func ("/tta/format-hms", test_format_hms);
  g_test_add_func ("/tta/cli/errors", test_cli_errors);
  g_test_add_func ("/tta/cli/exec-log", test_cli_exec_log);
  rc = g_test_run ();
  g_clear_object (&cases_parser);
  return rc;
}
