/* tests/test-kernels.c - the executor's CPU kernels (exec/kernels.h).
 *
 * Each forward is compared with a naive reference loop written here in
 * double. Each backward is compared with central finite differences of
 * the scalar loss sum (y r), r fixed and random, taken on that double
 * reference: in double the differences are good to about 1e-9, so the
 * float kernel's gradient is held to 1e-4 relative, and the forward check
 * ties the reference to the kernel. Inputs are float-representable doubles,
 * so kernel and reference see the same numbers. Shapes are small and odd
 * (n = 3, in = 5, out = 4; convolutions with stride 2 and padding 1), and
 * inputs stay clear of kinks (ReLU at 0, ties in max pooling) by more than
 * the difference step.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "exec/kernels.h"

#define FWD_REL 1e-5            /* forward: |got - want| <= FWD_REL (|want| + 1) */
#define GRAD_REL 1e-4           /* backward: |got - fd| <= GRAD_REL (|fd| + 0.1) */
#define FD_STEP 1e-6

/* ---- helpers ---- */

static GRand *rng;

static gboolean
need_blas (void)
{
  g_autoptr(GError) error = NULL;

  if (ds_kernels_init (&error))
    return TRUE;
  g_test_skip (error->message);
  return FALSE;
}

/* @len doubles uniform in [lo, hi), each exactly a float. */
static double *
rand_d (gsize len, double lo, double hi)
{
  double *v = g_new (double, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    v[i] = (float) g_rand_double_range (rng, lo, hi);
  return v;
}

/* Away from 0 by at least 0.05, either sign: clear of ReLU's kink. */
static double *
rand_off_zero (gsize len)
{
  double *v = rand_d (len, 0.05, 1.0);
  for (gsize i = 0; i < len; i++)
    if (g_rand_boolean (rng))
      v[i] = -v[i];
  return v;
}

static float *
to_f (const double *v, gsize len)
{
  float *f = g_new (float, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    f[i] = (float) v[i];
  return f;
}

static void
check_near (const char *what, const float *got, const double *want, gsize len, double rel,
            double floor)
{
  for (gsize i = 0; i < len; i++)
    {
      double err = fabs (got[i] - want[i]), tol = rel * (fabs (want[i]) + floor);
      if (!(err <= tol))
        g_printerr ("%s[%" G_GSIZE_FORMAT "]: got %.9g, want %.9g\n", what, i, got[i], want[i]);
      g_assert_cmpfloat (err, <=, tol);
    }
}

static void
check_fwd (const char *what, const float *got, const double *want, gsize len)
{
  check_near (what, got, want, len, FWD_REL, 1.0);
}

/* A reference forward in double and the loss sum (y r) over its output.
 * Each kernel's case embeds this first. */
typedef struct _Case Case;
struct _Case {
  void (*ref) (const Case *c, double *y);
  gsize y_len;
  const double *r;              /* y_len weights of the loss */
};

static double
case_loss (Case *c)
{
  g_autofree double *y = g_new (double, MAX (c->y_len, 1));
  double loss = 0;

  c->ref (c, y);
  for (gsize i = 0; i < c->y_len; i++)
    loss += y[i] * c->r[i];
  return loss;
}

/* The kernel's gradient @grad of the loss with respect to @p (one of the
 * case's inputs) against central differences. */
static void
check_grad (const char *what, Case *c, double *p, gsize len, const float *grad)
{
  g_autofree double *fd = g_new (double, MAX (len, 1));

  for (gsize i = 0; i < len; i++)
    {
      double keep = p[i];
      p[i] = keep + FD_STEP;
      double plus = case_loss (c);
      p[i] = keep - FD_STEP;
      double minus = case_loss (c);
      p[i] = keep;
      fd[i] = (plus - minus) / (2 * FD_STEP);
    }
  check_near (what, grad, fd, len, GRAD_REL, 0.1);
}

/* b == 2 a, to rounding: a gradient accumulated twice. */
static void
check_doubled (const char *what, const float *a, const float *b, gsize len)
{
  g_autofree double *want = g_new (double, MAX (len, 1));
  for (gsize i = 0; i < len; i++)
    want[i] = 2.0 * a[i];
  check_near (what, b, want, len, 1e-6, 1e-3);
}

/* ---- linear ---- */

typedef struct {
  Case base;
  guint n, in, out;
  double *x, *w, *b;            /* b may be NULL */
} Linear;

static void
linear_ref (const Case *c, double *y)
{
  const Linear *l = (const Linear *) c;
  for (guint i = 0; i < l->n; i++)
    for (guint j = 0; j < l->out; j++)
      {
        double acc = l->b != NULL ? l->b[j] : 0.0;
        for (guint k = 0; k < l->in; k++)
          acc += l->x[i * l->in + k] * l->w[j * l->in + k];
        y[i * l->out + j] = acc;
      }
}

static Linear
linear_case (guint n, guint in, guint out, gboolean has_bias)
{
  Linear l = { { linear_ref, (gsize) n * out, rand_d ((gsize) n * out, -1, 1) },
               n, in, out, rand_d ((gsize) n * in, -1, 1), rand_d ((gsize) out * in, -1, 1),
               has_bias ? rand_d (out, -1, 1) : NULL };
  return l;
}

static void
linear_clear (Linear *l)
{
  g_free ((double *) l->base.r);
  g_free (l->x);
  g_free (l->w);
  g_free (l->b);
}

static void
test_linear_forward (gconstpointer data)
{
  gboolean has_bias = GPOINTER_TO_INT (data);
  if (!need_blas ())
    return;
  Linear l = linear_case (3, 5, 4, has_bias);
  g_autofree float *x = to_f (l.x, 15), *w = to_f (l.w, 20);
  g_autofree float *b = has_bias ? to_f (l.b, 4) : NULL;
  g_autofree float *y = g_new (float, 12);
  double want[12];

  for (guint i = 0; i < 12; i++)
    y[i] = NAN;                 /* every output must be written */
  ds_k_linear_fwd (x, w, b, y, 3, 5, 4);
  linear_ref (&l.base, want);
  check_fwd ("y", y, want, 12);
  linear_clear (&l);
}

static void
test_linear_backward (gconstpointer data)
{
  gboolean has_bias = GPOINTER_TO_INT (data);
  if (!need_blas ())
    return;
  Linear l = linear_case (3, 5, 4, has_bias);
  g_autofree float *x = to_f (l.x, 15), *w = to_f (l.w, 20), *dy = to_f (l.base.r, 12);
  g_autofree float *dx = g_new (float, 15), *dw = g_new0 (float, 20), *db = g_new0 (float, 4);

  ds_k_linear_bwd (x, w, dy, dx, dw, has_bias ? db : NULL, 3, 5, 4);
  check_grad ("dx", &l.base, l.x, 15, dx);
  check_grad ("dw", &l.base, l.w, 20, dw);
  if (has_bias)
    check_grad ("db", &l.base, l.b, 4, db);
  else
    for (guint j = 0; j < 4; j++)
      g_assert_cmpfloat (db[j], ==, 0.0f);
  linear_clear (&l);
}

static void
test_linear_accumulates (void)
{
  if (!need_blas ())
    return;
  Linear l = linear_case (3, 5, 4, TRUE);
  g_autofree float *x = to_f (l.x, 15), *w = to_f (l.w, 20), *dy = to_f (l.base.r, 12);
  g_autofree float *dx = g_new (float, 15), *dw = g_new0 (float, 20), *db = g_new0 (float, 4);
  float dx1[15], dw1[20], db1[4];

  ds_k_linear_bwd (x, w, dy, dx, dw, db, 3, 5, 4);
  memcpy (dx1, dx, sizeof dx1);
  memcpy (dw1, dw, sizeof dw1);
  memcpy (db1, db, sizeof db1);
  for (guint i = 0; i < 15; i++)
    dx[i] = 123.0f;
  ds_k_linear_bwd (x, w, dy, dx, dw, db, 3, 5, 4);
  g_assert_cmpmem (dx, sizeof dx1, dx1, sizeof dx1);
  check_doubled ("dw", dw1, dw, 20);
  check_doubled ("db", db1, db, 4);

  /* dx = NULL: the parameter gradients still accumulate. */
  ds_k_linear_bwd (x, w, dy, NULL, dw, db, 3, 5, 4);
  for (guint j = 0; j < 4; j++)
    g_assert_cmpfloat_with_epsilon (db[j], 3 * db1[j], 1e-5);
  linear_clear (&l);
}

/* Empty shapes are BLAS errors; the kernels must treat them as sums of
 * nothing. */
static void
test_linear_empty (void)
{
  const float w[4] = { 1, 2, 3, 4 }, b[2] = { 5, 6 }, x[3] = { 1, 1, 1 };
  float y[2] = { NAN, NAN }, dw[4] = { 1, 1, 1, 1 }, db[2] = { 1, 1 };

  if (!need_blas ())
    return;
  ds_k_linear_fwd (x, w, b, y, 1, 0, 2);                /* in = 0: y = b */
  g_assert_cmpfloat (y[0], ==, 5.0f);
  g_assert_cmpfloat (y[1], ==, 6.0f);
  ds_k_linear_fwd (x, w, NULL, y, 1, 0, 2);             /* and no bias: 0 */
  g_assert_cmpfloat (y[0], ==, 0.0f);
  ds_k_linear_bwd (x, w, NULL, NULL, dw, db, 0, 2, 2);  /* n = 0: nothing added */
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat (dw[i], ==, 1.0f);
  g_assert_cmpfloat (db[0], ==, 1.0f);
}

/* ---- activations ---- */

typedef struct {
  Case base;
  gsize len;
  double *x;
  const guint8 *mask;           /* dropout only */
  double p;
} Elementwise;

/* PyTorch's formula; in the far negative tail (x < -4.3), where 1 + tanh u
 * cancels even in double, the identity 1 + tanh u = 2 / (1 + exp (-2u)). */
static double
gelu_ref1 (double x)
{
  double u = sqrt (2 / G_PI) * (x + 0.044715 * x * x * x);
  return u > -5 ? 0.5 * x * (1 + tanh (u)) : x / (1 + exp (-2 * u));
}

static void
relu_ref (const Case *c, double *y)
{
  const Elementwise *e = (const Elementwise *) c;
  for (gsize i = 0; i < e->len; i++)
    y[i] = MAX (e->x[i], 0.0);
}

static void
gelu_ref (const Case *c, double *y)
{
  const Elementwise *e = (const Elementwise *) c;
  for (gsize i = 0; i < e->len; i++)
    y[i] = gelu_ref1 (e->x[i]);
}

static void
test_relu_forward (void)
{
  g_autofree double *xd = rand_off_zero (11);
  g_autofree float *x = to_f (xd, 11), *y = g_new (float, 11);
  Elementwise e = { { relu_ref, 11, NULL }, 11, xd, NULL, 0 };
  double want[11];

  ds_k_relu_fwd (x, y, 11);
  relu_ref (&e.base, want);
  check_fwd ("y", y, want, 11);
  ds_k_relu_fwd (x, x, 11);                     /* in place */
  g_assert_cmpmem (x, 11 * sizeof *x, y, 11 * sizeof *y);

  float nan_in = NAN, nan_out = 0;
  ds_k_relu_fwd (&nan_in, &nan_out, 1);
  g_assert_true (isnan (nan_out));
}

static void
test_relu_backward (void)
{
  g_autofree double *xd = rand_off_zero (11), *r = rand_d (11, -1, 1);
  g_autofree float *x = to_f (xd, 11), *y = g_new (float, 11), *dy = to_f (r, 11);
  g_autofree float *dx = g_new (float, 11);
  Elementwise e = { { relu_ref, 11, r }, 11, xd, NULL, 0 };

  ds_k_relu_fwd (x, y, 11);
  ds_k_relu_bwd (y, dy, dx, 11);
  check_grad ("dx", &e.base, xd, 11, dx);
}

static void
test_gelu_forward (void)
{
  /* The random middle, plus the tails and 0, where a naive tanh form
   * loses the relative accuracy of the negative tail. */
  static const double edges[] = { 0.0, 1e-3, -1e-3, 6.0, -6.0, 9.0, -9.0, 30.0, -30.0 };
  const gsize n_rand = 40, len = n_rand + G_N_ELEMENTS (edges);
  g_autofree double *xd = rand_d (len, -5, 5);
  memcpy (xd + n_rand, edges, sizeof edges);
  g_autofree float *x = to_f (xd, len), *y = g_new (float, len);
  g_autofree double *want = g_new (double, len);
  Elementwise e = { { gelu_ref, len, NULL }, len, xd, NULL, 0 };

  ds_k_gelu_fwd (x, y, len);
  gelu_ref (&e.base, want);
  check_near ("y", y, want, len, FWD_REL, 1e-30);
  ds_k_gelu_fwd (x, x, len);
  g_assert_cmpmem (x, len * sizeof *x, y, len * sizeof *y);
}

static void
test_gelu_backward (void)
{
  static const double edges[] = { 0.0, 4.0, -4.0, 8.0, -8.0 };
  const gsize n_rand = 20, len = n_rand + G_N_ELEMENTS (edges);
  g_autofree double *xd = rand_d (len, -3, 3), *r = rand_d (len, -1, 1);
  memcpy (xd + n_rand, edges, sizeof edges);
  g_autofree float *x = to_f (xd, len), *dy = to_f (r, len), *dx = g_new (float, len);
  Elementwise e = { { gelu_ref, len, r }, len, xd, NULL, 0 };

  ds_k_gelu_bwd (x, dy, dx, len);
  check_grad ("dx", &e.base, xd, len, dx);
}

/* ---- layer normalisation ---- */

typedef struct {
  Case base;
  guint n, d;
  double *x, *gamma, *beta;
} Layernorm;

static void
layernorm_stats (const Layernorm *l, guint i, double *mean, double *rstd)
{
  double sum = 0, sq = 0;
  for (guint j = 0; j < l->d; j++)
    sum += l->x[i * l->d + j];
  *mean = sum / l->d;
  for (guint j = 0; j < l->d; j++)
    sq += (l->x[i * l->d + j] - *mean) * (l->x[i * l->d + j] - *mean);
  *rstd = 1 / sqrt (sq / l->d + 1e-5);
}

static void
layernorm_ref (const Case *c, double *y)
{
  const Layernorm *l = (const Layernorm *) c;
  for (guint i = 0; i < l->n; i++)
    {
      double mean, rstd;
      layernorm_stats (l, i, &mean, &rstd);
      for (guint j = 0; j < l->d; j++)
        y[i * l->d + j] = (l->x[i * l->d + j] - mean) * rstd * l->gamma[j] + l->beta[j];
    }
}

/* Rows with a mean far from 0, so a one-pass variance would show. */
static Layernorm
layernorm_case (guint n, guint d)
{
  Layernorm l = { { layernorm_ref, (gsize) n * d, rand_d ((gsize) n * d, -1, 1) }, n, d,
                  rand_d ((gsize) n * d, -1, 1), rand_d (d, 0.5, 1.5), rand_d (d, -1, 1) };
  for (guint j = 0; j < d; j++)
    l.x[d + j] = (float) (l.x[d + j] + 50);
  return l;
}

static void
layernorm_clear (Layernorm *l)
{
  g_free ((double *) l->base.r);
  g_free (l->x);
  g_free (l->gamma);
  g_free (l->beta);
}

static void
test_layernorm_forward (void)
{
  Layernorm l = layernorm_case (3, 7);
  g_autofree float *x = to_f (l.x, 21), *gamma = to_f (l.gamma, 7), *beta = to_f (l.beta, 7);
  g_autofree float *y = g_new (float, 21), *mean = g_new (float, 3), *rstd = g_new (float, 3);
  double want[21], want_mean[3], want_rstd[3];

  ds_k_layernorm_fwd (x, gamma, beta, y, mean, rstd, 3, 7);
  layernorm_ref (&l.base, want);
  check_fwd ("y", y, want, 21);
  for (guint i = 0; i < 3; i++)
    layernorm_stats (&l, i, &want_mean[i], &want_rstd[i]);
  check_fwd ("mean", mean, want_mean, 3);
  check_fwd ("rstd", rstd, want_rstd, 3);
  layernorm_clear (&l);
}

/* dx, and dgamma and dbeta added to what @dgamma, @dbeta hold. */
static void
layernorm_grads (const Layernorm *l, const float *dy, float *dx, float *dgamma, float *dbeta)
{
  gsize len = (gsize) l->n * l->d;
  g_autofree float *x = to_f (l->x, len), *gamma = to_f (l->gamma, l->d);
  g_autofree float *beta = to_f (l->beta, l->d), *y = g_new (float, len);
  g_autofree float *mean = g_new (float, l->n), *rstd = g_new (float, l->n);

  ds_k_layernorm_fwd (x, gamma, beta, y, mean, rstd, l->n, l->d);
  ds_k_layernorm_bwd (x, gamma, mean, rstd, dy, dx, dgamma, dbeta, l->n, l->d);
}

static void
test_layernorm_backward (void)
{
  Layernorm l = layernorm_case (3, 7);
  g_autofree float *dy = to_f (l.base.r, 21), *dx = g_new (float, 21);
  g_autofree float *dgamma = g_new0 (float, 7), *dbeta = g_new0 (float, 7);

  layernorm_grads (&l, dy, dx, dgamma, dbeta);
  check_grad ("dx", &l.base, l.x, 21, dx);
  check_grad ("dgamma", &l.base, l.gamma, 7, dgamma);
  check_grad ("dbeta", &l.base, l.beta, 7, dbeta);
  layernorm_clear (&l);
}

static void
test_layernorm_accumulates (void)
{
  Layernorm l = layernorm_case (3, 7);
  g_autofree float *dy = to_f (l.base.r, 21), *dx = g_new (float, 21);
  g_autofree float *dgamma = g_new0 (float, 7), *dbeta = g_new0 (float, 7);
  float dx1[21], dgamma1[7], dbeta1[7];

  layernorm_grads (&l, dy, dx, dgamma, dbeta);
  memcpy (dx1, dx, sizeof dx1);
  memcpy (dgamma1, dgamma, sizeof dgamma1);
  memcpy (dbeta1, dbeta, sizeof dbeta1);
  for (guint i = 0; i < 21; i++)
    dx[i] = 123.0f;
  layernorm_grads (&l, dy, dx, dgamma, dbeta);
  g_assert_cmpmem (dx, sizeof dx1, dx1, sizeof dx1);
  check_doubled ("dgamma", dgamma1, dgamma, 7);
  check_doubled ("dbeta", dbeta1, dbeta, 7);
  layernorm_clear (&l);
}

/* ---- attention ---- */

typedef struct {
  Case base;
  guint n, k;
  double *x;
} Softmax;

static void
softmax_ref (const Case *c, double *y)
{
  const Softmax *sm = (const Softmax *) c;
  for (guint i = 0; i < sm->n; i++)
    {
      const double *x = sm->x + i * sm->k;
      double sum = 0;
      for (guint j = 0; j < sm->k; j++)
        sum += exp (x[j]);
      for (guint j = 0; j < sm->k; j++)
        y[i * sm->k + j] = exp (x[j]) / sum;
    }
}

/* Rows with large logits, which a softmax without the max shift would
 * overflow in float; the reference in double does not need it. */
static void
test_softmax (void)
{
  Softmax sm = { { softmax_ref, 15, rand_d (15, -1, 1) }, 3, 5, rand_d (15, -3, 3) };
  g_autofree float *x = NULL, *y = g_new (float, 15), *dx = g_new (float, 15);
  g_autofree float *dy = to_f (sm.base.r, 15);
  double want[15];

  for (guint j = 0; j < 5; j++)
    sm.x[5 + j] += 95;
  x = to_f (sm.x, 15);
  ds_k_softmax_fwd (x, y, 3, 5);
  softmax_ref (&sm.base, want);
  check_fwd ("y", y, want, 15);
  ds_k_softmax_bwd (y, dy, dx, 3, 5);
  check_grad ("dx", &sm.base, sm.x, 15, dx);
  /* in place, both ways */
  ds_k_softmax_fwd (x, x, 3, 5);
  g_assert_cmpmem (x, 15 * sizeof (float), y, 15 * sizeof (float));
  ds_k_softmax_bwd (y, dy, dy, 3, 5);
  g_assert_cmpmem (dy, 15 * sizeof (float), dx, 15 * sizeof (float));
  g_free ((double *) sm.base.r);
  g_free (sm.x);
}

typedef struct {
  Case base;
  guint n, s, d, heads;
  double *qkv;
  double *probs;                /* filled by the reference when not NULL */
} Attention;

/* The textbook formula, one (sequence, head, query) at a time. */
static void
attention_ref (const Case *c, double *o)
{
  const Attention *a = (const Attention *) c;
  guint d = a->d, dh = d / a->heads, s = a->s;

  for (guint b = 0; b < a->n; b++)
    for (guint h = 0; h < a->heads; h++)
      for (guint i = 0; i < s; i++)
        {
          const double *q = a->qkv + ((gsize) b * s + i) * 3 * d + h * dh;
          double score[8], sum = 0;
          g_assert_cmpuint (s, <=, G_N_ELEMENTS (score));
          for (guint j = 0; j < s; j++)
            {
              const double *k = a->qkv + ((gsize) b * s + j) * 3 * d + d + h * dh;
              score[j] = 0;
              for (guint e = 0; e < dh; e++)
                score[j] += q[e] * k[e] / sqrt (dh);
              sum += exp (score[j]);
            }
          for (guint e = 0; e < dh; e++)
            {
              double acc = 0;
              for (guint j = 0; j < s; j++)
                acc += exp (score[j]) / sum
                       * a->qkv[((gsize) b * s + j) * 3 * d + 2 * d + h * dh + e];
              o[((gsize) b * s + i) * d + h * dh + e] = acc;
            }
          for (guint j = 0; j < s && a->probs != NULL; j++)
            a->probs[(((gsize) b * a->heads + h) * s + i) * s + j] = exp (score[j]) / sum;
        }
}

/* 2 sequences of 5 tokens, 6 features in 3 heads of 2. */
static void
test_attention (void)
{
  enum { N = 2, S = 5, D = 6, H = 3, QKV = N * S * 3 * D, O = N * S * D, P = N * H * S * S };
  if (!need_blas ())
    return;
  Attention a = { { attention_ref, O, rand_d (O, -1, 1) }, N, S, D, H,
                  rand_d (QKV, -1.5, 1.5), NULL };
  g_autofree float *qkv = to_f (a.qkv, QKV), *dout = to_f (a.base.r, O);
  g_autofree float *probs = g_new (float, P), *o = g_new (float, O);
  g_autofree float *dqkv = g_new (float, QKV), *scratch = g_new (float, S * S);
  g_autofree double *want_probs = g_new (double, P);
  double want[O];

  for (guint i = 0; i < O; i++)
    o[i] = NAN;                 /* every output must be written */
  ds_k_attention_fwd (qkv, probs, o, N, S, D, H);
  a.probs = want_probs;
  attention_ref (&a.base, want);
  a.probs = NULL;
  check_fwd ("o", o, want, O);
  check_fwd ("probs", probs, want_probs, P);
  for (guint i = 0; i < QKV; i++)
    dqkv[i] = NAN;
  ds_k_attention_bwd (qkv, probs, dout, dqkv, scratch, N, S, D, H);
  check_grad ("dqkv", &a.base, a.qkv, QKV, dqkv);
  g_free ((double *) a.base.r);
  g_free (a.qkv);
}

/* ---- sums ---- */

typedef struct {
  Case base;
  guint n, s, d;
  double *x, *pos;              /* pos NULL: the token mean */
} Sum;

static void
sum_ref (const Case *c, double *y)
{
  const Sum *m = (const Sum *) c;
  gsize len = (gsize) m->s * m->d;

  for (gsize b = 0; b < m->n; b++)
    for (gsize j = 0; j < m->d; j++)
      {
        double mean = 0;
        for (gsize t = 0; t < m->s; t++)
          {
            gsize at = t * m->d + j;
            if (m->pos != NULL)
              y[b * len + at] = m->x[b * len + at] + m->pos[at];
            mean += m->x[b * len + at] / m->s;
          }
        if (m->pos == NULL)
          y[b * m->d + j] = mean;
      }
}

static void
test_position (void)
{
  enum { N = 3, S = 4, D = 5, LEN = S * D };
  Sum m = { { sum_ref, N * LEN, rand_d (N * LEN, -1, 1) }, N, S, D, rand_d (N * LEN, -1, 1),
            rand_d (LEN, -1, 1) };
  g_autofree float *x = to_f (m.x, N * LEN), *pos = to_f (m.pos, LEN);
  g_autofree float *dy = to_f (m.base.r, N * LEN), *y = g_new (float, N * LEN);
  g_autofree float *dx = g_new (float, N * LEN), *dpos = g_new0 (float, LEN);
  double want[N * LEN];

  ds_k_position_fwd (x, pos, y, N, LEN);
  sum_ref (&m.base, want);
  check_fwd ("y", y, want, N * LEN);
  ds_k_position_bwd (dy, dx, dpos, N, LEN);
  check_grad ("dx", &m.base, m.x, N * LEN, dx);
  check_grad ("dpos", &m.base, m.pos, LEN, dpos);
  /* dpos accumulates; dx may be left out */
  float dpos1[LEN];
  memcpy (dpos1, dpos, sizeof dpos1);
  ds_k_position_bwd (dy, NULL, dpos, N, LEN);
  check_doubled ("dpos", dpos1, dpos, LEN);
  /* y = a + b, in place */
  ds_k_add (x, dy, x, N * LEN);
  for (guint i = 0; i < N * LEN; i++)
    g_assert_cmpfloat (x[i], ==, (float) m.x[i] + dy[i]);
  g_free ((double *) m.base.r);
  g_free (m.x);
  g_free (m.pos);
}

static void
test_token_mean (void)
{
  enum { N = 3, S = 4, D = 5 };
  Sum m = { { sum_ref, N * D, rand_d (N * D, -1, 1) }, N, S, D, rand_d (N * S * D, -1, 1),
            NULL };
  g_autofree float *x = to_f (m.x, N * S * D), *dy = to_f (m.base.r, N * D);
  g_autofree float *y = g_new (float, N * D), *dx = g_new (float, N * S * D);
  double want[N * D];

  ds_k_token_mean_fwd (x, y, N, S, D);
  sum_ref (&m.base, want);
  check_fwd ("y", y, want, N * D);
  ds_k_token_mean_bwd (dy, dx, N, S, D);
  check_grad ("dx", &m.base, m.x, N * S * D, dx);
  g_free ((double *) m.base.r);
  g_free (m.x);
}

/* ---- softmax cross-entropy ---- */

typedef struct {
  Case base;
  guint n, k;
  double *z;
  const guint8 *labels;
} Xent;

/* probs (n x k) and the mean loss. */
static double
xent_probs (const Xent *x, double *probs)
{
  double loss = 0;
  for (guint i = 0; i < x->n; i++)
    {
      const double *z = x->z + i * x->k;
      double zmax = z[0], sum = 0;
      for (guint j = 1; j < x->k; j++)
        zmax = MAX (zmax, z[j]);
      for (guint j = 0; j < x->k; j++)
        sum += exp (z[j] - zmax);
      for (guint j = 0; j < x->k && probs != NULL; j++)
        probs[i * x->k + j] = exp (z[j] - zmax) / sum;
      loss -= z[x->labels[i]] - zmax - log (sum);
    }
  return loss / x->n;
}

static void
xent_ref (const Case *c, double *y)
{
  y[0] = xent_probs ((const Xent *) c, NULL);
}

static const double one = 1.0;

static void
test_xent_forward (void)
{
  const guint8 labels[3] = { 4, 0, 2 };
  g_autofree double *zd = rand_d (15, -3, 3);
  zd[5] += 1000;                /* row 1 must not overflow */
  zd[6] += 1000;
  g_autofree float *z = to_f (zd, 15), *probs = g_new (float, 15);
  Xent x = { { xent_ref, 1, &one }, 3, 5, zd, labels };
  double want[15];

  double loss = ds_k_softmax_xent_fwd (z, labels, probs, 3, 5);
  double want_loss = xent_probs (&x, want);
  check_fwd ("probs", probs, want, 15);
  g_assert_true (fabs (loss - want_loss) <= FWD_REL * want_loss);
}

static void
test_xent_uniform (void)
{
  const guint8 labels[2] = { 0, 6 };
  float z[14], probs[14];

  for (guint i = 0; i < 14; i++)
    z[i] = 3.7f;
  g_assert_cmpfloat_with_epsilon (ds_k_softmax_xent_fwd (z, labels, probs, 2, 7), log (7.0),
                                  1e-6);
  for (guint i = 0; i < 14; i++)
    g_assert_cmpfloat_with_epsilon (probs[i], 1 / 7.0, 1e-7);
}

static void
test_xent_backward (void)
{
  const guint8 labels[3] = { 4, 0, 2 };
  g_autofree double *zd = rand_d (15, -3, 3);
  g_autofree float *z = to_f (zd, 15), *probs = g_new (float, 15), *dz = g_new (float, 15);
  Xent x = { { xent_ref, 1, &one }, 3, 5, zd, labels };

  ds_k_softmax_xent_fwd (z, labels, probs, 3, 5);
  ds_k_softmax_xent_bwd (probs, labels, dz, 3, 5, 1.0f / 3);
  check_grad ("dlogits", &x.base, zd, 15, dz);

  /* Each row's gradient sums to 0 (probabilities sum to 1), and
   * in place gives the same. */
  for (guint i = 0; i < 3; i++)
    {
      double sum = 0;
      for (guint j = 0; j < 5; j++)
        sum += dz[i * 5 + j];
      g_assert_cmpfloat_with_epsilon (sum, 0.0, 1e-7);
    }
  ds_k_softmax_xent_bwd (probs, labels, probs, 3, 5, 1.0f / 3);
  g_assert_cmpmem (probs, 15 * sizeof *probs, dz, 15 * sizeof *dz);
}

static void
test_count_correct (void)
{
  const float z[4 * 3] = {
    0.1f, 0.7f, 0.2f,           /* argmax 1 */
    2.0f, -1.0f, 0.0f,          /* 0 */
    0.5f, 0.5f, 0.1f,           /* tie between 0 and 1: 0 */
    -3.0f, -2.0f, -1.0f,        /* 2 */
  };
  const guint8 labels[4] = { 1, 2, 0, 2 };

  g_assert_cmpuint (ds_k_count_correct (z, labels, 4, 3), ==, 3);
  g_assert_cmpuint (ds_k_count_correct (z, labels, 2, 3), ==, 1);
  g_assert_cmpuint (ds_k_count_correct (z, labels, 0, 3), ==, 0);
}

/* ---- dropout ---- */

/* kernels.h's generator, written out again: the formula is the contract
 * another backend must reproduce. */
static guint64
splitmix (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static double
documented_u (guint64 seed, guint64 i)
{
  guint64 r = splitmix (splitmix (seed) + (i + 1) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
  return (double) (r >> 40) / 16777216.0;
}

static void
dropout_ref (const Case *c, double *y)
{
  const Elementwise *e = (const Elementwise *) c;
  for (gsize i = 0; i < e->len; i++)
    y[i] = e->mask[i] ? e->x[i] / (1 - e->p) : 0.0;
}

static void
test_dropout_forward (void)
{
  const gsize len = 1000;
  const guint64 seed = 77, offset = 5000;
  g_autofree double *xd = rand_d (len, -1, 1);
  g_autofree float *x = to_f (xd, len), *y = g_new (float, len);
  g_autofree guint8 *mask = g_new (guint8, len), *want_mask = g_new (guint8, len);
  g_autofree double *want = g_new (double, len);
  Elementwise e = { { dropout_ref, len, NULL }, len, xd, want_mask, (float) 0.3f };

  for (gsize i = 0; i < len; i++)
    want_mask[i] = documented_u (seed, offset + i) >= (double) 0.3f;
  ds_k_dropout_fwd (x, y, mask, len, 0.3f, seed, offset);
  g_assert_cmpmem (mask, len, want_mask, len);
  dropout_ref (&e.base, want);
  check_fwd ("y", y, want, len);
  ds_k_dropout_fwd (x, x, mask, len, 0.3f, seed, offset);       /* in place */
  g_assert_cmpmem (x, len * sizeof *x, y, len * sizeof *y);
}

/* A micro-batch split (the second half starting at its element index)
 * draws the mask of the whole. */
static void
test_dropout_split (void)
{
  const gsize len = 999, half = 400;
  g_autofree double *xd = rand_d (len, -1, 1);
  g_autofree float *x = to_f (xd, len), *y = g_new (float, len), *y2 = g_new (float, len);
  g_autofree guint8 *mask = g_new (guint8, len), *mask2 = g_new (guint8, len);

  ds_k_dropout_fwd (x, y, mask, len, 0.5f, 9, 0);
  ds_k_dropout_fwd (x, y2, mask2, half, 0.5f, 9, 0);
  ds_k_dropout_fwd (x + half, y2 + half, mask2 + half, len - half, 0.5f, 9, half);
  g_assert_cmpmem (mask, len, mask2, len);
  g_assert_cmpmem (y, len * sizeof *y, y2, len * sizeof *y2);
}

static double
kept_fraction (gsize len, float p, guint64 seed, guint8 *mask)
{
  g_autofree float *x = g_new0 (float, len);
  gsize kept = 0;

  ds_k_dropout_fwd (x, x, mask, len, p, seed, 0);
  for (gsize i = 0; i < len; i++)
    kept += mask[i];
  return (double) kept / len;
}

static void
test_dropout_statistics (void)
{
  const gsize len = 100000;
  g_autofree guint8 *mask = g_new (guint8, len), *mask1 = g_new (guint8, len);
  gsize differ = 0;

  /* 1 - p within 7 standard deviations (sqrt (p (1 - p) / len) < 0.0016) */
  g_assert_cmpfloat_with_epsilon (kept_fraction (len, 0.3f, 1, mask), 0.7, 0.01);
  g_assert_cmpfloat_with_epsilon (kept_fraction (len, 0.9f, 1, mask), 0.1, 0.01);
  g_assert_cmpfloat (kept_fraction (len, 1.0f, 1, mask), ==, 0.0);

  /* Seeds 0 and 1 are unrelated streams, not one permuted (seed ^ index
   * would make mask(1)[i] == mask(0)[i ^ 1]): about half the elements
   * differ. */
  kept_fraction (len, 0.5f, 0, mask);
  kept_fraction (len, 0.5f, 1, mask1);
  for (gsize i = 0; i < len; i++)
    differ += mask[i ^ 1] != mask1[i];
  g_assert_cmpfloat_with_epsilon ((double) differ / len, 0.5, 0.01);
}

static void
test_dropout_identity (void)
{
  g_autofree double *xd = rand_d (101, -1, 1);
  g_autofree float *x = to_f (xd, 101), *y = g_new (float, 101), *dx = g_new (float, 101);
  g_autofree guint8 *mask = g_new (guint8, 101);

  ds_k_dropout_fwd (x, y, mask, 101, 0.0f, 3, 0);
  g_assert_cmpmem (y, 101 * sizeof *y, x, 101 * sizeof *x);
  ds_k_dropout_bwd (mask, x, dx, 101, 0.0f);
  g_assert_cmpmem (dx, 101 * sizeof *dx, x, 101 * sizeof *x);

  /* p = 1 drops everything to zero, not 0 x inf = NaN */
  ds_k_dropout_fwd (x, y, mask, 101, 1.0f, 3, 0);
  for (guint i = 0; i < 101; i++)
    g_assert_cmpfloat (y[i], ==, 0.0f);
}

static void
test_dropout_backward (void)
{
  const gsize len = 31;
  g_autofree double *xd = rand_d (len, -1, 1), *r = rand_d (len, -1, 1);
  g_autofree float *x = to_f (xd, len), *y = g_new (float, len), *dy = to_f (r, len);
  g_autofree float *dx = g_new (float, len);
  g_autofree guint8 *mask = g_new (guint8, len);
  Elementwise e = { { dropout_ref, len, r }, len, xd, mask, (float) 0.4f };

  ds_k_dropout_fwd (x, y, mask, len, 0.4f, 11, 0);
  ds_k_dropout_bwd (mask, dy, dx, len, 0.4f);
  check_grad ("dx", &e.base, xd, len, dx);
}

/* ---- convolution ---- */

typedef struct {
  guint n, c_in, h, wd, c_out, k, s, p;
} ConvDims;

/* The task's shape (stride 2, padding 1, odd sizes) and three more. */
static const ConvDims conv_dims[] = {
  { 2, 3, 7, 6, 4, 3, 2, 1 },
  { 1, 2, 5, 5, 3, 1, 1, 0 },
  { 2, 1, 6, 7, 2, 3, 1, 0 },
  { 1, 2, 8, 5, 3, 5, 3, 2 },
};

typedef struct {
  Case base;
  ConvDims d;
  guint h_out, w_out;
  double *x, *w, *b;            /* b may be NULL */
} Conv;

static void
conv_ref (const Case *c, double *y)
{
  const Conv *cv = (const Conv *) c;
  const ConvDims *d = &cv->d;

  for (guint i = 0; i < d->n; i++)
    for (guint co = 0; co < d->c_out; co++)
      for (guint oh = 0; oh < cv->h_out; oh++)
        for (guint ow = 0; ow < cv->w_out; ow++)
          {
            double acc = cv->b != NULL ? cv->b[co] : 0.0;
            for (guint ci = 0; ci < d->c_in; ci++)
              for (guint ki = 0; ki < d->k; ki++)
                for (guint kj = 0; kj < d->k; kj++)
                  {
                    int ih = (int) (oh * d->s + ki) - (int) d->p;
                    int iw = (int) (ow * d->s + kj) - (int) d->p;
                    if (ih < 0 || iw < 0 || ih >= (int) d->h || iw >= (int) d->wd)
                      continue;
                    acc += cv->w[((co * d->c_in + ci) * d->k + ki) * d->k + kj]
                           * cv->x[((i * d->c_in + ci) * d->h + ih) * d->wd + iw];
                  }
            *y++ = acc;
          }
}

static gsize
conv_x_len (const Conv *c)
{
  return (gsize) c->d.n * c->d.c_in * c->d.h * c->d.wd;
}

static gsize
conv_w_len (const Conv *c)
{
  return (gsize) c->d.c_out * c->d.c_in * c->d.k * c->d.k;
}

/* The scratch the convolutions need (kernels.h). */
static gsize
conv_col_len (const Conv *c)
{
  return (gsize) c->d.c_in * c->d.k * c->d.k * c->h_out * c->w_out;
}

static Conv
conv_case (const ConvDims *d, gboolean has_bias)
{
  Conv c = { { conv_ref, 0, NULL }, *d, ds_k_conv2d_out (d->h, d->k, d->s, d->p),
             ds_k_conv2d_out (d->wd, d->k, d->s, d->p), NULL, NULL, NULL };
  c.base.y_len = (gsize) d->n * d->c_out * c.h_out * c.w_out;
  c.base.r = rand_d (c.base.y_len, -1, 1);
  c.x = rand_d (conv_x_len (&c), -1, 1);
  c.w = rand_d (conv_w_len (&c), -1, 1);
  c.b = has_bias ? rand_d (d->c_out, -1, 1) : NULL;
  return c;
}

static void
conv_clear (Conv *c)
{
  g_free ((double *) c->base.r);
  g_free (c->x);
  g_free (c->w);
  g_free (c->b);
}

static void
test_conv2d_out (void)
{
  g_assert_cmpuint (ds_k_conv2d_out (7, 3, 2, 1), ==, 4);
  g_assert_cmpuint (ds_k_conv2d_out (224, 7, 2, 3), ==, 112);
  g_assert_cmpuint (ds_k_conv2d_out (5, 5, 1, 0), ==, 1);
  g_assert_cmpuint (ds_k_conv2d_out (6, 2, 2, 0), ==, 3);
}

static void
test_conv2d_forward (void)
{
  if (!need_blas ())
    return;
  for (guint t = 0; t < 2 * G_N_ELEMENTS (conv_dims); t++)
    {
      const ConvDims *d = &conv_dims[t / 2];
      Conv c = conv_case (d, t % 2 == 0);
      g_autofree float *x = to_f (c.x, conv_x_len (&c)), *w = to_f (c.w, conv_w_len (&c));
      g_autofree float *b = c.b != NULL ? to_f (c.b, d->c_out) : NULL;
      g_autofree float *y = g_new (float, c.base.y_len), *col = g_new (float, conv_col_len (&c));
      g_autofree double *want = g_new (double, c.base.y_len);

      for (gsize i = 0; i < c.base.y_len; i++)
        y[i] = NAN;
      ds_k_conv2d_fwd (x, w, b, y, col, d->n, d->c_in, d->h, d->wd, d->c_out, d->k, d->s, d->p);
      conv_ref (&c.base, want);
      check_fwd ("y", y, want, c.base.y_len);
      conv_clear (&c);
    }
}

/* dx, dw, db of one backward (dw, db added to what they hold). */
static void
conv_grads (const Conv *c, float *dx, float *dw, float *db)
{
  const ConvDims *d = &c->d;
  g_autofree float *x = to_f (c->x, conv_x_len (c)), *w = to_f (c->w, conv_w_len (c));
  g_autofree float *dy = to_f (c->base.r, c->base.y_len), *col = g_new (float, conv_col_len (c));

  ds_k_conv2d_bwd (x, w, dy, dx, dw, db, col, d->n, d->c_in, d->h, d->wd, d->c_out, d->k,
                   d->s, d->p);
}

static void
test_conv2d_backward (void)
{
  if (!need_blas ())
    return;
  for (guint t = 0; t < G_N_ELEMENTS (conv_dims); t++)
    {
      Conv c = conv_case (&conv_dims[t], TRUE);
      g_autofree float *dx = g_new (float, conv_x_len (&c)), *dw = g_new0 (float, conv_w_len (&c));
      g_autofree float *db = g_new0 (float, c.d.c_out);

      conv_grads (&c, dx, dw, db);
      check_grad ("dx", &c.base, c.x, conv_x_len (&c), dx);
      check_grad ("dw", &c.base, c.w, conv_w_len (&c), dw);
      check_grad ("db", &c.base, c.b, c.d.c_out, db);
      conv_clear (&c);
    }
}

static void
test_conv2d_accumulates (void)
{
  if (!need_blas ())
    return;
  Conv c = conv_case (&conv_dims[0], TRUE);
  gsize x_len = conv_x_len (&c), w_len = conv_w_len (&c);
  g_autofree float *dx = g_new (float, x_len), *dw = g_new0 (float, w_len);
  g_autofree float *db = g_new0 (float, c.d.c_out), *dx1 = g_new (float, x_len);
  g_autofree float *dw1 = g_new (float, w_len), *db1 = g_new (float, c.d.c_out);

  conv_grads (&c, dx, dw, db);
  memcpy (dx1, dx, x_len * sizeof *dx);
  memcpy (dw1, dw, w_len * sizeof *dw);
  memcpy (db1, db, c.d.c_out * sizeof *db);
  for (gsize i = 0; i < x_len; i++)
    dx[i] = 123.0f;
  conv_grads (&c, dx, dw, db);
  g_assert_cmpmem (dx, x_len * sizeof *dx, dx1, x_len * sizeof *dx1);
  check_doubled ("dw", dw1, dw, w_len);
  check_doubled ("db", db1, db, c.d.c_out);

  /* dx and db NULL: dw still accumulates. */
  conv_grads (&c, NULL, dw, NULL);
  for (gsize i = 0; i < w_len; i++)
    g_assert_cmpfloat_with_epsilon (dw[i], 3 * dw1[i], 1e-5);
  conv_clear (&c);
}

/* ---- max pooling ---- */

typedef struct {
  Case base;
  guint n, c, h, wd, k, s, h_out, w_out;
  double *x;
} Pool;

static void
pool_ref (const Case *cs, double *y)
{
  const Pool *p = (const Pool *) cs;
  for (guint plane = 0; plane < p->n * p->c; plane++)
    for (guint oh = 0; oh < p->h_out; oh++)
      for (guint ow = 0; ow < p->w_out; ow++)
        {
          double best = -INFINITY;
          for (guint ki = 0; ki < p->k; ki++)
            for (guint kj = 0; kj < p->k; kj++)
              best = MAX (best, p->x[(plane * p->h + oh * p->s + ki) * p->wd + ow * p->s + kj]);
          *y++ = best;
        }
}

/* Distinct values 0.01 apart, shuffled: no ties within a difference step. */
static Pool
pool_case (guint k, guint s)
{
  Pool p = { { pool_ref, 0, NULL }, 2, 3, 5, 7, k, s, (5 - k) / s + 1, (7 - k) / s + 1, NULL };
  gsize len = (gsize) p.n * p.c * p.h * p.wd;

  p.base.y_len = (gsize) p.n * p.c * p.h_out * p.w_out;
  p.base.r = rand_d (p.base.y_len, -1, 1);
  p.x = g_new (double, len);
  for (gsize i = 0; i < len; i++)
    p.x[i] = (float) (0.01 * ((double) i - len / 2.0));
  for (gsize i = len - 1; i > 0; i--)
    {
      gsize j = g_rand_int_range (rng, 0, i + 1);
      double t = p.x[i];
      p.x[i] = p.x[j];
      p.x[j] = t;
    }
  return p;
}

static void
test_maxpool2d (void)
{
  /* 2 x 2 stride 2 leaves the last row and column of 5 x 7 out; 3 x 3
   * stride 2 overlaps. */
  static const guint ks[][2] = { { 2, 2 }, { 3, 2 }, { 3, 1 } };

  for (guint t = 0; t < G_N_ELEMENTS (ks); t++)
    {
      Pool p = pool_case (ks[t][0], ks[t][1]);
      gsize len = (gsize) p.n * p.c * p.h * p.wd, y_len = p.base.y_len;
      g_autofree float *x = to_f (p.x, len), *y = g_new (float, y_len);
      g_autofree float *dy = to_f (p.base.r, y_len), *dx = g_new (float, len);
      g_autofree guint32 *argmax = g_new (guint32, y_len);
      g_autofree double *want = g_new (double, y_len);

      ds_k_maxpool2d_fwd (x, y, argmax, p.n, p.c, p.h, p.wd, p.k, p.s);
      pool_ref (&p.base, want);
      check_fwd ("y", y, want, y_len);
      for (gsize j = 0; j < y_len; j++)
        {
          g_assert_cmpuint (argmax[j], <, p.h * p.wd);
          g_assert_cmpfloat (x[(j / (p.h_out * p.w_out)) * p.h * p.wd + argmax[j]], ==, y[j]);
        }
      for (gsize i = 0; i < len; i++)
        dx[i] = 123.0f;
      ds_k_maxpool2d_bwd (argmax, dy, dx, p.n, p.c, p.h, p.wd, p.k, p.s);
      check_grad ("dx", &p.base, p.x, len, dx);
      g_free ((double *) p.base.r);
      g_free (p.x);
    }
}

/* ---- optimiser and initialisation ---- */

static void
test_sgd (void)
{
  float w[2] = { 1.0f, -2.0f }, v[2] = { 0.2f, 0.0f };
  const float g[2] = { 0.5f, 0.25f };

  /* g' = 0.5 + 0.01 x 1 = 0.51; v = 0.9 x 0.2 + 0.51 = 0.69; w = 1 - 0.1 x 0.69
   * g' = 0.25 + 0.01 x -2 = 0.23; v = 0.23; w = -2 - 0.1 x 0.23 */
  ds_k_sgd (w, g, v, 2, 0.1f, 0.9f, 0.01f);
  g_assert_cmpfloat_with_epsilon (v[0], 0.69, 1e-6);
  g_assert_cmpfloat_with_epsilon (w[0], 0.931, 1e-6);
  g_assert_cmpfloat_with_epsilon (v[1], 0.23, 1e-6);
  g_assert_cmpfloat_with_epsilon (w[1], -2.023, 1e-6);

  /* a second step: g' = 0.5 + 0.00931 = 0.50931; v = 0.621 + 0.50931 */
  ds_k_sgd (w, g, v, 1, 0.1f, 0.9f, 0.01f);
  g_assert_cmpfloat_with_epsilon (v[0], 1.13031, 1e-6);
  g_assert_cmpfloat_with_epsilon (w[0], 0.817969, 1e-6);
  g_assert_cmpfloat (w[1], ==, -2.023f);          /* len 1: w[1] untouched */

  /* no momentum: no buffer, w -= lr (g + wd w) */
  w[0] = 1.0f;
  ds_k_sgd (w, g, NULL, 1, 0.1f, 0.0f, 0.01f);
  g_assert_cmpfloat_with_epsilon (w[0], 0.949, 1e-6);
}

static void
test_init_uniform (void)
{
  const gsize len = 10000;
  const float bound = 1 / sqrtf (5);
  g_autofree float *a = g_new (float, len), *b = g_new (float, len), *c = g_new (float, len);
  double sum = 0, sq = 0;

  ds_k_init_uniform (a, len, bound, 42);
  ds_k_init_uniform (b, len, bound, 42);
  ds_k_init_uniform (c, len, bound, 43);
  g_assert_cmpmem (a, len * sizeof *a, b, len * sizeof *b);
  g_assert_true (memcmp (a, c, len * sizeof *a) != 0);
  for (gsize i = 0; i < len; i++)
    {
      g_assert_cmpfloat (fabsf (a[i]), <=, bound);
      g_assert_cmpfloat (a[i], ==, (float) (bound * (2 * documented_u (42, i) - 1)));
      sum += a[i];
      sq += (double) a[i] * a[i];
    }
  /* uniform(-b, b): mean 0, variance b^2 / 3 (standard errors 0.0026, 0.0007) */
  g_assert_cmpfloat_with_epsilon (sum / len, 0.0, 0.02);
  g_assert_cmpfloat_with_epsilon (sq / len, bound * bound / 3, 0.005);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rng = g_rand_new_with_seed (20260127);

  g_test_add_data_func ("/exec/kernels/linear/forward", GINT_TO_POINTER (TRUE),
                        test_linear_forward);
  g_test_add_data_func ("/exec/kernels/linear/forward-no-bias", GINT_TO_POINTER (FALSE),
                        test_linear_forward);
  g_test_add_data_func ("/exec/kernels/linear/backward", GINT_TO_POINTER (TRUE),
                        test_linear_backward);
  g_test_add_data_func ("/exec/kernels/linear/backward-no-bias", GINT_TO_POINTER (FALSE),
                        test_linear_backward);
  g_test_add_func ("/exec/kernels/linear/accumulates", test_linear_accumulates);
  g_test_add_func ("/exec/kernels/linear/empty", test_linear_empty);
  g_test_add_func ("/exec/kernels/relu/forward", test_relu_forward);
  g_test_add_func ("/exec/kernels/relu/backward", test_relu_backward);
  g_test_add_func ("/exec/kernels/gelu/forward", test_gelu_forward);
  g_test_add_func ("/exec/kernels/gelu/backward", test_gelu_backward);
  g_test_add_func ("/exec/kernels/layernorm/forward", test_layernorm_forward);
  g_test_add_func ("/exec/kernels/layernorm/backward", test_layernorm_backward);
  g_test_add_func ("/exec/kernels/layernorm/accumulates", test_layernorm_accumulates);
  g_test_add_func ("/exec/kernels/softmax/forward-backward", test_softmax);
  g_test_add_func ("/exec/kernels/attention/forward-backward", test_attention);
  g_test_add_func ("/exec/kernels/position/forward-backward", test_position);
  g_test_add_func ("/exec/kernels/token-mean/forward-backward", test_token_mean);
  g_test_add_func ("/exec/kernels/softmax-xent/forward", test_xent_forward);
  g_test_add_func ("/exec/kernels/softmax-xent/uniform-is-ln-k", test_xent_uniform);
  g_test_add_func ("/exec/kernels/softmax-xent/backward", test_xent_backward);
  g_test_add_func ("/exec/kernels/count-correct", test_count_correct);
  g_test_add_func ("/exec/kernels/dropout/forward", test_dropout_forward);
  g_test_add_func ("/exec/kernels/dropout/batch-split", test_dropout_split);
  g_test_add_func ("/exec/kernels/dropout/statistics", test_dropout_statistics);
  g_test_add_func ("/exec/kernels/dropout/identity", test_dropout_identity);
  g_test_add_func ("/exec/kernels/dropout/backward", test_dropout_backward);
  g_test_add_func ("/exec/kernels/conv2d/out-size", test_conv2d_out);
  g_test_add_func ("/exec/kernels/conv2d/forward", test_conv2d_forward);
  g_test_add_func ("/exec/kernels/conv2d/backward", test_conv2d_backward);
  g_test_add_func ("/exec/kernels/conv2d/accumulates", test_conv2d_accumulates);
  g_test_add_func ("/exec/kernels/maxpool2d/forward-backward", test_maxpool2d);
  g_test_add_func ("/exec/kernels/sgd", test_sgd);
  g_test_add_func ("/exec/kernels/init-uniform", test_init_uniform);

  int status = g_test_run ();
  g_rand_free (rng);
  return status;
}
