/* tests/test-link.c - max-min fair link sharing (sim/link.h), against
 * closed forms: equal shares, the tighter of two links, bandwidth freed
 * by a finishing flow, flows joining later, and rounding residues. */
#include "config.h"

#include <math.h>

#include "sim/link.h"

#define EPS 1e-12

/* Finish time of each flow, indexed by the flow's slot in the test. */
typedef struct {
  DsEngine *engine;
  double finish_s[16];
  guint n_done;
} Finish;

typedef struct {
  Finish *fin;
  guint slot;
} Slot;

static void
record_done (DsNetwork *net, DsFlowId flow, gpointer data)
{
  Slot *s = data;
  g_assert_cmpfloat (ds_network_flow_rate (net, flow), ==, -1);
  s->fin->finish_s[s->slot] = ds_engine_now_s (s->fin->engine);
  s->fin->n_done++;
}

static void
assert_near (double got, double want)
{
  g_assert_cmpfloat_with_epsilon (got, want, EPS * MAX (1, fabs (want)));
}

static void
test_two_equal_flows (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  Finish fin = { e };
  Slot s[2] = { { &fin, 0 }, { &fin, 1 } };
  guint l = ds_network_add_link (net, 100);
  DsFlowId a = ds_network_start_flow (net, &l, 1, 100, record_done, &s[0]);
  DsFlowId b = ds_network_start_flow (net, &l, 1, 100, record_done, &s[1]);

  ds_engine_run (e, 0);
  g_assert_cmpfloat (ds_network_flow_rate (net, a), ==, 50);
  g_assert_cmpfloat (ds_network_flow_rate (net, b), ==, 50);
  g_assert_cmpuint (ds_network_n_recomputes (net), ==, 1);
  ds_engine_run (e, INFINITY);
  g_assert_cmpuint (fin.n_done, ==, 2);
  assert_near (fin.finish_s[0], 2);
  assert_near (fin.finish_s[1], 2);
  g_assert_cmpuint (ds_network_n_flows (net), ==, 0);
}

/* Links A (100 B/s) and B (40 B/s): flow 0 crosses both and is held to
 * B's 40; flow 1 on A alone gets the 60 A has left, not A's half. */
static void
test_tighter_link_limits (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  Finish fin = { e };
  Slot s[2] = { { &fin, 0 }, { &fin, 1 } };
  guint la = ds_network_add_link (net, 100), lb = ds_network_add_link (net, 40);
  guint both[] = { la, lb };
  DsFlowId f0 = ds_network_start_flow (net, both, 2, 40, record_done, &s[0]);
  DsFlowId f1 = ds_network_start_flow (net, &la, 1, 60, record_done, &s[1]);

  ds_engine_run (e, 0);
  g_assert_cmpfloat (ds_network_flow_rate (net, f0), ==, 40);
  g_assert_cmpfloat (ds_network_flow_rate (net, f1), ==, 60);
  ds_engine_run (e, INFINITY);
  assert_near (fin.finish_s[0], 1);
  assert_near (fin.finish_s[1], 1);
}

/* One 100 B/s link, flows of 50 and 150 bytes: both at 50 B/s until the
 * first is done at 1 s; the second has 100 left at the full 100 B/s and
 * is done at 2 s (not at 3 s, as without the freed share). */
static void
test_finish_frees_bandwidth (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  Finish fin = { e };
  Slot s[2] = { { &fin, 0 }, { &fin, 1 } };
  guint l = ds_network_add_link (net, 100);
  DsFlowId big;

  ds_network_start_flow (net, &l, 1, 50, record_done, &s[0]);
  big = ds_network_start_flow (net, &l, 1, 150, record_done, &s[1]);
  ds_engine_run (e, 1);
  assert_near (fin.finish_s[0], 1);
  g_assert_cmpfloat (ds_network_flow_rate (net, big), ==, 100);
  ds_engine_run (e, INFINITY);
  assert_near (fin.finish_s[1], 2);
  /* one recompute at 0, one at 1, one (empty) at 2 */
  g_assert_cmpuint (ds_network_n_recomputes (net), ==, 3);
}

/* A flow joining at 1 s: flow 0 (200 bytes) alone at 100 B/s until 1 s,
 * then both at 50; flow 1 (50 bytes) is done at 2 s, flow 0 has 50 left
 * at 100 B/s and is done at 2.5 s. */
typedef struct {
  DsNetwork *net;
  guint link;
  double size_bytes;
  Slot *slot;
} Starter;

static double
start_later (DsEngine *engine, DsEventId id, gpointer data)
{
  Starter *st = data;
  ds_network_start_flow (st->net, &st->link, 1, st->size_bytes, record_done, st->slot);
  return DS_EVENT_DONE;
}

static void
test_flow_joins_later (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  Finish fin = { e };
  Slot s[2] = { { &fin, 0 }, { &fin, 1 } };
  guint l = ds_network_add_link (net, 100);
  Starter st = { net, l, 50, &s[1] };

  ds_network_start_flow (net, &l, 1, 200, record_done, &s[0]);
  ds_engine_schedule (e, 1, start_later, &st, NULL);
  ds_engine_run (e, INFINITY);
  assert_near (fin.finish_s[1], 2);
  assert_near (fin.finish_s[0], 2.5);
}

/* Many flows started by separate handlers at one instant share one
 * recompute, and the shares are equal. */
static void
test_one_recompute_per_instant (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  Finish fin = { e };
  Slot s[10];
  Starter st[10];
  guint l = ds_network_add_link (net, 1000);

  for (guint i = 0; i < 10; i++)
    {
      s[i] = (Slot) { &fin, i };
      st[i] = (Starter) { net, l, 100, &s[i] };
      ds_engine_schedule (e, 3, start_later, &st[i], NULL);
    }
  ds_engine_run (e, 3);
  g_assert_cmpuint (ds_network_n_recomputes (net), ==, 1);
  ds_engine_run (e, INFINITY);
  g_assert_cmpuint (fin.n_done, ==, 10);
  for (guint i = 0; i < 10; i++)
    assert_near (fin.finish_s[i], 4);
}

/* A chain: each finish starts the next flow, at sizes and rates that are
 * not exact in binary, late in virtual time. Each flow must finish at
 * its closed-form time and the chain must not stall on a residue. */
typedef struct {
  Finish fin;
  guint link, n_left;
  double size_bytes;
} Chain;

static void
chain_done (DsNetwork *net, DsFlowId flow, gpointer data)
{
  Chain *c = data;
  c->fin.n_done++;
  c->fin.finish_s[0] = ds_engine_now_s (c->fin.engine);
  if (c->n_left-- > 0)
    ds_network_start_flow (net, &c->link, 1, c->size_bytes, chain_done, c);
}

/* Only moves virtual time. */
static double
noop (DsEngine *engine, DsEventId id, gpointer data)
{
  return DS_EVENT_DONE;
}

static void
test_residues_snap (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  Chain c = { { e }, 0, 999, 0.1 };

  c.link = ds_network_add_link (net, 0.3);
  ds_engine_schedule (e, 1e6, noop, NULL, NULL);
  ds_engine_run (e, INFINITY);          /* now at 1e6 */
  ds_network_start_flow (net, &c.link, 1, c.size_bytes, chain_done, &c);
  ds_engine_run (e, INFINITY);
  g_assert_cmpuint (c.fin.n_done, ==, 1000);
  /* 1000 flows of 0.1 bytes at 0.3 B/s: 1000/3 s after 1e6 */
  g_assert_cmpfloat_with_epsilon (c.fin.finish_s[0], 1e6 + 1000 / 3.0, 1e-6);
  g_assert_cmpuint (ds_network_n_flows (net), ==, 0);
}

/* A 100 B/s link carrying flow 0 twice (two copies in lockstep, 100
 * bytes each) and flow 1 once (50 bytes): three equal shares of 100/3, so
 * flow 1 is done at 1.5 s; then flow 0's copies split the link, 50 B/s
 * each, for the 50 bytes they have left: done at 2.5 s. */
static void
test_repeated_link_weighs (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  Finish fin = { e };
  Slot s[2] = { { &fin, 0 }, { &fin, 1 } };
  guint l = ds_network_add_link (net, 100);
  guint twice[] = { l, l };
  DsFlowId a;

  a = ds_network_start_flow (net, twice, 2, 100, record_done, &s[0]);
  ds_network_start_flow (net, &l, 1, 50, record_done, &s[1]);
  ds_engine_run (e, 1);
  assert_near (ds_network_flow_rate (net, a), 100 / 3.0);
  ds_engine_run (e, INFINITY);
  assert_near (fin.finish_s[1], 1.5);
  assert_near (fin.finish_s[0], 2.5);
}

static void
test_invalid_arguments (void)
{
  g_autoptr(DsEngine) e = ds_engine_new ();
  g_autoptr(DsNetwork) net = ds_network_new (e);
  guint l = ds_network_add_link (net, 1);
  guint missing = 7;

  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*bw_bytes_per_s*");
  g_assert_cmpuint (ds_network_add_link (net, 0), ==, G_MAXUINT);
  g_test_assert_expected_messages ();
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*size_bytes*");
  g_assert_cmpuint (ds_network_start_flow (net, &l, 1, 0, NULL, NULL), ==, 0);
  g_test_assert_expected_messages ();
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL, "*links_valid*");
  g_assert_cmpuint (ds_network_start_flow (net, &missing, 1, 1, NULL, NULL), ==, 0);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (ds_network_n_flows (net), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim/link/two-equal-flows-get-half", test_two_equal_flows);
  g_test_add_func ("/sim/link/tighter-link-limits", test_tighter_link_limits);
  g_test_add_func ("/sim/link/finish-frees-bandwidth", test_finish_frees_bandwidth);
  g_test_add_func ("/sim/link/flow-joins-later", test_flow_joins_later);
  g_test_add_func ("/sim/link/one-recompute-per-instant", test_one_recompute_per_instant);
  g_test_add_func ("/sim/link/residues-snap", test_residues_snap);
  g_test_add_func ("/sim/link/repeated-link-weighs", test_repeated_link_weighs);
  g_test_add_func ("/sim/link/invalid-arguments", test_invalid_arguments);
  return g_test_run ();
}
