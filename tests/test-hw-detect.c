/* tests/test-hw-detect.c - hwloc discovery: this machine yields a report
 * and a cluster that passes the checker and round-trips through the core
 * cluster format. Works with or without GPUs. */
#include "config.h"

#include "core/cluster-json.h"
#include "hwmodels/detect.h"

static void
test_detect_this_machine (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsHwDetected) det = ds_hw_detect (&error);
  g_autoptr(DsCluster) cluster = NULL, back = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (det->n_pus, >=, 1);
  g_assert_cmpuint (det->n_pus, >=, det->n_cores);
  cluster = ds_hw_detected_cluster (det);
  g_assert_true (ds_cluster_check (cluster, &error));
  g_assert_cmpuint (ds_cluster_n_devices (cluster), ==, MAX (det->gpus->len, 1));
  text = ds_cluster_write_json (cluster, NULL);
  back = ds_cluster_read_json (text, -1, "detected.json", &error);
  g_assert_no_error (error);
  g_test_message ("%u cores, %u GPUs", det->n_cores, det->gpus->len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hwmodels/detect/this-machine", test_detect_this_machine);
  return g_test_run ();
}
