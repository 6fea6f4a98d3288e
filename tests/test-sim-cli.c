/* tests/test-sim-cli.c - `dawnsim simulate` as a user runs it: the issue's
 * VGG-16 command with its trace (valid Chrome trace JSON, as Perfetto
 * reads it) and SVG, the JSON report, plan files, and the bad inputs:
 * a plan larger than the cluster, one whose memory exceeds the device,
 * a schedule the plan cannot run; and the time-to-accuracy objective. */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "tests/testutil.h"

/* What Perfetto's JSON importer needs: an object with a traceEvents
 * array; every event an object with a ph; complete ("X") events with a
 * name, numeric ts >= 0 and dur >= 0, and integer pid and tid; metadata
 * ("M") events naming a process or a thread; counter ("C") events, the
 * devices' memory, with a bytes arg. Returns the X count. */
static guint
check_chrome_trace (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  JsonArray *events;
  guint n_complete = 0, n_counter = 0;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_has_member (root, "traceEvents"));
  events = json_object_get_array_member (root, "traceEvents");
  g_assert_cmpuint (json_array_get_length (events), >, 0);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *ph;
      g_assert_nonnull (e);
      ph = json_object_get_string_member (e, "ph");
      g_assert_nonnull (ph);
      g_assert_cmpint (json_node_get_value_type (json_object_get_member (e, "pid")), ==, G_TYPE_INT64);
      g_assert_cmpint (json_node_get_value_type (json_object_get_member (e, "tid")), ==, G_TYPE_INT64);
      if (strcmp (ph, "X") == 0)
        {
          g_assert_nonnull (json_object_get_string_member (e, "name"));
          g_assert_cmpfloat (json_object_get_double_member (e, "ts"), >=, 0);
          g_assert_cmpfloat (json_object_get_double_member (e, "dur"), >=, 0);
          n_complete++;
        }
      else if (strcmp (ph, "C") == 0)       /* a memory counter sample */
        {
          JsonObject *args = json_object_get_object_member (e, "args");
          g_assert_true (g_str_has_suffix (json_object_get_string_member (e, "name"), " memory"));
          g_assert_cmpfloat (json_object_get_double_member (e, "ts"), >=, 0);
          g_assert_cmpint (json_object_get_int_member (args, "bytes"), >, 0);
          n_counter++;
        }
      else
        {
          const char *name = json_object_get_string_member (e, "name");
          g_assert_cmpstr (ph, ==, "M");
          g_assert_true (strcmp (name, "process_name") == 0 || strcmp (name, "thread_name") == 0);
        }
    }
  g_assert_cmpuint (n_counter, >, 0);
  return n_complete;
}

/* The SVG parses as XML and has forward and backward boxes. */
static void
check_svg (const char *path)
{
  g_autofree char *text = ds_test_read (path, NULL);
  g_autoptr(GMarkupParseContext) ctx = NULL;
  g_autoptr(GError) error = NULL;
  GMarkupParser parser = { 0 };

  ctx = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  g_assert_true (g_markup_parse_context_parse (ctx, text, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (ctx, &error));
  g_assert_nonnull (strstr (text, "class=\"box forward\""));
  g_assert_nonnull (strstr (text, "class=\"box backward\""));
}

static void
test_vgg16_1f1b (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *svg = g_build_filename (dir, "out.svg", NULL);
  g_autofree char *trace = g_build_filename (dir, "out.json", NULL);
  g_auto(DsTestRun) r = { 0 };

  ds_test_run_dawnsim (&r, "simulate", "vgg16", "--cluster", "A", "--gpus", "16",
                       "--schedule", "1f1b", "--svg", svg, "--trace", trace, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "schedule 1f1b"));
  g_assert_nonnull (strstr (r.out, "time per iteration"));
  g_assert_nonnull (strstr (r.out, "planner's estimate"));
  /* the 12 replicas of stage 0 wait for each other: the report says so */
  g_assert_nonnull (strstr (r.out, "under the planner's costs"));
  g_assert_nonnull (strstr (r.out, "DDP's lockstep"));
  g_assert_cmpuint (check_chrome_trace (trace), >, 100);
  check_svg (svg);
  ds_test_rmtree (dir);
}

static void
test_json_report (void)
{
  g_auto(DsTestRun) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  ds_test_run_dawnsim (&r, "simulate", "gpt3-1.3b", "--cluster", "h100:8x2,nvlink4,ib-ndr",
                       "--dtype", "bf16", "--stages", "4", "--tensor", "2", "-m", "8",
                       "--schedule", "interleaved", "--chunks", "2", "--format", "json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "schedule"), ==, "interleaved");
  g_assert_cmpint (json_object_get_int_member (o, "n_stages"), ==, 8);
  g_assert_cmpint (json_object_get_int_member (o, "n_workers"), ==, 4);
  g_assert_cmpfloat (json_object_get_double_member (o, "iteration_s"), >, 0);
  g_assert_false (json_object_get_boolean_member (o, "out_of_memory"));
  /* 16 devices: 4 positions x 2 replicas x 2 tensor-parallel */
  g_assert_cmpint (json_object_get_int_member (
      json_array_get_object_element (json_object_get_array_member (o, "workers"), 0),
      "devices"), ==, 4);
}

/* A plan written by `dawnsim plan -o` for 16 devices, simulated on 4. */
static void
test_plan_larger_than_cluster (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *plan = g_build_filename (dir, "plan.json", NULL);
  g_auto(DsTestRun) p = { 0 }, r = { 0 }, ok = { 0 };

  ds_test_run_dawnsim (&p, "plan", "vgg16", "--cluster", "A", "--gpus", "16", "-o", plan, NULL);
  g_assert_cmpint (p.status, ==, 0);
  ds_test_run_dawnsim (&r, "simulate", "vgg16", "--cluster", "A", "--gpus", "4",
                       "--plan", plan, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "needs more devices than the cluster's 4"));
  ds_test_run_dawnsim (&ok, "simulate", "vgg16", "--cluster", "A", "--gpus", "16",
                       "--plan", plan, "--format", "csv", NULL);
  g_assert_cmpint (ok.status, ==, 0);
  g_assert_true (g_str_has_prefix (ok.out, "worker,rank,stage"));
  ds_test_rmtree (dir);
}

static void
test_out_of_memory (void)
{
  g_auto(DsTestRun) r = { 0 };

  /* GPT-3 175B in one stage on one 80 GB H100. */
  ds_test_run_dawnsim (&r, "simulate", "gpt3-175b", "--cluster", "h100:1x1,nvlink4,ib-ndr",
                       "--dtype", "bf16", "--schedule", "dp", NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.out, "OOM"));
  g_assert_nonnull (strstr (r.err, "out of memory: gpu0 (stage 0) peaks at"));
  g_assert_nonnull (strstr (r.err, "the device has 80 GiB"));
}

static void
test_bad_schedule (void)
{
  g_auto(DsTestRun) unknown = { 0 }, chunks = { 0 }, dp = { 0 }, cluster = { 0 };

  ds_test_run_dawnsim (&unknown, "simulate", "vgg16", "--cluster", "A", "--schedule", "zigzag", NULL);
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_nonnull (strstr (unknown.err, "unknown schedule 'zigzag'"));
  /* 3 stages cannot be 2 chunks per device */
  ds_test_run_dawnsim (&chunks, "simulate", "vgg16", "--cluster", "A", "--gpus", "16",
                       "--stages", "3", "--schedule", "1f1b", "--chunks", "2", NULL);
  g_assert_cmpint (chunks.status, ==, 2);
  g_assert_nonnull (strstr (chunks.err, "--chunks is for --schedule interleaved"));
  ds_test_run_dawnsim (&dp, "simulate", "vgg16", "--cluster", "A", "--gpus", "16",
                       "--stages", "3", "--schedule", "interleaved", "--chunks", "2", "-m", "5", NULL);
  g_assert_cmpint (dp.status, ==, 1);
  g_assert_nonnull (strstr (dp.err, "not a multiple of the 3 pipeline devices"));
  ds_test_run_dawnsim (&cluster, "simulate", "vgg16", NULL);
  g_assert_cmpint (cluster.status, ==, 2);
  g_assert_nonnull (strstr (cluster.err, "--cluster"));
}

/* --efficiency: predicted epochs (core/efficiency.h) x the simulated time
 * per epoch, recomputed here from the report's own iteration time. */
static double
tta_member (const char *json, const char *key, double *iteration_s)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  *iteration_s = json_object_get_double_member (o, "iteration_s");
  return json_object_get_double_member (json_object_get_object_member (o, "tta"), key);
}

static void
test_time_to_accuracy (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *model = g_build_filename (dir, "eff.json", NULL);
  g_auto(DsTestRun) stale = { 0 }, sync = { 0 }, human = { 0 };
  g_auto(DsTestRun) no_model = { 0 }, no_size = { 0 }, bad = { 0 }, missing = { 0 }, cancel = { 0 };
  double it = 0, tta;

  g_assert_true (g_file_set_contents (model, "{\"format\": \"dawnsim-efficiency\", "
                                      "\"e_min\": 2, \"b_crit\": 256, \"kappa\": 1}", -1, NULL));
  /* 2-stage 1F1B: staleness 0.5, epochs 2 (1 + 256/256)(1 + 0.5) = 6, an
   * exact multiple of the evaluation period (12 evaluations, not 13) */
  ds_test_run_dawnsim (&stale, "simulate", "mlp", "-b", "256", "--cluster", "A", "--gpus", "4",
                       "--stages", "2", "-s", "1f1b", "--efficiency", model,
                       "--dataset-size", "60000", "--eval-every", "0.5", "--startup", "3",
                       "--eval-time", "2", "--format", "json", NULL);
  g_assert_cmpint (stale.status, ==, 0);
  g_assert_cmpfloat_with_epsilon (tta_member (stale.out, "staleness", &it), 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (tta_member (stale.out, "epochs", &it), 6, 1e-9);
  g_assert_cmpfloat_with_epsilon (tta_member (stale.out, "n_evals", &it), 12, 1e-9);
  g_assert_cmpfloat_with_epsilon (tta_member (stale.out, "steps_per_epoch", &it), 235, 1e-9);
  tta = tta_member (stale.out, "tta_s", &it);
  g_assert_cmpfloat (it, >, 0);
  g_assert_true (ds_test_rel_close (tta, 6 * 235 * it + 3 + 12 * 2, 1e-9));
  g_assert_true (ds_test_rel_close (tta_member (stale.out, "band_s", &it), 0.05 * tta, 1e-9));
  /* GPipe is synchronous: staleness 0, epochs 4 */
  ds_test_run_dawnsim (&sync, "simulate", "mlp", "-b", "256", "--cluster", "A", "--gpus", "4",
                       "--stages", "2", "-s", "gpipe", "--efficiency", model,
                       "--dataset-size", "60000", "--format", "json", NULL);
  g_assert_cmpint (sync.status, ==, 0);
  g_assert_cmpfloat_with_epsilon (tta_member (sync.out, "staleness", &it), 0, 1e-9);
  g_assert_cmpfloat_with_epsilon (tta_member (sync.out, "epochs", &it), 4, 1e-9);
  g_assert_true (ds_test_rel_close (tta_member (sync.out, "tta_s", &it), 4 * 235 * it, 1e-9));
  /* --minibatch overrides the model's (a profile file has none): 512 */
  {
    g_auto(DsTestRun) mb = { 0 };
    ds_test_run_dawnsim (&mb, "simulate", "mlp", "-b", "256", "--cluster", "A", "--gpus", "4",
                         "--stages", "2", "-s", "gpipe", "--efficiency", model,
                         "--dataset-size", "60000", "--minibatch", "512", "--format", "json", NULL);
    g_assert_cmpint (mb.status, ==, 0);
    g_assert_cmpfloat_with_epsilon (tta_member (mb.out, "epochs", &it), 2 * (1 + 512.0 / 256), 1e-9);
    g_assert_cmpfloat_with_epsilon (tta_member (mb.out, "steps_per_epoch", &it), 118, 1e-9);
  }
  ds_test_run_dawnsim (&human, "simulate", "mlp", "-b", "256", "--cluster", "A", "--gpus", "4",
                       "--stages", "2", "-s", "1f1b", "--efficiency", model,
                       "--dataset-size", "60000", NULL);
  g_assert_cmpint (human.status, ==, 0);
  g_assert_nonnull (strstr (human.out, "time to accuracy"));
  g_assert_nonnull (strstr (human.out, "6 epochs predicted"));
  /* the options that go with --efficiency, and a bad model file */
  ds_test_run_dawnsim (&no_model, "simulate", "mlp", "--cluster", "A", "--dataset-size", "100", NULL);
  g_assert_cmpint (no_model.status, ==, 2);
  g_assert_nonnull (strstr (no_model.err, "go with --efficiency FILE"));
  /* run options that cancel out are still given */
  ds_test_run_dawnsim (&cancel, "simulate", "mlp", "--cluster", "A", "--startup", "1", "--cov", "-1",
                       NULL);
  g_assert_cmpint (cancel.status, ==, 2);
  g_assert_nonnull (strstr (cancel.err, "go with --efficiency FILE"));
  ds_test_run_dawnsim (&no_size, "simulate", "mlp", "--cluster", "A", "--efficiency", model, NULL);
  g_assert_cmpint (no_size.status, ==, 2);
  g_assert_nonnull (strstr (no_size.err, "--dataset-size"));
  g_assert_true (g_file_set_contents (model, "{\"format\": \"dawnsim-efficiency\", "
                                      "\"e_min\": -1, \"b_crit\": 256}", -1, NULL));
  ds_test_run_dawnsim (&bad, "simulate", "mlp", "--cluster", "A", "--efficiency", model,
                       "--dataset-size", "100", NULL);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "e_min and b_crit must be > 0"));
  ds_test_run_dawnsim (&missing, "simulate", "mlp", "--cluster", "A", "--efficiency",
                       "/nonexistent/eff.json", "--dataset-size", "100", NULL);
  g_assert_cmpint (missing.status, ==, 1);
  ds_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/cli/vgg16-1f1b", test_vgg16_1f1b);
  g_test_add_func ("/sim/cli/json-report", test_json_report);
  g_test_add_func ("/sim/cli/plan-larger-than-cluster", test_plan_larger_than_cluster);
  g_test_add_func ("/sim/cli/out-of-memory", test_out_of_memory);
  g_test_add_func ("/sim/cli/bad-schedule", test_bad_schedule);
  g_test_add_func ("/sim/cli/time-to-accuracy", test_time_to_accuracy);
  return g_test_run ();
}
