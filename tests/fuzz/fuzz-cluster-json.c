/* tests/fuzz/fuzz-cluster-json.c - the cluster JSON reader on arbitrary
 * bytes; a cluster that loads must write, read back and write the same
 * bytes again. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/cluster-json.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(DsCluster) cluster = ds_cluster_read_json ((const char *) data, size,
                                                       "fuzz.json", NULL);
  g_autofree char *text = NULL, *again = NULL;
  g_autoptr(DsCluster) back = NULL;

  if (cluster == NULL)
    return 0;
  if (ds_cluster_n_devices (cluster) > 1)
    g_assert (ds_cluster_link_level (cluster, 0, ds_cluster_n_devices (cluster) - 1) >= 0);
  text = ds_cluster_write_json (cluster, NULL);
  back = ds_cluster_read_json (text, -1, "again.json", NULL);
  g_assert (back != NULL);
  again = ds_cluster_write_json (back, NULL);
  g_assert (strcmp (text, again) == 0);
  return 0;
}
