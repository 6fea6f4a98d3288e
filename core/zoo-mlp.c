/* core/zoo-mlp.c - multilayer perceptrons for Fashion-MNIST, the models
 * the executor trains on a CPU (exec/).
 *
 * Input: a 28 x 28 image as 784 pixels (c = 784, one position); n_layers
 * hidden Linear + ReLU pairs of d_model units; a Linear of 10, the
 * classes, whose output the executor feeds to softmax cross-entropy. All
 * Linears have biases, as torch.nn.Linear's default. mlp-gelu puts GELU
 * and Dropout(p=0.1) where mlp has ReLU: the same weights, and the
 * executor's GELU and dropout paths (hand or WIR) in a training run.
 */
#include "config.h"

#include "core/zoo-private.h"

/* n_layers hidden Linears of d_model, each followed by ReLU or by GELU
 * and Dropout(p=0.1), then the classifier */
static void
build (ZooBuilder *b, const ZooShape *shape, gboolean gelu_dropout)
{
  ZooTensor x = zoo_input (b, "pixels", ZOO_FMNIST_SIDE * ZOO_FMNIST_SIDE, 1, 1);

  for (guint i = 0; i < shape->n_layers; i++)
    {
      g_autofree char *fc = g_strdup_printf ("fc%u", i + 1);
      x = zoo_linear (b, x, fc, shape->d_model, TRUE);
      if (!gelu_dropout)
        {
          g_autofree char *relu = g_strdup_printf ("relu%u", i + 1);
          x = zoo_pointwise (b, x, relu, "relu", "ReLU", 1.0);
          continue;
        }
      g_autofree char *gelu = g_strdup_printf ("gelu%u", i + 1);
      g_autofree char *drop = g_strdup_printf ("dropout%u", i + 1);
      x = zoo_pointwise (b, x, gelu, "gelu", "GELU(approximate='tanh')", 8.0);
      x = zoo_pointwise (b, x, drop, "dropout", "Dropout(p=0.1)", 1.0);
    }
  zoo_linear (b, x, "classifier", ZOO_FMNIST_CLASSES, TRUE);
}

void
zoo_build_mlp (ZooBuilder *b, const ZooShape *shape)
{
  build (b, shape, FALSE);
}

void
zoo_build_mlp_gelu (ZooBuilder *b, const ZooShape *shape)
{
  build (b, shape, TRUE);
}
