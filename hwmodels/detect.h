/* hwmodels/detect.h - what this machine has, from hwloc, as a report and
 * as a one-server DsCluster.
 *
 * hwloc gives cores, NUMA nodes, caches and the PCI tree (with link
 * speeds). GPUs are PCI devices of vendor 0x10de and class 0x0300/0x0302;
 * a known device id names the matching preset, whose peaks fill in the
 * cluster's device. NVLink is not detected (it needs NVML at run time,
 * which Debian's hwloc lacks): GPUs are joined by their PCIe link.
 * The only function in dawnsim that reads hwloc's units converts them
 * here: link speeds GB/s -> bytes/s.
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"

G_BEGIN_DECLS

typedef struct {
  char *bus_id;              /* "0000:3b:00.0" */
  guint vendor_id, device_id, class_id;
  double link_bytes_per_s;   /* PCIe link, one direction; 0 = unknown */
  char *preset;              /* device preset for a known GPU, or NULL */
} DsHwPciDevice;

typedef struct {
  guint n_packages, n_cores, n_pus, n_numa;
  guint64 memory_bytes;      /* host memory */
  guint64 cache_bytes[4];    /* L1d..L4 of the first core; 0 = none */
  GPtrArray *gpus;           /* DsHwPciDevice*, owned, in PCI order */
  GPtrArray *nics;           /* network and InfiniBand controllers */
} DsHwDetected;

void          ds_hw_detected_free (DsHwDetected *det);

/* Loads the hwloc topology of this machine. DS_ERROR_UNSUPPORTED when
 * hwloc cannot. */
DsHwDetected *ds_hw_detect        (GError **error);

/* One server: level 0 "pcie" joins the GPUs (the slowest GPU link; the
 * PCIe Gen3 x16 figure when hwloc reports none). Without GPUs the host
 * CPU is the single device. Passes ds_cluster_check(). */
DsCluster    *ds_hw_detected_cluster (const DsHwDetected *det);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsHwDetected, ds_hw_detected_free)

G_END_DECLS
