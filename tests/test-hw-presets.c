/* tests/test-hw-presets.c - hwmodels presets: every preset file loads, the
 * readers reject malformed input with located errors, the inline spec
 * parser, and ds_hw_cluster_open's lookup order and resizing. */
#include "config.h"

#include "core/cluster-json.h"
#include "hwmodels/presets.h"
#include "tests/testutil.h"

#include <string.h>
#include <glib/gstdio.h>

static void
test_every_device_loads (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = ds_hw_preset_names ("devices", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (names->len, >=, 9);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(DsHwDevice) d = ds_hw_device_open (name, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (d->name, ==, name);
      g_assert_cmpfloat (ds_hw_device_peak (d, "fp32"), >, 1e12);
      g_assert_cmpuint (d->memory_bytes, >=, 12ull << 30);
      g_assert_cmpfloat (d->mem_bw_bytes_per_s, >, 1e11);
    }
}

static void
test_h200_numbers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsHwDevice) d = ds_hw_device_open ("h200", &error);
  DsHwRate r;

  g_assert_no_error (error);
  g_assert_cmpfloat (ds_hw_device_peak (d, "bf16"), ==, 9.894e14);
  g_assert_cmpfloat (ds_hw_device_peak (d, "fp8"), ==, 1.9789e15);
  g_assert_cmpfloat (d->mem_bw_bytes_per_s, ==, 4.8e12);
  g_assert_true (ds_hw_device_rate (d, DS_HW_WORK_MATMUL, "bf16", &r, &error));
  g_assert_cmpfloat_with_epsilon (r.rate_per_s, 0.73 * 9.894e14, 1e6);
  /* V100 has no bf16: a clear error, not a zero rate */
  g_autoptr(DsHwDevice) v = ds_hw_device_open ("v100-sxm2-16gb", &error);
  g_assert_no_error (error);
  g_assert_false (ds_hw_device_rate (v, DS_HW_WORK_MATMUL, "bf16", &r, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_UNSUPPORTED);
}

static void
test_rate_curve (void)
{
  DsHwRate add = { 1e12, 1e-5, 1 }, sharp = { 1e12, 1e-5, 50 };

  g_assert_cmpfloat_with_epsilon (ds_hw_rate_time_s (&add, 1e7), 2e-5, 1e-15);
  g_assert_cmpfloat (ds_hw_rate_time_s (&add, 0), ==, 1e-5);
  /* large p: max(floor, work/rate) */
  g_assert_cmpfloat_with_epsilon (ds_hw_rate_time_s (&sharp, 1e9), 1e-3, 1e-7);
  g_assert_cmpfloat_with_epsilon (ds_hw_rate_time_s (&sharp, 1e3), 1e-5, 1e-7);
}

static void
test_every_cluster_loads (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = ds_hw_preset_names ("clusters", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (names->len, >=, 7);
  for (guint i = 0; i < names->len; i++)
    {
      g_autoptr(DsCluster) c = ds_hw_cluster_open (g_ptr_array_index (names, i), 0, &error);
      g_assert_no_error (error);
      /* the device was filled in from its preset */
      g_assert_cmpfloat (ds_device_peak_flops_per_s (ds_cluster_device_const (c), "fp32"), >, 0);
    }
}

static void
test_pipedream_clusters (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsCluster) a = ds_hw_cluster_open ("A", 0, &error);
  g_autoptr(DsCluster) a16 = NULL, b32 = NULL, c = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_cluster_n_devices (a), ==, 16);
  g_assert_cmpfloat (ds_cluster_level (a, 1)->bw_bytes_per_s, ==, 1.25e9);
  a16 = ds_hw_cluster_open ("a", 8, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_cluster_level (a16, 1)->count, ==, 2);
  b32 = ds_hw_cluster_open ("B", 32, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_cluster_level (b32, 1)->count, ==, 4);
  g_assert_cmpfloat (ds_cluster_level (b32, 1)->bw_bytes_per_s, ==, 3.125e9);
  c = ds_hw_cluster_open ("C", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ds_cluster_device_const (c)->name, ==, "titan-x-pascal");
  /* 6 GPUs do not fill 4-GPU servers */
  g_assert_null (ds_hw_cluster_open ("A", 6, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ds_hw_cluster_open ("no-such-cluster", 0, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_UNKNOWN_NAME);
  g_clear_error (&error);
  /* a missing file is an I/O error naming it */
  g_assert_null (ds_hw_cluster_open ("missing.json", 0, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_IO);
  g_clear_error (&error);
  g_assert_null (ds_hw_device_open ("no/such/device.json", &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_IO);
}

static void
test_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsCluster) c = ds_hw_cluster_open ("h100:8x4,nvlink4,ib-ndr", 0, &error);
  g_autoptr(DsCluster) big = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (ds_cluster_n_levels (c), ==, 2);
  g_assert_cmpuint (ds_cluster_n_devices (c), ==, 32);
  g_assert_cmpstr (ds_cluster_level (c, 0)->name, ==, "nvlink4");
  g_assert_cmpfloat_with_epsilon (ds_cluster_level (c, 0)->bw_bytes_per_s, 4.5e11 * 0.82, 1);
  g_assert_cmpfloat_with_epsilon (ds_cluster_level (c, 1)->latency_s, 5e-6, 1e-12);
  g_assert_cmpfloat (ds_device_peak_flops_per_s (ds_cluster_device_const (c), "bf16"), ==, 9.894e14);
  big = ds_hw_cluster_open ("h100:8x4,nvlink4,ib-ndr", 64, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds_cluster_level (big, 1)->count, ==, 8);
}

static void
test_spec_errors (void)
{
  static const struct { const char *spec; gint code; } cases[] = {
    { "h100:", DS_ERROR_SYNTAX },
    { ":8,nvlink4", DS_ERROR_SYNTAX },
    { "h100:8x4,nvlink4", DS_ERROR_SYNTAX },
    { "h100:8,nvlink4,ib-ndr", DS_ERROR_SYNTAX },
    { "h100:0,nvlink4", DS_ERROR_SYNTAX },
    { "h100:8x,nvlink4,ib-ndr", DS_ERROR_SYNTAX },
    { "h100:-1,nvlink4", DS_ERROR_SYNTAX },
    { "h100:8,warp-drive", DS_ERROR_UNKNOWN_NAME },
    { "tpu:8,nvlink4", DS_ERROR_UNKNOWN_NAME },
    { "../../etc/passwd:8,nvlink4", DS_ERROR_UNKNOWN_NAME },
    { "h100:65536x65536,nvlink4,ib-ndr", DS_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsCluster) c = ds_hw_cluster_open (cases[i].spec, 0, &error);
      if (error == NULL || error->code != cases[i].code)
        g_test_message ("spec '%s': %s", cases[i].spec, error ? error->message : "(none)");
      g_assert_null (c);
      g_assert_error (error, DS_ERROR, cases[i].code);
    }
}

/* Malformed device and link files: each fails with the code given and a
 * message that starts with the file and line. */
static void
test_malformed_presets (void)
{
  static const struct { gboolean is_link; const char *text; gint code; } cases[] = {
    { FALSE, "{", DS_ERROR_SYNTAX },
    { FALSE, "[]", DS_ERROR_SYNTAX },
    { FALSE, "{\"format\": \"dawnsim-cluster\"}", DS_ERROR_UNSUPPORTED },
    { FALSE, "{\"format\": \"dawnsim-device\", \"name\": \"x\"}", DS_ERROR_SYNTAX },
    { FALSE, "{\"format\": \"dawnsim-device\", \"name\": \"x\", \"memory_bytes\": 1,\n"
             " \"mem_bw_bytes_per_s\": -1, \"host_bw_bytes_per_s\": 1,\n"
             " \"peak_flops_per_s\": {\"fp32\": 1}}", DS_ERROR_INVALID },
    { FALSE, "{\"format\": \"dawnsim-device\", \"name\": \"x\", \"memory_bytes\": 1,\n"
             " \"mem_bw_bytes_per_s\": 1, \"host_bw_bytes_per_s\": 1,\n"
             " \"peak_flops_per_s\": {}}", DS_ERROR_INVALID },
    { FALSE, "{\"format\": \"dawnsim-device\", \"name\": \"x\", \"memory_bytes\": 1,\n"
             " \"mem_bw_bytes_per_s\": 1, \"host_bw_bytes_per_s\": 1,\n"
             " \"peak_flops_per_s\": {\"fp32\": 1},\n"
             " \"efficiency\": {\"matmul\": {\"max\": 1.5}}}", DS_ERROR_INVALID },
    { FALSE, "{\"format\": \"dawnsim-device\", \"name\": \"x\", \"memory_bytes\": 1,\n"
             " \"mem_bw_bytes_per_s\": 1, \"host_bw_bytes_per_s\": 1,\n"
             " \"peak_flops_per_s\": {\"fp32\": 1},\n"
             " \"efficiency\": {\"matmul\": {\"max\": 0.5, \"p\": 0.5}}}", DS_ERROR_INVALID },
    { FALSE, "{\"format\": \"dawnsim-device\", \"name\": \"x\", \"memory_bytes\": 1,\n"
             " \"mem_bw_bytes_per_s\": 1, \"host_bw_bytes_per_s\": 1,\n"
             " \"peak_flops_per_s\": {\"fp32\": 1}, \"efficency\": {}}", DS_ERROR_SYNTAX },
    { TRUE, "{\"format\": \"dawnsim-links\", \"links\": [1]}", DS_ERROR_SYNTAX },
    { TRUE, "{\"format\": \"dawnsim-links\", \"links\": [\n"
            " {\"name\": \"a\", \"bw_bytes_per_s\": 1, \"latency_us\": 1, \"efficiency\": 0}]}",
      DS_ERROR_INVALID },
    { TRUE, "{\"format\": \"dawnsim-links\", \"links\": [\n"
            " {\"name\": \"a,b\", \"bw_bytes_per_s\": 1, \"latency_us\": 1, \"efficiency\": 1}]}",
      DS_ERROR_INVALID },
    { TRUE, "{\"format\": \"dawnsim-links\", \"links\": [\n"
            " {\"name\": \"a\", \"bw_bytes_per_s\": 1, \"latency_us\": 1, \"efficiency\": 1},\n"
            " {\"name\": \"a\", \"bw_bytes_per_s\": 1, \"latency_us\": 1, \"efficiency\": 1}]}",
      DS_ERROR_DUPLICATE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      if (cases[i].is_link)
        {
          g_autoptr(GPtrArray) l = ds_hw_links_read_json (cases[i].text, -1, "bad.json", &error);
          g_assert_null (l);
        }
      else
        {
          g_autoptr(DsHwDevice) d = ds_hw_device_read_json (cases[i].text, -1, "bad.json", &error);
          g_assert_null (d);
        }
      g_test_message ("case %u: %s", i, error ? error->message : "(none)");
      g_assert_error (error, DS_ERROR, cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, "bad.json"));
    }
}

/* DS_PRESETS_DIR wins over the source tree. */
static void
test_presets_dir_env (void)
{
  g_autofree char *dir = ds_test_tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *sub = g_build_filename (dir, "devices", NULL);

  g_mkdir (sub, 0700);
  g_setenv ("DS_PRESETS_DIR", dir, TRUE);
  names = ds_hw_preset_names ("devices", &error);
  g_unsetenv ("DS_PRESETS_DIR");
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 0);
  ds_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hwmodels/presets/every-device-loads", test_every_device_loads);
  g_test_add_func ("/hwmodels/presets/h200-numbers", test_h200_numbers);
  g_test_add_func ("/hwmodels/presets/rate-curve", test_rate_curve);
  g_test_add_func ("/hwmodels/presets/every-cluster-loads", test_every_cluster_loads);
  g_test_add_func ("/hwmodels/presets/pipedream-clusters", test_pipedream_clusters);
  g_test_add_func ("/hwmodels/presets/spec", test_spec);
  g_test_add_func ("/hwmodels/presets/spec-errors", test_spec_errors);
  g_test_add_func ("/hwmodels/presets/malformed", test_malformed_presets);
  g_test_add_func ("/hwmodels/presets/dir-env", test_presets_dir_env);
  return g_test_run ();
}
