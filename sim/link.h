/* sim/link.h - max-min fair sharing of link bandwidth among flows.
 *
 * A network is a set of links, each with a bandwidth, on one engine. A
 * flow crosses one or more links and carries a number of bytes; at every
 * instant the active flows get max-min fair rates (progressive filling:
 * the most constrained link splits what it has left equally among its
 * unfixed flows, which are then fixed, and so on). Rates are recomputed
 * once per instant at which flows start or finish, not per flow. When a
 * flow has carried all its bytes its callback runs, at the instant it
 * finished, and may start new flows.
 *
 * Residues: remaining bytes below 1e-6, or a remaining time below
 * 1e-12 s, count as finished (SimGrid's double_update), so a flow never
 * "almost finishes" forever through rounding.
 *
 * Cost: each recompute is O(L x F) per bottleneck round, at most L
 * rounds, for L links and F active flows; one engine event per network.
 */
#pragma once

#include <glib.h>

#include "sim/engine.h"

G_BEGIN_DECLS

typedef struct _DsNetwork DsNetwork;
typedef guint64 DsFlowId;                  /* 0 is never a valid id */

/* Runs at the instant the flow carried its last byte; the flow is gone by
 * then (ds_network_flow_rate returns -1 for it). May start flows. */
typedef void (*DsFlowDoneFn) (DsNetwork *net, DsFlowId flow, gpointer data);

/* A network on @engine, which must outlive it. This function can't fail. */
DsNetwork *ds_network_new        (DsEngine *engine);
/* Drops unfinished flows without calling their callbacks. */
void       ds_network_free       (DsNetwork *net);
/* Adds a link; @bw_bytes_per_s must be finite and > 0. Returns its index
 * (0, 1, ... in order of addition), or G_MAXUINT after g_critical. */
guint      ds_network_add_link   (DsNetwork *net, double bw_bytes_per_s);
/* Starts a flow of @size_bytes (finite, > 0) over @n_links >= 1 links
 * (the array is copied) at the engine's current time. A link listed k
 * times carries the flow k times: k copies moving in lockstep, each at
 * the flow's rate, so it counts k times in the link's equal split and
 * uses k x rate of it. @data stays the caller's. Returns 0 after
 * g_critical on bad arguments. */
DsFlowId   ds_network_start_flow (DsNetwork *net, const guint *links, guint n_links,
                                  double size_bytes, DsFlowDoneFn done, gpointer data);
/* The flow's current rate in bytes/s, or -1 if it finished or never
 * existed; O(F). A flow
 * started at the current instant has rate 0 until the instant's shares
 * are computed (before virtual time moves on). */
double     ds_network_flow_rate  (const DsNetwork *net, DsFlowId flow);
guint      ds_network_n_flows    (const DsNetwork *net);
/* How many times shares were recomputed (for tests: once per instant). */
guint64    ds_network_n_recomputes (const DsNetwork *net);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsNetwork, ds_network_free)

G_END_DECLS
