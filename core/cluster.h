/* core/cluster.h - DsCluster: identical devices grouped into nested levels.
 *
 * Levels go innermost first, as PipeDream's -n/-b: level 0 groups devices
 * (the GPUs of one server), level 1 groups level-0 groups (servers), and so
 * on. Each level has a count (>= 1), the bandwidth of the links between
 * its groups (bytes/s, > 0) and their latency (s, >= 0). Device ranks run
 * 0..n-1 with the innermost level varying fastest, so with counts 4 x 4
 * ranks 0-3 share server 0. One device description covers every device.
 *
 * Ownership: reference counted; shared read-only once built. The cluster
 * owns its levels and device strings. ds_cluster_check() is the invariant
 * checker; the JSON reader calls it before returning a cluster.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most devices a cluster may have: ranks must fit a gint. */
#define DS_CLUSTER_MAX_DEVICES (1u << 24)

typedef struct {
  char *name;               /* "pcie", "ethernet"; may be NULL */
  guint count;              /* groups of the level below per group, >= 1 */
  double bw_bytes_per_s;    /* per link between those groups, > 0 */
  double latency_s;         /* per message, >= 0 */
} DsClusterLevel;

typedef struct {
  char *name;                  /* "V100-16GB"; never NULL, may be "" */
  guint64 memory_bytes;        /* 0 = unknown */
  double mem_bw_bytes_per_s;   /* 0 = unknown */
  GHashTable *peak_flops_per_s; /* dtype ("fp32") -> double*, owned */
} DsDevice;

typedef struct _DsCluster DsCluster;

DsCluster   *ds_cluster_new        (const char *name);
DsCluster   *ds_cluster_ref        (DsCluster *cluster);
void         ds_cluster_unref      (DsCluster *cluster);

const char  *ds_cluster_get_name   (const DsCluster *cluster);
void         ds_cluster_set_name   (DsCluster *cluster, const char *name);
/* The device description, owned by the cluster; edit it in place. */
DsDevice    *ds_cluster_device     (DsCluster *cluster);
const DsDevice *ds_cluster_device_const (const DsCluster *cluster);
/* Peak rate for @dtype in flop/s, or 0 when not given. */
double       ds_device_peak_flops_per_s (const DsDevice *device,
                                         const char *dtype);
void         ds_device_set_peak_flops_per_s (DsDevice *device,
                                             const char *dtype,
                                             double flops_per_s);

/* Appends the next outer level (@name may be NULL; copied) and returns
 * its index. Values are checked by ds_cluster_check(), not here. */
guint        ds_cluster_add_level  (DsCluster *cluster, const char *name,
                                    guint count, double bw_bytes_per_s,
                                    double latency_s);
guint        ds_cluster_n_levels   (const DsCluster *cluster);
const DsClusterLevel *ds_cluster_level (const DsCluster *cluster, guint idx);

/* Product of the level counts (1 with no levels: a single device).
 * Saturates at DS_CLUSTER_MAX_DEVICES + 1 for a cluster that fails check. */
guint        ds_cluster_n_devices  (const DsCluster *cluster);
/* The level whose links join ranks @a and @b: the innermost level at
 * which they fall in the same group. -1 when a == b. Both ranks must be
 * < ds_cluster_n_devices(). */
gint         ds_cluster_link_level (const DsCluster *cluster, guint a,
                                    guint b);

/* Counts >= 1, bandwidths > 0 and finite, latencies >= 0 and finite, at
 * most DS_CLUSTER_MAX_DEVICES devices, device figures finite and >= 0.
 * Messages name the level ("level 1 ('ethernet'): ..."). */
gboolean     ds_cluster_check      (const DsCluster *cluster, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsCluster, ds_cluster_unref)

G_END_DECLS
