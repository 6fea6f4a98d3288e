/* core/zoo-cnn.c - the zoo's image classifiers: VGG-16, ResNet-50, AlexNet,
 * and cnn-small, which the executor trains on Fashion-MNIST.
 *
 * Layer for layer as torchvision defines them (the models PipeDream
 * profiled), on 3x224x224 inputs, with every ReLU, pooling, BatchNorm and
 * dropout layer present so that layer counts and activation sizes match a
 * profile. Parameter counts (torchvision, and the figures the tests
 * assert): VGG-16 138,357,544; ResNet-50 25,557,032; AlexNet 61,100,840.
 * Forward multiply-adds per image: VGG-16 15.47 G, ResNet-50 4.09 G,
 * AlexNet 0.714 G in the convolutions and linear layers.
 */
#include "config.h"

#include "core/zoo-private.h"

/* ---- a small interpreter for straight CNN pipelines ---- */

typedef enum {
  STEP_CONV,        /* n output channels, k, s, p; with bias */
  STEP_RELU,
  STEP_MAXPOOL,     /* k, s, p */
  STEP_AVGPOOL,     /* adaptive, to n x n */
  STEP_DROPOUT,
  STEP_LINEAR,      /* n output features, with bias; flattens its input */
} CnnStepKind;

typedef struct {
  CnnStepKind kind;
  const char *name;
  guint n, k, s, p;
} CnnStep;

static ZooTensor
run_step (ZooBuilder *b, ZooTensor x, const CnnStep *st)
{
  switch (st->kind)
    {
    case STEP_CONV:
      return zoo_conv2d (b, x, st->name, st->n, st->k, st->s, st->p, TRUE);
    case STEP_RELU:
      return zoo_pointwise (b, x, st->name, "relu", "ReLU", 1.0);
    case STEP_MAXPOOL:
      return zoo_pool2d (b, x, st->name, "maxpool2d", st->k, st->s, st->p);
    case STEP_AVGPOOL:
      return zoo_adaptive_avgpool2d (b, x, st->name, st->n);
    case STEP_DROPOUT:
      return zoo_pointwise (b, x, st->name, "dropout", "Dropout(p=0.5)", 1.0);
    case STEP_LINEAR:
      return zoo_linear (b, zoo_flatten (x), st->name, st->n, TRUE);
    }
  g_assert_not_reached ();
}

static ZooTensor
run_steps (ZooBuilder *b, ZooTensor x, const CnnStep *steps, guint n_steps)
{
  for (guint i = 0; i < n_steps; i++)
    x = run_step (b, x, &steps[i]);
  return x;
}

/* ---- VGG-16 (Simonyan and Zisserman 2014, configuration D) ---- */

/* Output channels of each 3x3 convolution; 0 is a 2x2 max pool closing a
 * group. */
static const guint vgg16_widths[] = {
  64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0,
  512, 512, 512, 0,
};

static const CnnStep vgg16_classifier[] = {
  { STEP_AVGPOOL, "avgpool", 7, 0, 0, 0 },
  { STEP_LINEAR, "fc6", 4096, 0, 0, 0 },
  { STEP_RELU, "relu6", 0, 0, 0, 0 },
  { STEP_DROPOUT, "drop6", 0, 0, 0, 0 },
  { STEP_LINEAR, "fc7", 4096, 0, 0, 0 },
  { STEP_RELU, "relu7", 0, 0, 0, 0 },
  { STEP_DROPOUT, "drop7", 0, 0, 0, 0 },
  { STEP_LINEAR, "fc8", 1000, 0, 0, 0 },
};

/* conv<group>_<i>, relu<group>_<i>, ..., pool<group> */
void
zoo_build_vgg16 (ZooBuilder *b, const ZooShape *shape)
{
  ZooTensor x = zoo_input (b, "input", 3, 224, 224);
  guint group = 1, idx = 1;

  for (guint i = 0; i < G_N_ELEMENTS (vgg16_widths); i++)
    {
      guint width = vgg16_widths[i];
      if (width == 0)
        {
          g_autofree char *pool = g_strdup_printf ("pool%u", group++);
          x = zoo_pool2d (b, x, pool, "maxpool2d", 2, 2, 0);
          idx = 1;
          continue;
        }
      g_autofree char *conv = g_strdup_printf ("conv%u_%u", group, idx);
      g_autofree char *relu = g_strdup_printf ("relu%u_%u", group, idx++);
      x = zoo_conv2d (b, x, conv, width, 3, 1, 1, TRUE);
      x = zoo_pointwise (b, x, relu, "relu", "ReLU", 1.0);
    }
  run_steps (b, x, vgg16_classifier, G_N_ELEMENTS (vgg16_classifier));
}

/* ---- AlexNet (torchvision's single-tower variant) ---- */

static const CnnStep alexnet_steps[] = {
  { STEP_CONV, "conv1", 64, 11, 4, 2 },
  { STEP_RELU, "relu1", 0, 0, 0, 0 },
  { STEP_MAXPOOL, "pool1", 0, 3, 2, 0 },
  { STEP_CONV, "conv2", 192, 5, 1, 2 },
  { STEP_RELU, "relu2", 0, 0, 0, 0 },
  { STEP_MAXPOOL, "pool2", 0, 3, 2, 0 },
  { STEP_CONV, "conv3", 384, 3, 1, 1 },
  { STEP_RELU, "relu3", 0, 0, 0, 0 },
  { STEP_CONV, "conv4", 256, 3, 1, 1 },
  { STEP_RELU, "relu4", 0, 0, 0, 0 },
  { STEP_CONV, "conv5", 256, 3, 1, 1 },
  { STEP_RELU, "relu5", 0, 0, 0, 0 },
  { STEP_MAXPOOL, "pool5", 0, 3, 2, 0 },
  { STEP_AVGPOOL, "avgpool", 6, 0, 0, 0 },
  { STEP_DROPOUT, "drop6", 0, 0, 0, 0 },
  { STEP_LINEAR, "fc6", 4096, 0, 0, 0 },
  { STEP_RELU, "relu6", 0, 0, 0, 0 },
  { STEP_DROPOUT, "drop7", 0, 0, 0, 0 },
  { STEP_LINEAR, "fc7", 4096, 0, 0, 0 },
  { STEP_RELU, "relu7", 0, 0, 0, 0 },
  { STEP_LINEAR, "fc8", 1000, 0, 0, 0 },
};

void
zoo_build_alexnet (ZooBuilder *b, const ZooShape *shape)
{
  ZooTensor x = zoo_input (b, "input", 3, 224, 224);
  run_steps (b, x, alexnet_steps, G_N_ELEMENTS (alexnet_steps));
}

/* ---- ResNet-50 (He et al. 2015; torchvision's v1.5: stride on the 3x3) ---- */

typedef struct {
  guint width;      /* bottleneck width; the block outputs 4x this */
  guint n_blocks;
  guint stride;     /* of the stage's first block */
} ResStage;

static const ResStage resnet50_stages[] = {
  { 64, 3, 1 }, { 128, 4, 2 }, { 256, 6, 2 }, { 512, 3, 2 },
};

/* conv, then BatchNorm, then (unless @relu is NULL) ReLU, named
 * <prefix>.conv<i>, <prefix>.bn<i>, <prefix>.relu<i>. */
static ZooTensor
conv_bn_relu (ZooBuilder *b, ZooTensor x, const char *prefix, guint i,
              guint c_out, guint k, guint s, gboolean relu)
{
  g_autofree char *conv = g_strdup_printf ("%s.conv%u", prefix, i);
  g_autofree char *bn = g_strdup_printf ("%s.bn%u", prefix, i);
  g_autofree char *act = g_strdup_printf ("%s.relu%u", prefix, i);

  x = zoo_conv2d (b, x, conv, c_out, k, s, k / 2, FALSE);
  x = zoo_batchnorm2d (b, x, bn);
  return relu ? zoo_pointwise (b, x, act, "relu", "ReLU", 1.0) : x;
}

/* Bottleneck: 1x1 reduce, 3x3 (strided), 1x1 expand, plus the shortcut
 * (a strided 1x1 conv and BatchNorm when the shape changes), added, then
 * ReLU. */
static ZooTensor
bottleneck (ZooBuilder *b, ZooTensor x, const char *prefix, guint width,
            guint stride)
{
  ZooTensor y = conv_bn_relu (b, x, prefix, 1, width, 1, 1, TRUE);
  y = conv_bn_relu (b, y, prefix, 2, width, 3, stride, TRUE);
  y = conv_bn_relu (b, y, prefix, 3, 4 * width, 1, 1, FALSE);

  ZooTensor shortcut = x;
  if (stride != 1 || x.c != 4 * width)
    {
      g_autofree char *conv = g_strdup_printf ("%s.downsample.0", prefix);
      g_autofree char *bn = g_strdup_printf ("%s.downsample.1", prefix);
      shortcut = zoo_conv2d (b, x, conv, 4 * width, 1, stride, 0, FALSE);
      shortcut = zoo_batchnorm2d (b, shortcut, bn);
    }

  g_autofree char *add = g_strdup_printf ("%s.add", prefix);
  g_autofree char *relu = g_strdup_printf ("%s.relu3", prefix);
  y = zoo_add (b, y, shortcut, add);
  return zoo_pointwise (b, y, relu, "relu", "ReLU", 1.0);
}

void
zoo_build_resnet50 (ZooBuilder *b, const ZooShape *shape)
{
  ZooTensor x = zoo_input (b, "input", 3, 224, 224);

  x = zoo_conv2d (b, x, "conv1", 64, 7, 2, 3, FALSE);
  x = zoo_batchnorm2d (b, x, "bn1");
  x = zoo_pointwise (b, x, "relu", "relu", "ReLU", 1.0);
  x = zoo_pool2d (b, x, "maxpool", "maxpool2d", 3, 2, 1);

  for (guint s = 0; s < G_N_ELEMENTS (resnet50_stages); s++)
    {
      const ResStage *st = &resnet50_stages[s];
      for (guint i = 0; i < st->n_blocks; i++)
        {
          g_autofree char *prefix = g_strdup_printf ("layer%u.%u", s + 1, i);
          x = bottleneck (b, x, prefix, st->width, i == 0 ? st->stride : 1);
        }
    }

  x = zoo_adaptive_avgpool2d (b, x, "avgpool", 1);
  zoo_linear (b, zoo_flatten (x), "fc", 1000, TRUE);
}

/* cnn-small: LeNet's shape at Fashion-MNIST's size, two 5x5 convolutions
 * (padding 2 keeps 28x28 and 14x14), each with ReLU and 2x2 max pooling,
 * then a linear from the flattened 32 x 7 x 7 features to the classes:
 * 416 + 12,832 + 15,690 = 28,938 parameters. */
static const CnnStep cnn_small_steps[] = {
  { STEP_CONV, "conv1", 16, 5, 1, 2 },
  { STEP_RELU, "relu1", 0, 0, 0, 0 },
  { STEP_MAXPOOL, "pool1", 0, 2, 2, 0 },
  { STEP_CONV, "conv2", 32, 5, 1, 2 },
  { STEP_RELU, "relu2", 0, 0, 0, 0 },
  { STEP_MAXPOOL, "pool2", 0, 2, 2, 0 },
  { STEP_LINEAR, "classifier", ZOO_FMNIST_CLASSES, 0, 0, 0 },
};

void
zoo_build_cnn_small (ZooBuilder *b, const ZooShape *shape)
{
  ZooTensor x = zoo_input (b, "image", 1, ZOO_FMNIST_SIDE, ZOO_FMNIST_SIDE);

  (void) shape;
  run_steps (b, x, cnn_small_steps, G_N_ELEMENTS (cnn_small_steps));
}
