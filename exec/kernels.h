/* exec/kernels.h - the CPU kernels the executor's layers run.
 *
 * Every tensor is row-major float32; n is the number of rows (the batch
 * of one micro-batch); images are NCHW. The contract every kernel keeps:
 *
 *  - No allocation: a kernel that needs scratch memory takes it as an
 *    argument (@col for the convolutions).
 *  - Single-threaded: each pipeline stage owns a core, so kernels never
 *    spread, and ds_blas_load() pins OpenBLAS to one thread.
 *  - Deterministic: fixed summation order, no races; the same inputs give
 *    bit-identical outputs on the same machine and OpenBLAS.
 *  - Backward functions OVERWRITE the input gradient (dx, dlogits) and
 *    ACCUMULATE (+=) into parameter gradients (dw, db, dgamma, dbeta), so
 *    the micro-batches of a minibatch sum into one gradient; zero those
 *    before the first micro-batch.
 *  - Output arrays must not overlap inputs unless a function says so.
 *
 * GEMMs go through exec/blas.h; call ds_kernels_init() once before any
 * kernel that multiplies matrices (linear, conv2d, attention). ds_k_linear_fwd is one
 * sgemm plus a bias broadcast: at n = 256, in = out = 1024 it ran at 115
 * GFLOP/s, 99% of a bare single-threaded OpenBLAS sgemm of the same shape
 * (116; best of 30, one core of a 2-core AMD EPYC VM, November 2026).
 *
 * Random numbers (dropout masks, initial weights) come from a counter-based
 * generator, so element i's number depends only on (seed, i) and not on how
 * a tensor is split into micro-batches or which backend draws it:
 *
 *     key  = mix (seed)
 *     r(i) = mix (key + (i + 1) * 0x9E3779B97F4A7C15)     (mod 2^64)
 *     mix (z): z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
 *              z = (z ^ (z >> 27)) * 0x94D049BB133111EB;  return z ^ (z >> 31)
 *
 * that is SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) read at position
 * i of a stream that starts at the mixed seed. Mixing the seed first keeps
 * nearby seeds (layer 0, layer 1) on unrelated streams, which a bare
 * seed ^ i would not: seed 0 at index 1 would equal seed 1 at index 0.
 * A uniform in [0, 1) is u(i) = (r(i) >> 40) * 2^-24, exact in a float.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Loads OpenBLAS (ds_blas_load()); idempotent. Fails with
 * DS_ERROR_UNSUPPORTED, naming the package to install. */
gboolean ds_kernels_init (GError **error);

/* ---- linear ---- */

/* y = x W^T + b: x n x in, W out x in (PyTorch's layout), b out or NULL,
 * y n x out. */
void   ds_k_linear_fwd (const float *x, const float *w, const float *b, float *y,
                        guint n, guint in, guint out);
/* dx = dy W (n x in; NULL when no one needs it, e.g. the first layer),
 * dw += dy^T x (out x in), db += column sums of dy (out; NULL when the
 * layer has no bias). */
void   ds_k_linear_bwd (const float *x, const float *w, const float *dy, float *dx,
                        float *dw, float *db, guint n, guint in, guint out);

/* ---- activations (elementwise over len floats) ---- */

/* y = max(x, 0), NaN stays NaN. y == x (in place) is allowed. */
void   ds_k_relu_fwd (const float *x, float *y, gsize len);
/* dx = dy where y > 0, else 0; takes the forward's OUTPUT, so an in-place
 * forward needs nothing else kept. dx == dy is allowed. */
void   ds_k_relu_bwd (const float *y, const float *dy, float *dx, gsize len);
/* GELU, tanh approximation (PyTorch's approximate='tanh'):
 * y = x/2 (1 + tanh (u)), u = sqrt(2/pi) (x + 0.044715 x^3), evaluated as
 * x sigmoid(2u) so that the negative tail keeps its relative accuracy.
 * y == x is allowed. */
void   ds_k_gelu_fwd (const float *x, float *y, gsize len);
/* dx = dy y'(x), from the forward's INPUT x. dx == dy is allowed. */
void   ds_k_gelu_bwd (const float *x, const float *dy, float *dx, gsize len);

/* ---- layer normalisation ---- */

/* Per row over d features: y = (x - mean) rstd gamma + beta with
 * rstd = 1 / sqrt (biased variance + 1e-5), as torch.nn.LayerNorm. Saves
 * mean and rstd (n floats each) for the backward. Statistics are summed in
 * double, variance in a second pass. */
void   ds_k_layernorm_fwd (const float *x, const float *gamma, const float *beta, float *y,
                           float *mean, float *rstd, guint n, guint d);
/* dx (n x d, overwritten); dgamma, dbeta (d each) +=. */
void   ds_k_layernorm_bwd (const float *x, const float *gamma, const float *mean,
                           const float *rstd, const float *dy, float *dx, float *dgamma,
                           float *dbeta, guint n, guint d);

/* ---- attention (Vaswani et al. 2017, multi-head, no mask) ---- */

/* Softmax over each of n rows of k: y = exp (x - max) / sum, the sum in
 * double. y == x is allowed. */
void   ds_k_softmax_fwd (const float *x, float *y, guint n, guint k);
/* dx = y (dy - sum_j dy_j y_j) per row, from the forward's OUTPUT y.
 * dx == dy is allowed. */
void   ds_k_softmax_bwd (const float *y, const float *dy, float *dx, guint n, guint k);
/* Scaled dot-product attention of n sequences of s tokens, d features in
 * @heads heads of dh = d / heads. @qkv is n s x 3d: each token's row holds
 * Q, K and V (d each), head h in columns h dh .. h dh + dh - 1 of each
 * (torch.nn.MultiheadAttention's in_proj output). Per sequence and head:
 * P = softmax (Q K^T / sqrt (dh)) (s x s) into @probs (n x heads x s x s,
 * kept for the backward), O = P V into columns h dh.. of @o (n s x d).
 * Two sgemms and a softmax per sequence and head. */
void   ds_k_attention_fwd (const float *qkv, float *probs, float *o, guint n, guint s,
                           guint d, guint heads);
/* From the forward's @qkv and @probs and the gradient @dout of o: @dqkv
 * (n s x 3d) overwritten with the gradients of Q, K and V. @scratch holds
 * s x s floats. */
void   ds_k_attention_bwd (const float *qkv, const float *probs, const float *dout,
                           float *dqkv, float *scratch, guint n, guint s, guint d,
                           guint heads);

/* ---- sums ---- */

/* y = a + b over len floats (a residual connection); y may be a or b. */
void   ds_k_add (const float *a, const float *b, float *y, gsize len);
/* A learned position embedding: each of n samples of len floats plus the
 * same @pos (len floats): y = x + pos. y == x is allowed. */
void   ds_k_position_fwd (const float *x, const float *pos, float *y, guint n, gsize len);
/* dpos += sum over the n samples of dy; dx = dy unless dx is NULL
 * (dx == dy is allowed). */
void   ds_k_position_bwd (const float *dy, float *dx, float *dpos, guint n, gsize len);
/* The mean over the s tokens of each of n samples (s x d each, a token's
 * features contiguous): y (n x d), y[j] = sum_t x[t d + j] / s, summed in
 * double in token order. */
void   ds_k_token_mean_fwd (const float *x, float *y, guint n, guint s, guint d);
/* dx (n x s x d, overwritten) = dy / s at every token. */
void   ds_k_token_mean_bwd (const float *dy, float *dx, guint n, guint s, guint d);

/* ---- loss ---- */

/* Softmax over each row of k logits into @probs (n x k, kept for the
 * backward), and returns the mean cross-entropy -log probs[label] over
 * the n rows, summed in double (0 when n is 0). Labels must be < k, so
 * k <= 256 with guint8 labels. */
double ds_k_softmax_xent_fwd (const float *logits, const guint8 *labels, float *probs,
                              guint n, guint k);
/* dlogits = (probs - onehot(label)) scale. Pass scale = 1 / (rows in the
 * whole minibatch), so the micro-batches' gradients sum to the
 * minibatch's. dlogits == probs is allowed. */
void   ds_k_softmax_xent_bwd (const float *probs, const guint8 *labels, float *dlogits,
                              guint n, guint k, float scale);
/* Rows whose argmax (lowest index on ties) equals the label. */
guint  ds_k_count_correct (const float *logits, const guint8 *labels, guint n, guint k);

/* ---- dropout ---- */

/* Inverted dropout: element i (counted from @offset, the index of x[0] in
 * the whole tensor, so any batch split gives the same mask) is dropped when
 * u(offset + i) < p (see the generator above); mask[i] = 0 dropped, 1 kept,
 * y = x mask / (1 - p). p = 0 is the identity; p >= 1 drops everything.
 * y == x is allowed. */
void   ds_k_dropout_fwd (const float *x, float *y, guint8 *mask, gsize len, float p,
                         guint64 seed, guint64 offset);
/* dx = dy mask / (1 - p). dx == dy is allowed. */
void   ds_k_dropout_bwd (const guint8 *mask, const float *dy, float *dx, gsize len, float p);

/* ---- convolution and pooling (NCHW) ---- */

/* Output size of a convolution along one axis: (size + 2p - k) / s + 1;
 * needs size + 2p >= k and s >= 1. */
guint  ds_k_conv2d_out (guint size, guint k, guint s, guint p);
/* y (n x c_out x h_out x w_out) = conv (x (n x c_in x h x wd), w (c_out x
 * c_in x k x k), stride s, zero padding p) + b (c_out, or NULL). Per image,
 * im2col into @col, scratch of c_in k k x h_out w_out floats, then one
 * sgemm. */
void   ds_k_conv2d_fwd (const float *x, const float *w, const float *b, float *y,
                        float *col, guint n, guint c_in, guint h, guint wd, guint c_out,
                        guint k, guint s, guint p);
/* dx (NULL when not needed) overwritten; dw +=, db (NULL when no bias) +=.
 * @col is the same scratch as the forward's; the forward's contents are
 * not reused (the backward rebuilds the columns of each image). */
void   ds_k_conv2d_bwd (const float *x, const float *w, const float *dy, float *dx,
                        float *dw, float *db, float *col, guint n, guint c_in, guint h,
                        guint wd, guint c_out, guint k, guint s, guint p);

/* Max pooling, k x k windows at stride s, no padding: y is n x c x h_out x
 * w_out with h_out = (h - k) / s + 1 (needs h, wd >= k). argmax (one per
 * output) is the index of the winner inside its h x wd plane, as PyTorch's
 * return_indices; ties go to the first in row-major order, NaN wins. */
void   ds_k_maxpool2d_fwd (const float *x, float *y, guint32 *argmax, guint n, guint c,
                           guint h, guint wd, guint k, guint s);
/* dx (n x c x h x wd) overwritten: each dy added at its argmax (so
 * overlapping windows, s < k, sum correctly). */
void   ds_k_maxpool2d_bwd (const guint32 *argmax, const float *dy, float *dx, guint n,
                           guint c, guint h, guint wd, guint k, guint s);

/* ---- optimiser and initialisation ---- */

/* One step of torch.optim.SGD (dampening 0, not Nesterov):
 * g' = g + wd w; v = mu v + g'; w -= lr v. With v zeroed before the first
 * step this matches PyTorch's first step (which sets v = g'). When mu == 0
 * the step is w -= lr g' and v is ignored (may be NULL). */
void   ds_k_sgd (float *w, const float *g, float *v, gsize len, float lr, float mu, float wd);
/* w[i] = bound (2 u(i) - 1), uniform in [-bound, bound) from the generator
 * above keyed by @seed. PyTorch's default for Linear and Conv2d weights and
 * biases is bound = 1 / sqrt (fan_in). */
void   ds_k_init_uniform (float *w, gsize len, float bound, guint64 seed);

G_END_DECLS
