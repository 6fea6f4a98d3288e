/* hwmodels/link.h - DsHwLink: an interconnect's bandwidth, latency and
 * achievable efficiency, read from hwmodels/presets/links.json.
 *
 * Bandwidth is bytes/s in one direction per device (an NVLink figure is a
 * GPU's links together; a NIC figure is one port). Efficiency is the
 * fraction of that bandwidth large transfers reach; a cluster built from
 * links (spec.h) uses bw x efficiency as its level bandwidth.
 */
#pragma once

#include <glib.h>

#include "core/error.h"

G_BEGIN_DECLS

typedef struct {
  char *name;               /* "nvlink4", "ib-ndr" */
  char *title;              /* "NVLink 4 (18 links)" */
  double bw_bytes_per_s;    /* nominal, one direction, > 0 */
  double latency_s;         /* per message, >= 0 */
  double efficiency;        /* (0, 1] */
} DsHwLink;

void      ds_hw_link_free (DsHwLink *link);

/* Reads the links format (documented in link.c): an array of DsHwLink*
 * owned by the array, in file order; names are unique. */
GPtrArray *ds_hw_links_read_json (const char *text, gssize len,
                                  const char *file, GError **error);
/* The link called @name in @links, or NULL. */
const DsHwLink *ds_hw_links_find (GPtrArray *links, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsHwLink, ds_hw_link_free)

G_END_DECLS
