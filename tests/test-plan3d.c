/* tests/test-plan3d.c - the 3D planner: memory model by hand-computed
 * cases, the search's pruning and ranking, the no-fit message, and the
 * simulator confirming a searched plan.
 */
#include "config.h"

#include "core/error.h"
#include "core/zoo.h"
#include "hwmodels/presets.h"
#include "planner/megatron.h"
#include "planner/search3d.h"
#include "sim/pipeline.h"
#include "tests/testutil.h"

#include <math.h>
#include <string.h>

/* L 4, h 1024, a 16, s 1024, V 1000: small enough to add up by hand. */
static const DsTfmShape small = { 4, 1024, 16, 1024, 1000 };

/* tp 2, pp 2, dp 1, b 1, B 4 (m = 4), no recomputation.
 * A block's parameters on a rank: (12 h^2 + 9 h) / 2 + 4 h = 6,300,160.
 * Stage 0: 2 blocks + V h / t (512,000) + s h (1,048,576) = 14,160,896
 *   parameters x 18 bytes = 254,896,128; activations: s b h (10 + 24/2 +
 *   5 a s / (h t)) = 1,048,576 x 62 = 65,011,712 a block, 2 blocks x
 *   min(m, p) = 2 micro-batches = 260,046,848; total 514,942,976.
 * Stage 1: 2 blocks + 2 h + V h / t = 13,114,368 x 18 = 236,058,624;
 *   activations 2 x 1 x 65,011,712 + logits 1024 x 500 x 6 = 133,095,424;
 *   total 369,154,048: stage 0 is the larger. */
static void
test_memory_by_hand (void)
{
  DsStrategy3d st = { 2, 2, 1, 1, 4, 1, DS_RECOMPUTE_NONE, FALSE, FALSE };
  DsMem3d m;

  g_assert_true (ds_strategy3d_check (&st, &small, 4, NULL));
  g_assert_cmpfloat (ds_mem3d_block_activation_bytes (&small, &st), ==, 65011712);
  ds_mem3d_estimate (&small, &st, &m);
  g_assert_cmpuint (m.stage, ==, 0);
  g_assert_cmpfloat (m.params, ==, 14160896);
  g_assert_cmpfloat (m.weights_bytes + m.grads_bytes + m.optimizer_bytes, ==, 254896128);
  g_assert_cmpfloat (m.activations_bytes, ==, 260046848);
  g_assert_cmpfloat (m.total_bytes, ==, 514942976);
}

/* tp 2, pp 1, dp 4, b 2, B 16 (m = 2), full recomputation, sequence
 * parallel, ZeRO-1. Parameters: 4 blocks + 512,000 + 1,048,576 + 2 h =
 * 26,763,264; weights + gradients 6 bytes = 160,579,584, optimizer 12 / 4
 * = 80,289,792. Activations: 4 blocks x 1 micro-batch x 2 s b h / t
 * (2,097,152) = 8,388,608, the block being recomputed s b h / t (34 +
 * 5 a s / h) = 1,048,576 x 114 = 119,537,664, logits 2048 x 500 x 6 =
 * 6,144,000. Total 374,939,648. */
static void
test_memory_full_sp_zero1 (void)
{
  DsStrategy3d st = { 2, 1, 4, 2, 16, 1, DS_RECOMPUTE_FULL, TRUE, TRUE };
  DsMem3d m;

  g_assert_true (ds_strategy3d_check (&st, &small, 8, NULL));
  ds_mem3d_estimate (&small, &st, &m);
  g_assert_cmpfloat (m.params, ==, 26763264);
  g_assert_cmpfloat (m.optimizer_bytes, ==, 80289792);
  g_assert_cmpfloat (m.activations_bytes, ==, 134070272);
  g_assert_cmpfloat (m.total_bytes, ==, 374939648);
}

/* Selective recomputation with sequence parallelism keeps 34 s b h / t a
 * block (Korthikanti et al. table 2): 34 x 1,048,576 / 4. */
static void
test_memory_selective (void)
{
  DsStrategy3d st = { 4, 1, 1, 1, 1, 1, DS_RECOMPUTE_SELECTIVE, TRUE, FALSE };

  g_assert_cmpfloat (ds_mem3d_block_activation_bytes (&small, &st), ==, 34 * 1048576 / 4);
  st.sequence_parallel = FALSE;   /* s b h (10 + 24 / t) */
  g_assert_cmpfloat (ds_mem3d_block_activation_bytes (&small, &st), ==, 1048576 * 16);
}

static void
test_strategy_rules (void)
{
  DsStrategy3d st = { 3, 1, 1, 1, 1, 1, DS_RECOMPUTE_NONE, FALSE, FALSE };
  g_autoptr(GError) error = NULL;

  g_assert_false (ds_strategy3d_check (&st, &small, 3, &error));   /* 16 heads / 3 */
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  st = (DsStrategy3d) { 1, 2, 1, 1, 3, 2, DS_RECOMPUTE_NONE, FALSE, FALSE };
  g_assert_false (ds_strategy3d_check (&st, &small, 2, NULL));     /* m 3 % pp 2 */
  st.global_batch = 4;
  g_assert_true (ds_strategy3d_check (&st, &small, 2, NULL));
  st.sequence_parallel = TRUE;                                      /* tp 1 */
  g_assert_false (ds_strategy3d_check (&st, &small, 2, NULL));
}

static DsTfmShape
zoo_shape (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) model = ds_zoo_build (name, NULL, &error);
  DsTfmShape s;

  g_assert_no_error (error);
  g_assert_true (ds_tfm_shape_from_model (model, &s, &error));
  return s;
}

static void
test_shape_from_zoo (void)
{
  DsTfmShape s = zoo_shape ("gpt3-175b");

  g_assert_cmpuint (s.n_layers, ==, 96);
  g_assert_cmpuint (s.hidden, ==, 12288);
  g_assert_cmpuint (s.heads, ==, 96);
  g_assert_cmpuint (s.seq, ==, 2048);
  g_assert_cmpuint (s.vocab, ==, 50257);
  /* 174.6 B, as the GPT-3 paper's 175B */
  g_assert_cmpfloat (fabs (ds_tfm_n_params (&s) / 174.6e9 - 1), <, 0.001);
}

static DsSearch3dResult *
search (const char *model, const char *cluster_name, guint batch, GError **error)
{
  DsTfmShape s = zoo_shape (model);
  g_autoptr(DsCluster) cluster = ds_hw_cluster_open (cluster_name, 0, error);
  g_assert_nonnull (cluster);
  g_autoptr(DsHwDevice) device = ds_hw_device_open ("a100-sxm4-80gb", error);
  g_assert_nonnull (device);
  DsSearch3dOptions o = { 5 };

  return ds_search3d_run (&s, batch, cluster, device, &o, error);
}

/* The kept plans fit, come fastest first, and the counts add up. */
static void
test_search_175b (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsSearch3dResult) r = search ("gpt3-175b", "dgx-a100:64", 1536, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (r->plans->len, ==, 5);
  g_assert_cmpuint (r->n_over_memory, >, 0);
  g_assert_cmpuint (r->n_over_memory + r->n_bounded + r->n_priced, ==, r->n_considered);
  for (guint i = 0; i < r->plans->len; i++)
    {
      const DsPlan3d *p = &g_array_index (r->plans, DsPlan3d, i);
      g_assert_cmpfloat (p->mem.total_bytes, <=, r->capacity_bytes);
      if (i > 0)
        g_assert_cmpfloat (p->cost.iteration_s, >=,
                           g_array_index (r->plans, DsPlan3d, i - 1).cost.iteration_s);
    }
}

/* 175B on one server: 18 bytes a parameter over 8 devices alone is
 * 393 GB, far over 80 GiB, whatever the strategy. */
static void
test_search_no_fit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsSearch3dResult) r = search ("gpt3-175b", "dgx-a100:8", 64, &error);

  g_assert_null (r);
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "does not fit"));
  g_assert_nonnull (strstr (error->message, "more than the device's 80.00 GiB"));
}

/* The simulator plays the best plan of GPT-3 13B on 64 devices and lands
 * near the analytic price: both share the per-layer costs; the simulator
 * adds the schedule's real order and the links' sharing. */
static void
test_simulate_best (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsSearch3dResult) r = search ("gpt3-13b", "dgx-a100:64", 1024, &error);
  g_assert_no_error (error);
  const DsPlan3d *best = &g_array_index (r->plans, DsPlan3d, 0);
  DsTfmShape s = zoo_shape ("gpt3-13b");
  g_autoptr(DsModel) model = NULL;
  g_autoptr(DsPlan) plan = NULL;
  g_autoptr(DsCluster) cluster = ds_hw_cluster_open ("dgx-a100:64", 0, &error);
  DsSimOptions o;

  g_assert_true (ds_search3d_sim_input (&s, best, &model, &plan, &error));
  g_assert_true (ds_plan_check (plan, model, NULL, &error));
  ds_sim_options_init (&o);
  o.schedule = ds_plan_get_schedule (plan);
  o.tensor_parallel = best->st.tp;
  o.chunks = best->st.interleave;
  o.optimizer_state_factor = 2;   /* Adam's m and v per fp32 gradient byte */
  g_autoptr(DsSimResult) sim = ds_sim_run (plan, model, cluster, &o, &error);
  g_assert_no_error (error);
  g_test_message ("analytic %.3f s, simulated %.3f s", best->cost.iteration_s,
                  sim->iteration_s);
  g_assert_cmpfloat (fabs (sim->iteration_s / best->cost.iteration_s - 1), <, 0.15);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plan3d/memory/by-hand", test_memory_by_hand);
  g_test_add_func ("/plan3d/memory/full-sp-zero1", test_memory_full_sp_zero1);
  g_test_add_func ("/plan3d/memory/selective", test_memory_selective);
  g_test_add_func ("/plan3d/strategy/rules", test_strategy_rules);
  g_test_add_func ("/plan3d/shape/from-zoo", test_shape_from_zoo);
  g_test_add_func ("/plan3d/search/gpt3-175b-64", test_search_175b);
  g_test_add_func ("/plan3d/search/no-fit", test_search_no_fit);
  g_test_add_func ("/plan3d/search/simulate-best", test_simulate_best);
  return g_test_run ();
}
