/* exec/net.h - a DsModel as something that runs: ops with shapes and
 * parameter slices, forward and backward over any range of them.
 *
 * The executor trains the same DsModel the planner partitions, so a plan's
 * stages are ranges of this network's ops. A model runs when it is a chain
 * (each layer one input, one consumer) that starts with an input layer and
 * whose layers say their output shape per sample (the "shape" attribute,
 * "c,h,w", which the zoo writes), of the kinds: input, linear, relu, gelu,
 * dropout ("p", default 0.1), layernorm, conv2d and maxpool2d ("kernel",
 * "stride", "padding"), posembed, attention ("heads"), mlp and tokenmean. The last
 * layer's output is the logits of softmax cross-entropy, which the runtime
 * applies.
 *
 * Layouts: images are NCHW (conv2d, maxpool2d); everything else works on
 * the last dimension, c features at each of h x w positions, the features
 * of a position contiguous: a sequence of s tokens of d features is shape
 * d,s,1, stored s x d per sample. A linear maps c features to out at each
 * position (rows = samples x h x w), except that a linear whose output is
 * one position (shape out,1,1) from an input of several flattens it: in =
 * c x h x w, the sample's floats in their stored order (torch.flatten for
 * an NCHW image), which is what the zoo's zoo_flatten() describes.
 *
 * The transformer layers are the zoo's (core/zoo-transformer.c), post-LN
 * as BERT, over the h x w positions as tokens, without dropout:
 *
 *   posembed:  y = x + P                 P: one learned value per float
 *   attention: y = LayerNorm (x + MultiHeadSelfAttention (x))
 *   mlp:       y = LayerNorm (x + W2 GELU (W1 x + b1) + b2),  W1: 4d x d
 *   tokenmean: y = the mean of the tokens (shape d,s,1 to d,1,1)
 *
 * where the attention projects each token to Q, K, V (one d x 3d linear
 * with bias), runs the heads (ds_k_attention_fwd: no mask, every token
 * sees every other) and projects back (d x d with bias); 4d^2 + 6d and
 * 8d^2 + 7d parameters, the zoo's counts.
 *
 * Parameters: one float vector for the whole network, each op's weights
 * then bias at its offset (weights in PyTorch's layout: linear out x in,
 * conv c_out x c_in x k x k; layernorm gamma then beta; posembed h x w x
 * c). An attention or mlp layer's parameters are all counted as weights
 * (n_bias 0), in the order of the PyTorch modules' state_dict: attention
 * in_proj_weight (3d x d: Q, K, V stacked), in_proj_bias (3d),
 * out_proj.weight (d x d), out_proj.bias, norm.weight (gamma), norm.bias
 * (beta); mlp W1 (4d x d), b1 (4d), W2 (d x 4d), b2, gamma, beta. A
 * range's parameters are a contiguous slice, which is what a stage owns,
 * stashes and updates.
 *
 * A tape holds what one micro-batch's forward over a range leaves for its
 * backward (every op's output, masks, statistics, the attention's Q, K, V
 * and probabilities), sized for a maximum row count; the runtime keeps one
 * per micro-batch in flight.
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
  DS_NET_POSEMBED,
  DS_NET_ATTENTION,
  DS_NET_MLP,
  DS_NET_TOKENMEAN,
} DsNetOpKind;

typedef struct {
  DsNetOpKind kind;
  guint layer;                   /* index in the model */
  guint in_c, in_h, in_w;        /* per sample */
  guint out_c, out_h, out_w;
  guint k, s, p;                 /* conv2d, maxpool2d */
  gboolean bias;                 /* linear, conv2d */
  gboolean flatten;              /* linear: in = in_c x in_h x in_w, one row a sample */
  guint heads;                   /* attention */
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
 * uniform in +-1/sqrt(fan_in), layernorm gamma 1 and beta 0; attention's
 * in_proj_weight Xavier-uniform (+-sqrt(6 / (d + 3d))), out_proj.weight
 * +-1/sqrt(d), both biases 0 (torch.nn.MultiheadAttention); posembed
 * uniform with standard deviation 0.02 (BERT's initializer_range). */
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

/* ---- the non-GEMM work through WIR (weld.md §13, exec/wir/lazy.h) ----
 *
 * With a DsNetWir attached to a tape, the forward and backward run their
 * elementwise ops (relu, gelu, dropout, and the bias of a linear followed
 * by one of them) as lazy WIR fragments: each op adds a fragment, and the
 * chain is forced, as one compiled kernel, into the tape's buffers at the
 * next op that is not elementwise (a GEMM, a convolution, ...) and at the
 * end of the range. GEMMs stay OpenBLAS calls. ds_net_loss and ds_net_sgd
 * are the step's loss and update the same way. FUSED optimizes each
 * forced program with the fusion passes (and takes the update as
 * weld.md §12's one-pass kernel); UNFUSED runs the same fragments, each
 * its own loop (the update as its three library fragments): the same
 * float operations, so the two agree bit for bit.
 *
 * Against the hand kernels (no DsNetWir): relu, its backward, the loss
 * and the update are the same float operations; a deferred bias is
 * added after the GEMM rather than before it (ds_net_wir_set_defer_bias)
 * and GELU is the tanh form rather than the sigmoid one: results agree
 * within float rounding. Dropout draws its masks from WIR's philox
 * (again in the backward, not stored), not from the hand kernel's
 * generator: another mask, the same distribution.
 *
 * With WIR, a linear whose bias was deferred leaves x W^T (without the
 * bias) on the tape as its output; only its successor reads it.
 *
 * One DsNetWir per thread. A force that fails (it cannot once
 * ds_net_wir_new has succeeded, short of running out of memory) leaves
 * its outputs unwritten and its error in ds_net_wir_error.
 */
typedef enum {
  DS_NET_WIR_OFF,                /* the hand kernels (no DsNetWir) */
  DS_NET_WIR_UNFUSED,
  DS_NET_WIR_FUSED,
} DsNetWirMode;

typedef struct _DsNetWir DsNetWir;

/* A session of @mode (UNFUSED or FUSED), kernels cached in @cache_dir
 * (NULL: $XDG_CACHE_HOME/dawnsim/wir). Compiles a first kernel, so it
 * fails here (WIR_ERROR) when there is no C compiler. */
DsNetWir  *ds_net_wir_new     (DsNetWirMode mode, const char *cache_dir, GError **error);
void       ds_net_wir_free    (DsNetWir *wir);
/* Kernels run (forces) since the session began, the first one included;
 * and how many of those found their graph already built (no parse,
 * optimizer or hash). */
guint64    ds_net_wir_n_kernels (const DsNetWir *wir);
guint64    ds_net_wir_n_reused  (const DsNetWir *wir);
/* The first failed force's error, or NULL. */
const GError *ds_net_wir_error (const DsNetWir *wir);
/* With @defer FALSE a linear's bias stays in its GEMM (beta = 1), as the
 * hand kernels add it, and nothing joins the activation's kernel: then
 * every WIR op is the hand kernel's float operations and a step gives
 * its bits exactly (the tests' check). Default TRUE: OpenBLAS, which
 * splits a long inner dimension into blocks, then adds the bias after
 * the last block rather than before the first, a rounding apart. */
void       ds_net_wir_set_defer_bias (DsNetWir *wir, gboolean defer);
/* "off", "unfused", "fused"; FALSE for anything else. */
gboolean   ds_net_wir_mode_parse (const char *text, DsNetWirMode *mode);
const char *ds_net_wir_mode_name (DsNetWirMode mode);

/* Forward and backward on @tape run through @wir (borrowed; NULL: the
 * hand kernels). */
void       ds_net_tape_set_wir (DsNetTape *tape, DsNetWir *wir);

/* Softmax cross-entropy of @n rows of @k logits: returns the mean loss and
 * writes its gradient, scaled by @scale, into @dlogits (n x k; may be
 * @logits). With @wir NULL, ds_k_softmax_xent_fwd and _bwd. */
double     ds_net_loss        (DsNetWir *wir, const float *logits, const guint8 *labels,
                               float *dlogits, guint n, guint k, float scale);
/* ds_k_sgd's step through @wir (NULL: ds_k_sgd itself); @v may be NULL
 * only when @mu is 0. */
void       ds_net_sgd         (DsNetWir *wir, float *w, const float *g, float *v, gsize len,
                               float lr, float mu, float wd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsNetWir, ds_net_wir_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsNet, ds_net_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsNetTape, ds_net_tape_free)

G_END_DECLS
