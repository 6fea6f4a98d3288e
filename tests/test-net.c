/* tests/test-net.c - a model as runnable ops (exec/net.h): which models
 * build and why the others do not, parameter slices, and that running a
 * chain in two ranges is running it whole, forward and backward, bit for
 * bit (what lets a pipeline's stages compute exactly the one-stage
 * result). */
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

/* mlp-wide in two ranges against whole, forward and backward. */
static void
test_ranges_compose (void)
{
  g_autoptr(DsNet) net = net_of ("mlp");
  guint n = 5, cut = 3, n_ops = net->ops->len;
  gsize mid = ds_net_op_out_size (net, cut - 1);
  g_autofree float *params = g_new (float, net->n_params);
  g_autofree float *x = g_new (float, (gsize) n * 784);
  g_autofree float *dy = g_new (float, (gsize) n * 10);
  g_autofree float *g_whole = g_new0 (float, net->n_params);
  g_autofree float *g_split = g_new0 (float, net->n_params);
  g_autofree float *dmid = g_new (float, n * mid);
  g_autoptr(DsNetTape) whole = ds_net_tape_new (net, 0, n_ops, n);
  g_autoptr(DsNetTape) a = ds_net_tape_new (net, 0, cut, n);
  g_autoptr(DsNetTape) b = ds_net_tape_new (net, cut, n_ops, n);
  gsize off = ds_net_range_offset (net, cut);

  g_assert_true (ds_kernels_init (NULL));
  ds_net_init_params (net, params, 3);
  ds_k_init_uniform (x, (gsize) n * 784, 1, 4);
  ds_k_init_uniform (dy, (gsize) n * 10, 1, 5);
  ds_net_forward (net, whole, params, x, n, 1, 0);
  ds_net_forward (net, a, params, x, n, 1, 0);
  ds_net_forward (net, b, params + off, ds_net_tape_output (a), n, 1, 0);
  g_assert_cmpmem (ds_net_tape_output (whole), n * 10 * sizeof (float),
                   ds_net_tape_output (b), n * 10 * sizeof (float));
  ds_net_backward (net, whole, params, x, dy, g_whole, NULL);
  ds_net_backward (net, b, params + off, ds_net_tape_output (a), dy, g_split + off, dmid);
  ds_net_backward (net, a, params, x, dmid, g_split, NULL);
  g_assert_cmpmem (g_whole, net->n_params * sizeof (float), g_split,
                   net->n_params * sizeof (float));
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
  g_test_add_func ("/exec/net/ranges-compose", test_ranges_compose);
  g_test_add_func ("/exec/net/init", test_init);
  return g_test_run ();
}
