/* exec/kernels.c - the executor's CPU kernels (see kernels.h).
 *
 * Matrix products go to OpenBLAS through gemm() below; everything else is
 * a plain loop in a fixed order, summing in double where a sum feeds a
 * normalisation or the loss. The layers in exec/ call these forward and
 * backward, and tests/test-kernels.c holds every backward to central
 * finite differences, so change a formula only together with its test.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "exec/blas.h"
#include "exec/kernels.h"

/* torch.nn.LayerNorm's default */
#define LAYERNORM_EPS 1e-5

/* ---- counter-based random numbers (the formula is in kernels.h) ---- */

static inline guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

/* u(i) in [0, 1) with 24 random bits, exact in a float. */
static inline float
uniform01 (guint64 key, guint64 index)
{
  guint64 r = mix64 (key + (index + 1) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  return (float) (r >> 40) * (1.0f / 16777216.0f);
}

/* ---- GEMM ---- */

/* C = alpha op(A) op(B) + beta C, as ds_blas_sgemm, but also right for
 * empty shapes, which BLAS rejects (a leading dimension of 0) or, for
 * k = 0, may leave C unscaled. */
static void
gemm (gboolean trans_a, gboolean trans_b, gsize m, gsize n, gsize k, float alpha,
      const float *a, gsize lda, const float *b, gsize ldb, float beta, float *c, gsize ldc)
{
  g_return_if_fail (m <= G_MAXINT && n <= G_MAXINT && k <= G_MAXINT);
  g_return_if_fail (lda <= G_MAXINT && ldb <= G_MAXINT && ldc <= G_MAXINT);
  if (m == 0 || n == 0)
    return;
  if (k == 0)
    {
      for (gsize i = 0; i < m; i++)
        for (gsize j = 0; j < n; j++)
          c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
      return;
    }
  ds_blas_sgemm (trans_a, trans_b, (int) m, (int) n, (int) k, alpha, a, (int) lda, b,
                 (int) ldb, beta, c, (int) ldc);
}

/* Each of the @rows rows of @y (@cols wide) set to @b. */
static void
broadcast_rows (float *y, const float *b, gsize rows, gsize cols)
{
  for (gsize i = 0; i < rows; i++)
    memcpy (y + i * cols, b, cols * sizeof *y);
}

gboolean
ds_kernels_init (GError **error)
{
  return ds_blas_load (error);
}

/* ---- linear ---- */

void
ds_k_linear_fwd (const float *x, const float *w, const float *b, float *y, guint n,
                 guint in, guint out)
{
  /* y = b broadcast, then y += x W^T: one sgemm, the bias for free. */
  if (b != NULL)
    broadcast_rows (y, b, n, out);
  gemm (FALSE, TRUE, n, out, in, 1.0f, x, in, w, in, b != NULL ? 1.0f : 0.0f, y, out);
}

void
ds_k_linear_bwd (const float *x, const float *w, const float *dy, float *dx, float *dw,
                 float *db, guint n, guint in, guint out)
{
  g_return_if_fail (dw != NULL);
  if (dx != NULL)
    gemm (FALSE, FALSE, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);
  gemm (TRUE, FALSE, out, in, n, 1.0f, dy, out, x, in, 1.0f, dw, in);
  if (db != NULL)
    for (gsize i = 0; i < n; i++)
      for (gsize j = 0; j < out; j++)
        db[j] += dy[i * out + j];
}

/* ---- activations ---- */

void
ds_k_relu_fwd (const float *x, float *y, gsize len)
{
  /* "x < 0 ? 0 : x" rather than "x > 0 ? x : 0" so NaN passes through,
   * as torch.relu does, and a diverging run shows. */
  for (gsize i = 0; i < len; i++)
    y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void
ds_k_relu_bwd (const float *y, const float *dy, float *dx, gsize len)
{
  for (gsize i = 0; i < len; i++)
    dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

#define GELU_C 0.7978845608028654f          /* sqrt (2 / pi) */
#define GELU_A 0.044715f

/* sigmoid(2u) and 1 - sigmoid(2u) without overflow or cancellation:
 * exp() is only ever taken of a non-positive number. */
static inline void
sigmoid2 (float u, float *s, float *one_minus_s)
{
  float e = expf (-2.0f * fabsf (u));       /* in (0, 1] */
  float big = 1.0f / (1.0f + e), small = e * big;

  *s = u >= 0.0f ? big : small;
  *one_minus_s = u >= 0.0f ? small : big;
}

void
ds_k_gelu_fwd (const float *x, float *y, gsize len)
{
  /* x/2 (1 + tanh u) = x sigmoid(2u): the same function, but the tail
   * x -> -inf is no longer 1 + tanh u ~ 1 - 1, which would cancel. */
  for (gsize i = 0; i < len; i++)
    {
      float v = x[i], s, t;
      sigmoid2 (GELU_C * (v + GELU_A * v * v * v), &s, &t);
      y[i] = v * s;
    }
}

void
ds_k_gelu_bwd (const float *x, const float *dy, float *dx, gsize len)
{
  /* d/dx [x s(2u)] = s + 2 x s (1 - s) u',  u' = sqrt(2/pi) (1 + 3a x^2) */
  for (gsize i = 0; i < len; i++)
    {
      float v = x[i], s, t;
      sigmoid2 (GELU_C * (v + GELU_A * v * v * v), &s, &t);
      float du = GELU_C * (1.0f + 3.0f * GELU_A * v * v);
      dx[i] = dy[i] * (s + 2.0f * v * s * t * du);
    }
}

/* ---- layer normalisation ---- */

void
ds_k_layernorm_fwd (const float *x, const float *gamma, const float *beta, float *y,
                    float *mean, float *rstd, guint n, guint d)
{
  g_return_if_fail (d > 0);
  for (gsize i = 0; i < n; i++)
    {
      const float *xr = x + i * d;
      float *yr = y + i * d;
      double sum = 0, sq = 0;

      for (gsize j = 0; j < d; j++)
        sum += xr[j];
      double mu = sum / d;
      /* Two passes: sum(x^2)/d - mu^2 loses everything when |mu| >> std. */
      for (gsize j = 0; j < d; j++)
        sq += (xr[j] - mu) * (xr[j] - mu);
      double r = 1.0 / sqrt (sq / d + LAYERNORM_EPS);

      mean[i] = (float) mu;
      rstd[i] = (float) r;
      for (gsize j = 0; j < d; j++)
        yr[j] = (float) ((xr[j] - mu) * r) * gamma[j] + beta[j];
    }
}

/* With xhat = (x - mean) rstd and g = dy gamma, per row:
 * dx = rstd (g - mean(g) - xhat mean(g xhat)). */
void
ds_k_layernorm_bwd (const float *x, const float *gamma, const float *mean, const float *rstd,
                    const float *dy, float *dx, float *dgamma, float *dbeta, guint n, guint d)
{
  g_return_if_fail (d > 0);
  for (gsize i = 0; i < n; i++)
    {
      const float *xr = x + i * d, *dyr = dy + i * d;
      float *dxr = dx + i * d;
      float mu = mean[i], r = rstd[i];
      double sum_g = 0, sum_gx = 0;

      for (gsize j = 0; j < d; j++)
        {
          float xhat = (xr[j] - mu) * r, g = dyr[j] * gamma[j];
          sum_g += g;
          sum_gx += (double) g * xhat;
          dgamma[j] += dyr[j] * xhat;
          dbeta[j] += dyr[j];
        }
      float mean_g = (float) (sum_g / d), mean_gx = (float) (sum_gx / d);
      for (gsize j = 0; j < d; j++)
        {
          float xhat = (xr[j] - mu) * r;
          dxr[j] = r * (dyr[j] * gamma[j] - mean_g - xhat * mean_gx);
        }
    }
}

/* ---- attention ---- */

/* y = softmax (x) over one row of k >= 1; returns the sum of exp (x -
 * max), max in *xmax. y == x is allowed. */
static double
softmax_row (const float *x, float *y, gsize k, float *xmax)
{
  float m = x[0];
  double sum = 0;

  for (gsize j = 1; j < k; j++)
    m = MAX (m, x[j]);
  for (gsize j = 0; j < k; j++)
    {
      y[j] = expf (x[j] - m);
      sum += y[j];
    }
  for (gsize j = 0; j < k; j++)
    y[j] = (float) (y[j] / sum);
  *xmax = m;
  return sum;
}

void
ds_k_softmax_fwd (const float *x, float *y, guint n, guint k)
{
  float xmax;

  for (gsize i = 0; k > 0 && i < n; i++)
    softmax_row (x + i * k, y + i * k, k, &xmax);
}

void
ds_k_softmax_bwd (const float *y, const float *dy, float *dx, guint n, guint k)
{
  for (gsize i = 0; i < n; i++)
    {
      const float *yr = y + i * k, *dyr = dy + i * k;
      float *dxr = dx + i * k;
      double dot = 0;

      for (gsize j = 0; j < k; j++)
        dot += (double) dyr[j] * yr[j];
      for (gsize j = 0; j < k; j++)
        dxr[j] = yr[j] * (dyr[j] - (float) dot);
    }
}

void
ds_k_attention_fwd (const float *qkv, float *probs, float *o, guint n, guint s, guint d,
                    guint heads)
{
  g_return_if_fail (heads > 0 && d % heads == 0);
  gsize dh = d / heads, ld = 3 * (gsize) d;
  float scale = (float) (1 / sqrt ((double) dh));

  for (gsize b = 0; b < n; b++)
    for (gsize h = 0; h < heads; h++)
      {
        const float *q = qkv + b * s * ld + h * dh, *k = q + d, *v = q + 2 * (gsize) d;
        float *p = probs + (b * heads + h) * s * s, *out = o + b * s * d + h * dh;

        /* P = softmax (Q K^T scale); O = P V */
        gemm (FALSE, TRUE, s, s, dh, scale, q, ld, k, ld, 0.0f, p, s);
        ds_k_softmax_fwd (p, p, s, s);
        gemm (FALSE, FALSE, s, dh, s, 1.0f, p, s, v, ld, 0.0f, out, d);
      }
}

/* With S = Q K^T scale, P = softmax (S), O = P V:
 * dV = P^T dO, dP = dO V^T, dS = softmax' (dP), dQ = dS K scale,
 * dK = dS^T Q scale. */
void
ds_k_attention_bwd (const float *qkv, const float *probs, const float *dout, float *dqkv,
                    float *scratch, guint n, guint s, guint d, guint heads)
{
  g_return_if_fail (heads > 0 && d % heads == 0);
  gsize dh = d / heads, ld = 3 * (gsize) d;
  float scale = (float) (1 / sqrt ((double) dh));

  for (gsize b = 0; b < n; b++)
    for (gsize h = 0; h < heads; h++)
      {
        gsize at = b * s * ld + h * dh;
        const float *q = qkv + at, *k = q + d, *v = q + 2 * (gsize) d;
        const float *p = probs + (b * heads + h) * s * s, *dov = dout + b * s * d + h * dh;
        float *dq = dqkv + at, *dk = dq + d, *dv = dq + 2 * (gsize) d;

        gemm (TRUE, FALSE, s, dh, s, 1.0f, p, s, dov, d, 0.0f, dv, ld);
        gemm (FALSE, TRUE, s, s, dh, 1.0f, dov, d, v, ld, 0.0f, scratch, s);
        ds_k_softmax_bwd (p, scratch, scratch, s, s);
        gemm (FALSE, FALSE, s, dh, s, scale, scratch, s, k, ld, 0.0f, dq, ld);
        gemm (TRUE, FALSE, s, dh, s, scale, scratch, s, q, ld, 0.0f, dk, ld);
      }
}

/* ---- sums ---- */

void
ds_k_add (const float *a, const float *b, float *y, gsize len)
{
  for (gsize i = 0; i < len; i++)
    y[i] = a[i] + b[i];
}

void
ds_k_position_fwd (const float *x, const float *pos, float *y, guint n, gsize len)
{
  for (gsize i = 0; i < n; i++)
    ds_k_add (x + i * len, pos, y + i * len, len);
}

void
ds_k_position_bwd (const float *dy, float *dx, float *dpos, guint n, gsize len)
{
  for (gsize i = 0; i < n; i++)
    ds_k_add (dpos, dy + i * len, dpos, len);
  if (dx != NULL && dx != dy)
    memcpy (dx, dy, (gsize) n * len * sizeof *dx);
}

void
ds_k_token_mean_fwd (const float *x, float *y, guint n, guint s, guint d)
{
  for (gsize b = 0; b < n; b++)
    for (gsize j = 0; j < d; j++)
      {
        const float *xb = x + b * s * d + j;
        double sum = 0;
        for (gsize t = 0; t < s; t++)
          sum += xb[t * d];
        y[b * d + j] = (float) (sum / s);
      }
}

void
ds_k_token_mean_bwd (const float *dy, float *dx, guint n, guint s, guint d)
{
  for (gsize b = 0; b < n; b++)
    for (gsize t = 0; t < s; t++)
      for (gsize j = 0; j < d; j++)
        dx[(b * s + t) * d + j] = dy[b * d + j] / (float) s;
}

/* ---- loss ---- */

static gboolean
labels_valid (const guint8 *labels, guint n, guint k)
{
  for (guint i = 0; i < n; i++)
    if (labels[i] >= k)
      return FALSE;
  return TRUE;
}

double
ds_k_softmax_xent_fwd (const float *logits, const guint8 *labels, float *probs, guint n,
                       guint k)
{
  double loss = 0;

  g_return_val_if_fail (k > 0 && labels_valid (labels, n, k), NAN);
  for (gsize i = 0; i < n; i++)
    {
      const float *z = logits + i * k;
      float zmax;
      double sum = softmax_row (z, probs + i * k, k, &zmax);

      /* -log p[label] = log sum exp (z - zmax) - (z[label] - zmax) */
      loss += log (sum) - ((double) z[labels[i]] - zmax);
    }
  return n > 0 ? loss / n : 0.0;
}

void
ds_k_softmax_xent_bwd (const float *probs, const guint8 *labels, float *dlogits, guint n,
                       guint k, float scale)
{
  g_return_if_fail (labels_valid (labels, n, k));
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < k; j++)
      {
        float onehot = j == labels[i] ? 1.0f : 0.0f;
        dlogits[i * k + j] = (probs[i * k + j] - onehot) * scale;
      }
}

guint
ds_k_count_correct (const float *logits, const guint8 *labels, guint n, guint k)
{
  guint correct = 0;

  g_return_val_if_fail (k > 0, 0);
  for (gsize i = 0; i < n; i++)
    {
      const float *z = logits + i * k;
      guint best = 0;
      for (guint j = 1; j < k; j++)
        if (z[j] > z[best])
          best = j;
      correct += best == labels[i];
    }
  return correct;
}

/* ---- dropout ---- */

/* 1 / (1 - p), or 0 when everything is dropped (p >= 1), so that the
 * dropped elements are 0 and not 0 x inf. */
static float
dropout_scale (float p)
{
  return p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
}

void
ds_k_dropout_fwd (const float *x, float *y, guint8 *mask, gsize len, float p, guint64 seed,
                  guint64 offset)
{
  guint64 key = mix64 (seed);
  float scale = dropout_scale (p);

  for (gsize i = 0; i < len; i++)
    {
      mask[i] = uniform01 (key, offset + i) >= p;
      y[i] = mask[i] ? x[i] * scale : 0.0f;
    }
}

void
ds_k_dropout_bwd (const guint8 *mask, const float *dy, float *dx, gsize len, float p)
{
  float scale = dropout_scale (p);

  for (gsize i = 0; i < len; i++)
    dx[i] = mask[i] ? dy[i] * scale : 0.0f;
}

/* ---- convolution ---- */

guint
ds_k_conv2d_out (guint size, guint k, guint s, guint p)
{
  g_return_val_if_fail (s > 0 && (guint64) size + 2ull * p >= k, 0);
  return (guint) (((guint64) size + 2ull * p - k) / s + 1);
}

/* The shape of one image's convolution. */
typedef struct {
  gsize c_in, h, wd, k, s, p;
  gsize h_out, w_out;
} ConvShape;

static ConvShape
conv_shape (guint c_in, guint h, guint wd, guint k, guint s, guint p)
{
  ConvShape cs = { c_in, h, wd, k, s, p, ds_k_conv2d_out (h, k, s, p),
                   ds_k_conv2d_out (wd, k, s, p) };
  return cs;
}

/* Input row (or column) of output position @o at kernel offset @ki, or
 * -1 inside the zero padding. */
static inline gssize
conv_src (gsize o, gsize ki, gsize s, gsize p, gsize size)
{
  gssize at = (gssize) (o * s + ki) - (gssize) p;
  return at >= 0 && at < (gssize) size ? at : -1;
}

/* col[(c k + ki) k + kj][oh w_out + ow] = x[c][oh s + ki - p][ow s + kj - p],
 * 0 in the padding. */
static void
im2col (const ConvShape *cs, const float *x, float *col)
{
  for (gsize c = 0; c < cs->c_in; c++)
    for (gsize ki = 0; ki < cs->k; ki++)
      for (gsize kj = 0; kj < cs->k; kj++)
        for (gsize oh = 0; oh < cs->h_out; oh++, col += cs->w_out)
          {
            gssize ih = conv_src (oh, ki, cs->s, cs->p, cs->h);
            if (ih < 0)
              {
                memset (col, 0, cs->w_out * sizeof *col);
                continue;
              }
            const float *xr = x + (c * cs->h + (gsize) ih) * cs->wd;
            for (gsize ow = 0; ow < cs->w_out; ow++)
              {
                gssize iw = conv_src (ow, kj, cs->s, cs->p, cs->wd);
                col[ow] = iw < 0 ? 0.0f : xr[iw];
              }
          }
}

/* The adjoint of im2col: dx = 0, then every column entry added back to
 * the input pixel it was copied from, in the order im2col copied them. */
static void
col2im (const ConvShape *cs, const float *col, float *dx)
{
  memset (dx, 0, cs->c_in * cs->h * cs->wd * sizeof *dx);
  for (gsize c = 0; c < cs->c_in; c++)
    for (gsize ki = 0; ki < cs->k; ki++)
      for (gsize kj = 0; kj < cs->k; kj++)
        for (gsize oh = 0; oh < cs->h_out; oh++, col += cs->w_out)
          {
            gssize ih = conv_src (oh, ki, cs->s, cs->p, cs->h);
            if (ih < 0)
              continue;
            float *dxr = dx + (c * cs->h + (gsize) ih) * cs->wd;
            for (gsize ow = 0; ow < cs->w_out; ow++)
              {
                gssize iw = conv_src (ow, kj, cs->s, cs->p, cs->wd);
                if (iw >= 0)
                  dxr[iw] += col[ow];
              }
          }
}

void
ds_k_conv2d_fwd (const float *x, const float *w, const float *b, float *y, float *col,
                 guint n, guint c_in, guint h, guint wd, guint c_out, guint k, guint s,
                 guint p)
{
  g_return_if_fail (k > 0 && s > 0 && h + 2 * p >= k && wd + 2 * p >= k);
  ConvShape cs = conv_shape (c_in, h, wd, k, s, p);
  gsize ckk = cs.c_in * k * k, hw_out = cs.h_out * cs.w_out;

  /* y_img (c_out x hw_out) = W (c_out x ckk) col (ckk x hw_out) + b */
  for (gsize i = 0; i < n; i++)
    {
      float *yi = y + i * c_out * hw_out;
      im2col (&cs, x + i * cs.c_in * h * wd, col);
      if (b != NULL)
        for (gsize co = 0; co < c_out; co++)
          for (gsize j = 0; j < hw_out; j++)
            yi[co * hw_out + j] = b[co];
      gemm (FALSE, FALSE, c_out, hw_out, ckk, 1.0f, w, ckk, col, hw_out,
            b != NULL ? 1.0f : 0.0f, yi, hw_out);
    }
}

void
ds_k_conv2d_bwd (const float *x, const float *w, const float *dy, float *dx, float *dw,
                 float *db, float *col, guint n, guint c_in, guint h, guint wd, guint c_out,
                 guint k, guint s, guint p)
{
  g_return_if_fail (dw != NULL);
  g_return_if_fail (k > 0 && s > 0 && h + 2 * p >= k && wd + 2 * p >= k);
  ConvShape cs = conv_shape (c_in, h, wd, k, s, p);
  gsize ckk = cs.c_in * k * k, hw_out = cs.h_out * cs.w_out;

  for (gsize i = 0; i < n; i++)
    {
      const float *dyi = dy + i * c_out * hw_out;

      /* dW (c_out x ckk) += dy_img (c_out x hw_out) col^T */
      im2col (&cs, x + i * cs.c_in * h * wd, col);
      gemm (FALSE, TRUE, c_out, ckk, hw_out, 1.0f, dyi, hw_out, col, hw_out, 1.0f, dw, ckk);
      if (db != NULL)
        for (gsize co = 0; co < c_out; co++)
          {
            double sum = 0;
            for (gsize j = 0; j < hw_out; j++)
              sum += dyi[co * hw_out + j];
            db[co] += (float) sum;
          }
      /* dcol (ckk x hw_out) = W^T dy_img, reusing col, then folded back. */
      if (dx != NULL)
        {
          gemm (TRUE, FALSE, ckk, hw_out, c_out, 1.0f, w, ckk, dyi, hw_out, 0.0f, col, hw_out);
          col2im (&cs, col, dx + i * cs.c_in * h * wd);
        }
    }
}

/* ---- pooling ---- */

void
ds_k_maxpool2d_fwd (const float *x, float *y, guint32 *argmax, guint n, guint c, guint h,
                    guint wd, guint k, guint s)
{
  g_return_if_fail (k > 0 && s > 0 && h >= k && wd >= k);
  g_return_if_fail ((guint64) h * wd <= G_MAXUINT32);
  gsize h_out = (h - k) / s + 1, w_out = (wd - k) / s + 1;

  for (gsize plane = 0; plane < (gsize) n * c; plane++)
    {
      const float *xp = x + plane * h * wd;
      for (gsize oh = 0; oh < h_out; oh++)
        for (gsize ow = 0; ow < w_out; ow++)
          {
            gsize best = oh * s * wd + ow * s;
            for (gsize ki = 0; ki < k; ki++)
              for (gsize kj = 0; kj < k; kj++)
                {
                  gsize at = (oh * s + ki) * wd + ow * s + kj;
                  if (xp[at] > xp[best] || isnan (xp[at]))
                    best = at;
                }
            *y++ = xp[best];
            *argmax++ = (guint32) best;
          }
    }
}

void
ds_k_maxpool2d_bwd (const guint32 *argmax, const float *dy, float *dx, guint n, guint c,
                    guint h, guint wd, guint k, guint s)
{
  g_return_if_fail (k > 0 && s > 0 && h >= k && wd >= k);
  gsize h_out = (h - k) / s + 1, w_out = (wd - k) / s + 1, plane_len = (gsize) h * wd;

  memset (dx, 0, (gsize) n * c * plane_len * sizeof *dx);
  for (gsize plane = 0; plane < (gsize) n * c; plane++)
    for (gsize j = 0; j < h_out * w_out; j++, argmax++, dy++)
      dx[plane * plane_len + *argmax] += *dy;
}

/* ---- optimiser and initialisation ---- */

void
ds_k_sgd (float *w, const float *g, float *v, gsize len, float lr, float mu, float wd)
{
  g_return_if_fail (mu == 0.0f || v != NULL);
  for (gsize i = 0; i < len; i++)
    {
      float step = g[i] + wd * w[i];
      if (mu != 0.0f)
        step = v[i] = mu * v[i] + step;
      w[i] -= lr * step;
    }
}

void
ds_k_init_uniform (float *w, gsize len, float bound, guint64 seed)
{
  guint64 key = mix64 (seed);

  /* 2u - 1 is exact (u has 24 bits), and |2u - 1| <= 1 keeps the rounded
   * product within the bound. */
  for (gsize i = 0; i < len; i++)
    w[i] = bound * (2.0f * uniform01 (key, i) - 1.0f);
}
