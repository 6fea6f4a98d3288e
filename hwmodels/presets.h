/* hwmodels/presets.h - finding presets, the inline cluster spec, and
 * ds_hw_cluster_open(), the one call the planner and CLI use to get a
 * cluster from what a user typed.
 *
 * Presets are data files under a presets folder:
 *   devices/NAME.json   the device format (device.h)
 *   links.json          the link format (link.h)
 *   clusters/NAME.json  the core cluster format (core/cluster-json.h); a
 *                       device given by name only is filled in from
 *                       devices/NAME.json
 * The folder is, in order: $DS_PRESETS_DIR; the source tree's
 * hwmodels/presets when it exists (tests and uninstalled runs); the
 * installed $(pkgdatadir)/hwmodels/presets.
 *
 * Inline spec: DEVICE:C0xC1x...,LINK0,LINK1,...  e.g. "h100:8x4,nvlink4,ib-ndr"
 * = 8 H100 per server over NVLink 4, 4 servers over InfiniBand NDR. Counts
 * and links go innermost first and must be as many. Each level's bandwidth
 * is the link's bw x efficiency (achievable), its latency the link's.
 */
#pragma once

#include <glib.h>

#include "core/cluster.h"
#include "hwmodels/device.h"
#include "hwmodels/link.h"

G_BEGIN_DECLS

/* The presets folder in use (see above); never NULL. Owned by the caller. */
char       *ds_hw_presets_dir     (void);
/* Sorted preset names of @kind ("devices" or "clusters"). */
GPtrArray  *ds_hw_preset_names    (const char *kind, GError **error);

/* A device preset name, or a path to a device file. */
DsHwDevice *ds_hw_device_open     (const char *name_or_file, GError **error);
/* Every link preset, in file order. */
GPtrArray  *ds_hw_links_open      (GError **error);

/* Parses an inline spec against the presets. Errors are DS_ERROR_SYNTAX
 * for the shape, DS_ERROR_UNKNOWN_NAME for a device or link that does not
 * exist, DS_ERROR_INVALID for counts out of range. */
DsCluster  *ds_hw_cluster_from_spec (const char *spec, GPtrArray *links,
                                     GError **error);

/* @arg: an inline spec (contains ':'), a file (exists, or ends in .json),
 * or a cluster preset name; "A", "B" and "C" are PipeDream's clusters
 * (pipedream-a, -b, -c). @n_gpus > 0 resizes the outermost level so the
 * cluster has @n_gpus devices; it must be a multiple of the inner levels'
 * product (DS_ERROR_INVALID otherwise). Returns a checked cluster. */
DsCluster  *ds_hw_cluster_open    (const char *arg, guint n_gpus,
                                   GError **error);

/* Copies a device preset's name, memory and peaks into @cluster. */
void        ds_hw_cluster_set_device (DsCluster *cluster,
                                      const DsHwDevice *device);

G_END_DECLS
