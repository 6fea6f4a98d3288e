/* sim/link.c - max-min fair link sharing (progressive filling).
 *
 * HOW IT WORKS. The network keeps one engine event, the settle event. It
 * is due either at the instant a flow started (delay 0, so it runs after
 * the handlers already queued at that instant and sees all their flows at
 * once) or at the earliest finish time under the current rates. When it
 * runs it (1) charges every flow rate x elapsed time, snapping residues;
 * (2) finishes the flows that are done, in the order they started,
 * calling their callbacks, which may start flows; (3) recomputes all
 * rates by progressive filling; (4) re-runs itself after the time to the
 * next finish. Between settle runs rates are constant, which is what
 * makes the charge in (1) exact.
 *
 * WHY NOT THE ENGINE'S HOOK. The hook runs before the first event of an
 * instant; flows started by that instant's handlers need their shares
 * before the engine picks the next instant (a new flow may finish before
 * it), so the recompute must come after the handlers, which a delay-0
 * event does. Flows started by handlers that are themselves queued after
 * the settle event at the same instant cause a second recompute there;
 * ds_network_n_recomputes() lets tests see it.
 *
 * INVARIANTS. After a settle run every active flow has remaining_bytes > 0
 * and a rate > 0; last_update_s <= now; settle_id is the live settle
 * event or 0.
 */
#include "config.h"

#include <math.h>

#include "sim/link.h"

#define RESIDUE_BYTES 1e-6     /* SimGrid's sg_maxmin_precision scale */
#define RESIDUE_S 1e-12        /* SimGrid's sg_surf_precision scale */

typedef struct {
  double bw_bytes_per_s;
  double left_bytes_per_s;     /* progressive filling scratch */
  guint n_unfixed;             /* progressive filling scratch */
  guint64 stamp;               /* the recompute that last listed it */
} Link;

typedef struct {
  DsFlowId id;
  guint *links;
  guint n_links;
  double remaining_bytes, rate_bytes_per_s;
  DsFlowDoneFn done;
  gpointer data;
  gboolean is_fixed;           /* progressive filling scratch */
} Flow;

struct _DsNetwork {
  DsEngine *engine;
  GArray *links;               /* of Link */
  GPtrArray *flows;            /* of Flow *, in start order */
  double last_update_s;
  DsEventId settle_id;
  double settle_at_s;
  gboolean in_settle;
  DsFlowId next_flow_id;
  guint64 n_recomputes;
  GArray *active;              /* guint: links some flow crosses, listed
                                * by each recompute (scratch) */
};

static void
flow_free (gpointer p)
{
  Flow *f = p;
  g_free (f->links);
  g_free (f);
}

/* Charges every flow its rate over [last_update_s, now]. */
static void
charge (DsNetwork *net, double now_s)
{
  double dt_s = now_s - net->last_update_s;

  g_assert (dt_s >= 0);
  for (guint i = 0; i < net->flows->len; i++)
    {
      Flow *f = net->flows->pdata[i];
      f->remaining_bytes -= f->rate_bytes_per_s * dt_s;
      if (f->remaining_bytes < RESIDUE_BYTES)
        f->remaining_bytes = 0;
    }
  net->last_update_s = now_s;
}

/* Done when nothing is left, when what is left takes under RESIDUE_S, or
 * when the time it takes is lost in rounding next to @now_s (late in a
 * long run a settle due then would land at now_s again and loop). */
static gboolean
flow_is_done (const Flow *f, double now_s)
{
  double left_s;

  if (f->remaining_bytes == 0)
    return TRUE;
  if (f->rate_bytes_per_s <= 0)
    return FALSE;
  left_s = f->remaining_bytes / f->rate_bytes_per_s;
  return left_s < RESIDUE_S || now_s + left_s == now_s;
}

/* The unfixed link with the smallest equal share, or G_MAXUINT. Only the
 * links some flow crosses can be one: a network of many idle links (a
 * device's links to every level) costs nothing here. */
static guint
bottleneck (DsNetwork *net, double *share)
{
  guint best = G_MAXUINT;

  for (guint a = 0; a < net->active->len; a++)
    {
      guint l = g_array_index (net->active, guint, a);
      Link *link = &g_array_index (net->links, Link, l);
      double s;
      if (link->n_unfixed == 0)
        continue;
      s = MAX (link->left_bytes_per_s, 0) / link->n_unfixed;
      if (best == G_MAXUINT || s < *share)
        {
          best = l;
          *share = s;
        }
    }
  return best;
}

static gboolean
flow_crosses (const Flow *f, guint link)
{
  for (guint k = 0; k < f->n_links; k++)
    if (f->links[k] == link)
      return TRUE;
  return FALSE;
}

/* Progressive filling: fix the flows of the tightest link at its equal
 * share, give the bandwidth back to their other links, repeat. A flow
 * counts once per listing of a link, in n_unfixed and in what it takes,
 * which is what makes a repeated link weigh it (link.h). */
static void
recompute (DsNetwork *net)
{
  guint b;
  double share = 0;

  net->n_recomputes++;
  g_array_set_size (net->active, 0);
  for (guint i = 0; i < net->flows->len; i++)
    {
      Flow *f = net->flows->pdata[i];
      f->is_fixed = FALSE;
      for (guint k = 0; k < f->n_links; k++)
        {
          Link *link = &g_array_index (net->links, Link, f->links[k]);
          if (link->stamp != net->n_recomputes)
            {
              link->stamp = net->n_recomputes;
              link->left_bytes_per_s = link->bw_bytes_per_s;
              link->n_unfixed = 0;
              g_array_append_val (net->active, f->links[k]);
            }
          link->n_unfixed++;
        }
    }
  while ((b = bottleneck (net, &share)) != G_MAXUINT)
    for (guint i = 0; i < net->flows->len; i++)
      {
        Flow *f = net->flows->pdata[i];
        if (f->is_fixed || !flow_crosses (f, b))
          continue;
        f->is_fixed = TRUE;
        f->rate_bytes_per_s = share;
        for (guint k = 0; k < f->n_links; k++)
          {
            Link *link = &g_array_index (net->links, Link, f->links[k]);
            link->left_bytes_per_s -= share;
            link->n_unfixed--;
          }
      }
}

/* Removes the finished flows, in start order, then calls their callbacks
 * (which may start flows); TRUE if any finished. */
static gboolean
finish_done_flows (DsNetwork *net, double now_s)
{
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func (flow_free);

  for (guint i = 0; i < net->flows->len;)
    {
      Flow *f = net->flows->pdata[i];
      if (flow_is_done (f, now_s))
        g_ptr_array_add (done, g_ptr_array_steal_index (net->flows, i));
      else
        i++;
    }
  for (guint i = 0; i < done->len; i++)
    {
      Flow *f = done->pdata[i];
      if (f->done != NULL)
        f->done (net, f->id, f->data);
    }
  return done->len > 0;
}

static double
next_finish_s (const DsNetwork *net)
{
  double next_s = INFINITY;

  for (guint i = 0; i < net->flows->len; i++)
    {
      const Flow *f = net->flows->pdata[i];
      g_assert (f->rate_bytes_per_s > 0);
      next_s = MIN (next_s, f->remaining_bytes / f->rate_bytes_per_s);
    }
  return next_s;
}

static double
settle (DsEngine *engine, DsEventId id, gpointer data)
{
  DsNetwork *net = data;
  double now_s = ds_engine_now_s (engine), next_s;

  net->in_settle = TRUE;
  charge (net, now_s);
  finish_done_flows (net, now_s);
  /* a flow may be done at once under its new rate (a residue below
   * RESIDUE_S), so loop until none is; usually one recompute */
  do
    recompute (net);
  while (finish_done_flows (net, now_s));
  net->in_settle = FALSE;
  next_s = next_finish_s (net);
  if (isinf (next_s))
    {
      net->settle_id = 0;
      return DS_EVENT_DONE;
    }
  net->settle_at_s = now_s + next_s;
  return next_s;
}

/* ---- API ---- */

DsNetwork *
ds_network_new (DsEngine *engine)
{
  DsNetwork *net = g_new0 (DsNetwork, 1);
  net->engine = engine;
  net->links = g_array_new (FALSE, FALSE, sizeof (Link));
  net->flows = g_ptr_array_new_with_free_func (flow_free);
  net->active = g_array_new (FALSE, FALSE, sizeof (guint));
  net->last_update_s = ds_engine_now_s (engine);
  net->next_flow_id = 1;
  return net;
}

void
ds_network_free (DsNetwork *net)
{
  if (net == NULL)
    return;
  g_return_if_fail (!net->in_settle);
  if (net->settle_id != 0)
    ds_engine_cancel (net->engine, net->settle_id);
  g_ptr_array_unref (net->flows);
  g_array_unref (net->links);
  g_array_unref (net->active);
  g_free (net);
}

guint
ds_network_add_link (DsNetwork *net, double bw_bytes_per_s)
{
  Link link = { bw_bytes_per_s, 0, 0 };

  g_return_val_if_fail (net != NULL, G_MAXUINT);
  g_return_val_if_fail (isfinite (bw_bytes_per_s) && bw_bytes_per_s > 0, G_MAXUINT);
  g_array_append_val (net->links, link);
  return net->links->len - 1;
}

static gboolean
links_valid (const DsNetwork *net, const guint *links, guint n_links)
{
  for (guint k = 0; k < n_links; k++)
    if (links[k] >= net->links->len)
      return FALSE;
  return TRUE;
}

DsFlowId
ds_network_start_flow (DsNetwork *net, const guint *links, guint n_links,
                       double size_bytes, DsFlowDoneFn done, gpointer data)
{
  double now_s;
  Flow *f;

  g_return_val_if_fail (net != NULL, 0);
  g_return_val_if_fail (n_links >= 1 && links != NULL, 0);
  g_return_val_if_fail (links_valid (net, links, n_links), 0);
  g_return_val_if_fail (isfinite (size_bytes) && size_bytes > 0, 0);
  now_s = ds_engine_now_s (net->engine);
  if (!net->in_settle)
    charge (net, now_s);        /* old rates up to now, before they change */
  f = g_new0 (Flow, 1);
  f->id = net->next_flow_id++;
  f->links = g_memdup2 (links, n_links * sizeof links[0]);
  f->n_links = n_links;
  f->remaining_bytes = size_bytes;
  f->done = done;
  f->data = data;
  g_ptr_array_add (net->flows, f);
  /* a settle run in progress recomputes after its callbacks; otherwise
   * make sure one is due now */
  if (!net->in_settle && (net->settle_id == 0 || net->settle_at_s != now_s))
    {
      if (net->settle_id != 0)
        ds_engine_cancel (net->engine, net->settle_id);
      net->settle_id = ds_engine_schedule (net->engine, 0, settle, net, NULL);
      net->settle_at_s = now_s;
    }
  return f->id;
}

double
ds_network_flow_rate (const DsNetwork *net, DsFlowId flow)
{
  g_return_val_if_fail (net != NULL, -1);
  for (guint i = 0; i < net->flows->len; i++)
    {
      const Flow *f = net->flows->pdata[i];
      if (f->id == flow)
        return f->rate_bytes_per_s;
    }
  return -1;
}

guint
ds_network_n_flows (const DsNetwork *net)
{
  g_return_val_if_fail (net != NULL, 0);
  return net->flows->len;
}

guint64
ds_network_n_recomputes (const DsNetwork *net)
{
  g_return_val_if_fail (net != NULL, 0);
  return net->n_recomputes;
}
