/* core/cluster-json.h - dawnsim's own cluster format.
 *
 * Bandwidths are bytes/s in the file (as PipeDream's -b takes them, so
 * "1.25e9" is its 10 Gb/s Ethernet), latencies microseconds ("latency_us"),
 * memory bytes, peak rates flop/s. Every field but a level's count and
 * bandwidth is optional, unknown fields are errors, and messages name the
 * file, the line and the field. JSON -> cluster -> JSON is byte-identical
 * after the first write; cluster -> JSON -> cluster is exact.
 */
#pragma once

#include "core/cluster.h"

G_BEGIN_DECLS

/* @file names the input in messages (borrowed). Returns a checked cluster
 * (ds_cluster_check) or NULL. */
DsCluster *ds_cluster_read_json  (const char *text, gssize len,
                                  const char *file, GError **error);
/* Returns the document, ending in a newline; never fails. The cluster
 * must pass ds_cluster_check(). */
char      *ds_cluster_write_json (const DsCluster *cluster, gsize *len);

G_END_DECLS
