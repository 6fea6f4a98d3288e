/* tests/test-models.c - the zoo's CPU-sized models learn when the executor
 * trains them: cnn-small on one stage and transformer-tiny on a 2-stage
 * pipeline (GPipe, 2 micro-batches) beat chance (0.1) by far on held-out
 * examples of a synthetic task after a few dozen minibatches, and their
 * training loss falls.
 *
 * The task is exec/dataset.c's synthetic one (ten Gaussian classes;
 * nearest-centroid 65-80%), drawn with few features and painted as 28 x 28
 * images in a form the model's architecture can read: for cnn-small 7 x 7
 * features, each a 4 x 4 block, spatially coherent as convolution and max
 * pooling need; for transformer-tiny 7 features as vertical stripes 4
 * pixels wide, so that every row token carries the whole example, which
 * the mean over tokens keeps. Drawn at 784 features the class signal is a
 * faint shift of every pixel that pooling destroys, and cnn-small stays
 * at chance; on the 7 x 7 blocks transformer-tiny needs far more steps to
 * learn where each token sits (25% after 200 minibatches). Fashion-MNIST
 * itself is docs/exec.md's. The class centres depend on the seed, so the
 * train and test sets are one draw split in two. The budget is small
 * enough for a sanitizer build.
 */
#include "config.h"

#include <math.h>

#include "core/zoo.h"
#include "exec/kernels.h"
#include "exec/runtime.h"
#include "planner/split.h"

#define MINIBATCH 32
#define STEPS 16
#define EPOCHS 3
#define N_TEST 320
#define SIDE 28
#define BLOCK 4
#define CELLS (SIDE / BLOCK)

/* Examples [first, first + n) of @all as 28 x 28 images: feature
 * (r / 4) 7 + c / 4 at pixel (r, c) when @all has 7 x 7 features, feature
 * c / 4 when it has 7. */
static DsDataset *
painted (const DsDataset *all, guint first, guint n)
{
  DsDataset *d = g_new0 (DsDataset, 1);
  gboolean stripes = all->n_features == CELLS;

  g_assert_true (stripes || all->n_features == CELLS * CELLS);
  d->n = n;
  d->n_features = SIDE * SIDE;
  d->n_classes = all->n_classes;
  d->x = g_new (float, (gsize) n * SIDE * SIDE);
  for (gsize i = 0; i < n; i++)
    for (guint r = 0; r < SIDE; r++)
      for (guint c = 0; c < SIDE; c++)
        d->x[(i * SIDE + r) * SIDE + c] =
          all->x[(first + i) * all->n_features + (stripes ? 0 : (r / BLOCK) * CELLS)
                 + c / BLOCK];
  d->y = g_memdup2 (all->y + first, n);
  return d;
}

typedef struct {
  const char *model;
  guint features;                /* drawn: 7 x 7 blocks, or 7 stripes */
  guint stages;
  DsSchedule schedule;
  guint microbatches;
} ModelCase;

static void
test_learns (gconstpointer data)
{
  const ModelCase *c = data;
  g_autoptr(DsDataset) all = ds_dataset_synthetic (MINIBATCH * STEPS + N_TEST, c->features,
                                                   10, 5);
  g_autoptr(DsDataset) train = painted (all, 0, MINIBATCH * STEPS);
  g_autoptr(DsDataset) test = painted (all, MINIBATCH * STEPS, N_TEST);
  g_autoptr(DsModel) model = ds_zoo_build (c->model, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(DsPlan) plan = ds_plan_split_by_work (model, c->stages, 1, &error);
  g_autoptr(DsExecResult) r = NULL;
  const DsExecEpoch *first, *last;
  DsExecOptions o;

  g_assert_no_error (error);
  if (!ds_kernels_init (&error))
    {
      g_test_skip (error->message);
      return;
    }
  ds_exec_options_init (&o, plan);
  o.schedule = c->schedule;
  o.n_microbatches = c->microbatches;
  o.minibatch = MINIBATCH;
  o.epochs = EPOCHS;
  o.pin_threads = FALSE;
  r = ds_exec_run (plan, model, train, test, &o, &error);
  g_assert_no_error (error);
  first = &g_array_index (r->epochs, DsExecEpoch, 0);
  last = &g_array_index (r->epochs, DsExecEpoch, EPOCHS - 1);
  g_test_message ("%s: loss %.4f -> %.4f, test accuracy %.3f -> %.3f", c->model,
                  first->train_loss, last->train_loss, first->test_accuracy,
                  last->test_accuracy);
  /* Guessing is a loss of ln 10 = 2.30 and an accuracy of 0.1; 0.4 of
   * 320 is 11 standard deviations above it. */
  g_assert_cmpfloat (last->train_loss, <, first->train_loss);
  g_assert_cmpfloat (last->train_loss, <, 0.6 * log (10));
  g_assert_cmpfloat (last->test_accuracy, >, 0.4);
}

static const ModelCase cases[] = {
  { "cnn-small", CELLS * CELLS, 1, DS_SCHEDULE_GPIPE, 1 },
  { "transformer-tiny", CELLS, 2, DS_SCHEDULE_GPIPE, 2 },
};

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/exec/models/%s/learns", cases[i].model);
      g_test_add_data_func (path, &cases[i], test_learns);
    }
  return g_test_run ();
}
