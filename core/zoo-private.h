/* core/zoo-private.h - what the zoo's family files share.
 *
 * A family file (zoo-cnn.c, zoo-rnn.c, zoo-transformer.c) builds a model
 * by emitting layers through a ZooBuilder: each helper takes the tensor(s)
 * a layer reads, appends the layer with its costs computed from the
 * shapes, adds the edges from the producers, and returns the tensor the
 * layer writes. Shapes are per sample; the builder scales by the batch.
 *
 * Cost conventions (core/zoo.h): a multiply-add is 2 FLOPs; bias adds are
 * not counted (published MAC figures leave them out too); the backward
 * pass is 2x the forward for layers with weights (tied weights count) and
 * 1x for the rest; mem_bytes = inputs + weights + outputs at the dtype
 * size (an embedding reads only the rows it gathers).
 *
 * Layer names are generated from tables, so a duplicate is a bug: the
 * helpers assert instead of returning errors.
 */
#pragma once

#include "core/model.h"

G_BEGIN_DECLS

typedef struct {
  DsModel *model;
  guint batch;           /* samples per minibatch */
  guint dtype_bytes;     /* 4 or 2 */
  const char *dtype_name; /* the "dtype" attribute: fp32, fp16, bf16 */
  guint seq_len;         /* tokens per sample (sequence models), else 0 */
} ZooBuilder;

/* A layer's output, per sample: c channels (or features) x h x w. A
 * sequence is c = features, h = tokens, w = 1. */
typedef struct {
  guint layer;           /* index of the producing layer */
  guint c, h, w;
} ZooTensor;

/* What a family builder needs besides the options; CNNs ignore it. */
typedef struct {
  guint n_layers;        /* transformer blocks; GNMT: LSTM layers per side */
  guint d_model;         /* hidden size */
  guint n_heads;
  guint vocab;
  guint max_seq;         /* position table size; longest seq_len allowed */
  guint default_seq;     /* seq_len when the options give 0 */
} ZooShape;

typedef void (*ZooBuildFn) (ZooBuilder *b, const ZooShape *shape);

/* One layer to emit. */
typedef struct {
  const char *name;
  const char *kind;
  const char *desc;
  double flops;          /* forward, per sample */
  guint64 n_params;
  gboolean tied;         /* uses another layer's weights (has weights, 0 params) */
  guint c, h, w;         /* output shape, per sample */
} ZooOp;

static inline guint64
zoo_elems (ZooTensor t)
{
  return (guint64) t.c * t.h * t.w;
}

/* zoo.c: the generic emitter and the shape-driven helpers. */
ZooTensor zoo_emit       (ZooBuilder *b, const ZooOp *op,
                          const ZooTensor *ins, guint n_ins);
ZooTensor zoo_input      (ZooBuilder *b, const char *name, guint c, guint h,
                          guint w);
ZooTensor zoo_conv2d     (ZooBuilder *b, ZooTensor x, const char *name,
                          guint c_out, guint k, guint s, guint p,
                          gboolean bias);
ZooTensor zoo_batchnorm2d (ZooBuilder *b, ZooTensor x, const char *name);
ZooTensor zoo_pool2d     (ZooBuilder *b, ZooTensor x, const char *name,
                          const char *kind, guint k, guint s, guint p);
/* Adaptive average pooling to out x out (torchvision's avgpool). */
ZooTensor zoo_adaptive_avgpool2d (ZooBuilder *b, ZooTensor x,
                                  const char *name, guint out);
/* Elementwise layers that keep the shape: relu, dropout, ... @flops_per_elem
 * is the forward cost of one element. */
ZooTensor zoo_pointwise  (ZooBuilder *b, ZooTensor x, const char *name,
                          const char *kind, const char *desc,
                          double flops_per_elem);
ZooTensor zoo_add        (ZooBuilder *b, ZooTensor x, ZooTensor y,
                          const char *name);
/* Linear on the last dimension: x.c in-features, x.h * x.w positions. */
ZooTensor zoo_linear     (ZooBuilder *b, ZooTensor x, const char *name,
                          guint out_features, gboolean bias);
/* A table lookup of @ids (c = 1, one id per token) into @dim-wide rows:
 * @n_params in all (every table and any normalisation folded in), and
 * @flops_per_token for what is done to each gathered row. Reads the ids
 * and the gathered rows, not the whole table. */
ZooTensor zoo_embedding  (ZooBuilder *b, ZooTensor ids, const char *name,
                          const char *desc, guint64 n_params, guint dim,
                          double flops_per_token);
/* The view of x as one feature vector (no layer). */
ZooTensor zoo_flatten    (ZooTensor x);
/* Adds src -> dst for a tensor consumed by a layer emitted earlier. */
void      zoo_edge       (ZooBuilder *b, ZooTensor src, ZooTensor dst);

/* The family builders, registered in zoo.c. */
void zoo_build_vgg16     (ZooBuilder *b, const ZooShape *shape);
void zoo_build_resnet50  (ZooBuilder *b, const ZooShape *shape);
void zoo_build_alexnet   (ZooBuilder *b, const ZooShape *shape);
void zoo_build_gnmt      (ZooBuilder *b, const ZooShape *shape);
void zoo_build_bert      (ZooBuilder *b, const ZooShape *shape);
void zoo_build_gpt3      (ZooBuilder *b, const ZooShape *shape);
void zoo_build_mlp       (ZooBuilder *b, const ZooShape *shape);
void zoo_build_mlp_gelu  (ZooBuilder *b, const ZooShape *shape);
void zoo_build_cnn_small (ZooBuilder *b, const ZooShape *shape);
void zoo_build_transformer_tiny (ZooBuilder *b, const ZooShape *shape);

/* Fashion-MNIST, what the zoo's CPU-sized models read: 28 x 28 grey
 * images of 10 classes. */
#define ZOO_FMNIST_SIDE 28
#define ZOO_FMNIST_CLASSES 10

G_END_DECLS
