/* tests/test-net.c - a model as runnable ops (exec/net.h): which models
 * build and why the others do not, parameter slices, and that running a
 * chain in two ranges is running it whole, forward and backward, bit for
 * bit (what lets a pipeline's stages compute exactly the one-stage
 * result).
 *
 * The ops net.c composes from kernels (posembed, attention, mlp, the
 * flattening linear) are checked one at a time as test-kernels.c checks
 * kernels: the forward against a reference written here in double from
 * net.h's formulas, the backward (input and every parameter) against
 * central finite differences of sum (y r) on that reference. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "core/zoo.h"
#include "exec/kernels.h"
#include "exec/net.h"

static DsNet *
net_of (const char *zoo)
{
  g_autoptr(DsModel) m = ds_zoo_build (zoo, NULL, NULL);
  g_autoptr(GError) error = NULL;
  DsNet *net = ds_net_new (m, &error);

  g_assert_no_error (error);
  return net;
}

/* ---- ops against a double reference ---- */

#define FWD_REL 1e-5            /* |got - want| <= FWD_REL (|want| + 1) */
#define GRAD_REL 1e-4           /* |got - fd| <= GRAD_REL (|fd| + 0.1) */
#define FD_STEP 1e-6

static void
ref_linear (const double *x, const double *w, const double *b, double *y, gsize rows,
            gsize in, gsize out)
{
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < out; j++)
      {
        double acc = b != NULL ? b[j] : 0;
        for (gsize k = 0; k < in; k++)
          acc += x[i * in + k] * w[j * in + k];
        y[i * out + j] = acc;
      }
}

static void
ref_layernorm (const double *x, const double *gamma, const double *beta, double *y,
               gsize rows, gsize d)
{
  for (gsize i = 0; i < rows; i++)
    {
      double mean = 0, var = 0;
      for (gsize j = 0; j < d; j++)
        mean += x[i * d + j] / d;
      for (gsize j = 0; j < d; j++)
        var += (x[i * d + j] - mean) * (x[i * d + j] - mean) / d;
      for (gsize j = 0; j < d; j++)
        y[i * d + j] = (x[i * d + j] - mean) / sqrt (var + 1e-5) * gamma[j] + beta[j];
    }
}

static double
ref_gelu (double x)
{
  return 0.5 * x * (1 + tanh (sqrt (2 / G_PI) * (x + 0.044715 * x * x * x)));
}

/* Multi-head self-attention of one sequence, then the residual and
 * LayerNorm, from the textbook formula. */
static void
ref_attention (const double *x, const double *w, double *y, gsize s, gsize d, gsize heads)
{
  const double *b_qkv = w + 3 * d * d, *w_o = b_qkv + 3 * d, *b_o = w_o + d * d;
  const double *gamma = b_o + d, *beta = gamma + d;
  gsize dh = d / heads;
  g_autofree double *qkv = g_new (double, s * 3 * d);
  g_autofree double *ctx = g_new0 (double, s * d);
  g_autofree double *z = g_new (double, s * d);

  ref_linear (x, w, b_qkv, qkv, s, d, 3 * d);
  for (gsize h = 0; h < heads; h++)
    for (gsize i = 0; i < s; i++)
      {
        double score[16], max = -INFINITY, sum = 0;
        g_assert_cmpuint (s, <=, G_N_ELEMENTS (score));
        for (gsize j = 0; j < s; j++)
          {
            score[j] = 0;
            for (gsize k = 0; k < dh; k++)
              score[j] += qkv[i * 3 * d + h * dh + k] * qkv[j * 3 * d + d + h * dh + k];
            score[j] /= sqrt ((double) dh);
            max = MAX (max, score[j]);
          }
        for (gsize j = 0; j < s; j++)
          sum += exp (score[j] - max);
        for (gsize j = 0; j < s; j++)
          for (gsize k = 0; k < dh; k++)
            ctx[i * d + h * dh + k] += exp (score[j] - max) / sum
                                       * qkv[j * 3 * d + 2 * d + h * dh + k];
      }
  ref_linear (ctx, w_o, b_o, z, s, d, d);
  for (gsize i = 0; i < s * d; i++)
    z[i] += x[i];
  ref_layernorm (z, gamma, beta, y, s, d);
}

static void
ref_mlp (const double *x, const double *w, double *y, gsize rows, gsize d)
{
  const double *b1 = w + 4 * d * d, *w2 = b1 + 4 * d, *b2 = w2 + 4 * d * d;
  const double *gamma = b2 + d, *beta = gamma + d;
  g_autofree double *h = g_new (double, rows * 4 * d);
  g_autofree double *z = g_new (double, rows * d);

  ref_linear (x, w, b1, h, rows, d, 4 * d);
  for (gsize i = 0; i < rows * 4 * d; i++)
    h[i] = ref_gelu (h[i]);
  ref_linear (h, w2, b2, z, rows, 4 * d, d);
  for (gsize i = 0; i < rows * d; i++)
    z[i] += x[i];
  ref_layernorm (z, gamma, beta, y, rows, d);
}

/* Op @op over @n samples, in double. */
static void
ref_op (const DsNetOp *op, const double *w, const double *x, double *y, guint n)
{
  gsize in = (gsize) op->in_c * op->in_h * op->in_w, s = (gsize) op->in_h * op->in_w;

  switch (op->kind)
    {
    case DS_NET_POSEMBED:
      for (gsize i = 0; i < n * in; i++)
        y[i] = x[i] + w[i % in];
      break;
    case DS_NET_LINEAR:
      g_assert_true (op->flatten);
      ref_linear (x, w, op->bias ? w + op->n_weights : NULL, y, n, in, op->out_c);
      break;
    case DS_NET_ATTENTION:
      for (guint i = 0; i < n; i++)
        ref_attention (x + i * in, w, y + i * in, s, op->in_c, op->heads);
      break;
    case DS_NET_MLP:
      ref_mlp (x, w, y, n * s, op->in_c);
      break;
    case DS_NET_TOKENMEAN:
      for (gsize i = 0; i < n * (gsize) op->in_c; i++)
        {
          gsize b = i / op->in_c, j = i % op->in_c;
          y[i] = 0;
          for (gsize t = 0; t < s; t++)
            y[i] += x[(b * s + t) * op->in_c + j] / s;
        }
      break;
    default:
      g_assert_not_reached ();
    }
}

/* A chain built by hand: an input of @shape, then each (kind, shape,
 * attribute or NULL, value) in turn. */
static DsModel *
chain (const char *shape, const char *const (*layers)[4], guint n_layers)
{
  DsModel *m = ds_model_new ("chain");
  DsLayer *l = ds_model_add_layer (m, "x", "input", NULL);

  g_hash_table_insert (l->attrs, g_strdup ("shape"), g_strdup (shape));
  for (guint i = 0; i < n_layers; i++)
    {
      g_autofree char *name = g_strdup_printf ("l%u", i + 1);
      l = ds_model_add_layer (m, name, layers[i][0], NULL);
      g_hash_table_insert (l->attrs, g_strdup ("shape"), g_strdup (layers[i][1]));
      if (layers[i][2] != NULL)
        g_hash_table_insert (l->attrs, g_strdup (layers[i][2]), g_strdup (layers[i][3]));
      g_assert_true (ds_model_add_edge (m, i, i + 1, NULL));
    }
  return m;
}

/* Sequences of 3 tokens of 6 features (2 heads of 3), ending in a
 * flattening linear to 4 classes, or in the mean of the tokens. */
static const char *const flat_layers[][4] = {
  { "posembed", "6,3,1", NULL, NULL },
  { "attention", "6,3,1", "heads", "2" },
  { "mlp", "6,3,1", NULL, NULL },
  { "linear", "4,1,1", "bias", "true" },
};
static const char *const pooled_layers[][4] = {
  { "attention", "6,3,1", "heads", "3" },
  { "tokenmean", "6,1,1", NULL, NULL },
};

typedef struct {
  const DsNetOp *op;
  guint n;
  double *w, *x, *r;
  gsize w_len, x_len, y_len;
} OpCase;

static double
op_loss (const OpCase *c)
{
  g_autofree double *y = g_new (double, c->y_len);
  double loss = 0;

  ref_op (c->op, c->w, c->x, y, c->n);
  for (gsize i = 0; i < c->y_len; i++)
    loss += y[i] * c->r[i];
  return loss;
}

static void
check_near (const char *what, guint i, const float *got, const double *want, gsize len,
            double rel, double floor)
{
  for (gsize k = 0; k < len; k++)
    {
      double err = fabs (got[k] - want[k]), tol = rel * (fabs (want[k]) + floor);
      if (!(err <= tol))
        g_printerr ("op %u %s[%" G_GSIZE_FORMAT "]: got %.9g, want %.9g\n", i, what, k,
                    got[k], want[k]);
      g_assert_cmpfloat (err, <=, tol);
    }
}

static void
check_fd (const char *what, guint i, const OpCase *c, double *p, gsize len, const float *got)
{
  g_autofree double *fd = g_new (double, len);

  for (gsize k = 0; k < len; k++)
    {
      double keep = p[k];
      p[k] = keep + FD_STEP;
      double plus = op_loss (c);
      p[k] = keep - FD_STEP;
      double minus = op_loss (c);
      p[k] = keep;
      fd[k] = (plus - minus) / (2 * FD_STEP);
    }
  check_near (what, i, got, fd, len, GRAD_REL, 0.1);
}

/* Uniform in [lo, hi), each exactly a float. */
static double *
rand_d (GRand *rng, gsize len, double lo, double hi)
{
  double *v = g_new (double, len);
  for (gsize k = 0; k < len; k++)
    v[k] = (float) g_rand_double_range (rng, lo, hi);
  return v;
}

static float *
to_f (const double *v, gsize len)
{
  float *f = g_new (float, len);
  for (gsize k = 0; k < len; k++)
    f[k] = (float) v[k];
  return f;
}

/* Each op of @m but the input, on its own, over 2 samples. */
static void
check_ops (DsModel *m)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsNet) net = ds_net_new (m, &error);
  g_autoptr(GRand) rng = g_rand_new_with_seed (7);
  guint n = 2;

  g_assert_no_error (error);
  g_assert_true (ds_kernels_init (NULL));
  for (guint i = 1; i < net->ops->len; i++)
    {
      const DsNetOp *op = &g_array_index (net->ops, DsNetOp, i);
      gsize w_len = op->n_weights + op->n_bias;
      OpCase c = { op, n, rand_d (rng, w_len, -0.5, 0.5),
                   rand_d (rng, n * (gsize) op->in_c * op->in_h * op->in_w, -1, 1), NULL,
                   w_len, n * (gsize) op->in_c * op->in_h * op->in_w,
                   n * ds_net_op_out_size (net, i) };
      g_autoptr(DsNetTape) tape = ds_net_tape_new (net, i, i + 1, n);
      g_autofree double *want = g_new (double, c.y_len);
      g_autofree float *w = NULL, *x = NULL, *dy = NULL, *dx = NULL, *dw = NULL;

      c.r = rand_d (rng, c.y_len, -1, 1);
      w = to_f (c.w, w_len), x = to_f (c.x, c.x_len), dy = to_f (c.r, c.y_len);
      dx = g_new (float, c.x_len), dw = g_new0 (float, w_len);
      ds_net_forward (net, tape, w, x, n, 1, 0);
      ref_op (op, c.w, c.x, want, n);
      check_near ("y", i, ds_net_tape_output (tape), want, c.y_len, FWD_REL, 1);
      ds_net_backward (net, tape, w, x, dy, dw, dx);
      check_fd ("dx", i, &c, c.x, c.x_len, dx);
      check_fd ("dw", i, &c, c.w, w_len, dw);
      g_free (c.w);
      g_free (c.x);
      g_free (c.r);
    }
}

static void
test_ops_against_reference (void)
{
  g_autoptr(DsModel) flat = chain ("6,3,1", flat_layers, G_N_ELEMENTS (flat_layers));
  g_autoptr(DsModel) pooled = chain ("6,3,1", pooled_layers, G_N_ELEMENTS (pooled_layers));
  g_autoptr(DsNet) net = ds_net_new (flat, NULL);

  /* the zoo's counts: 4d^2 + 6d, 8d^2 + 7d; one per float; 18 in */
  g_assert_cmpuint (net->n_params, ==, 18 + (4 * 36 + 36) + (8 * 36 + 42) + (18 * 4 + 4));
  check_ops (flat);
  check_ops (pooled);
}

static void
test_mlp_shape (void)
{
  g_autoptr(DsNet) net = net_of ("mlp");
  const DsNetOp *fc1 = &g_array_index (net->ops, DsNetOp, 1);

  g_assert_cmpuint (net->ops->len, ==, 6);
  g_assert_cmpuint (net->in_features, ==, 784);
  g_assert_cmpuint (net->n_classes, ==, 10);
  g_assert_cmpuint (net->n_params, ==, 269322);
  g_assert_cmpint (fc1->kind, ==, DS_NET_LINEAR);
  g_assert_cmpuint (fc1->n_weights, ==, 256 * 784);
  g_assert_cmpuint (fc1->n_bias, ==, 256);
  /* fc2's slice follows fc1's weights and bias */
  g_assert_cmpuint (ds_net_range_offset (net, 3), ==, 256 * 784 + 256);
  g_assert_cmpuint (ds_net_range_params (net, 3, 6), ==, 256 * 256 + 256 + 2570);
}

static void
test_unsupported (void)
{
  g_autoptr(DsModel) vgg = ds_zoo_build ("vgg16", NULL, NULL);
  g_autoptr(DsModel) resnet = ds_zoo_build ("resnet50", NULL, NULL);
  g_autoptr(DsModel) bare = ds_model_new ("bare");
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  DsLayer *l;

  g_assert_null (ds_net_new (vgg, &e1));
  g_assert_error (e1, DS_ERROR, DS_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (e1->message, "'adaptiveavgpool2d'"));
  g_assert_null (ds_net_new (resnet, &e2));
  g_assert_error (e2, DS_ERROR, DS_ERROR_UNSUPPORTED);
  l = ds_model_add_layer (bare, "x", "input", NULL);
  (void) l;
  ds_model_add_layer (bare, "fc", "linear", NULL);
  ds_model_add_edge (bare, 0, 1, NULL);
  g_assert_null (ds_net_new (bare, &e3));
  g_assert_nonnull (strstr (e3->message, "no 'shape' attribute"));
}

/* Attention needs heads that divide the features; tokenmean ends at one
 * position; posembed keeps its shape. */
static void
test_unsupported_sequence_ops (void)
{
  static const char *const no_heads[][4] = { { "attention", "6,3,1", NULL, NULL } };
  static const char *const odd_heads[][4] = { { "attention", "6,3,1", "heads", "4" } };
  static const char *const mean_keeps[][4] = { { "tokenmean", "6,3,1", NULL, NULL } };
  static const char *const grows[][4] = { { "posembed", "6,4,1", NULL, NULL } };
  const struct { const char *const (*layers)[4]; const char *fragment; } cases[] = {
    { no_heads, "needs a 'heads' attribute" },
    { odd_heads, "4 heads do not divide 6 features" },
    { mean_keeps, "a tokenmean gives shape 6,1,1" },
    { grows, "must keep its input's shape" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DsModel) m = chain ("6,3,1", cases[i].layers, 1);
      g_autoptr(GError) error = NULL;

      g_assert_null (ds_net_new (m, &error));
      g_assert_error (error, DS_ERROR, DS_ERROR_UNSUPPORTED);
      if (strstr (error->message, cases[i].fragment) == NULL)
        g_error ("'%s' lacks '%s'", error->message, cases[i].fragment);
    }
}

/* A zoo model cut at @cut: the two ranges against the whole, forward and
 * backward, bit for bit. */
static void
check_ranges_compose (const char *zoo, guint cut)
{
  g_autoptr(DsNet) net = net_of (zoo);
  guint n = 5, n_ops = net->ops->len, in = net->in_features, k = net->n_classes;
  gsize mid = ds_net_op_out_size (net, cut - 1);
  g_autofree float *params = g_new (float, net->n_params);
  g_autofree float *x = g_new (float, (gsize) n * in);
  g_autofree float *dy = g_new (float, (gsize) n * k);
  g_autofree float *g_whole = g_new0 (float, net->n_params);
  g_autofree float *g_split = g_new0 (float, net->n_params);
  g_autofree float *dmid = g_new (float, n * mid);
  g_autoptr(DsNetTape) whole = ds_net_tape_new (net, 0, n_ops, n);
  g_autoptr(DsNetTape) a = ds_net_tape_new (net, 0, cut, n);
  g_autoptr(DsNetTape) b = ds_net_tape_new (net, cut, n_ops, n);
  gsize off = ds_net_range_offset (net, cut);

  g_test_message ("%s cut before op %u", zoo, cut);
  g_assert_true (ds_kernels_init (NULL));
  ds_net_init_params (net, params, 3);
  ds_k_init_uniform (x, (gsize) n * in, 1, 4);
  ds_k_init_uniform (dy, (gsize) n * k, 1, 5);
  ds_net_forward (net, whole, params, x, n, 1, 0);
  ds_net_forward (net, a, params, x, n, 1, 0);
  ds_net_forward (net, b, params + off, ds_net_tape_output (a), n, 1, 0);
  g_assert_cmpmem (ds_net_tape_output (whole), n * k * sizeof (float),
                   ds_net_tape_output (b), n * k * sizeof (float));
  ds_net_backward (net, whole, params, x, dy, g_whole, NULL);
  ds_net_backward (net, b, params + off, ds_net_tape_output (a), dy, g_split + off, dmid);
  ds_net_backward (net, a, params, x, dmid, g_split, NULL);
  g_assert_cmpmem (g_whole, net->n_params * sizeof (float), g_split,
                   net->n_params * sizeof (float));
}

static void
test_ranges_compose (void)
{
  check_ranges_compose ("mlp", 3);
  /* between the convolutions; before the flattening classifier */
  check_ranges_compose ("cnn-small", 4);
  check_ranges_compose ("cnn-small", 7);
  /* before the position embedding, between attention and mlp, before
   * the pooling */
  check_ranges_compose ("transformer-tiny", 2);
  check_ranges_compose ("transformer-tiny", 4);
  check_ranges_compose ("transformer-tiny", 7);
}

/* The zoo's models for Fashion-MNIST build with the zoo's parameter
 * counts, op for op. */
static void
test_fmnist_models (void)
{
  const char *names[] = { "cnn-small", "transformer-tiny" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(DsModel) m = ds_zoo_build (names[i], NULL, NULL);
      g_autoptr(DsNet) net = net_of (names[i]);

      g_assert_cmpuint (net->ops->len, ==, ds_model_n_layers (m));
      g_assert_cmpuint (net->in_features, ==, 784);
      g_assert_cmpuint (net->n_classes, ==, 10);
      for (guint j = 0; j < net->ops->len; j++)
        {
          const DsNetOp *op = &g_array_index (net->ops, DsNetOp, j);
          g_assert_cmpuint (op->n_weights + op->n_bias, ==,
                            ds_model_layer_const (m, op->layer)->n_params);
        }
    }
  {
    g_autoptr(DsNet) cnn = net_of ("cnn-small");
    g_autoptr(DsNet) tiny = net_of ("transformer-tiny");
    const DsNetOp *fc = &g_array_index (cnn->ops, DsNetOp, 7);
    const DsNetOp *attn = &g_array_index (tiny->ops, DsNetOp, 3);

    g_assert_cmpuint (cnn->n_params, ==, 28938);
    g_assert_true (fc->flatten);
    g_assert_cmpuint (fc->n_weights, ==, 10 * 32 * 7 * 7);
    g_assert_cmpuint (tiny->n_params, ==, 104266);
    g_assert_cmpint (attn->kind, ==, DS_NET_ATTENTION);
    g_assert_cmpuint (attn->heads, ==, 4);
  }
}

/* Initial weights: deterministic, PyTorch's bound 1/sqrt(fan_in). */
static void
test_init (void)
{
  g_autoptr(DsNet) net = net_of ("mlp");
  g_autofree float *p = g_new (float, net->n_params);
  g_autofree float *q = g_new (float, net->n_params);

  ds_net_init_params (net, p, 9);
  ds_net_init_params (net, q, 9);
  g_assert_cmpmem (p, net->n_params * sizeof (float), q, net->n_params * sizeof (float));
  for (gsize i = 0; i < 256 * 784; i++)
    g_assert_cmpfloat (fabsf (p[i]), <=, 1 / sqrtf (784));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exec/net/mlp-shape", test_mlp_shape);
  g_test_add_func ("/exec/net/unsupported", test_unsupported);
  g_test_add_func ("/exec/net/unsupported-sequence-ops", test_unsupported_sequence_ops);
  g_test_add_func ("/exec/net/ranges-compose", test_ranges_compose);
  g_test_add_func ("/exec/net/fmnist-models", test_fmnist_models);
  g_test_add_func ("/exec/net/init", test_init);
  g_test_add_func ("/exec/net/ops-against-reference", test_ops_against_reference);
  return g_test_run ();
}
