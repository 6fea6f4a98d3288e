/* tests/test-split.c - balanced straight pipelines (planner/split.h):
 * the bottleneck is the optimum of the linear partition, every stage is
 * non-empty, layers stay in order, and bad requests are errors. */
#include "config.h"

#include "core/error.h"
#include "core/zoo.h"
#include "planner/split.h"
#include "tests/testutil.h"

#include <string.h>

static DsModel *
chain (guint n, const double *cost)
{
  DsModel *m = ds_model_new ("chain");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *name = g_strdup_printf ("l%u", i);
      DsLayer *l = ds_model_add_layer (m, name, "linear", NULL);
      l->has_times = TRUE;
      l->fwd_s = cost[i] / 3;
      l->bwd_s = 2 * cost[i] / 3;
      if (i > 0)
        g_assert_true (ds_model_add_edge (m, i - 1, i, NULL));
    }
  return m;
}

static double
bottleneck (const DsPlan *plan, const DsModel *m, guint *next)
{
  double worst = 0;

  for (guint s = 0; s < ds_plan_n_stages (plan); s++)
    {
      const DsPlanStage *st = ds_plan_stage_const (plan, s);
      double sum = 0;
      g_assert_cmpuint (st->layers->len, >, 0);
      for (guint i = 0; i < st->layers->len; i++)
        {
          const DsLayer *l = ds_model_layer_const (m, g_array_index (st->layers, guint, i));
          g_assert_cmpuint (g_array_index (st->layers, guint, i), ==, (*next)++);
          sum += l->fwd_s + l->bwd_s;
        }
      worst = MAX (worst, sum);
    }
  return worst;
}

/* Every cut of a short chain, to compare the search with brute force. */
static double
best_cut (const double *cost, guint n, guint k)
{
  double best = G_MAXDOUBLE;

  if (k == 1)
    {
      double sum = 0;
      for (guint i = 0; i < n; i++)
        sum += cost[i];
      return sum;
    }
  for (guint first = 1; first + k - 1 <= n; first++)
    {
      double head = 0;
      for (guint i = 0; i < first; i++)
        head += cost[i];
      best = MIN (best, MAX (head, best_cut (cost + first, n - first, k - 1)));
    }
  return best;
}

static void
test_optimal (void)
{
  GRand *rand = g_rand_new_with_seed (7);

  for (guint trial = 0; trial < 200; trial++)
    {
      guint n = g_rand_int_range (rand, 1, 10), k = g_rand_int_range (rand, 1, n + 1);
      double cost[10];
      for (guint i = 0; i < n; i++)
        cost[i] = g_rand_int_range (rand, 1, 20);
      g_autoptr(DsModel) m = chain (n, cost);
      g_autoptr(DsPlan) plan = ds_plan_split_balanced (m, k, 2, NULL);
      guint next = 0;
      g_assert_nonnull (plan);
      g_assert_cmpuint (ds_plan_n_stages (plan), ==, k);
      g_assert_cmpuint (ds_plan_stage_const (plan, 0)->n_replicas, ==, 2);
      g_assert_cmpfloat_with_epsilon (bottleneck (plan, m, &next), best_cut (cost, n, k), 1e-9);
      g_assert_cmpuint (next, ==, n);
      g_assert_true (ds_plan_check (plan, m, NULL, NULL));
    }
  g_rand_free (rand);
}

static void
test_errors (void)
{
  double cost[3] = { 1, 2, 3 };
  g_autoptr(DsModel) m = chain (3, cost);
  g_autoptr(GError) error = NULL;

  g_assert_null (ds_plan_split_balanced (m, 4, 1, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (ds_plan_split_balanced (m, 0, 1, &error));
  g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
  g_clear_error (&error);
  ds_model_layer (m, 1)->has_times = FALSE;
  g_assert_null (ds_plan_split_balanced (m, 2, 1, &error));
  g_assert_nonnull (strstr (error->message, "'l1'"));
}

/* A zoo model has FLOPs, not times: the cut weighs those. The MLP's fc1
 * (784 x 256) outweighs the rest, so two stages cut right after it. */
static void
test_by_work (void)
{
  g_autoptr(DsModel) m = ds_zoo_build ("mlp", NULL, NULL);
  g_autoptr(DsPlan) plan = ds_plan_split_by_work (m, 2, 1, NULL);

  g_assert_nonnull (plan);
  g_assert_false (ds_model_layer_const (m, 1)->has_times);   /* the model is untouched */
  g_assert_cmpuint (ds_plan_stage_const (plan, 0)->layers->len, ==, 2);   /* pixels, fc1 */
  g_assert_cmpuint (ds_plan_stage_const (plan, 1)->layers->len, ==, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/planner/split/optimal", test_optimal);
  g_test_add_func ("/planner/split/errors", test_errors);
  g_test_add_func ("/planner/split/by-work", test_by_work);
  return g_test_run ();
}
