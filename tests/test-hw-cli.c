/* tests/test-hw-cli.c - `dawnsim hw` as a user meets it: predictions as
 * JSON with "time_s", a detected cluster that the core reader loads back,
 * calibration files, and usage errors. Runs the built binary. */
#include "config.h"

#include "core/cluster-json.h"
#include "hwmodels/calibrate.h"
#include "tests/testutil.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>


/* The "time_s" member of a JSON object printed by predict. */
static double
time_of (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_get_double_member (json_node_get_object (json_parser_get_root (parser)),
                                        "time_s");
}

static void
test_predict_json (void)
{
  g_auto(DsTestRun) gemm = { 0 }, copy = { 0 }, ar = { 0 }, hier = { 0 };

  ds_test_run_dawnsim (&gemm, "hw", "predict", "gemm", "8192", "8192", "8192", "--dtype", "bf16",
               "--device", "h200", "--format", "json", NULL);
  g_assert_cmpint (gemm.status, ==, 0);
  g_assert_cmpfloat (time_of (gemm.out), >, 1.4e-3);
  g_assert_cmpfloat (time_of (gemm.out), <, 1.9e-3);
  ds_test_run_dawnsim (&copy, "hw", "predict", "copy", "1GiB", "--kind", "h2d", "--format", "json", NULL);
  g_assert_cmpint (copy.status, ==, 0);
  g_assert_cmpfloat (fabs (time_of (copy.out) / (1073741824.0 / (0.88 * 6.3e10)) - 1), <, 0.01);
  /* PipeDream's C: 4 Titan X over 40 Gb/s, ring all-reduce of 100 MB */
  ds_test_run_dawnsim (&ar, "hw", "predict", "allreduce", "100MB", "--cluster", "C", "--format", "json", NULL);
  g_assert_cmpint (ar.status, ==, 0);
  g_assert_cmpfloat (fabs (time_of (ar.out) - (6 * 30e-6 + 1.5 * 1e8 / 5e9)), <, 1e-12);
  ds_test_run_dawnsim (&hier, "hw", "predict", "allreduce", "1GB", "--cluster", "h100:8x4,nvlink4,ib-ndr",
               "--algo", "hier", "--format", "json", NULL);
  g_assert_cmpint (hier.status, ==, 0);
  g_assert_cmpfloat (time_of (hier.out), >, 0);
}

static void
test_detect_loads_back (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *out = g_build_filename (dir, "here.json", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsCluster) cluster = NULL;
  g_auto(DsTestRun) r = { 0 };
  gsize len = 0;

  ds_test_run_dawnsim (&r, "hw", "detect", "-o", out, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "cores"));
  text = ds_test_read (out, &len);
  cluster = ds_cluster_read_json (text, len, out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_cluster_n_devices (cluster), >=, 1);
  ds_test_rmtree (dir);
}

static void
test_calibrate_writes_file (void)
{
  g_autofree char *data = ds_test_shared ("h200");
  g_autofree char *dir = NULL, *out = NULL;
  g_autoptr(DsHwCalibration) cal = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(DsTestRun) r = { 0 }, p = { 0 };

  if (data == NULL)
    return;
  dir = ds_test_tmpdir ();
  out = g_build_filename (dir, "cal.json", NULL);
  ds_test_run_dawnsim (&r, "hw", "calibrate", data, "--device", "h200", "-o", out, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "matmul/bf16"));
  cal = ds_hw_calibration_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cal->fits->len, ==, 9);
  ds_test_run_dawnsim (&p, "hw", "predict", "copy", "64MiB", "--calibration", out,
               "--format", "json", NULL);
  g_assert_cmpint (p.status, ==, 0);
  /* mem.csv: d2d 64 MiB in 0.04230 ms */
  g_assert_cmpfloat (fabs (time_of (p.out) / 4.230e-5 - 1), <, 0.10);
  ds_test_rmtree (dir);
}

static void
test_usage_errors (void)
{
  static const char *const cases[][8] = {
    { "hw", NULL },
    { "hw", "bogus", NULL },
    { "hw", "predict", NULL },
    { "hw", "predict", "gemm", "1", "2", NULL },
    { "hw", "predict", "gemm", "1", "2", "x", NULL },
    { "hw", "predict", "copy", "12 parsecs", NULL },
    { "hw", "predict", "copy", "1MB", "--kind", "p2p", NULL },
    { "hw", "predict", "allreduce", "1MB", NULL },
    { "hw", "predict", "allreduce", "1MB", "--cluster", "A", "--algo", "magic" },
    { "hw", "calibrate", "/nonexistent", NULL },
    { "hw", "show", NULL },
    { "hw", "list", "--no-such-option", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(DsTestRun) r = { 0 };
      ds_test_run_dawnsim (&r, cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4],
                   cases[i][5], cases[i][6], cases[i][7], NULL);
      g_test_message ("case %u: %s", i, r.err);
      g_assert_cmpint (r.status, ==, 2);
      g_assert_true (g_str_has_prefix (r.err, "dawnsim: error: "));
    }
}

static void
test_input_errors (void)
{
  g_auto(DsTestRun) a = { 0 }, b = { 0 }, c = { 0 };

  ds_test_run_dawnsim (&a, "hw", "show", "A", "--gpus", "6", NULL);
  g_assert_cmpint (a.status, ==, 1);
  g_assert_cmpstr (a.err, ==, "dawnsim: error: cluster 'pipedream-a': 6 GPUs is not a "
                   "multiple of 4 (the GPUs per outermost group)\n");
  ds_test_run_dawnsim (&b, "hw", "predict", "gemm", "8", "8", "8", "--dtype", "bf16",
               "--device", "v100-sxm2-16gb", NULL);
  g_assert_cmpint (b.status, ==, 1);
  g_assert_cmpstr (b.err, ==, "dawnsim: error: device 'v100-sxm2-16gb' has no matmul "
                   "peak for dtype 'bf16'\n");
  ds_test_run_dawnsim (&c, "hw", "show", "tpu:8,nvlink4", NULL);
  g_assert_cmpint (c.status, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hwmodels/cli/predict-json", test_predict_json);
  g_test_add_func ("/hwmodels/cli/detect-loads-back", test_detect_loads_back);
  g_test_add_func ("/hwmodels/cli/calibrate-writes-file", test_calibrate_writes_file);
  g_test_add_func ("/hwmodels/cli/usage-errors", test_usage_errors);
  g_test_add_func ("/hwmodels/cli/input-errors", test_input_errors);
  return g_test_run ();
}
