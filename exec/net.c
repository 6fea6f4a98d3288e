/* exec/net.c - build ops from a model, run ranges of them (see net.h).
 *
 * Each op reads the output of the op before it (or the range's input) and
 * writes its own output buffer on the tape; the backward walks the range
 * in reverse with two gradient buffers in turn, the last op's input
 * gradient going to the caller's dx.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "exec/kernels.h"
#include "exec/net.h"
#include "exec/wir/lazy.h"
#include "exec/wir/library.h"

#define DEFAULT_DROPOUT 0.1f

/* ---- building ---- */

static gboolean
parse_uint_attr (const DsLayer *l, const char *key, guint *out, gboolean required,
                 GError **error)
{
  const char *v = g_hash_table_lookup (l->attrs, key);
  guint64 x;

  if (v == NULL)
    return required ? ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s' (%s) needs a '%s' "
                               "attribute to run", l->name, l->kind, key) : TRUE;
  if (!g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT32, &x, NULL))
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': attribute %s='%s' is not a "
                    "count", l->name, key, v);
  *out = (guint) x;
  return TRUE;
}

static gboolean
parse_shape (const DsLayer *l, guint *c, guint *h, guint *w, GError **error)
{
  const char *v = g_hash_table_lookup (l->attrs, "shape");
  g_auto(GStrv) parts = NULL;
  guint64 x[3];

  if (v == NULL)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s' has no 'shape' attribute "
                    "(c,h,w per sample); the executor runs zoo models and models that "
                    "give their shapes", l->name);
  parts = g_strsplit (v, ",", -1);
  if (g_strv_length (parts) != 3)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': shape '%s' is not c,h,w",
                    l->name, v);
  for (guint i = 0; i < 3; i++)
    if (!g_ascii_string_to_unsigned (parts[i], 10, 1, 1u << 24, &x[i], NULL))
      return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': shape '%s' is not c,h,w "
                      "of counts >= 1", l->name, v);
  if (x[0] * x[1] * x[2] > (1u << 28))
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': shape '%s' is too large",
                    l->name, v);
  *c = (guint) x[0], *h = (guint) x[1], *w = (guint) x[2];
  return TRUE;
}

static gboolean
kind_of (const char *kind, DsNetOpKind *out)
{
  static const struct { const char *name; DsNetOpKind kind; } kinds[] = {
    { "input", DS_NET_INPUT }, { "linear", DS_NET_LINEAR }, { "relu", DS_NET_RELU },
    { "gelu", DS_NET_GELU }, { "dropout", DS_NET_DROPOUT },
    { "layernorm", DS_NET_LAYERNORM }, { "conv2d", DS_NET_CONV2D },
    { "maxpool2d", DS_NET_MAXPOOL2D }, { "posembed", DS_NET_POSEMBED },
    { "attention", DS_NET_ATTENTION }, { "mlp", DS_NET_MLP },
    { "tokenmean", DS_NET_TOKENMEAN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (kind, kinds[i].name) == 0)
      {
        *out = kinds[i].kind;
        return TRUE;
      }
  return FALSE;
}

static gsize
op_in_size (const DsNetOp *op)
{
  return (gsize) op->in_c * op->in_h * op->in_w;
}

/* The op's shapes, window and parameter counts, checked against its
 * input's shape. */
static gboolean
shape_op (const DsLayer *l, DsNetOp *op, GError **error)
{
  gboolean same = op->in_c == op->out_c && op->in_h == op->out_h && op->in_w == op->out_w;
  const char *bias = g_hash_table_lookup (l->attrs, "bias");

  op->bias = g_strcmp0 (bias, "true") == 0;
  switch (op->kind)
    {
    case DS_NET_INPUT:
    case DS_NET_RELU:
    case DS_NET_GELU:
      break;
    case DS_NET_DROPOUT:
      {
        const char *p = g_hash_table_lookup (l->attrs, "p");
        char *end = NULL;
        op->drop_p = DEFAULT_DROPOUT;
        if (p != NULL)
          op->drop_p = (float) g_ascii_strtod (p, &end);
        if (p != NULL && (end == p || *end != '\0' || !(op->drop_p >= 0 && op->drop_p < 1)))
          return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': dropout p='%s' is not "
                          "in [0, 1)", l->name, p);
        break;
      }
    case DS_NET_LAYERNORM:
      op->n_weights = op->n_bias = op->in_c;
      break;
    case DS_NET_POSEMBED:
      op->n_weights = op_in_size (op);
      break;
    case DS_NET_ATTENTION:
      if (!parse_uint_attr (l, "heads", &op->heads, TRUE, error))
        return FALSE;
      if (op->heads == 0 || op->in_c % op->heads != 0)
        return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': %u heads do not divide "
                        "%u features", l->name, op->heads, op->in_c);
      op->n_weights = 4 * (gsize) op->in_c * op->in_c + 6 * (gsize) op->in_c;
      break;
    case DS_NET_MLP:
      op->n_weights = 8 * (gsize) op->in_c * op->in_c + 7 * (gsize) op->in_c;
      break;
    case DS_NET_TOKENMEAN:
      if (op->out_c != op->in_c || op->out_h != 1 || op->out_w != 1)
        return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': a tokenmean gives "
                        "shape %u,1,1 from %u,%u,%u", l->name, op->in_c, op->in_c,
                        op->in_h, op->in_w);
      return TRUE;
    case DS_NET_LINEAR:
      op->flatten = op->out_h == 1 && op->out_w == 1 && op->in_h * op->in_w > 1;
      if (!op->flatten && (op->in_h != op->out_h || op->in_w != op->out_w))
        return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': a linear keeps the "
                        "positions (h, w) of its input, or flattens them to one",
                        l->name);
      op->n_weights = (gsize) op->out_c * (op->flatten ? op_in_size (op) : op->in_c);
      op->n_bias = op->bias ? op->out_c : 0;
      return TRUE;
    case DS_NET_CONV2D:
    case DS_NET_MAXPOOL2D:
      if (!parse_uint_attr (l, "kernel", &op->k, TRUE, error)
          || !parse_uint_attr (l, "stride", &op->s, TRUE, error)
          || !parse_uint_attr (l, "padding", &op->p, FALSE, error))
        return FALSE;
      if (op->k == 0 || op->s == 0 || op->in_h + 2 * op->p < op->k || op->in_w + 2 * op->p < op->k
          || op->out_h != (op->in_h + 2 * op->p - op->k) / op->s + 1
          || op->out_w != (op->in_w + 2 * op->p - op->k) / op->s + 1
          || (op->kind == DS_NET_MAXPOOL2D && (op->out_c != op->in_c || op->p != 0)))
        return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s': window k=%u s=%u p=%u "
                        "does not give shape %u,%u,%u from %u,%u,%u", l->name, op->k,
                        op->s, op->p, op->out_c, op->out_h, op->out_w, op->in_c, op->in_h,
                        op->in_w);
      if (op->kind == DS_NET_CONV2D)
        {
          op->n_weights = (gsize) op->out_c * op->in_c * op->k * op->k;
          op->n_bias = op->bias ? op->out_c : 0;
        }
      return TRUE;
    }
  if (!same)
    return ds_fail (error, DS_ERROR_UNSUPPORTED, "layer '%s' (%s) must keep its input's "
                    "shape %u,%u,%u", l->name, l->kind, op->in_c, op->in_h, op->in_w);
  return TRUE;
}

DsNet *
ds_net_new (const DsModel *model, GError **error)
{
  g_autoptr(DsNet) net = g_new0 (DsNet, 1);
  g_autoptr(GArray) order = ds_model_topo_order (model);
  gsize offset = 0;

  net->ops = g_array_new (FALSE, TRUE, sizeof (DsNetOp));
  for (guint i = 0; i < order->len; i++)
    {
      guint l = g_array_index (order, guint, i);
      const DsLayer *layer = ds_model_layer_const (model, l);
      DsNetOp op = { 0 };

      if (!kind_of (layer->kind, &op.kind))
        return ds_fail_null (error, DS_ERROR_UNSUPPORTED, "layer '%s': the executor does "
                             "not run '%s' layers (it runs input, linear, relu, gelu, "
                             "dropout, layernorm, conv2d, maxpool2d, posembed, "
                             "attention, mlp, tokenmean)", layer->name,
                             layer->kind);
      if ((i == 0) != (op.kind == DS_NET_INPUT)
          || ds_model_n_inputs (model, l) != (i == 0 ? 0u : 1u)
          || ds_model_n_outputs (model, l) > 1
          || (i > 0 && ds_model_n_outputs (model, g_array_index (order, guint, i - 1)) != 1))
        return ds_fail_null (error, DS_ERROR_UNSUPPORTED, "layer '%s': the executor runs "
                             "chains that start at one input layer; this model branches "
                             "or joins there", layer->name);
      op.layer = l;
      if (!parse_shape (layer, &op.out_c, &op.out_h, &op.out_w, error))
        return NULL;
      if (i == 0)
        op.in_c = op.out_c, op.in_h = op.out_h, op.in_w = op.out_w;
      else
        {
          const DsNetOp *prev = &g_array_index (net->ops, DsNetOp, i - 1);
          op.in_c = prev->out_c, op.in_h = prev->out_h, op.in_w = prev->out_w;
        }
      if (!shape_op (layer, &op, error))
        return NULL;
      op.param_offset = offset;
      offset += op.n_weights + op.n_bias;
      g_array_append_val (net->ops, op);
    }
  net->n_params = offset;
  net->in_features = (guint) ds_net_op_out_size (net, 0);
  net->n_classes = (guint) ds_net_op_out_size (net, net->ops->len - 1);
  {
    const DsNetOp *last = &g_array_index (net->ops, DsNetOp, net->ops->len - 1);
    if (net->ops->len < 2 || last->out_h != 1 || last->out_w != 1 || net->n_classes > 256)
      return ds_fail_null (error, DS_ERROR_UNSUPPORTED, "the last layer must give one "
                           "logit per class (shape classes,1,1 with at most 256 classes)");
  }
  return g_steal_pointer (&net);
}

void
ds_net_free (DsNet *net)
{
  if (net == NULL)
    return;
  g_array_unref (net->ops);
  g_free (net);
}

gint
ds_net_op_of_layer (const DsNet *net, guint layer)
{
  for (guint i = 0; i < net->ops->len; i++)
    if (g_array_index (net->ops, DsNetOp, i).layer == layer)
      return (gint) i;
  return -1;
}

static const DsNetOp *
op_at (const DsNet *net, guint i)
{
  return &g_array_index (net->ops, DsNetOp, i);
}

gsize
ds_net_op_out_size (const DsNet *net, guint i)
{
  const DsNetOp *op = op_at (net, i);
  return (gsize) op->out_c * op->out_h * op->out_w;
}

gsize
ds_net_range_offset (const DsNet *net, guint first)
{
  return op_at (net, first)->param_offset;
}

gsize
ds_net_range_params (const DsNet *net, guint first, guint last)
{
  const DsNetOp *end = op_at (net, last - 1);
  return end->param_offset + end->n_weights + end->n_bias - op_at (net, first)->param_offset;
}

/* One tensor of a block's parameters: uniform in +-bound, or constant
 * @value when bound is 0. */
typedef struct {
  gsize len;
  float bound, value;
} ParamPart;

/* The parts of an attention or mlp op, in their order (net.h). */
static guint
block_parts (const DsNetOp *op, ParamPart *parts)
{
  gsize d = op->in_c;
  float r1 = (float) (1 / sqrt ((double) d)), r4 = (float) (1 / sqrt (4.0 * d));

  if (op->kind == DS_NET_ATTENTION)
    {
      ParamPart a[] = { { 3 * d * d, (float) sqrt (6.0 / (4.0 * d)), 0 }, { 3 * d, 0, 0 },
                        { d * d, r1, 0 }, { d, 0, 0 }, { d, 0, 1 }, { d, 0, 0 } };
      memcpy (parts, a, sizeof a);
      return G_N_ELEMENTS (a);
    }
  ParamPart m[] = { { 4 * d * d, r1, 0 }, { 4 * d, r1, 0 }, { 4 * d * d, r4, 0 },
                    { d, r4, 0 }, { d, 0, 1 }, { d, 0, 0 } };
  memcpy (parts, m, sizeof m);
  return G_N_ELEMENTS (m);
}

/* Each part's stream is keyed key * 2 + part * 2^32: apart from the keys
 * of other ops (key * 2, key * 2 + 1) as long as a network has fewer
 * than 2^31 ops. */
static void
init_block (const DsNetOp *op, float *w, guint64 key)
{
  ParamPart parts[6];
  guint n = block_parts (op, parts);

  for (guint i = 0; i < n; w += parts[i].len, i++)
    if (parts[i].bound > 0)
      ds_k_init_uniform (w, parts[i].len, parts[i].bound,
                         key * 2 + ((guint64) i << 32));
    else
      for (gsize j = 0; j < parts[i].len; j++)
        w[j] = parts[i].value;
}

/* BERT's initializer_range, 0.02, as the standard deviation of a uniform. */
#define POSEMBED_BOUND (0.02f * 1.7320508f)

void
ds_net_init_params (const DsNet *net, float *params, guint64 seed)
{
  for (guint i = 0; i < net->ops->len; i++)
    {
      const DsNetOp *op = op_at (net, i);
      float *w = params + op->param_offset, *b = w + op->n_weights;
      guint64 key = seed * 1000003u + i;
      double fan_in = op->kind == DS_NET_CONV2D ? (double) op->in_c * op->k * op->k
                      : op->flatten ? (double) op_in_size (op) : op->in_c;

      switch (op->kind)
        {
        case DS_NET_LAYERNORM:
          for (gsize j = 0; j < op->n_weights; j++)
            w[j] = 1, b[j] = 0;
          continue;
        case DS_NET_ATTENTION:
        case DS_NET_MLP:
          init_block (op, w, key);
          continue;
        case DS_NET_POSEMBED:
          ds_k_init_uniform (w, op->n_weights, POSEMBED_BOUND, key * 2);
          continue;
        default:
          break;
        }
      if (op->n_weights > 0)
        ds_k_init_uniform (w, op->n_weights, (float) (1 / sqrt (fan_in)), key * 2);
      if (op->n_bias > 0)
        ds_k_init_uniform (b, op->n_bias, (float) (1 / sqrt (fan_in)), key * 2 + 1);
    }
}

/* ---- running ---- */

struct _DsNetTape {
  guint first, last, max_rows, n;
  guint64 seed, row0;
  float **out;                   /* per op of the range: its output */
  guint8 **mask;                 /* dropout */
  float **mean, **rstd;          /* layernorm, attention, mlp */
  guint32 **argmax;              /* maxpool2d */
  float **save;                  /* attention, mlp: their inner tensors */
  float *col;                    /* conv2d scratch, the largest im2col */
  float *work;                   /* attention, mlp: backward scratch, the largest */
  float *grad[2];                /* backward ping-pong, the largest activation */
  DsNetWir *wir;                 /* borrowed, or NULL: the hand kernels */
};

/* What an attention or mlp op keeps between forward and backward, and
 * the scratch of its backward, for @rows tokens of d features. */
typedef struct {
  float *qkv, *probs, *ctx;      /* attention: rows x 3d, n x heads x s x s, rows x d */
  float *h1, *a1;                /* mlp: W1 x + b1 and its GELU, rows x 4d */
  float *z;                      /* the sum LayerNorm normalises, rows x d */
  float *dz, *dmid, *dqkv, *ds;  /* backward: rows x d, rows x d (attention) or
                                  * 4d (mlp), rows x 3d, s x s */
} BlockBufs;

/* Carves @save and @work for @max_rows samples; either may be NULL when
 * only its length is wanted. Returns the lengths in *save_len and
 * *work_len. */
static BlockBufs
block_bufs (const DsNetOp *op, guint max_rows, float *save, float *work, gsize *save_len,
            gsize *work_len)
{
  gsize s = (gsize) op->in_h * op->in_w, d = op->in_c, rows = max_rows * s;
  BlockBufs b = { 0 };
  gsize at = 0, wat = 0;

#define CARVE(field, base, offset, len) \
  (b.field = (base) != NULL ? (base) + (offset) : NULL, (offset) += (len))
  if (op->kind == DS_NET_ATTENTION)
    {
      CARVE (qkv, save, at, rows * 3 * d);
      CARVE (probs, save, at, max_rows * op->heads * s * s);
      CARVE (ctx, save, at, rows * d);
      CARVE (dmid, work, wat, rows * d);
      CARVE (dqkv, work, wat, rows * 3 * d);
      CARVE (ds, work, wat, s * s);
    }
  else
    {
      CARVE (h1, save, at, rows * 4 * d);
      CARVE (a1, save, at, rows * 4 * d);
      CARVE (dmid, work, wat, rows * 4 * d);
    }
  CARVE (z, save, at, rows * d);
  CARVE (dz, work, wat, rows * d);
#undef CARVE
  *save_len = at, *work_len = wat;
  return b;
}

DsNetTape *
ds_net_tape_new (const DsNet *net, guint first, guint last, guint max_rows)
{
  DsNetTape *t = g_new0 (DsNetTape, 1);
  guint n_ops = last - first;
  gsize biggest = 0, col = 0, work = 0;

  t->first = first, t->last = last, t->max_rows = max_rows;
  t->out = g_new0 (float *, n_ops);
  t->mask = g_new0 (guint8 *, n_ops);
  t->mean = g_new0 (float *, n_ops);
  t->rstd = g_new0 (float *, n_ops);
  t->argmax = g_new0 (guint32 *, n_ops);
  t->save = g_new0 (float *, n_ops);
  for (guint i = first; i < last; i++)
    {
      const DsNetOp *op = op_at (net, i);
      gsize out = ds_net_op_out_size (net, i) * max_rows, j = i - first;
      gsize rows = (gsize) max_rows * op->in_h * op->in_w;
      gboolean block = op->kind == DS_NET_ATTENTION || op->kind == DS_NET_MLP;

      t->out[j] = g_new (float, out);
      biggest = MAX (biggest, MAX (out, op_in_size (op) * max_rows));
      if (op->kind == DS_NET_DROPOUT)
        t->mask[j] = g_new (guint8, out);
      if (op->kind == DS_NET_LAYERNORM || block)
        {
          t->mean[j] = g_new (float, rows);
          t->rstd[j] = g_new (float, rows);
        }
      if (op->kind == DS_NET_MAXPOOL2D)
        t->argmax[j] = g_new (guint32, out);
      if (op->kind == DS_NET_CONV2D)
        col = MAX (col, (gsize) op->in_c * op->k * op->k * op->out_h * op->out_w);
      if (block)
        {
          gsize save_len, work_len;
          block_bufs (op, max_rows, NULL, NULL, &save_len, &work_len);
          t->save[j] = g_new (float, save_len);
          work = MAX (work, work_len);
        }
    }
  t->col = col > 0 ? g_new (float, col) : NULL;
  t->work = work > 0 ? g_new (float, work) : NULL;
  t->grad[0] = g_new (float, biggest);
  t->grad[1] = g_new (float, biggest);
  return t;
}

void
ds_net_tape_free (DsNetTape *t)
{
  if (t == NULL)
    return;
  for (guint j = 0; j < t->last - t->first; j++)
    {
      g_free (t->out[j]);
      g_free (t->mask[j]);
      g_free (t->mean[j]);
      g_free (t->rstd[j]);
      g_free (t->argmax[j]);
      g_free (t->save[j]);
    }
  g_free (t->out);
  g_free (t->mask);
  g_free (t->mean);
  g_free (t->rstd);
  g_free (t->argmax);
  g_free (t->save);
  g_free (t->col);
  g_free (t->work);
  g_free (t->grad[0]);
  g_free (t->grad[1]);
  g_free (t);
}

float *
ds_net_tape_output (DsNetTape *t)
{
  return t->out[t->last - 1 - t->first];
}

/* The buffers of op @i (of the tape's range). */
static BlockBufs
tape_block (const DsNetOp *op, DsNetTape *t, guint i)
{
  gsize save_len, work_len;
  return block_bufs (op, t->max_rows, t->save[i - t->first], t->work, &save_len, &work_len);
}

/* y = LayerNorm (x + Attention (x)) over n samples (net.h). */
static void
attention_fwd (const DsNetOp *op, DsNetTape *t, guint i, const float *w, const float *x,
               float *y)
{
  BlockBufs b = tape_block (op, t, i);
  guint d = op->in_c, s = op->in_h * op->in_w, rows = t->n * s, j = i - t->first;
  const float *w_qkv = w, *b_qkv = w_qkv + 3 * d * d, *w_o = b_qkv + 3 * d;
  const float *b_o = w_o + d * d, *gamma = b_o + d, *beta = gamma + d;

  ds_k_linear_fwd (x, w_qkv, b_qkv, b.qkv, rows, d, 3 * d);
  ds_k_attention_fwd (b.qkv, b.probs, b.ctx, t->n, s, d, op->heads);
  ds_k_linear_fwd (b.ctx, w_o, b_o, b.z, rows, d, d);
  ds_k_add (b.z, x, b.z, (gsize) rows * d);
  ds_k_layernorm_fwd (b.z, gamma, beta, y, t->mean[j], t->rstd[j], rows, d);
}

/* The backward of attention_fwd: parameter gradients into @g, the input's
 * into @dx unless NULL. */
static void
attention_bwd (const DsNetOp *op, DsNetTape *t, guint i, const float *w, const float *x,
               const float *dy, float *g, float *dx)
{
  BlockBufs b = tape_block (op, t, i);
  guint d = op->in_c, s = op->in_h * op->in_w, rows = t->n * s, j = i - t->first;
  gsize off_o = 3 * (gsize) d * d + 3 * d, off_ln = off_o + (gsize) d * d + d;

  ds_k_layernorm_bwd (b.z, w + off_ln, t->mean[j], t->rstd[j], dy, b.dz, g + off_ln,
                      g + off_ln + d, rows, d);
  ds_k_linear_bwd (b.ctx, w + off_o, b.dz, b.dmid, g + off_o, g + off_o + (gsize) d * d,
                   rows, d, d);
  ds_k_attention_bwd (b.qkv, b.probs, b.dmid, b.dqkv, b.ds, t->n, s, d, op->heads);
  ds_k_linear_bwd (x, w, b.dqkv, dx, g, g + 3 * (gsize) d * d, rows, d, 3 * d);
  if (dx != NULL)
    ds_k_add (dx, b.dz, dx, (gsize) rows * d);
}

/* y = LayerNorm (x + W2 GELU (W1 x + b1) + b2) over n samples (net.h). */
static void
mlp_fwd (const DsNetOp *op, DsNetTape *t, guint i, const float *w, const float *x, float *y)
{
  BlockBufs b = tape_block (op, t, i);
  guint d = op->in_c, rows = t->n * op->in_h * op->in_w, j = i - t->first;
  const float *w1 = w, *b1 = w1 + 4 * d * d, *w2 = b1 + 4 * d, *b2 = w2 + 4 * d * d;
  const float *gamma = b2 + d, *beta = gamma + d;

  ds_k_linear_fwd (x, w1, b1, b.h1, rows, d, 4 * d);
  ds_k_gelu_fwd (b.h1, b.a1, (gsize) rows * 4 * d);
  ds_k_linear_fwd (b.a1, w2, b2, b.z, rows, 4 * d, d);
  ds_k_add (b.z, x, b.z, (gsize) rows * d);
  ds_k_layernorm_fwd (b.z, gamma, beta, y, t->mean[j], t->rstd[j], rows, d);
}

static void
mlp_bwd (const DsNetOp *op, DsNetTape *t, guint i, const float *w, const float *x,
         const float *dy, float *g, float *dx)
{
  BlockBufs b = tape_block (op, t, i);
  guint d = op->in_c, rows = t->n * op->in_h * op->in_w, j = i - t->first;
  gsize off_w2 = 4 * (gsize) d * d + 4 * d, off_ln = off_w2 + 4 * (gsize) d * d + d;

  ds_k_layernorm_bwd (b.z, w + off_ln, t->mean[j], t->rstd[j], dy, b.dz, g + off_ln,
                      g + off_ln + d, rows, d);
  ds_k_linear_bwd (b.a1, w + off_w2, b.dz, b.dmid, g + off_w2,
                   g + off_w2 + 4 * (gsize) d * d, rows, 4 * d, d);
  ds_k_gelu_bwd (b.h1, b.dmid, b.dmid, (gsize) rows * 4 * d);
  ds_k_linear_bwd (x, w, b.dmid, dx, g, g + 4 * (gsize) d * d, rows, d, 4 * d);
  if (dx != NULL)
    ds_k_add (dx, b.dz, dx, (gsize) rows * d);
}

/* Op @i of the tape's range, forward, by its hand kernel, from @in. */
static void
forward_op (const DsNet *net, DsNetTape *t, guint i, const float *params, const float *in)
{
  const DsNetOp *op = op_at (net, i);
  gsize base = ds_net_range_offset (net, t->first);
  guint j = i - t->first, n = t->n;
  const float *w = params + (op->param_offset - base), *b = w + op->n_weights;
  float *y = t->out[j];
  gsize len = ds_net_op_out_size (net, i) * n;
  guint rows = n * op->in_h * op->in_w;

  switch (op->kind)
    {
    case DS_NET_INPUT:
      memcpy (y, in, len * sizeof (float));
      break;
    case DS_NET_LINEAR:
      ds_k_linear_fwd (in, w, op->bias ? b : NULL, y, op->flatten ? n : rows,
                       op->flatten ? (guint) op_in_size (op) : op->in_c, op->out_c);
      break;
    case DS_NET_POSEMBED:
      ds_k_position_fwd (in, w, y, n, op_in_size (op));
      break;
    case DS_NET_ATTENTION:
      attention_fwd (op, t, i, w, in, y);
      break;
    case DS_NET_MLP:
      mlp_fwd (op, t, i, w, in, y);
      break;
    case DS_NET_TOKENMEAN:
      ds_k_token_mean_fwd (in, y, n, op->in_h * op->in_w, op->in_c);
      break;
    case DS_NET_RELU:
      ds_k_relu_fwd (in, y, len);
      break;
    case DS_NET_GELU:
      ds_k_gelu_fwd (in, y, len);
      break;
    case DS_NET_DROPOUT:
      ds_k_dropout_fwd (in, y, t->mask[j], len, op->drop_p, t->seed * 7919 + i,
                        t->row0 * ds_net_op_out_size (net, i));
      break;
    case DS_NET_LAYERNORM:
      ds_k_layernorm_fwd (in, w, b, y, t->mean[j], t->rstd[j], rows, op->in_c);
      break;
    case DS_NET_CONV2D:
      ds_k_conv2d_fwd (in, w, op->bias ? b : NULL, y, t->col, n, op->in_c, op->in_h,
                       op->in_w, op->out_c, op->k, op->s, op->p);
      break;
    case DS_NET_MAXPOOL2D:
      ds_k_maxpool2d_fwd (in, y, t->argmax[j], n, op->in_c, op->in_h, op->in_w, op->k,
                          op->s);
      break;
    }
}

/* Op @i backward by its hand kernel: @g_out the gradient of its output,
 * @g_in (NULL: not wanted) its input's. */
static void
backward_op (const DsNet *net, DsNetTape *t, guint i, const float *params, const float *in,
             const float *g_out, float *grads, float *g_in)
{
  const DsNetOp *op = op_at (net, i);
  gsize base = ds_net_range_offset (net, t->first);
  guint j = i - t->first, n = t->n;
  const float *w = params + (op->param_offset - base);
  float *gw = grads + (op->param_offset - base), *gb = gw + op->n_weights;
  gsize len = ds_net_op_out_size (net, i) * n;
  guint rows = n * op->in_h * op->in_w;

  switch (op->kind)
    {
    case DS_NET_INPUT:
      if (g_in != NULL)
        memcpy (g_in, g_out, len * sizeof (float));
      break;
    case DS_NET_LINEAR:
      ds_k_linear_bwd (in, w, g_out, g_in, gw, op->bias ? gb : NULL,
                       op->flatten ? n : rows,
                       op->flatten ? (guint) op_in_size (op) : op->in_c, op->out_c);
      break;
    case DS_NET_POSEMBED:
      ds_k_position_bwd (g_out, g_in, gw, n, op_in_size (op));
      break;
    case DS_NET_ATTENTION:
      attention_bwd (op, t, i, w, in, g_out, gw, g_in);
      break;
    case DS_NET_MLP:
      mlp_bwd (op, t, i, w, in, g_out, gw, g_in);
      break;
    case DS_NET_TOKENMEAN:
      ds_k_token_mean_bwd (g_out, g_in, n, op->in_h * op->in_w, op->in_c);
      break;
    case DS_NET_RELU:
      ds_k_relu_bwd (t->out[j], g_out, g_in, len);
      break;
    case DS_NET_GELU:
      ds_k_gelu_bwd (in, g_out, g_in, len);
      break;
    case DS_NET_DROPOUT:
      ds_k_dropout_bwd (t->mask[j], g_out, g_in, len, op->drop_p);
      break;
    case DS_NET_LAYERNORM:
      ds_k_layernorm_bwd (in, w, t->mean[j], t->rstd[j], g_out, g_in, gw, gb, rows,
                          op->in_c);
      break;
    case DS_NET_CONV2D:
      ds_k_conv2d_bwd (in, w, g_out, g_in, gw, op->bias ? gb : NULL, t->col, n,
                       op->in_c, op->in_h, op->in_w, op->out_c, op->k, op->s, op->p);
      break;
    case DS_NET_MAXPOOL2D:
      ds_k_maxpool2d_bwd (t->argmax[j], g_out, g_in, n, op->in_c, op->in_h, op->in_w,
                          op->k, op->s);
      break;
    }
}

/* ---- the elementwise ops through WIR (net.h) ---- */

struct _DsNetWir {
  DsNetWirMode mode;
  WirLazy *lazy;
  GError *error;                 /* the first failed force */
  /* the forces due at the next boundary: handles and their destinations */
  GPtrArray *handles;
  GPtrArray *dests;
  GArray *lens;                  /* gint64 */
  gint64 *labels;                /* the loss's labels as WIR's i64 */
  double *losses;                /* the loss per row */
  guint rows;                    /* labels and losses hold this many */
  gboolean defer_bias;
};

gboolean
ds_net_wir_mode_parse (const char *text, DsNetWirMode *mode)
{
  static const char *const names[] = { "off", "unfused", "fused" };
  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    if (g_strcmp0 (text, names[k]) == 0)
      {
        *mode = (DsNetWirMode) k;
        return TRUE;
      }
  return FALSE;
}

const char *
ds_net_wir_mode_name (DsNetWirMode mode)
{
  return mode == DS_NET_WIR_FUSED ? "fused" : mode == DS_NET_WIR_UNFUSED ? "unfused" : "off";
}

/* Forces what is due into its destinations and empties the session. */
static void
wir_flush (DsNetWir *w)
{
  GError *error = NULL;

  if (w->handles->len > 0
      && !wir_lazy_force_into (w->lazy, (WirHandle *const *) w->handles->pdata,
                               w->dests->pdata, (const gint64 *) (gpointer) w->lens->data,
                               w->handles->len, &error))
    {
      if (w->error == NULL)
        w->error = error;
      else
        g_error_free (error);
    }
  g_ptr_array_set_size (w->handles, 0);
  g_ptr_array_set_size (w->dests, 0);
  g_array_set_size (w->lens, 0);
  wir_lazy_reset (w->lazy);
}

/* @h is due into @dest (@len elements) at the next flush */
static void
wir_due (DsNetWir *w, WirHandle *h, gpointer dest, gsize len)
{
  gint64 l = (gint64) len;

  for (guint k = 0; k < w->handles->len; k++)
    if (w->handles->pdata[k] == h)
      return;
  g_ptr_array_add (w->handles, h);
  g_ptr_array_add (w->dests, dest);
  g_array_append_val (w->lens, l);
}

static WirHandle *
wir_borrow (DsNetWir *w, const float *data, gsize len)
{
  /* the type is a constant: this cannot fail */
  return wir_lazy_borrow (w->lazy, "vec[f32]", data, (gint64) len, NULL);
}

DsNetWir *
ds_net_wir_new (DsNetWirMode mode, const char *cache_dir, GError **error)
{
  /* -march=native: kernels run where they are compiled, and their bits do
   * not depend on it (no contraction); fused mlp-gelu's step 2.54-2.65 ->
   * 2.07-2.12 ms here (docs/exec.md) */
  WirCOptions copts = { cache_dir, TRUE, FALSE };
  g_autoptr(DsNetWir) w = g_new0 (DsNetWir, 1);
  float x[4] = { -1, 2, -3, 4 }, y[4];

  g_return_val_if_fail (mode == DS_NET_WIR_FUSED || mode == DS_NET_WIR_UNFUSED, NULL);
  w->mode = mode;
  w->defer_bias = TRUE;
  w->lazy = wir_lazy_new (&copts);
  wir_lazy_set_fusion (w->lazy, mode == DS_NET_WIR_FUSED);
  w->handles = g_ptr_array_new ();
  w->dests = g_ptr_array_new ();
  w->lens = g_array_new (FALSE, FALSE, sizeof (gint64));
  /* a first kernel: no compiler, no session */
  WirHandle *h = wir_lazy_apply (w->lazy, wir_lib_relu, (WirHandle *[]) { wir_borrow (w, x, 4) }, 1);
  wir_due (w, h, y, 4);
  wir_flush (w);
  if (w->error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&w->error),
                                  "WIR in the executor needs a C compiler: ");
      return NULL;
    }
  return g_steal_pointer (&w);
}

void
ds_net_wir_free (DsNetWir *w)
{
  if (w == NULL)
    return;
  wir_lazy_free (w->lazy);
  g_clear_error (&w->error);
  g_ptr_array_unref (w->handles);
  g_ptr_array_unref (w->dests);
  g_array_unref (w->lens);
  g_free (w->labels);
  g_free (w->losses);
  g_free (w);
}

guint64
ds_net_wir_n_kernels (const DsNetWir *w)
{
  return wir_lazy_n_forced (w->lazy);
}

guint64
ds_net_wir_n_reused (const DsNetWir *w)
{
  return wir_lazy_n_reused (w->lazy);
}

const GError *
ds_net_wir_error (const DsNetWir *w)
{
  return w->error;
}

void
ds_net_wir_set_defer_bias (DsNetWir *w, gboolean defer)
{
  w->defer_bias = defer;
}

void
ds_net_tape_set_wir (DsNetTape *t, DsNetWir *wir)
{
  t->wir = wir;
}

static gboolean
is_elementwise (DsNetOpKind kind)
{
  return kind == DS_NET_RELU || kind == DS_NET_GELU || kind == DS_NET_DROPOUT;
}

/* dropout's key and the index of the range's first element, as the hand
 * kernel's (ds_net_forward) */
static void
dropout_args (const DsNet *net, const DsNetTape *t, DsNetWir *w, guint i, WirHandle **args)
{
  const DsNetOp *op = op_at (net, i);
  args[1] = wir_lazy_i64 (w->lazy, (gint64) (t->seed * 7919 + i));
  args[2] = wir_lazy_i64 (w->lazy, (gint64) (t->row0 * ds_net_op_out_size (net, i)));
  args[3] = wir_lazy_f32 (w->lazy, op->drop_p);
}

/* The forward with the elementwise ops lazy: @cur is the value flowing
 * along the chain, NULL when it is materialized in the op's input. */
static void
wir_forward (const DsNet *net, DsNetTape *t, const float *params, const float *x)
{
  DsNetWir *w = t->wir;
  gsize base = ds_net_range_offset (net, t->first);
  guint n = t->n;
  WirHandle *cur = NULL;

  for (guint i = t->first; i < t->last; i++)
    {
      const DsNetOp *op = op_at (net, i);
      guint j = i - t->first;
      const float *in = j == 0 ? x : t->out[j - 1];
      const float *wt = params + (op->param_offset - base), *b = wt + op->n_weights;
      gsize in_len = (j == 0 ? op_in_size (op) : ds_net_op_out_size (net, i - 1)) * n;
      gsize len = ds_net_op_out_size (net, i) * n;
      WirHandle *args[4];

      if (is_elementwise (op->kind))
        {
          args[0] = cur != NULL ? cur : wir_borrow (w, in, in_len);
          if (op->kind == DS_NET_GELU && cur != NULL)
            wir_due (w, cur, t->out[j - 1], in_len);        /* its backward reads it */
          if (op->kind == DS_NET_RELU)
            cur = wir_lazy_apply (w->lazy, wir_lib_relu, args, 1);
          else if (op->kind == DS_NET_GELU)
            cur = wir_lazy_apply (w->lazy, wir_lib_gelu, args, 1);
          else
            {
              dropout_args (net, t, w, i, args);
              cur = wir_lazy_apply (w->lazy, wir_lib_dropout, args, 4);
            }
          if (op->kind == DS_NET_RELU)
            wir_due (w, cur, t->out[j], len);              /* its backward reads it */
          continue;
        }
      if (cur != NULL)
        {
          /* a boundary: the chain so far, as one kernel */
          wir_due (w, cur, t->out[j - 1], in_len);
          wir_flush (w);
          cur = NULL;
        }
      if (op->kind == DS_NET_LINEAR && op->bias && i + 1 < t->last
          && w->defer_bias
          && is_elementwise (op_at (net, i + 1)->kind))
        {
          /* the bias joins the activation's kernel */
          guint rows = op->flatten ? n : n * op->in_h * op->in_w;
          ds_k_linear_fwd (in, wt, NULL, t->out[j], rows,
                           op->flatten ? (guint) op_in_size (op) : op->in_c, op->out_c);
          args[0] = wir_borrow (w, t->out[j], len);
          args[1] = wir_borrow (w, b, op->n_bias);
          cur = wir_lazy_apply (w->lazy, wir_lib_bias, args, 2);
          continue;
        }
      /* the hand kernel, as ds_net_forward runs it: one op at a time */
      forward_op (net, t, i, params, in);
    }
  if (cur != NULL)
    wir_due (w, cur, t->out[t->last - 1 - t->first],
             ds_net_op_out_size (net, t->last - 1) * n);
  wir_flush (w);
}

/* The backward likewise: @cur the gradient flowing back, NULL when it is
 * materialized in @g_out. */
static void
wir_backward (const DsNet *net, DsNetTape *t, const float *params, const float *x,
              const float *dy, float *grads, float *dx)
{
  DsNetWir *w = t->wir;
  const float *g_out = dy;
  float *g_last = NULL;          /* where @cur is due: the last g_in */
  guint n = t->n, turn = 0;
  WirHandle *cur = NULL;

  for (guint i = t->last; i-- > t->first;)
    {
      const DsNetOp *op = op_at (net, i);
      guint j = i - t->first;
      const float *in = j == 0 ? x : t->out[j - 1];
      float *g_in = j == 0 ? dx : t->grad[turn];
      gsize len = ds_net_op_out_size (net, i) * n;
      WirHandle *args[4];

      if (g_in == NULL && op->n_weights == 0)
        break;                   /* nothing left to compute: stage 0's input */
      if (is_elementwise (op->kind))
        {
          WirHandle *d = cur != NULL ? cur : wir_borrow (w, g_out, len);
          if (op->kind == DS_NET_RELU)
            {
              args[0] = wir_borrow (w, t->out[j], len);
              args[1] = d;
              cur = wir_lazy_apply (w->lazy, wir_lib_relu_bwd, args, 2);
            }
          else if (op->kind == DS_NET_GELU)
            {
              args[0] = wir_borrow (w, in, len);
              args[1] = d;
              cur = wir_lazy_apply (w->lazy, wir_lib_gelu_bwd, args, 2);
            }
          else
            {
              args[0] = d;
              dropout_args (net, t, w, i, args);
              cur = wir_lazy_apply (w->lazy, wir_lib_dropout, args, 4);
            }
          g_last = g_in;
          g_out = g_in;
          turn ^= 1;
          continue;
        }
      if (cur != NULL)
        {
          wir_due (w, cur, g_last, len);
          wir_flush (w);
          cur = NULL;
        }
      backward_op (net, t, i, params, in, g_out, grads, g_in);
      g_out = g_in;
      turn ^= 1;
    }
  if (cur != NULL && g_last != NULL)
    {
      wir_due (w, cur, g_last, op_in_size (op_at (net, t->first)) * n);
      wir_flush (w);
    }
  wir_lazy_reset (w->lazy);
}

double
ds_net_loss (DsNetWir *w, const float *logits, const guint8 *labels, float *dlogits, guint n,
             guint k, float scale)
{
  double loss = 0;

  if (w == NULL || n == 0)
    {
      loss = ds_k_softmax_xent_fwd (logits, labels, dlogits, n, k);
      ds_k_softmax_xent_bwd (dlogits, labels, dlogits, n, k, scale);
      return loss;
    }
  g_return_val_if_fail (k > 0, NAN);
  if (w->rows < n)
    {
      w->labels = g_renew (gint64, w->labels, n);
      w->losses = g_renew (double, w->losses, n);
      w->rows = n;
    }
  for (guint i = 0; i < n; i++)
    {
      g_return_val_if_fail (labels[i] < k, NAN);
      w->labels[i] = labels[i];
    }
  WirHandle *args[] = {
    wir_borrow (w, logits, (gsize) n * k),
    wir_lazy_borrow (w->lazy, "vec[i64]", w->labels, n, NULL),
    wir_lazy_f32 (w->lazy, scale),
  };
  WirHandle *r = wir_lazy_apply (w->lazy, wir_lib_softmax_xent, args, 3);
  wir_due (w, wir_lazy_apply (w->lazy, wir_lib_field0_f64, &r, 1), w->losses, n);
  wir_due (w, wir_lazy_apply (w->lazy, wir_lib_field1_f64, &r, 1), dlogits, (gsize) n * k);
  wir_flush (w);
  for (guint i = 0; i < n; i++)
    loss += w->losses[i];
  return loss / n;
}

void
ds_net_sgd (DsNetWir *w, float *p, const float *g, float *v, gsize len, float lr, float mu,
            float wd)
{
  if (w == NULL || v == NULL)
    {
      ds_k_sgd (p, g, v, len, lr, mu, wd);
      return;
    }
  /* in place: each loop reads element i of p and v before it writes
   * element i of either, and no loop reads them after (lazy.h) */
  WirHandle *args[] = {
    wir_borrow (w, p, len), wir_borrow (w, g, len), wir_borrow (w, v, len),
    wir_lazy_f32 (w->lazy, lr), wir_lazy_f32 (w->lazy, mu), wir_lazy_f32 (w->lazy, wd),
  };
  /* the optimizer fuses the fragments into one loop (weld.md §12) unless
   * the mode leaves fusion out */
  WirHandle *r = wir_lazy_apply (w->lazy, wir_lib_sgd_fragments, args, 6);
  wir_due (w, wir_lazy_apply (w->lazy, wir_lib_field0, &r, 1), p, len);
  wir_due (w, wir_lazy_apply (w->lazy, wir_lib_field1, &r, 1), v, len);
  wir_flush (w);
}

void
ds_net_forward (const DsNet *net, DsNetTape *t, const float *params, const float *x,
                guint n, guint64 seed, guint64 row0)
{
  g_return_if_fail (n <= t->max_rows);
  t->n = n, t->seed = seed, t->row0 = row0;
  if (t->wir != NULL)
    {
      wir_forward (net, t, params, x);
      return;
    }
  for (guint i = t->first; i < t->last; i++)
    forward_op (net, t, i, params, i == t->first ? x : t->out[i - 1 - t->first]);
}

void
ds_net_backward (const DsNet *net, DsNetTape *t, const float *params, const float *x,
                 const float *dy, float *grads, float *dx)
{
  const float *g_out = dy;
  guint turn = 0;

  if (t->wir != NULL)
    {
      wir_backward (net, t, params, x, dy, grads, dx);
      return;
    }
  for (guint i = t->last; i-- > t->first;)
    {
      const DsNetOp *op = op_at (net, i);
      guint j = i - t->first;
      float *g_in = j == 0 ? dx : t->grad[turn];

      if (g_in == NULL && op->n_weights == 0)
        break;                   /* nothing left to compute: stage 0's input */
      backward_op (net, t, i, params, j == 0 ? x : t->out[j - 1], g_out, grads, g_in);
      g_out = g_in;
      turn ^= 1;
    }
}
