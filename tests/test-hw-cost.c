/* tests/test-hw-cost.c - hwmodels cost functions against their closed
 * forms: collectives, the hierarchical all-reduce, point to point, the
 * parameter-server exchange, and the roofline for GEMMs and layers. */
#include "config.h"

#include "hwmodels/cost.h"
#include "hwmodels/presets.h"

#include <math.h>

#define REL(a, b) (fabs ((a) - (b)) <= 1e-12 * fabs (b))

static void
test_collective_closed_forms (void)
{
  const double S = 1 << 28, B = 1e11, a = 2e-6;

  for (guint n = 1; n <= 64; n = n * 2 + 1)
    {
      double nn = n;
      double ring = n > 1 ? 2 * (nn - 1) * a + 2 * (nn - 1) / nn * S / B : 0;
      double tree = n > 1 ? 2 * ceil (log2 (nn)) * a + 2 * S / B : 0;
      double half = n > 1 ? (nn - 1) * a + (nn - 1) / nn * S / B : 0;
      double bcast = n > 1 ? (nn - 1) * a + S / B : 0;

      g_assert_true (REL (ds_hw_collective_time_s (DS_HW_ALLREDUCE_RING, n, S, B, a), ring));
      g_assert_true (REL (ds_hw_collective_time_s (DS_HW_ALLREDUCE_TREE, n, S, B, a), tree));
      g_assert_true (REL (ds_hw_collective_time_s (DS_HW_ALLGATHER, n, S, B, a), half));
      g_assert_true (REL (ds_hw_collective_time_s (DS_HW_REDUCE_SCATTER, n, S, B, a), half));
      g_assert_true (REL (ds_hw_collective_time_s (DS_HW_ALLTOALL, n, S, B, a), half));
      g_assert_true (REL (ds_hw_collective_time_s (DS_HW_BROADCAST, n, S, B, a), bcast));
      /* with no latency, the time is S x busbw factor / B (nccl-tests) */
      if (n > 1)
        g_assert_true (REL (ds_hw_collective_time_s (DS_HW_ALLREDUCE_RING, n, S, B, 0),
                            S * ds_hw_busbw_factor (DS_HW_ALLREDUCE_RING, n) / B));
    }
}

static DsCluster *
cluster (guint n_levels, const guint *counts, const double *bw, const double *lat)
{
  DsCluster *c = ds_cluster_new ("t");

  for (guint i = 0; i < n_levels; i++)
    ds_cluster_add_level (c, NULL, counts[i], bw[i], lat[i]);
  return c;
}

static void
test_hier_reduces_to_flat (void)
{
  const double S = 3e8;
  g_autoptr(DsCluster) one = cluster (1, (guint[]) { 8 }, (double[]) { 3e11 }, (double[]) { 1e-6 });
  g_autoptr(DsCluster) top1 = cluster (2, (guint[]) { 8, 1 }, (double[]) { 3e11, 4e10 },
                                       (double[]) { 1e-6, 5e-6 });
  g_autoptr(DsCluster) two = cluster (2, (guint[]) { 8, 4 }, (double[]) { 3e11, 4e10 },
                                      (double[]) { 1e-6, 5e-6 });
  double flat = ds_hw_cluster_collective_time_s (one, DS_HW_ALLREDUCE_RING, S);
  double expect;

  g_assert_true (REL (ds_hw_cluster_collective_time_s (one, DS_HW_ALLREDUCE_HIER, S), flat));
  g_assert_true (REL (ds_hw_cluster_collective_time_s (top1, DS_HW_ALLREDUCE_HIER, S), flat));
  /* two levels: RS(8) + ring(4, S/8) + AG(8) */
  expect = 2 * (7 * 1e-6 + 7.0 / 8 * S / 3e11) + 6 * 5e-6 + 2 * 3.0 / 4 * (S / 8) / 4e10;
  g_assert_true (REL (ds_hw_cluster_collective_time_s (two, DS_HW_ALLREDUCE_HIER, S), expect));
  /* and it beats a flat ring at the slow level's bandwidth */
  g_assert_cmpfloat (expect, <, ds_hw_cluster_collective_time_s (two, DS_HW_ALLREDUCE_RING, S));
}

static void
test_p2p_and_ps (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsCluster) a = ds_hw_cluster_open ("A", 0, &error);
  const double S = 5.5e8;

  g_assert_no_error (error);
  g_assert_true (REL (ds_hw_p2p_time_s (a, 1, S), 30e-6 + S / 1.25e9));
  g_assert_true (REL (ds_hw_p2p_time_s (a, 0, S), 1e-6 + S / 1e10));
  /* PipeDream: 4(n-1)/n S / B at the bottleneck, plus 2a */
  g_assert_true (REL (ds_hw_ps_exchange_time_s (a, S), 2 * 30e-6 + 4.0 * 15 / 16 * S / 1.25e9));
}

static void
test_gemm_roofline (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsHwDevice) d = ds_hw_device_open ("h200", &error);
  double big = 0, small = 0, thin = 0;

  g_assert_no_error (error);
  g_assert_true (ds_hw_gemm_time_s (d, "bf16", 8192, 8192, 8192, &big, &error));
  /* large: near 2mnk / (0.73 peak) */
  g_assert_cmpfloat (fabs (big / (2 * pow (8192, 3) / (0.73 * 9.894e14)) - 1), <, 0.02);
  /* tiny: the floor */
  g_assert_true (ds_hw_gemm_time_s (d, "bf16", 16, 16, 16, &small, &error));
  g_assert_cmpfloat (fabs (small - 30e-6), <, 1e-7);
  /* a matrix-vector product is memory-bound */
  g_assert_true (ds_hw_gemm_time_s (d, "bf16", 65536, 1, 65536, &thin, &error));
  g_assert_cmpfloat (thin, >=, 65536.0 * 65536 * 2 / (0.87 * 4.8e12));
  g_assert_false (ds_hw_gemm_time_s (d, "int4", 8, 8, 8, &thin, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_UNSUPPORTED);
}

static void
test_layer_time (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsHwDevice) d = ds_hw_device_open ("a100-sxm4-80gb", &error);
  DsLayer fc = { .name = (char *) "fc", .kind = (char *) "linear",
                 .fwd_flops = 1e12, .mem_bytes = 1e6 };
  DsLayer relu = { .name = (char *) "relu", .kind = (char *) "relu",
                   .mem_bytes = 1e9 };
  DsLayer input = { .name = (char *) "in", .kind = (char *) "input" };
  double f, b;

  g_assert_no_error (error);
  g_assert_true (ds_hw_layer_time_s (d, &fc, "bf16", &f, &b, &error));
  g_assert_cmpfloat (fabs (f / (1e12 / (0.85 * 3.12e14)) - 1), <, 0.01);
  g_assert_cmpfloat (fabs (b / f - 2), <, 0.01);
  g_assert_true (ds_hw_layer_time_s (d, &relu, "bf16", &f, &b, &error));
  g_assert_cmpfloat (fabs (f / (1e9 / (0.85 * 2.039e12)) - 1), <, 0.01);
  g_assert_true (ds_hw_layer_time_s (d, &input, "bf16", &f, &b, &error));
  g_assert_cmpfloat (f, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hwmodels/cost/collective-closed-forms", test_collective_closed_forms);
  g_test_add_func ("/hwmodels/cost/hier-reduces-to-flat", test_hier_reduces_to_flat);
  g_test_add_func ("/hwmodels/cost/p2p-and-ps", test_p2p_and_ps);
  g_test_add_func ("/hwmodels/cost/gemm-roofline", test_gemm_roofline);
  g_test_add_func ("/hwmodels/cost/layer-time", test_layer_time);
  return g_test_run ();
}
