/* tests/test-hw-calibrate.c - calibration: the GSL fit recovers a known
 * curve, the H200 measurements (../shared/data/h200) meet issue #3's
 * bounds on held-out rows, and the calibration file round-trips and
 * rejects malformed input. */
#include "config.h"

#include "hwmodels/calibrate.h"
#include "hwmodels/cost.h"
#include "hwmodels/presets.h"
#include "tests/testutil.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static void
test_fit_recovers_curve (void)
{
  const DsHwRate truth = { 5e14, 25e-6, 1.7 };
  double work[12], t[12];
  g_autoptr(GError) error = NULL;
  DsHwRate fit;

  for (guint i = 0; i < G_N_ELEMENTS (work); i++)
    {
      work[i] = 1e8 * pow (3, i);
      t[i] = ds_hw_rate_time_s (&truth, work[i]);
    }
  g_assert_true (ds_hw_fit_rate (work, NULL, t, G_N_ELEMENTS (work), &fit, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (fit.rate_per_s / truth.rate_per_s - 1), <, 1e-4);
  g_assert_cmpfloat (fabs (fit.floor_s / truth.floor_s - 1), <, 1e-4);
  g_assert_cmpfloat (fabs (fit.p / truth.p - 1), <, 1e-3);
  g_assert_false (ds_hw_fit_rate (work, NULL, t, 2, &fit, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
}

/* Issue #3, Done-when: held-out MAPE <= 10% for GEMMs of >= 1 GFLOP (per
 * dtype), copies within 10% at every size >= 1 MiB. Convolutions (VGG-16
 * layers) have no bound there; the fit misses them by 15-20%. */
static void
test_h200_bounds (void)
{
  g_autofree char *dir = ds_test_shared ("h200");
  g_autoptr(GError) error = NULL;
  g_autoptr(DsHwCalibration) cal = NULL;

  if (dir == NULL)
    return;
  cal = ds_hw_calibrate_dir (dir, "h200", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cal->fits->len, ==, 9);
  for (guint i = 0; i < cal->fits->len; i++)
    {
      const DsHwFit *f = g_ptr_array_index (cal->fits, i);
      g_test_message ("%-12s rate %.4g/s floor %.2f us p %.3f: fit %u, test %u, "
                      "MAPE %.2f%%, max %.2f%%", f->key, f->rate.rate_per_s,
                      f->rate.floor_s * 1e6, f->rate.p, f->n_fit, f->n_test,
                      100 * f->test_mape, 100 * f->test_max_error);
      g_assert_cmpuint (f->n_test, >, 0);
      if (g_str_has_prefix (f->key, "matmul/"))
        g_assert_cmpfloat (f->test_mape, <=, 0.10);
      else if (g_str_has_prefix (f->key, "copy/"))
        g_assert_cmpfloat (f->test_max_error, <=, 0.10);
      else    /* conv: no bound in issue #3; guard the measured 15-20% */
        g_assert_cmpfloat (f->test_mape, <=, 0.25);
    }
}

static void
test_file_round_trip (void)
{
  g_autofree char *dir = ds_test_shared ("h200");
  g_autoptr(GError) error = NULL;
  g_autoptr(DsHwCalibration) cal = NULL, back = NULL;
  g_autoptr(DsHwDevice) d = NULL;
  g_autofree char *text = NULL, *again = NULL;
  double t = 0;

  if (dir == NULL)
    return;
  cal = ds_hw_calibrate_dir (dir, "h200", &error);
  g_assert_no_error (error);
  text = ds_hw_calibration_write_json (cal);
  back = ds_hw_calibration_read_json (text, -1, "cal.json", &error);
  g_assert_no_error (error);
  again = ds_hw_calibration_write_json (back);
  g_assert_cmpstr (text, ==, again);
  d = ds_hw_device_open ("h200", &error);
  g_assert_no_error (error);
  g_assert_true (ds_hw_calibration_apply (back, d, &error));
  /* bf16 8192^3 measured 1.52 and 1.76 ms */
  g_assert_true (ds_hw_gemm_time_s (d, "bf16", 8192, 8192, 8192, &t, &error));
  g_assert_cmpfloat (t, >, 1.4e-3);
  g_assert_cmpfloat (t, <, 1.9e-3);
  g_autoptr(DsHwDevice) other = ds_hw_device_open ("h100", &error);
  g_assert_false (ds_hw_calibration_apply (back, other, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
}

static void
test_malformed_file (void)
{
  static const struct { const char *text; gint code; } cases[] = {
    { "{\"format\": \"dawnsim-calibration\"}", DS_ERROR_SYNTAX },
    { "{\"format\": \"dawnsim-device\", \"device\": \"x\", \"rates\": []}", DS_ERROR_UNSUPPORTED },
    { "{\"format\": \"dawnsim-calibration\", \"device\": \"x\", \"rates\": [\n"
      " {\"key\": \"matmul\", \"rate_per_s\": 1, \"floor_us\": 1, \"p\": 1}]}", DS_ERROR_INVALID },
    { "{\"format\": \"dawnsim-calibration\", \"device\": \"x\", \"rates\": [\n"
      " {\"key\": \"matmul/bf16\", \"rate_per_s\": 0, \"floor_us\": 1, \"p\": 1}]}", DS_ERROR_INVALID },
    { "{\"format\": \"dawnsim-calibration\", \"device\": \"x\", \"rates\": [\n"
      " {\"key\": \"matmul/bf16\", \"rate_per_s\": 1, \"floor_us\": 1, \"p\": 0.9}]}", DS_ERROR_INVALID },
    { "{\"format\": \"dawnsim-calibration\", \"device\": \"x\", \"rates\": [\n"
      " {\"key\": \"matmul/bf16\", \"rate_per_s\": 1, \"floor_us\": 1, \"p\": 1, \"q\": 2}]}", DS_ERROR_SYNTAX },
    { "{\"format\": \"dawnsim-calibration\", \"device\": \"x\", \"rates\": [\n"
      " {\"key\": \"a/b\", \"rate_per_s\": 1, \"floor_us\": 1, \"p\": 1},\n"
      " {\"key\": \"a/b\", \"rate_per_s\": 1, \"floor_us\": 1, \"p\": 1}]}", DS_ERROR_DUPLICATE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsHwCalibration) cal = ds_hw_calibration_read_json (cases[i].text, -1,
                                                                    "bad.json", &error);
      g_test_message ("case %u: %s", i, error ? error->message : "(none)");
      g_assert_null (cal);
      g_assert_error (error, DS_ERROR, cases[i].code);
    }
}

static void
test_malformed_csv (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "gemm.csv", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsHwCalibration) cal = NULL;

  cal = ds_hw_calibrate_dir (dir, "h200", &error);
  g_assert_error (error, DS_ERROR, DS_ERROR_IO);
  g_clear_error (&error);
  g_file_set_contents (path, "dtype,M,N,K,ms,tflops\nbf16,1,2,3,x,1\n", -1, NULL);
  cal = ds_hw_calibrate_dir (dir, "h200", &error);
  g_assert_null (cal);
  g_assert_error (error, DS_ERROR, DS_ERROR_SYNTAX);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_suffix (error->message, "gemm.csv:2: 'ms' must be a number > 0, got 'x'")
                 || strstr (error->message, "gemm.csv:2:") != NULL);
  g_remove (path);
  g_clear_error (&error);
  /* one Conv2d row cannot pair with VGG-16's 13 convolutions */
  g_autofree char *layers = g_build_filename (dir, "layers.csv", NULL);
  g_file_set_contents (layers, "model,dtype,batch,idx,layer,fwd_ms,bwd_ms,out_bytes,param_bytes\n"
                       "vgg16,bfloat16,64,0,Conv2d,1.5,2.1,411041792,3584\n", -1, NULL);
  g_assert_null (ds_hw_calibrate_dir (dir, "h200", &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_test_message ("%s", error->message);
  ds_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hwmodels/calibrate/fit-recovers-curve", test_fit_recovers_curve);
  g_test_add_func ("/hwmodels/calibrate/h200-bounds", test_h200_bounds);
  g_test_add_func ("/hwmodels/calibrate/file-round-trip", test_file_round_trip);
  g_test_add_func ("/hwmodels/calibrate/malformed-file", test_malformed_file);
  g_test_add_func ("/hwmodels/calibrate/malformed-csv", test_malformed_csv);
  return g_test_run ();
}
