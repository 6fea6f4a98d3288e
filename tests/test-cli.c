/* tests/test-cli.c - the dawnsim command as a user meets it: exit codes,
 * messages, help for every command, and output files that are whole or
 * absent. Runs the built binary ($DS_BUILDDIR/cli/dawnsim); the messages
 * are the product here, so they are compared exactly. */
#include "config.h"

#include "cli/cli.h"
#include "exec/wir/library.h"
#include "tests/testutil.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>


static void
test_version_and_usage (void)
{
  g_auto(DsTestRun) v = { 0 }, h = { 0 }, none = { 0 };
  guint n;
  const DsCommand *cmds = ds_cli_commands (&n);

  ds_test_run_dawnsim (&v, "--version", NULL);
  g_assert_cmpint (v.status, ==, 0);
  g_assert_cmpstr (v.out, ==, "dawnsim " PACKAGE_VERSION "\n");
  ds_test_run_dawnsim (&h, "--help", NULL);
  g_assert_cmpint (h.status, ==, 0);
  for (guint i = 0; i < n; i++)
    g_assert_nonnull (strstr (h.out, cmds[i].name));
  ds_test_run_dawnsim (&none, NULL, NULL);
  g_assert_cmpint (none.status, ==, 2);
  g_assert_nonnull (strstr (none.err, "Usage: dawnsim"));
}

/* Every command answers --help (same text as `dawnsim help CMD`) and
 * refuses an unknown option with a usage error. */
static void
test_every_command_helps (void)
{
  guint n;
  const DsCommand *cmds = ds_cli_commands (&n);

  for (guint i = 0; i < n; i++)
    {
      g_auto(DsTestRun) help = { 0 }, via_help = { 0 }, bad = { 0 };

      ds_test_run_dawnsim (&help, cmds[i].name, "--help", NULL);
      g_assert_cmpint (help.status, ==, 0);
      g_assert_true (g_str_has_prefix (help.out, "Usage:"));
      ds_test_run_dawnsim (&via_help, "help", cmds[i].name, NULL);
      g_assert_cmpint (via_help.status, ==, 0);
      g_assert_cmpstr (via_help.out, ==, help.out);
      ds_test_run_dawnsim (&bad, cmds[i].name, "--no-such-option", NULL);
      g_assert_cmpint (bad.status, ==, 2);
      g_assert_true (g_str_has_prefix (bad.err, "dawnsim: error: "));
    }
}

static void
expect_failure (int status, const char *message, const char *first, ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(DsTestRun) r = { 0 };
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_assert_cmpuint (args->len, <=, 8);
  while (args->len < 8)
    g_ptr_array_add (args, NULL);
  ds_test_run_dawnsim (&r, g_ptr_array_index (args, 0), g_ptr_array_index (args, 1),
               g_ptr_array_index (args, 2), g_ptr_array_index (args, 3),
               g_ptr_array_index (args, 4), g_ptr_array_index (args, 5),
               g_ptr_array_index (args, 6), g_ptr_array_index (args, 7), NULL);
  g_assert_cmpint (r.status, ==, status);
  g_assert_cmpstr (r.out, ==, "");
  g_assert_cmpstr (r.err, ==, message);
}

static void
test_usage_errors (void)
{
  expect_failure (2, "dawnsim: error: no command 'frobnicate' (run 'dawnsim help' for the list)\n",
                  "frobnicate", NULL);
  expect_failure (2, "dawnsim: error: --format must be human, json or csv, got 'xml'\n",
                  "show", "vgg16", "--format", "xml", NULL);
  expect_failure (2, "dawnsim: error: show takes one MODEL (see 'dawnsim help show')\n",
                  "show", NULL);
  expect_failure (2, "dawnsim: error: --dtype must be fp32, fp16 or bf16, got 'int4'\n",
                  "show", "vgg16", "--dtype", "int4", NULL);
  expect_failure (2, "dawnsim: error: cannot tell the format of 'out.bin' from its name: "
                  "give --to json or --to graphtxt\n", "convert", "vgg16", "out.bin", NULL);
  expect_failure (2, "dawnsim: error: --batch, --dtype and --seq-len apply to zoo models; "
                  "'x.json' is not one\n", "show", "x.json", "--batch", "4", NULL);
}

static void
test_input_errors (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *bad_json = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *neg = g_build_filename (dir, "neg.json", NULL);
  g_autofree char *cyc = g_build_filename (dir, "cycle.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  g_autofree char *msg = NULL;

  g_file_set_contents (bad_json, "{\n  \"layers\": [\n    {\"name\": \"a\",}\n  ]\n}\n", -1, NULL);
  g_file_set_contents (neg, "{\"layers\": [\n{\"name\": \"a\", \"out_bytes\": -4}\n]}\n", -1, NULL);
  g_file_set_contents (cyc,
                       "n1 -- A -- forward_compute_time=1, backward_compute_time=1, activation_size=4, parameter_size=0\n"
                       "n2 -- B -- forward_compute_time=1, backward_compute_time=1, activation_size=4, parameter_size=0\n"
                       "\tn1 -- n2\n\tn2 -- n1", -1, NULL);
  expect_failure (1, "dawnsim: error: 'nosuchmodel' is neither a file nor a model of the zoo "
                  "(`dawnsim models` lists them)\n", "show", "nosuchmodel", NULL);

  msg = g_strdup_printf ("dawnsim: error: %s: no such file\n", missing);
  expect_failure (1, msg, "show", missing, NULL);
  g_clear_pointer (&msg, g_free);

  msg = g_strdup_printf ("dawnsim: error: %s:2: 'out_bytes' must be a whole number >= 0, got -4\n", neg);
  expect_failure (1, msg, "show", neg, NULL);
  g_clear_pointer (&msg, g_free);

  {
    g_auto(DsTestRun) r = { 0 };
    ds_test_run_dawnsim (&r, "show", bad_json, NULL);
    g_assert_cmpint (r.status, ==, 1);
    msg = g_strdup_printf ("dawnsim: error: %s:3:", bad_json);
    g_assert_true (g_str_has_prefix (r.err, msg));
    g_clear_pointer (&msg, g_free);
  }
  {
    g_auto(DsTestRun) r = { 0 };
    ds_test_run_dawnsim (&r, "show", cyc, NULL);
    g_assert_cmpint (r.status, ==, 1);
    msg = g_strdup_printf ("dawnsim: error: %s: ", cyc);
    g_assert_true (g_str_has_prefix (r.err, msg));
    g_assert_nonnull (strstr (r.err, "cycle"));
    g_clear_pointer (&msg, g_free);
  }
  ds_test_rmtree (dir);
}

/* A failed conversion leaves nothing behind; a good one a whole file. */
static void
test_convert_output_is_whole_or_absent (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *out = g_build_filename (dir, "out.json", NULL);
  g_autofree char *out_txt = g_build_filename (dir, "out.txt", NULL);
  g_autofree char *nodir = g_build_filename (dir, "no", "such", "dir.json", NULL);
  g_auto(DsTestRun) r1 = { 0 }, r2 = { 0 }, r3 = { 0 };

  g_file_set_contents (bad, "{\"layers\": [{\"name\": \"a\", \"fwd_ms\": -1, \"bwd_ms\": 0}]}", -1, NULL);
  ds_test_run_dawnsim (&r1, "convert", bad, out, NULL);
  g_assert_cmpint (r1.status, ==, 1);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  ds_test_run_dawnsim (&r2, "convert", "vgg16", nodir, NULL);
  g_assert_cmpint (r2.status, ==, 1);
  g_assert_true (g_str_has_prefix (r2.err, "dawnsim: error: "));
  ds_test_run_dawnsim (&r3, "convert", "resnet50", out_txt, NULL);
  g_assert_cmpint (r3.status, ==, 0);
  g_assert_true (g_file_test (out_txt, G_FILE_TEST_EXISTS));
  ds_test_rmtree (dir);
}

/* The promise: graph.txt -> JSON -> graph.txt is byte-identical,
 * through the command a user runs. */
static void
test_convert_round_trip_vgg16 (void)
{
  g_autofree char *profile = ds_test_shared (
      "pipedream/profiles/profiler/image_classification/profiles/vgg16/graph.txt");
  g_autofree char *dir = NULL, *json = NULL, *back = NULL, *a = NULL, *b = NULL;
  g_auto(DsTestRun) r1 = { 0 }, r2 = { 0 };
  gsize la = 0, lb = 0;

  if (profile == NULL)
    return;
  dir = ds_test_tmpdir ();
  json = g_build_filename (dir, "vgg16.json", NULL);
  back = g_build_filename (dir, "graph.txt", NULL);
  ds_test_run_dawnsim (&r1, "convert", profile, json, NULL);
  g_assert_cmpint (r1.status, ==, 0);
  ds_test_run_dawnsim (&r2, "convert", json, back, NULL);
  g_assert_cmpint (r2.status, ==, 0);
  a = ds_test_read (profile, &la);
  b = ds_test_read (back, &lb);
  g_assert_cmpmem (a, la, b, lb);
  ds_test_rmtree (dir);
}

static void
test_machine_outputs_parse (void)
{
  g_auto(DsTestRun) csv = { 0 }, json = { 0 }, models = { 0 }, human = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  ds_test_run_dawnsim (&csv, "show", "vgg16", "--format", "csv", NULL);
  g_assert_cmpint (csv.status, ==, 0);
  g_assert_true (g_str_has_prefix (csv.out,
                 "idx,name,kind,inputs,fwd_ms,bwd_ms,fwd_flops,bwd_flops,out_bytes,param_bytes,n_params\n"));
  ds_test_run_dawnsim (&json, "show", "resnet50", "--format", "json", NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  ds_test_run_dawnsim (&models, "models", "--format", "json", NULL);
  g_assert_cmpint (models.status, ==, 0);
  json_parser_load_from_data (parser, models.out, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (models.out, "\"name\": \"vgg16\""));
  ds_test_run_dawnsim (&human, "show", "vgg16", NULL);
  g_assert_cmpint (human.status, ==, 0);
  g_assert_nonnull (strstr (human.out, "138.4 M parameters"));
}

/* `dawnsim plan` with the original's command line: the reference's
 * worked example, its artefacts, and its refusals. */
static void
test_plan (void)
{
  g_autofree char *profile = ds_test_shared (
      "pipedream/profiles/profiler/image_classification/profiles/vgg16/graph.txt");
  g_autofree char *dir = NULL, *plan_json = NULL, *export_dir = NULL;
  g_autofree char *gpus = NULL, *conf = NULL, *msg = NULL;
  g_auto(DsTestRun) ok = { 0 }, json = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  if (profile == NULL)
    return;
  dir = ds_test_tmpdir ();
  plan_json = g_build_filename (dir, "plan.json", NULL);
  export_dir = g_build_filename (dir, "pd", NULL);
  ds_test_run_dawnsim (&ok, "plan", "-f", profile, "-n", "4", "--activation_compression_ratio", "1",
               "-o", plan_json, "--export", "pipedream", export_dir, NULL);
  if (ok.status != 0)
    g_test_message ("dawnsim said: %s", ok.err);
  g_assert_cmpint (ok.status, ==, 0);
  g_assert_nonnull (strstr (ok.out, "objective: 205.5 ms per minibatch"));
  g_assert_true (g_file_test (plan_json, G_FILE_TEST_EXISTS));
  gpus = g_build_filename (export_dir, "gpus=4.txt", NULL);
  conf = g_build_filename (export_dir, "hybrid_conf.json", NULL);
  g_assert_true (g_file_test (gpus, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (conf, G_FILE_TEST_EXISTS));

  ds_test_run_dawnsim (&json, "plan", profile, "-n", "4", "--activation_compression_ratio", "1",
               "--format", "json", NULL);
  g_assert_cmpint (json.status, ==, 0);
  json_parser_load_from_data (parser, json.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpfloat (json_object_get_double_member (root, "objective_s"), ==, 0.205520896);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "stages")), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "baselines")), ==, 3);

  expect_failure (2, "dawnsim: error: -n must be a number > 0, got '0'\n",
                  "plan", profile, "-n", "0", NULL);
  expect_failure (2, "dawnsim: error: -b must be a number > 0, got '0'\n",
                  "plan", "-f", profile, "-n", "4", "-b", "0", NULL);
  expect_failure (2, "dawnsim: error: -b needs one bandwidth per -n level (2), got 1\n",
                  "plan", profile, "-n", "4", "4", "-b", "1e9", NULL);
  expect_failure (2, "dawnsim: error: plan needs the devices: --cluster NAME [--gpus N], "
                  "or -n M1 [M2 ...] (per level, innermost first)\n", "plan", profile, NULL);
  {
    g_auto(DsTestRun) mem = { 0 };
    ds_test_run_dawnsim (&mem, "plan", "-f", profile, "-n", "4", "--use_memory_constraint", "-s", "1", NULL);
    g_assert_cmpint (mem.status, ==, 1);
    g_assert_true (g_str_has_prefix (mem.err, "dawnsim: error: the plan does not fit in 1 B per device"));
  }
  ds_test_rmtree (dir);
}

/* A zoo model has no profile: its layers are priced on the cluster's
 * device, and the cluster gives the levels. */
static void
test_plan_zoo_on_cluster (void)
{
  g_auto(DsTestRun) r = { 0 }, gpus = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  ds_test_run_dawnsim (&r, "plan", "vgg16", "--cluster", "A", "--gpus", "16", "--format", "json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "n_devices"), ==, 16);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "levels")), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (root, "objective_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (root, "speedup_vs_data_parallel"), >=, 1);

  expect_failure (2, "dawnsim: error: model 'vgg16' has layers without measured times: "
                  "give --device NAME (or a --cluster) to price them from their FLOPs\n",
                  "plan", "vgg16", "-n", "4", NULL);
  expect_failure (2, "dawnsim: error: give the devices with --cluster or with -n/-b, not both\n",
                  "plan", "vgg16", "--cluster", "A", "-n", "4", NULL);
  ds_test_run_dawnsim (&gpus, "plan", "vgg16", "--cluster", "A", "--gpus", "6", NULL);
  g_assert_cmpint (gpus.status, ==, 1);
  g_assert_true (g_str_has_prefix (gpus.err, "dawnsim: error: "));
}

/* --efficiency: the baselines ranked by predicted time to accuracy, each
 * at its own global batch and staleness (planner/baselines.h), every
 * figure recomputed here from the JSON's own times. Returns the best. */
static char *
plan_tta_best (double kappa)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *model = g_build_filename (dir, "eff.json", NULL);
  g_autofree char *text = g_strdup_printf ("{\"format\": \"dawnsim-efficiency\", \"e_min\": 30, "
                                           "\"b_crit\": 2000, \"kappa\": %g}", kappa);
  g_auto(DsTestRun) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root, *straight;
  JsonArray *bl;
  const char *best = NULL;
  double n_devices, minibatch, best_tta = G_MAXDOUBLE;

  g_assert_true (g_file_set_contents (model, text, -1, NULL));
  ds_test_run_dawnsim (&r, "plan", "vgg16", "--cluster", "A", "--gpus", "16", "--efficiency", model,
                       "--dataset-size", "1281167", "--format", "json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  json_parser_load_from_data (parser, r.out, -1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  n_devices = json_object_get_int_member (root, "n_devices");
  bl = json_object_get_array_member (root, "baselines");
  g_assert_cmpuint (json_array_get_length (bl), ==, 3);
  /* the straight pipeline updates once per minibatch: its batch is the minibatch */
  straight = json_array_get_object_element (bl, 1);
  g_assert_cmpstr (json_object_get_string_member (straight, "name"), ==, "straight pipeline");
  minibatch = json_object_get_double_member (straight, "global_batch");
  g_assert_cmpfloat (minibatch, >=, 1);
  for (guint k = 0; k < 3; k++)
    {
      JsonObject *b = json_array_get_object_element (bl, k);
      const char *name = json_object_get_string_member (b, "name");
      double batch = json_object_get_double_member (b, "global_batch");
      double stale = json_object_get_double_member (b, "staleness");
      double n_stages = json_object_get_int_member (b, "n_stages");
      double epochs = 30 * (1 + batch / 2000) * (1 + kappa * stale);
      double tta = json_object_get_double_member (b, "tta_s");

      /* data parallelism averages one minibatch per device into an update,
       * PipeDream's plan between one and all of them */
      if (k == 0)
        g_assert_true (ds_test_rel_close (batch, n_devices * minibatch, 1e-12));
      else if (k == 2)
        g_assert_true (batch >= minibatch && batch <= n_devices * minibatch);
      g_assert_cmpfloat (stale, ==, k == 0 ? 0 : (n_stages - 1) / 2);
      g_assert_true (ds_test_rel_close (json_object_get_double_member (b, "epochs"), epochs, 1e-9));
      /* epochs x updates per epoch x minibatches per update x time per minibatch */
      g_assert_true (ds_test_rel_close (tta, epochs * ceil (1281167 / batch) * (batch / minibatch)
                                             * json_object_get_double_member (b, "time_s"), 1e-9));
      if (tta < best_tta)
        best_tta = tta, best = name;
    }
  g_assert_cmpstr (json_object_get_string_member (root, "best_by_tta"), ==, best);
  ds_test_rmtree (dir);
  return g_strdup (best);
}

static void
test_plan_time_to_accuracy (void)
{
  g_auto(DsTestRun) human = { 0 };
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *model = g_build_filename (dir, "eff.json", NULL);
  /* mild staleness: PipeDream's plan is faster to the target; costly
   * staleness: data parallelism is, though it is slower per minibatch */
  g_autofree char *mild = plan_tta_best (0.05), *costly = plan_tta_best (5);

  g_assert_cmpstr (mild, ==, "pipedream");
  g_assert_cmpstr (costly, ==, "data parallel");
  g_assert_true (g_file_set_contents (model, "{\"format\": \"dawnsim-efficiency\", "
                                      "\"e_min\": 30, \"b_crit\": 2000}", -1, NULL));
  ds_test_run_dawnsim (&human, "plan", "vgg16", "--cluster", "A", "--gpus", "16",
                       "--efficiency", model, "--dataset-size", "1281167", NULL);
  g_assert_cmpint (human.status, ==, 0);
  g_assert_nonnull (strstr (human.out, "time to accuracy"));
  g_assert_nonnull (strstr (human.out, "by time to accuracy: "));
  expect_failure (2, "dawnsim: error: --dataset-size, --minibatch and --eval-every go with "
                  "--efficiency FILE\n", "plan", "vgg16", "--cluster", "A", "--dataset-size", "10", NULL);
  expect_failure (2, "dawnsim: error: --efficiency needs --dataset-size N (samples per epoch, >= 1)\n",
                  "plan", "vgg16", "--cluster", "A", "--efficiency", model, NULL);
  g_autofree char *eff = g_strdup_printf ("--efficiency=%s", model);
  expect_failure (2, "dawnsim: error: --minibatch and --eval-every must be >= 0\n", "plan", "vgg16",
                  "--cluster", "A", eff, "--dataset-size=10", "--eval-every=-1", NULL);
  expect_failure (2, "dawnsim: error: --minibatch, --eval-every, --startup, --eval-time and --cov "
                  "must be >= 0\n", "simulate", "vgg16", "--cluster", "A", eff, "--dataset-size=10",
                  "--cov=-0.5", NULL);
  ds_test_rmtree (dir);
}

/* `dawnsim wir`: run on both back ends with the same result, fused or
 * not; opt shows the pass log, emit the C the back end compiles, cost
 * both plans; malformed and failing programs say where, as file:line:col */
static void
test_wir (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *cache = g_build_filename (dir, "cache", NULL);
  g_autofree char *bgd = g_build_filename (dir, "bgd.wir", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.wir", NULL);
  g_autofree char *oob = g_build_filename (dir, "oob.wir", NULL);
  static const char input[] = "x=[0.5, 1.0, -2.0, 3.0]; bias=[0.1, 0.2]; seed=1; p=0.25";
  g_auto(DsTestRun) interp = { 0 }, c = { 0 }, plain = { 0 }, opt = { 0 }, emit = { 0 }, emit_plain = { 0 },
                    cost = { 0 };

  g_file_set_contents (bgd, wir_lib_bias_gelu_dropout, -1, NULL);
  g_file_set_contents (bad, "|x: vec[f32]|\n  map(x, |t| t +* 1.0f)\n", -1, NULL);
  g_file_set_contents (oob, "|v: vec[i64]| lookup(v, 5L)\n", -1, NULL);

  ds_test_run_dawnsim (&interp, "wir", "run", bgd, "--input", input, NULL);
  g_assert_cmpint (interp.status, ==, 0);
  g_assert_true (g_str_has_prefix (interp.out, "vec[f32] [0.580553651, "));
  ds_test_run_dawnsim (&c, "wir", "run", bgd, "--input", input, "--backend", "c", "--cache-dir", cache, NULL);
  g_assert_cmpint (c.status, ==, 0);
  g_assert_cmpstr (c.out, ==, interp.out);
  ds_test_run_dawnsim (&plain, "wir", "run", bgd, "--input", input, "--backend", "c", "--no-fusion",
                       "--cache-dir", cache, NULL);
  g_assert_cmpstr (plain.out, ==, interp.out);

  ds_test_run_dawnsim (&opt, "wir", "opt", bgd, NULL);
  g_assert_cmpint (opt.status, ==, 0);
  g_assert_nonnull (strstr (opt.out, "# pass log\nfused the loop of 'g"));
  ds_test_run_dawnsim (&emit, "wir", "emit", bgd, NULL);
  ds_test_run_dawnsim (&emit_plain, "wir", "emit", bgd, "--no-fusion", NULL);
  g_assert_cmpint (emit.status, ==, 0);
  g_assert_nonnull (strstr (emit.out, "int wir_main ("));
  g_assert_nonnull (strstr (emit.out, "WIR_RT_PHILOX_BLOCKS ("));
  g_assert_cmpstr (emit.out, !=, emit_plain.out);
  ds_test_run_dawnsim (&cost, "wir", "cost", bgd, "--n", "1000000", NULL);
  g_assert_cmpint (cost.status, ==, 0);
  g_assert_nonnull (strstr (cost.out, "predicted speedup of fusion: "));

  expect_failure (2, "dawnsim: error: unknown wir verb 'frob' (run, opt, emit, cost)\n", "wir", "frob", bgd, NULL);
  expect_failure (2, "dawnsim: error: --backend is interp or c, not 'gpu'\n", "wir", "run", bgd, "--backend", "gpu",
                  NULL);
  g_autofree char *msg = g_strdup_printf ("dawnsim: error: %s:2:17: expected an expression, got '*'\n"
                                          "      map(x, |t| t +* 1.0f)\n"
                                          "                    ^\n", bad);
  expect_failure (1, msg, "wir", "emit", bad, NULL);
  g_clear_pointer (&msg, g_free);
  msg = g_strdup_printf ("dawnsim: error: %s:1:15: lookup index 5 outside a vector of 2\n"
                         "    |v: vec[i64]| lookup(v, 5L)\n"
                         "                  ^^^^^^^^^^^^^\n", oob);
  expect_failure (1, msg, "wir", "run", oob, "--input", "v=[1, 2]", NULL);
  g_clear_pointer (&msg, g_free);
  msg = g_strdup_printf ("dawnsim: error: %s:1:15: out of bounds (compiled kernel)\n"
                         "    |v: vec[i64]| lookup(v, 5L)\n"
                         "                  ^\n", oob);
  g_autofree char *cache_arg = g_strconcat ("--cache-dir=", cache, NULL);
  expect_failure (1, msg, "wir", "run", oob, "--input", "v=[1, 2]", "--backend=c", cache_arg, NULL);
  ds_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/version-and-usage", test_version_and_usage);
  g_test_add_func ("/cli/every-command-helps", test_every_command_helps);
  g_test_add_func ("/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/cli/input-errors", test_input_errors);
  g_test_add_func ("/cli/convert-output-is-whole-or-absent", test_convert_output_is_whole_or_absent);
  g_test_add_func ("/cli/convert-round-trip-vgg16", test_convert_round_trip_vgg16);
  g_test_add_func ("/cli/machine-outputs-parse", test_machine_outputs_parse);
  g_test_add_func ("/cli/plan", test_plan);
  g_test_add_func ("/cli/plan-zoo-on-a-cluster", test_plan_zoo_on_cluster);
  g_test_add_func ("/cli/plan-time-to-accuracy", test_plan_time_to_accuracy);
  g_test_add_func ("/cli/wir", test_wir);
  return g_test_run ();
}
