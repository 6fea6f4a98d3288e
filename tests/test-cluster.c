/* tests/test-cluster.c - DsCluster and the dawnsim cluster JSON format. */
#include "config.h"

#include "core/cluster.h"
#include "core/cluster-json.h"
#include "core/error.h"
#include "tests/testutil.h"

/* PipeDream's cluster A (reference section 9): 4 servers of 4 V100s;
 * 10 Gb/s Ethernet = 1.25e9 B/s between servers (the hierA runs' -b). */
static DsCluster *
four_by_four (void)
{
  DsCluster *c = ds_cluster_new ("a");

  ds_cluster_add_level (c, "pcie", 4, 1e10, 5e-6);
  ds_cluster_add_level (c, "ethernet", 4, 1.25e9, 50e-6);
  return c;
}

static void
test_levels (void)
{
  g_autoptr(DsCluster) c = four_by_four ();

  g_assert_true (ds_cluster_check (c, NULL));
  g_assert_cmpuint (ds_cluster_n_devices (c), ==, 16);
  g_assert_cmpint (ds_cluster_link_level (c, 5, 5), ==, -1);
  g_assert_cmpint (ds_cluster_link_level (c, 0, 3), ==, 0);
  g_assert_cmpint (ds_cluster_link_level (c, 4, 7), ==, 0);
  g_assert_cmpint (ds_cluster_link_level (c, 3, 4), ==, 1);
  g_assert_cmpint (ds_cluster_link_level (c, 0, 15), ==, 1);
  g_assert_cmpfloat (ds_cluster_level (c, 1)->bw_bytes_per_s, ==, 1.25e9);
}

static void
test_single_device (void)
{
  g_autoptr(DsCluster) c = ds_cluster_new ("one");

  g_assert_true (ds_cluster_check (c, NULL));
  g_assert_cmpuint (ds_cluster_n_devices (c), ==, 1);
  g_assert_cmpint (ds_cluster_link_level (c, 0, 0), ==, -1);
}

static void
test_check_catches (void)
{
  struct { guint count; double bw, lat; const char *msg; } cases[] = {
    { 0, 1e9, 0, "level 0 ('x'): count must be >= 1, got 0" },
    { 2, 0, 0, "level 0 ('x'): bandwidth must be > 0 bytes/s, got 0" },
    { 2, 1e9, -1, "level 0 ('x'): latency must be in [0, 1e300] s, got -1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DsCluster) c = ds_cluster_new ("c");
      g_autoptr(GError) error = NULL;

      ds_cluster_add_level (c, "x", cases[i].count, cases[i].bw, cases[i].lat);
      g_assert_false (ds_cluster_check (c, &error));
      g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, cases[i].msg);
    }
}

static void
test_too_many_devices (void)
{
  g_autoptr(DsCluster) c = ds_cluster_new ("big");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 3; i++)
    ds_cluster_add_level (c, NULL, 1u << 12, 1e9, 0);
  g_assert_false (ds_cluster_check (c, &error));
  g_assert_cmpstr (error->message, ==,
                   "cluster 'big' has more than 16777216 devices");
}

static void
test_fixture (void)
{
  g_autofree char *path = ds_test_fixture ("cluster-pipedream-16.json");
  g_autofree char *text = ds_test_read (path, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsCluster) c = ds_cluster_read_json (text, -1, path, &error);
  g_autofree char *again = NULL;
  const DsDevice *dev;

  g_assert_no_error (error);
  g_assert_cmpstr (ds_cluster_get_name (c), ==, "pipedream-a-4x4");
  g_assert_cmpuint (ds_cluster_n_devices (c), ==, 16);
  g_assert_cmpfloat (ds_cluster_level (c, 0)->bw_bytes_per_s, ==, 1e10);
  g_assert_cmpfloat (ds_cluster_level (c, 1)->bw_bytes_per_s, ==, 1.25e9);
  g_assert_cmpfloat (ds_cluster_level (c, 1)->latency_s, ==, 50e-6);
  dev = ds_cluster_device_const (c);
  g_assert_cmpstr (dev->name, ==, "V100-16GB");
  g_assert_cmpuint (dev->memory_bytes, ==, 17179869184u);
  g_assert_cmpfloat (ds_device_peak_flops_per_s (dev, "fp16"), ==, 1.25e14);
  g_assert_cmpfloat (ds_device_peak_flops_per_s (dev, "int4"), ==, 0);
  /* the fixture is in the writer's own shape: byte-identical */
  again = ds_cluster_write_json (c, NULL);
  g_assert_cmpstr (again, ==, text);
}

static void
test_round_trip (void)
{
  g_autoptr(DsCluster) c = four_by_four ();
  g_autoptr(DsCluster) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *again = NULL;

  ds_cluster_device (c)->mem_bw_bytes_per_s = 9e11;
  ds_device_set_peak_flops_per_s (ds_cluster_device (c), "fp32", 1.57e13);
  text = ds_cluster_write_json (c, NULL);
  back = ds_cluster_read_json (text, -1, "rt.json", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    {
      const DsClusterLevel *a = ds_cluster_level (c, i), *b = ds_cluster_level (back, i);
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_cmpuint (a->count, ==, b->count);
      g_assert_cmpfloat (a->bw_bytes_per_s, ==, b->bw_bytes_per_s);
      g_assert_cmpfloat (a->latency_s, ==, b->latency_s);
    }
  g_assert_cmpfloat (ds_cluster_device (back)->mem_bw_bytes_per_s, ==, 9e11);
  again = ds_cluster_write_json (back, NULL);
  g_assert_cmpstr (text, ==, again);
}

static const struct {
  const char *text;
  DsErrorCode code;
  const char *message;
} bad_clusters[] = {
  { "{\"levels\": [\n{\"count\": 0, \"bw_bytes_per_s\": 1e9}]}",
    DS_ERROR_INVALID, "c.json:2: level 0: 'count' must be >= 1, got 0" },
  { "{\"levels\": [\n{\"count\": 4}]}",
    DS_ERROR_SYNTAX, "c.json:2: missing required field 'bw_bytes_per_s'" },
  { "{\"levels\": [{\"count\": 4, \"bw_bytes_per_s\": 1e9},\n{\"count\": 2, \"bw_bytes_per_s\": 0}]}",
    DS_ERROR_INVALID, "c.json:2: level 1: 'bw_bytes_per_s' must be > 0, got 0" },
  { "{\"levels\": [\n{\"count\": 4, \"bw_bytes_per_s\": 1e9, \"latency_us\": -3}]}",
    DS_ERROR_INVALID, "c.json:2: level 0: 'latency_us' must be >= 0, got -3" },
  { "{\"levels\": [\n{\"count\": 4, \"bw_gbps\": 1}]}",
    DS_ERROR_SYNTAX, "c.json:2: unknown field 'bw_gbps'" },
  { "{\n\"device\": {\"name\": \"V100\",\n\"memory_bytes\": -1}}",
    DS_ERROR_INVALID, "c.json:3: 'memory_bytes' must be a whole number >= 0, got -1" },
  { "{\"device\": {\"peak_flops_per_s\": {\n\"fp16\": \"fast\"}}}",
    DS_ERROR_SYNTAX, "c.json:2: 'fp16' must be a number, got a string" },
  { "{\"device\": {\"peak_flops_per_s\": {\n\"fp16\": -1}}}",
    DS_ERROR_INVALID, "c.json:2: device: 'fp16' must be >= 0, got -1" },
  { "{\"levels\": [\n{\"count\": 65536, \"bw_bytes_per_s\": 1},\n{\"count\": 65536, \"bw_bytes_per_s\": 1}]}",
    DS_ERROR_INVALID, "c.json: cluster 'c' has more than 16777216 devices" },
  { "{\"format\": \"dawnsim-model\"}",
    DS_ERROR_UNSUPPORTED, "c.json:1: 'format' must be \"dawnsim-cluster\", got \"dawnsim-model\"" },
  { "{\"version\": 2}",
    DS_ERROR_UNSUPPORTED, "c.json:1: cluster format version 2 is newer than this dawnsim reads (1)" },
  { "{\"levels\": [4]}", DS_ERROR_SYNTAX, "c.json:1: level 0 must be an object, got Integer" },
  { "[]", DS_ERROR_SYNTAX, "c.json:1: expected a JSON object at the top, got JsonArray" },
};

static void
test_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_clusters); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsCluster) c = ds_cluster_read_json (bad_clusters[i].text, -1,
                                                     "c.json", &error);
      g_test_message ("case %u: %s", i, bad_clusters[i].text);
      g_assert_null (c);
      g_assert_error (error, DS_ERROR, (gint) bad_clusters[i].code);
      g_assert_cmpstr (error->message, ==, bad_clusters[i].message);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/cluster/levels", test_levels);
  g_test_add_func ("/core/cluster/single-device", test_single_device);
  g_test_add_func ("/core/cluster/check-catches", test_check_catches);
  g_test_add_func ("/core/cluster/too-many-devices", test_too_many_devices);
  g_test_add_func ("/core/cluster/fixture-pipedream-16", test_fixture);
  g_test_add_func ("/core/cluster/json-round-trip", test_round_trip);
  g_test_add_func ("/core/cluster/json-malformed", test_malformed);
  return g_test_run ();
}
