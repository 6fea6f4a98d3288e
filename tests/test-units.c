/* tests/test-units.c - exact and human number formatting (core/units.h). */
#include "config.h"

#include "core/units.h"

#include <math.h>

static void
test_shortest_round_trips (void)
{
  const double values[] = { 0, 1, 2.211, 0.1 + 0.2, 1e300, 5e-324, 123456789.0,
                            205520896.0, 1.0 / 3, -7.25 };
  char buf[DS_NUM_BUF];

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_assert_cmpfloat (g_ascii_strtod (ds_fmt_double (buf, values[i]), NULL),
                       ==, values[i]);
  g_assert_cmpstr (ds_fmt_double (buf, 2.211), ==, "2.211");
  g_assert_cmpstr (ds_fmt_double (buf, 0.1 + 0.2), ==, "0.30000000000000004");
  g_assert_cmpstr (ds_fmt_double (buf, 3.0), ==, "3");
  g_assert_cmpstr (ds_fmt_double (buf, 50.0), ==, "50");
  g_assert_cmpstr (ds_fmt_double (buf, 1.25e9), ==, "1250000000");
  g_assert_cmpstr (ds_fmt_double (buf, -0.0), ==, "-0");
  g_assert_cmpstr (ds_fmt_double (buf, 1.5e-5), ==, "1.5e-05");
}

/* Milliseconds read as strtod(t) / 1000 must give back the same seconds,
 * whatever the value: that is what makes JSON round trips exact. */
static void
test_scaled_reads_back_exactly (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  char buf[DS_NUM_BUF];

  for (guint i = 0; i < 20000; i++)
    {
      double ms = g_rand_double_range (rand, 0, 1000);
      double s = (i % 2 ? floor (ms * 1000) / 1000 : ms) / 1000.0;
      g_assert_cmpfloat (g_ascii_strtod (ds_fmt_scaled (buf, s, 1000.0), NULL)
                         / 1000.0, ==, s);
    }
  g_assert_cmpstr (ds_fmt_scaled (buf, 2.211 / 1000.0, 1000.0), ==, "2.211");
}

static void
test_human (void)
{
  char buf[DS_NUM_BUF];

  g_assert_cmpstr (ds_fmt_seconds_human (buf, 0.0123), ==, "12.3 ms");
  g_assert_cmpstr (ds_fmt_seconds_human (buf, 1.5), ==, "1.5 s");
  g_assert_cmpstr (ds_fmt_seconds_human (buf, 850e-6), ==, "850 us");
  g_assert_cmpstr (ds_fmt_bytes_human (buf, 512), ==, "512 B");
  g_assert_cmpstr (ds_fmt_bytes_human (buf, 553430176), ==, "527.8 MiB");
  g_assert_cmpstr (ds_fmt_bytes_human (buf, 1.5 * 1073741824.0), ==, "1.5 GiB");
  g_assert_cmpstr (ds_fmt_flops_human (buf, 15.5e9), ==, "15.5 GFLOP");
  g_assert_cmpstr (ds_fmt_count_human (buf, 138357544), ==, "138.4 M");
  g_assert_cmpstr (ds_fmt_count_human (buf, 25557032), ==, "25.56 M");
  g_assert_cmpstr (ds_fmt_count_human (buf, 42), ==, "42");
  g_assert_cmpstr (ds_fmt_bandwidth_human (buf, 1e9), ==, "1 GB/s");
  g_assert_cmpstr (ds_fmt_bandwidth_human (buf, 1.25e9), ==, "1.25 GB/s");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/units/shortest-round-trips", test_shortest_round_trips);
  g_test_add_func ("/core/units/scaled-reads-back-exactly", test_scaled_reads_back_exactly);
  g_test_add_func ("/core/units/human", test_human);
  return g_test_run ();
}
