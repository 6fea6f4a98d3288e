/* exec/net.h - a DsModel as something that runs: ops with shapes and
 * parameter slices, forward and backward over any range of them.
 *
 * The executor trains the same DsModel the planner partitions, so a plan's
 * stages are ranges of this network's ops. A model runs when it is a chain
 * (each layer one input, one consumer) that starts with an input layer and
 * whose layers say their output shape per sample (the "shape" attribute,
 * "c,h,w", which the zoo writes), of the kinds: input, linear, relu, gelu,
 * dropout ("p", default 0.1), layernorm, conv2d and maxpool2d ("kernel",
 * "stride", "padding"). The last layer's output is the logits of softmax
 * cross-entropy, which the runtime applies. A linear works on the last
 * dimension: in = the input's c, rows = samples x h x w.
 *
 * Parameters: one float vector for the whole network, each op's weights
 * then bias at its offset (weights in PyTorch's layout: linear out x in,
 * conv c_out x c_in x k x k; layernorm gamma then beta). A range's
 * parameters are a contiguous slice, which is what a stage owns, stashes
 * and updates.
 *
 * A tape holds what one micro-batch's forward over a range leaves for its
 * backward (every op's output, masks, statistics), sized for a maximum row
 * count; the runtime keeps one per micro-batch in flight.
 */
#pragma once

#include <glib.h>

#include "core/model.h"

G_BEGIN_DECLS

typedef enum {
  DS_NET_INPUT,
  DS_NET_LINEAR,
  DS_NET_RELU,
  DS_NET_GELU,
  DS_NET_DROPOUT,
  DS_NET_LAYERNORM,
  DS_NET_CONV2D,
  DS_NET_MAXPOOL2D,
} DsNetOpKind;

typedef struct {
  DsNetOpKind kind;
  guint layer;                   /* index in the model */
  guint in_c, in_h, in_w;        /* per sample */
  guint out_c, out_h, out_w;
  guint k, s, p;                 /* conv2d, maxpool2d */
  gboolean bias;                 /* linear, conv2d */
  float drop_p;                  /* dropout */
  gsize n_weights, n_bias;       /* floats */
  gsize param_offset;            /* floats before this op's parameters */
} DsNetOp;

typedef struct {
  GArray *ops;                   /* DsNetOp, in the chain's order */
  gsize n_params;                /* floats, the whole network */
  guint in_features;             /* floats per sample into op 0 */
  guint n_classes;               /* floats per sample out of the last op */
} DsNet;

/* Fails with DS_ERROR_UNSUPPORTED naming the layer when the model is not
 * a chain starting at an input, a kind is not one of the above, or a
 * shape is missing or does not follow from the layer before. */
DsNet   *ds_net_new           (const DsModel *model, GError **error);
void     ds_net_free          (DsNet *net);
/* The op running model layer @layer, or -1. */
gint     ds_net_op_of_layer   (const DsNet *net, guint layer);
/* Floats per sample out of op @i (in = out of i - 1, or in_features). */
gsize    ds_net_op_out_size   (const DsNet *net, guint i);
/* The parameters of ops [first, last): offset of the slice and length. */
gsize    ds_net_range_offset  (const DsNet *net, guint first);
gsize    ds_net_range_params  (const DsNet *net, guint first, guint last);
/* PyTorch's defaults from a seed: linear and conv weights and biases
 * uniform in +-1/sqrt(fan_in), layernorm gamma 1 and beta 0. */
void     ds_net_init_params   (const DsNet *net, float *params, guint64 seed);

typedef struct _DsNetTape DsNetTape;

/* A tape for ops [first, last) and up to @max_rows samples. */
DsNetTape *ds_net_tape_new    (const DsNet *net, guint first, guint last, guint max_rows);
void       ds_net_tape_free   (DsNetTape *tape);
/* Forward of @n samples @x (n x the range's input size, kept by the
 * caller until the backward) with the range's parameter slice @params;
 * @row0 is the first sample's index in the epoch, which keys dropout's
 * masks so that any split into micro-batches draws the same ones. */
void       ds_net_forward     (const DsNet *net, DsNetTape *tape, const float *params,
                               const float *x, guint n, guint64 seed, guint64 row0);
/* The range's output of the last forward (n x its output size). */
float     *ds_net_tape_output (DsNetTape *tape);
/* Backward of the last forward: @dy the gradient of the output; adds
 * the parameter gradients into @grads (the range's slice) and writes
 * the input's gradient into @dx unless it is NULL. @params must be the
 * ones the forward used (weight stashing is the caller's). */
void       ds_net_backward    (const DsNet *net, DsNetTape *tape, const float *params,
                               const float *x, const float *dy, float *grads, float *dx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsNet, ds_net_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsNetTape, ds_net_tape_free)

G_END_DECLS
