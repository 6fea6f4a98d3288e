/* core/zoo.c - the model zoo's registry and its shared layer helpers.
 *
 * One table, ZOO_MODELS, is the truth for the names, the listing, the
 * aliases, the default batches and the hyper-parameters handed to each
 * family's builder (zoo-cnn.c, zoo-rnn.c, zoo-transformer.c). The helpers
 * below turn layer shapes into the per-layer figures of core/model.h, with
 * the conventions written down in core/zoo-private.h.
 */
#include "config.h"

#include "core/zoo.h"
#include "core/zoo-private.h"
#include "core/error.h"

#include <string.h>

/* ---- the registry ---- */

/* X (name, family, default batch, builder, aliases (space separated),
 *    summary, shape: n_layers, d_model, n_heads, vocab, max_seq,
 *    default_seq)
 *
 * Default batches: 128 for VGG-16 and ResNet-50 and 256 for AlexNet, the
 * minibatches PipeDream's profiles were taken at (the VGG-16 input is
 * 77,070,336 B = 128 x 3x224x224 x 4 B); 64 for GNMT (PipeDream's GNMT
 * runs); 32 sequences of 512 tokens for BERT-large (its paper's longest
 * phase, at a per-GPU batch); 1 sequence of 2048 tokens for GPT-3, a
 * per-sample default that the planner scales (the paper's batches are
 * 0.5M-3.2M tokens).
 *
 * GNMT: hidden 1024 and vocabulary 32320 as PipeDream's profiles
 * (profiler/translation/profiles/gnmt{,_large}); sequences of 50 tokens,
 * the length cap of the MLPerf GNMT reference that PipeDream builds on.
 * GPT-3: the GPT-3 paper's table 2.1 (n_layers, d_model, n_heads; d_ff =
 * 4 d_model; context 2048; the GPT-2 BPE vocabulary of 50257). BERT-large:
 * the BERT paper (L=24, H=1024, A=16) with its 30522-token vocabulary.
 */
#define ZOO_MODELS(X) \
  X ("vgg16", "cnn", 128, zoo_build_vgg16, "vgg-16 vgg_16", \
     "VGG-16, ImageNet 224x224 (138.4M parameters)", 0, 0, 0, 0, 0, 0) \
  X ("resnet50", "cnn", 128, zoo_build_resnet50, "resnet-50 resnet_50", \
     "ResNet-50 v1.5 (torchvision), ImageNet 224x224 (25.6M)", \
     0, 0, 0, 0, 0, 0) \
  X ("alexnet", "cnn", 256, zoo_build_alexnet, "alex-net", \
     "AlexNet (torchvision), ImageNet 224x224 (61.1M)", 0, 0, 0, 0, 0, 0) \
  X ("gnmt8", "rnn", 64, zoo_build_gnmt, "gnmt gnmt-8 gnmt_8", \
     "GNMT-8: 4+4 LSTM layers of 1024, vocabulary 32320 (194M)", \
     4, 1024, 0, 32320, 0, 50) \
  X ("gnmt16", "rnn", 64, zoo_build_gnmt, "gnmt-16 gnmt_16 gnmt_large", \
     "GNMT-16: 8+8 LSTM layers of 1024, vocabulary 32320 (278M)", \
     8, 1024, 0, 32320, 0, 50) \
  X ("bert-large", "transformer", 32, zoo_build_bert, \
     "bert bertlarge bert_large", \
     "BERT-large: 24 blocks, hidden 1024, 16 heads, with pooler (335M)", \
     24, 1024, 16, 30522, 512, 512) \
  X ("gpt3-125m", "transformer", 1, zoo_build_gpt3, \
     "gpt3-small gpt-3-125m gpt-3-small", \
     "GPT-3 Small: 12 blocks, d_model 768, 12 heads", \
     12, 768, 12, 50257, 2048, 2048) \
  X ("gpt3-350m", "transformer", 1, zoo_build_gpt3, \
     "gpt3-medium gpt-3-350m gpt-3-medium", \
     "GPT-3 Medium: 24 blocks, d_model 1024, 16 heads", \
     24, 1024, 16, 50257, 2048, 2048) \
  X ("gpt3-760m", "transformer", 1, zoo_build_gpt3, \
     "gpt3-large gpt-3-760m gpt-3-large", \
     "GPT-3 Large: 24 blocks, d_model 1536, 16 heads", \
     24, 1536, 16, 50257, 2048, 2048) \
  X ("gpt3-1.3b", "transformer", 1, zoo_build_gpt3, \
     "gpt3-xl gpt-3-1.3b gpt-3-xl", \
     "GPT-3 XL: 24 blocks, d_model 2048, 24 heads", \
     24, 2048, 24, 50257, 2048, 2048) \
  X ("gpt3-2.7b", "transformer", 1, zoo_build_gpt3, "gpt-3-2.7b", \
     "GPT-3 2.7B: 32 blocks, d_model 2560, 32 heads", \
     32, 2560, 32, 50257, 2048, 2048) \
  X ("gpt3-6.7b", "transformer", 1, zoo_build_gpt3, "gpt-3-6.7b", \
     "GPT-3 6.7B: 32 blocks, d_model 4096, 32 heads", \
     32, 4096, 32, 50257, 2048, 2048) \
  X ("gpt3-13b", "transformer", 1, zoo_build_gpt3, "gpt-3-13b", \
     "GPT-3 13B: 40 blocks, d_model 5140, 40 heads", \
     40, 5140, 40, 50257, 2048, 2048) \
  X ("mlp", "mlp", 128, zoo_build_mlp, "mlp-fmnist fashion-mnist-mlp", \
     "MLP for Fashion-MNIST: 784-256-256-10 with ReLU (0.27M), trains on the CPU", \
     2, 256, 0, 0, 0, 0) \
  X ("mlp-gelu", "mlp", 128, zoo_build_mlp_gelu, "mlp-dropout", \
     "MLP for Fashion-MNIST: 784-256-256-10 with GELU and Dropout(p=0.1) (0.27M), trains " \
     "on the CPU", 2, 256, 0, 0, 0, 0) \
  X ("mlp-wide", "mlp", 256, zoo_build_mlp, "mlp-big", \
     "MLP for Fashion-MNIST: 784, 4 x 2048, 10 with ReLU (14.2M), compute-heavy", \
     4, 2048, 0, 0, 0, 0) \
  X ("cnn-small", "cnn", 128, zoo_build_cnn_small, "cnn-fmnist small-cnn", \
     "CNN for Fashion-MNIST: 2 x (conv 5x5, ReLU, max-pool), 16 and 32 channels " \
     "(29K), trains on the CPU", 0, 0, 0, 0, 0, 0) \
  X ("transformer-tiny", "transformer", 128, zoo_build_transformer_tiny, \
     "transformer-fmnist tiny-transformer", \
     "Transformer for Fashion-MNIST: 28 row tokens, 2 blocks, d_model 64, " \
     "4 heads (0.10M), trains on the CPU", 2, 64, 4, 0, 0, 0) \
  X ("gpt3-175b", "transformer", 1, zoo_build_gpt3, \
     "gpt3 gpt-3 gpt-3-175b gpt3-davinci", \
     "GPT-3 175B: 96 blocks, d_model 12288, 96 heads", \
     96, 12288, 96, 50257, 2048, 2048)

typedef struct {
  const char *aliases;
  ZooBuildFn build;
  ZooShape shape;
} ZooSpec;

#define ZOO_ENTRY(name, family, batch, fn, aliases, summary, ...) \
  { name, family, summary, batch },
#define ZOO_SPEC(name, family, batch, fn, aliases, summary, ...) \
  { aliases, fn, { __VA_ARGS__ } },

static const DsZooEntry zoo_entries[] = { ZOO_MODELS (ZOO_ENTRY) };
static const ZooSpec zoo_specs[] = { ZOO_MODELS (ZOO_SPEC) };

const DsZooEntry *
ds_zoo_list (guint *n_entries)
{
  g_return_val_if_fail (n_entries != NULL, NULL);
  *n_entries = G_N_ELEMENTS (zoo_entries);
  return zoo_entries;
}

/* Whether @name is one of the space-separated words of @list. */
static gboolean
alias_matches (const char *list, const char *name)
{
  gsize len = strlen (name);

  for (const char *p = list; *p != '\0';)
    {
      const char *end = strchr (p, ' ');
      gsize word = end ? (gsize) (end - p) : strlen (p);

      if (word == len && g_ascii_strncasecmp (p, name, len) == 0)
        return TRUE;
      p += word + (end ? 1 : 0);
    }
  return FALSE;
}

static gint
zoo_index (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (zoo_entries); i++)
    if (g_ascii_strcasecmp (zoo_entries[i].name, name) == 0
        || alias_matches (zoo_specs[i].aliases, name))
      return (gint) i;
  return -1;
}

const DsZooEntry *
ds_zoo_find (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  gint idx = zoo_index (name);
  return idx < 0 ? NULL : &zoo_entries[idx];
}

static char *
known_names (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (zoo_entries); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", zoo_entries[i].name);
  return g_string_free (s, FALSE);
}

/* Fills @b's batch, dtype and seq_len from @options and the entry's
 * defaults; fails on a value the model cannot take. */
static gboolean
resolve_options (const DsZooEntry *entry, const ZooSpec *spec,
                 const DsZooOptions *options, ZooBuilder *b, GError **error)
{
  DsZooOptions none = { 0, 0, 0, NULL };
  const DsZooOptions *o = options ? options : &none;

  b->batch = o->batch_size ? o->batch_size : entry->default_batch;
  b->dtype_bytes = o->dtype_bytes ? o->dtype_bytes : 4;
  b->dtype_name = o->dtype_name ? o->dtype_name
                  : b->dtype_bytes == 4 ? "fp32" : "fp16";
  if (b->dtype_bytes != 4 && b->dtype_bytes != 2)
    return ds_fail (error, DS_ERROR_INVALID,
                    "model '%s': dtype_bytes must be 4 or 2, got %u",
                    entry->name, b->dtype_bytes);
  if (spec->shape.default_seq == 0 && o->seq_len != 0)
    return ds_fail (error, DS_ERROR_INVALID,
                    "model '%s': takes no seq_len, got %u",
                    entry->name, o->seq_len);
  b->seq_len = o->seq_len ? o->seq_len : spec->shape.default_seq;
  if (spec->shape.max_seq != 0 && b->seq_len > spec->shape.max_seq)
    return ds_fail (error, DS_ERROR_INVALID,
                    "model '%s': seq_len must be at most %u, got %u",
                    entry->name, spec->shape.max_seq, b->seq_len);
  return TRUE;
}

static void
set_model_attrs (DsModel *model, const ZooBuilder *b)
{
  GHashTable *attrs = ds_model_get_attrs (model);

  g_hash_table_insert (attrs, g_strdup ("dtype"), g_strdup (b->dtype_name));
  if (b->seq_len != 0)
    g_hash_table_insert (attrs, g_strdup ("seq_len"),
                         g_strdup_printf ("%u", b->seq_len));
}

DsModel *
ds_zoo_build (const char *name, const DsZooOptions *options, GError **error)
{
  g_return_val_if_fail (name != NULL, NULL);
  gint idx = zoo_index (name);
  if (idx < 0)
    {
      g_autofree char *names = known_names ();
      return ds_fail_null (error, DS_ERROR_UNKNOWN_NAME,
                           "unknown model '%s', expected one of: %s",
                           name, names);
    }

  const DsZooEntry *entry = &zoo_entries[idx];
  const ZooSpec *spec = &zoo_specs[idx];
  ZooBuilder b = { 0 };
  if (!resolve_options (entry, spec, options, &b, error))
    return NULL;

  g_autoptr(DsModel) model = ds_model_new (entry->name);
  b.model = model;
  ds_model_set_batch_size (model, b.batch);
  set_model_attrs (model, &b);
  spec->build (&b, &spec->shape);
  if (!ds_model_check (model, error))
    return NULL;
  return g_steal_pointer (&model);
}

/* ---- layer helpers ---- */

static void
zoo_layer_attr (DsLayer *l, const char *key, const char *value)
{
  g_hash_table_replace (l->attrs, g_strdup (key), g_strdup (value));
}

/* What the executor needs beyond the output shape: a window's size,
 * stride and padding, and whether a convolution has a bias. */
static void
zoo_set_window (ZooBuilder *b, ZooTensor y, guint k, guint s, guint p, gboolean bias)
{
  DsLayer *l = ds_model_layer (b->model, y.layer);
  char v[16];

  g_snprintf (v, sizeof v, "%u", k);
  zoo_layer_attr (l, "kernel", v);
  g_snprintf (v, sizeof v, "%u", s);
  zoo_layer_attr (l, "stride", v);
  g_snprintf (v, sizeof v, "%u", p);
  zoo_layer_attr (l, "padding", v);
  if (bias)
    zoo_layer_attr (l, "bias", "true");
}

ZooTensor
zoo_emit (ZooBuilder *b, const ZooOp *op, const ZooTensor *ins, guint n_ins)
{
  g_autoptr(GError) error = NULL;
  DsLayer *l = ds_model_add_layer (b->model, op->name, op->kind, &error);
  g_assert_no_error (error);

  ZooTensor out = { ds_model_n_layers (b->model) - 1, op->c, op->h, op->w };
  guint64 in_elems = 0;
  for (guint i = 0; i < n_ins; i++)
    {
      in_elems += zoo_elems (ins[i]);
      zoo_edge (b, ins[i], out);
    }

  gboolean weighted = op->n_params > 0 || op->tied;
  g_autofree char *shape = g_strdup_printf ("%u,%u,%u", op->c, op->h, op->w);
  zoo_layer_attr (l, "shape", shape);
  l->desc = g_strdup (op->desc);
  l->fwd_flops = op->flops * b->batch;
  l->bwd_flops = l->fwd_flops * (weighted ? 2.0 : 1.0);
  l->out_bytes = zoo_elems (out) * b->batch * b->dtype_bytes;
  l->n_params = op->n_params;
  l->param_bytes = op->n_params * b->dtype_bytes;
  l->mem_bytes = (double) in_elems * b->batch * b->dtype_bytes
                 + (double) l->param_bytes + (double) l->out_bytes;
  return out;
}

void
zoo_edge (ZooBuilder *b, ZooTensor src, ZooTensor dst)
{
  g_autoptr(GError) error = NULL;
  ds_model_add_edge (b->model, src.layer, dst.layer, &error);
  g_assert_no_error (error);
}

ZooTensor
zoo_input (ZooBuilder *b, const char *name, guint c, guint h, guint w)
{
  g_autofree char *desc = g_strdup_printf ("Input %ux%ux%u", c, h, w);
  ZooOp op = { name, "input", desc, 0, 0, FALSE, c, h, w };
  return zoo_emit (b, &op, NULL, 0);
}

static guint
conv_out (guint in, guint k, guint s, guint p)
{
  g_assert (in + 2 * p >= k && s > 0);
  return (in + 2 * p - k) / s + 1;
}

ZooTensor
zoo_conv2d (ZooBuilder *b, ZooTensor x, const char *name, guint c_out,
            guint k, guint s, guint p, gboolean bias)
{
  guint oh = conv_out (x.h, k, s, p), ow = conv_out (x.w, k, s, p);
  guint64 weights = (guint64) c_out * x.c * k * k;
  g_autofree char *desc = g_strdup_printf (
      "Conv2d(%u, %u, k=%u, s=%u, p=%u%s) %ux%u",
      x.c, c_out, k, s, p, bias ? "" : ", bias=False", x.h, x.w);
  ZooOp op = { name, "conv2d", desc,
               2.0 * (double) weights * oh * ow,
               weights + (bias ? c_out : 0), FALSE, c_out, oh, ow };
  ZooTensor y = zoo_emit (b, &op, &x, 1);
  zoo_set_window (b, y, k, s, p, bias);
  return y;
}

/* y = gamma (x - mean) / sqrt(var + eps) + beta: 2 learned vectors (the
 * running statistics are buffers, not parameters, as torchvision counts);
 * about 4 FLOPs an element for normalising, scaling and shifting. */
ZooTensor
zoo_batchnorm2d (ZooBuilder *b, ZooTensor x, const char *name)
{
  g_autofree char *desc = g_strdup_printf ("BatchNorm2d(%u) %ux%u",
                                           x.c, x.h, x.w);
  ZooOp op = { name, "batchnorm2d", desc, 4.0 * (double) zoo_elems (x),
               2 * (guint64) x.c, FALSE, x.c, x.h, x.w };
  return zoo_emit (b, &op, &x, 1);
}

/* One comparison or addition per window element and output. */
ZooTensor
zoo_pool2d (ZooBuilder *b, ZooTensor x, const char *name, const char *kind,
            guint k, guint s, guint p)
{
  guint oh = conv_out (x.h, k, s, p), ow = conv_out (x.w, k, s, p);
  g_autofree char *desc = g_strdup_printf ("%s(k=%u, s=%u, p=%u) %ux%u",
                                           kind, k, s, p, x.h, x.w);
  ZooOp op = { name, kind, desc, (double) k * k * x.c * oh * ow, 0, FALSE,
               x.c, oh, ow };
  ZooTensor y = zoo_emit (b, &op, &x, 1);
  zoo_set_window (b, y, k, s, p, FALSE);
  return y;
}

ZooTensor
zoo_adaptive_avgpool2d (ZooBuilder *b, ZooTensor x, const char *name,
                        guint out)
{
  g_autofree char *desc = g_strdup_printf ("AdaptiveAvgPool2d(%u) %ux%u",
                                           out, x.h, x.w);
  ZooOp op = { name, "adaptiveavgpool2d", desc, (double) zoo_elems (x), 0,
               FALSE, x.c, out, out };
  return zoo_emit (b, &op, &x, 1);
}

ZooTensor
zoo_pointwise (ZooBuilder *b, ZooTensor x, const char *name,
               const char *kind, const char *desc, double flops_per_elem)
{
  ZooOp op = { name, kind, desc, flops_per_elem * (double) zoo_elems (x),
               0, FALSE, x.c, x.h, x.w };
  return zoo_emit (b, &op, &x, 1);
}

ZooTensor
zoo_add (ZooBuilder *b, ZooTensor x, ZooTensor y, const char *name)
{
  g_assert (zoo_elems (x) == zoo_elems (y));
  ZooTensor ins[] = { x, y };
  ZooOp op = { name, "add", "Add", (double) zoo_elems (x), 0, FALSE,
               x.c, x.h, x.w };
  return zoo_emit (b, &op, ins, 2);
}

ZooTensor
zoo_linear (ZooBuilder *b, ZooTensor x, const char *name,
            guint out_features, gboolean bias)
{
  guint64 positions = (guint64) x.h * x.w;
  guint64 weights = (guint64) x.c * out_features;
  g_autofree char *desc = g_strdup_printf ("Linear(%u, %u%s)", x.c,
                                           out_features,
                                           bias ? "" : ", bias=False");
  ZooOp op = { name, "linear", desc, 2.0 * (double) weights * positions,
               weights + (bias ? out_features : 0), FALSE,
               out_features, x.h, x.w };
  ZooTensor y = zoo_emit (b, &op, &x, 1);
  if (bias)
    zoo_layer_attr (ds_model_layer (b->model, y.layer), "bias", "true");
  return y;
}

ZooTensor
zoo_flatten (ZooTensor x)
{
  ZooTensor flat = { x.layer, x.c * x.h * x.w, 1, 1 };
  return flat;
}

ZooTensor
zoo_embedding (ZooBuilder *b, ZooTensor ids, const char *name,
               const char *desc, guint64 n_params, guint dim,
               double flops_per_token)
{
  guint64 tokens = (guint64) ids.h * ids.w;
  ZooOp op = { name, "embedding", desc, flops_per_token * (double) tokens,
               n_params, FALSE, dim, ids.h, ids.w };
  ZooTensor out = zoo_emit (b, &op, &ids, 1);

  DsLayer *l = ds_model_layer (b->model, out.layer);
  l->mem_bytes = (double) (zoo_elems (ids) + 2 * zoo_elems (out))
                 * b->batch * b->dtype_bytes;
  return out;
}
