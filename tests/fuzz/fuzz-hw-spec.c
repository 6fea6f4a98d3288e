/* tests/fuzz/fuzz-hw-spec.c - the inline cluster spec parser
 * ("h100:8x4,nvlink4,ib-ndr") on arbitrary bytes, against the real link
 * and device presets; a spec that parses must give a checked cluster with
 * one level per link, and must write and read back through the core
 * cluster format. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/cluster-json.h"
#include "hwmodels/presets.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static GPtrArray *links;
  g_autofree char *spec = g_strndup ((const char *) data, size);
  g_autoptr(DsCluster) cluster = NULL, back = NULL;
  g_autofree char *text = NULL;
  guint n_commas = 0;

  if (links == NULL)
    g_assert ((links = ds_hw_links_open (NULL)) != NULL);
  cluster = ds_hw_cluster_from_spec (spec, links, NULL);
  if (cluster == NULL)
    return 0;
  for (const char *c = spec; *c; c++)
    n_commas += *c == ',';
  g_assert (ds_cluster_check (cluster, NULL));
  g_assert (ds_cluster_n_levels (cluster) == n_commas);
  text = ds_cluster_write_json (cluster, NULL);
  back = ds_cluster_read_json (text, -1, "spec.json", NULL);
  g_assert (back != NULL);
  return 0;
}
