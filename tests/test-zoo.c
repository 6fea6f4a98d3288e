/* tests/test-zoo.c - the analytic model zoo against published figures.
 *
 * Parameter counts are exact where a reference implementation defines
 * them (torchvision, PipeDream's profiles, HuggingFace's BertModel) and
 * within a tolerance of the papers' rounded sizes; FLOPs are held to the
 * published multiply-add counts. Each figure's source is beside it.
 */
#include "config.h"

#include "core/zoo.h"
#include "core/error.h"

#include <math.h>
#include <string.h>

static DsModel *
build (const char *name, const DsZooOptions *options)
{
  g_autoptr(GError) error = NULL;
  DsModel *model = ds_zoo_build (name, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

static void
assert_near (double actual, double expected, double rel_tol)
{
  double rel = fabs (actual - expected) / expected;
  if (rel > rel_tol)
    g_error ("%.6g is %.2f%% from %.6g (tolerance %.2f%%)",
             actual, 100 * rel, expected, 100 * rel_tol);
}

/* ---- every entry ---- */

static void
test_list (void)
{
  guint n = 0;
  const DsZooEntry *entries = ds_zoo_list (&n);

  g_assert_cmpuint (n, ==, 19);
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (ds_zoo_find (entries[i].name) == &entries[i]);
      g_assert_cmpuint (entries[i].default_batch, >, 0);
      g_assert_nonnull (entries[i].summary);
      g_assert_true (g_strv_contains ((const char *[]) {
                       "cnn", "rnn", "transformer", "mlp", NULL },
                     entries[i].family));
    }
}

static void
test_all_build (void)
{
  guint n = 0;
  const DsZooEntry *entries = ds_zoo_list (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DsModel) m = build (entries[i].name, NULL);
      g_autoptr(GError) error = NULL;
      DsModelTotals t;

      g_assert_true (ds_model_check (m, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (ds_model_get_name (m), ==, entries[i].name);
      g_assert_cmpuint (ds_model_get_batch_size (m), ==,
                        entries[i].default_batch);
      g_assert_cmpstr (g_hash_table_lookup (ds_model_get_attrs (m), "dtype"),
                       ==, "fp32");
      ds_model_totals (m, &t);
      g_assert_cmpuint (t.n_edges, >=, t.n_layers - 2);
      g_assert_cmpuint (t.param_bytes, ==, 4 * t.n_params);
      g_assert_cmpfloat (t.fwd_flops, >, 0);
      for (guint l = 0; l < t.n_layers; l++)
        {
          const DsLayer *layer = ds_model_layer_const (m, l);
          g_assert_false (layer->has_times);
          g_assert_nonnull (layer->desc);
          g_assert_cmpuint (layer->out_bytes, >, 0);
          g_assert_cmpfloat (layer->mem_bytes, >=, layer->out_bytes);
          /* inputs are the only sources */
          if (ds_model_n_inputs (m, l) == 0)
            g_assert_cmpstr (layer->kind, ==, "input");
        }
    }
}

/* ---- parameters ---- */

typedef struct {
  const char *name;
  guint64 exact;         /* what our definition yields */
  double published;      /* the paper's rounded size */
  double tol;            /* relative, against published */
} ParamCase;

/* GPT-3 with table 2.1's shapes: 12 L d^2 + 13 L d + (V + 2048) d + 2 d. */
#define GPT3(L, d) \
  (12ull * (L) * (d) * (d) + 13ull * (L) * (d) + (50257ull + 2048) * (d) \
   + 2ull * (d))

static const ParamCase param_cases[] = {
  /* torchvision: vgg16, resnet50, alexnet; the papers' 138M, 25.6M, 61M */
  { "vgg16", 138357544, 138.4e6, 0.001 },
  { "resnet50", 25557032, 25.6e6, 0.005 },
  { "alexnet", 61100840, 61.1e6, 0.001 },
  /* PipeDream profiles gnmt and gnmt_large: sum(parameter_size) / 4 */
  { "gnmt8", 193765952, 193765952, 0 },
  { "gnmt16", 277717568, 277717568, 0 },
  /* BERT paper: 340M; HuggingFace BertModel (with pooler): 335,141,888 */
  { "bert-large", 335141888, 340e6, 0.015 },
  /* GPT-3 paper table 2.1, nominal sizes within 3% */
  { "gpt3-125m", GPT3 (12, 768), 125e6, 0.03 },
  { "gpt3-350m", GPT3 (24, 1024), 350e6, 0.03 },
  { "gpt3-760m", GPT3 (24, 1536), 760e6, 0.03 },
  { "gpt3-1.3b", GPT3 (24, 2048), 1.3e9, 0.03 },
  { "gpt3-2.7b", GPT3 (32, 2560), 2.7e9, 0.03 },
  { "gpt3-6.7b", GPT3 (32, 4096), 6.7e9, 0.03 },
  { "gpt3-13b", GPT3 (40, 5140), 13e9, 0.03 },
  { "gpt3-175b", GPT3 (96, 12288), 175e9, 0.03 },
  /* torch.nn.Linear with biases: 784*256+256 + 256*256+256 + 256*10+10 */
  { "mlp", 269322, 269322, 0 },
  { "mlp-gelu", 269322, 269322, 0 },
  { "mlp-wide", 784 * 2048 + 2048 + 3 * (2048 * 2048 + 2048) + 2048 * 10 + 10, 14.2e6, 0.002 },
  /* torch.nn: Conv2d(1, 16, 5), Conv2d(16, 32, 5), Linear(32*7*7, 10) */
  { "cnn-small", 16 * 25 + 16 + 32 * 16 * 25 + 32 + 1568 * 10 + 10, 28938, 0 },
  /* Linear(28, 64), 28 x 64 positions, 2 x (4d^2 + 6d + 8d^2 + 7d),
   * Linear(64, 10) */
  { "transformer-tiny", 28 * 64 + 64 + 28 * 64 + 2 * (12 * 64 * 64 + 13 * 64) + 650,
    104266, 0 },
};

static void
test_params (gconstpointer data)
{
  const ParamCase *c = data;
  g_autoptr(DsModel) m = build (c->name, NULL);
  DsModelTotals t;

  ds_model_totals (m, &t);
  g_test_message ("%s: %" G_GUINT64_FORMAT " parameters", c->name,
                  t.n_params);
  g_assert_cmpuint (t.n_params, ==, c->exact);
  if (c->tol > 0)
    assert_near (t.n_params, c->published, c->tol);
}

/* ---- FLOPs ---- */

static double
fwd_flops_per_sample (const char *name)
{
  DsZooOptions one = { .batch_size = 1 };
  g_autoptr(DsModel) m = build (name, &one);
  DsModelTotals t;

  ds_model_totals (m, &t);
  g_test_message ("%s: %.6g forward FLOPs per sample", name, t.fwd_flops);
  return t.fwd_flops;
}

static void
test_flops_cnn (void)
{
  /* multiply-adds of the convolutions and linear layers, 2 FLOPs each;
   * ReLU, pooling and BatchNorm add under 1% */
  /* VGG-16: 15.47 G MACs (Simonyan and Zisserman's configuration D;
   * 15,470,264,320 counted layer by layer; ptflops/fvcore agree) */
  assert_near (fwd_flops_per_sample ("vgg16"), 2 * 15.47e9, 0.01);
  /* ResNet-50: "3.8 x 10^9 FLOPs" (He et al. table 1, v1); torchvision's
   * v1.5 (stride on the 3x3) is 4.09 G MACs */
  assert_near (fwd_flops_per_sample ("resnet50"), 2 * 4.09e9, 0.02);
  /* AlexNet (torchvision): 0.714 G MACs, as torchvision's model table */
  assert_near (fwd_flops_per_sample ("alexnet"), 2 * 0.714e9, 0.02);
}

/* Narayanan et al. 2021: forward = 2 N per token for the weights (the
 * embedding replaced by the tied head, which does the same work) plus
 * 4 s^2 d per block and sequence for attention. */
static void
test_flops_gpt3 (void)
{
  static const struct { const char *name; guint L, d; } cases[] = {
    { "gpt3-125m", 12, 768 }, { "gpt3-1.3b", 24, 2048 },
    { "gpt3-175b", 96, 12288 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      double s = 2048, L = cases[i].L, d = cases[i].d;
      double n = GPT3 (cases[i].L, cases[i].d);
      double expected = 2 * n * s + 4 * L * s * s * d;
      g_autoptr(DsModel) m = build (cases[i].name, NULL);
      DsModelTotals t;

      ds_model_totals (m, &t);
      assert_near (t.fwd_flops, expected, 0.03);
      /* the backward pass is about twice the forward */
      assert_near (t.bwd_flops, 2 * t.fwd_flops, 0.01);
    }
}

/* BERT-large, 512 tokens: 24 s d^2 L + 4 s^2 d L for the blocks */
static void
test_flops_bert (void)
{
  double s = 512, d = 1024, L = 24;
  assert_near (fwd_flops_per_sample ("bert-large"),
               24 * s * d * d * L + 4 * s * s * d * L, 0.02);
}

/* ---- names ---- */

static void
test_names (void)
{
  static const struct { const char *asked, *found; } cases[] = {
    { "VGG16", "vgg16" }, { "vgg-16", "vgg16" }, { "ResNet-50", "resnet50" },
    { "GNMT", "gnmt8" }, { "gnmt_large", "gnmt16" }, { "BERT", "bert-large" },
    { "GPT3-Small", "gpt3-125m" }, { "gpt-3-xl", "gpt3-1.3b" },
    { "GPT3-175B", "gpt3-175b" }, { "gpt3", "gpt3-175b" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const DsZooEntry *e = ds_zoo_find (cases[i].asked);
      g_assert_nonnull (e);
      g_assert_cmpstr (e->name, ==, cases[i].found);
    }
  g_assert_null (ds_zoo_find ("vgg"));
  g_assert_null (ds_zoo_find (""));
  g_assert_null (ds_zoo_find ("gpt3-"));

  g_autoptr(DsModel) m = build ("ReSnEt50", NULL);
  g_assert_cmpstr (ds_model_get_name (m), ==, "resnet50");
}

static void
test_unknown_name (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsModel) m = ds_zoo_build ("resnet51", NULL, &error);

  g_assert_null (m);
  g_assert_error (error, DS_ERROR, DS_ERROR_UNKNOWN_NAME);
  g_assert_nonnull (strstr (error->message, "'resnet51'"));
  g_assert_nonnull (strstr (error->message, "vgg16"));
  g_assert_nonnull (strstr (error->message, "gnmt16"));
  g_assert_nonnull (strstr (error->message, "gpt3-175b"));
}

/* ---- options ---- */

static void
totals (const char *name, const DsZooOptions *o, DsModelTotals *t)
{
  g_autoptr(DsModel) m = build (name, o);
  ds_model_totals (m, t);
}

static void
test_batch_scales (void)
{
  static const char *names[] = { "resnet50", "gnmt8", "gpt3-125m" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      DsZooOptions o1 = { .batch_size = 8 }, o2 = { .batch_size = 16 };
      DsModelTotals t1, t2;

      totals (names[i], &o1, &t1);
      totals (names[i], &o2, &t2);
      g_assert_cmpuint (t2.out_bytes, ==, 2 * t1.out_bytes);
      g_assert_cmpfloat_with_epsilon (t2.fwd_flops / t1.fwd_flops, 2, 1e-12);
      g_assert_cmpfloat_with_epsilon (t2.bwd_flops / t1.bwd_flops, 2, 1e-12);
      g_assert_cmpuint (t2.param_bytes, ==, t1.param_bytes);
      g_assert_cmpuint (t2.n_params, ==, t1.n_params);
    }

  DsZooOptions o = { .batch_size = 3 };
  g_autoptr(DsModel) m = build ("vgg16", &o);
  g_assert_cmpuint (ds_model_get_batch_size (m), ==, 3);
  /* the input: 3 x 3x224x224 x 4 bytes */
  g_assert_cmpuint (ds_model_layer_const (m, 0)->out_bytes, ==,
                    3ull * 3 * 224 * 224 * 4);
}

static void
test_dtype_scales (void)
{
  DsZooOptions fp32 = { .batch_size = 4 };
  DsZooOptions fp16 = { .batch_size = 4, .dtype_bytes = 2 };
  DsModelTotals t4, t2;

  totals ("bert-large", &fp32, &t4);
  totals ("bert-large", &fp16, &t2);
  g_assert_cmpuint (t4.param_bytes, ==, 2 * t2.param_bytes);
  g_assert_cmpuint (t4.out_bytes, ==, 2 * t2.out_bytes);
  g_assert_cmpuint (t4.n_params, ==, t2.n_params);
  g_assert_cmpfloat (t4.fwd_flops, ==, t2.fwd_flops);

  g_autoptr(DsModel) m = build ("bert-large", &fp16);
  g_assert_cmpstr (g_hash_table_lookup (ds_model_get_attrs (m), "dtype"),
                   ==, "fp16");
  g_assert_cmpstr (g_hash_table_lookup (ds_model_get_attrs (m), "seq_len"),
                   ==, "512");
}

static void
test_seq_len (void)
{
  DsZooOptions o = { .seq_len = 1024 };
  g_autoptr(DsModel) m = build ("gpt3-350m", &o);
  g_autoptr(DsModel) d = build ("gpt3-350m", NULL);
  DsModelTotals t, td;

  g_assert_cmpstr (g_hash_table_lookup (ds_model_get_attrs (m), "seq_len"),
                   ==, "1024");
  g_assert_cmpstr (g_hash_table_lookup (ds_model_get_attrs (d), "seq_len"),
                   ==, "2048");
  ds_model_totals (m, &t);
  ds_model_totals (d, &td);
  /* the position table stays 2048 long */
  g_assert_cmpuint (t.n_params, ==, td.n_params);
  g_assert_cmpfloat (t.fwd_flops, <, 0.5 * td.fwd_flops);
  /* weights halve, the s^2 attention term quarters */
  g_assert_cmpfloat (t.fwd_flops, >, 0.4 * td.fwd_flops);
  /* CNNs have no sequence */
  g_autoptr(DsModel) cnn = build ("alexnet", NULL);
  g_assert_null (g_hash_table_lookup (ds_model_get_attrs (cnn), "seq_len"));
}

static void
test_bad_options (void)
{
  static const struct { const char *name; DsZooOptions o; } cases[] = {
    { "vgg16", { .dtype_bytes = 3 } },
    { "gpt3-125m", { .dtype_bytes = 8 } },
    { "resnet50", { .seq_len = 128 } },
    { "gpt3-125m", { .seq_len = 4096 } },
    { "bert-large", { .seq_len = 513 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DsModel) m = ds_zoo_build (cases[i].name, &cases[i].o,
                                           &error);
      g_assert_null (m);
      g_assert_error (error, DS_ERROR, DS_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].name));
    }
}

/* ---- graph shapes ---- */

static guint
count_kind (DsModel *m, const char *kind, guint n_inputs)
{
  guint n = 0;

  for (guint i = 0; i < ds_model_n_layers (m); i++)
    if (strcmp (ds_model_layer_const (m, i)->kind, kind) == 0)
      {
        g_assert_cmpuint (ds_model_n_inputs (m, i), ==, n_inputs);
        n++;
      }
  return n;
}

static void
test_resnet50_dag (void)
{
  g_autoptr(DsModel) m = build ("resnet50", NULL);
  guint n_down = 0;

  /* 3 + 4 + 6 + 3 bottlenecks, each ending in a two-input add */
  g_assert_cmpuint (count_kind (m, "add", 2), ==, 16);
  /* 53 convolutions: 1 + 16 x 3 + 4 downsample; 53 BatchNorms */
  g_assert_cmpuint (count_kind (m, "conv2d", 1), ==, 53);
  g_assert_cmpuint (count_kind (m, "batchnorm2d", 1), ==, 53);
  g_assert_cmpuint (count_kind (m, "linear", 1), ==, 1);
  for (guint i = 0; i < ds_model_n_layers (m); i++)
    if (strstr (ds_model_layer_const (m, i)->name, "downsample.0"))
      n_down++;
  g_assert_cmpuint (n_down, ==, 4);
  /* the first block's input fans out to conv1 and the shortcut */
  gint x = ds_model_find_layer (m, "maxpool");
  g_assert_cmpint (x, >=, 0);
  g_assert_cmpuint (ds_model_n_outputs (m, x), ==, 2);
  g_assert_cmpint (ds_model_find_layer (m, "layer4.2.relu3"), >=, 0);
}

static void
test_cnn_layer_counts (void)
{
  g_autoptr(DsModel) vgg = build ("vgg16", NULL);
  g_autoptr(DsModel) alex = build ("alexnet", NULL);

  g_assert_cmpuint (count_kind (vgg, "conv2d", 1), ==, 13);
  g_assert_cmpuint (count_kind (vgg, "relu", 1), ==, 15);
  g_assert_cmpuint (count_kind (vgg, "maxpool2d", 1), ==, 5);
  g_assert_cmpuint (count_kind (vgg, "linear", 1), ==, 3);
  g_assert_cmpint (ds_model_find_layer (vgg, "conv5_3"), >=, 0);
  g_assert_cmpint (ds_model_find_layer (vgg, "pool5"), >=, 0);
  g_assert_cmpuint (count_kind (alex, "conv2d", 1), ==, 5);
  g_assert_cmpuint (count_kind (alex, "linear", 1), ==, 3);
  /* a chain: every layer but the input has one producer */
  g_assert_cmpuint (ds_model_n_edges (vgg), ==, ds_model_n_layers (vgg) - 1);
}

static void
test_gnmt_dag (void)
{
  g_autoptr(DsModel) g8 = build ("gnmt8", NULL);
  g_autoptr(DsModel) g16 = build ("gnmt16", NULL);

  /* LSTM layers: 4 + 3 a side beside the attention's own LSTM (GNMT-8) */
  g_assert_cmpuint (count_kind (g8, "attention", 2), ==, 1);
  g_assert_cmpuint (count_kind (g8, "embedding", 1), ==, 2);
  g_assert_cmpuint (count_kind (g8, "add", 2), ==, 2 + 2);
  g_assert_cmpuint (count_kind (g16, "add", 2), ==, 6 + 6);
  /* decoder layers past the first read the attention context too */
  gint attn = ds_model_find_layer (g8, "dec.attn");
  gint lstm3 = ds_model_find_layer (g8, "dec.lstm3");
  g_assert_cmpint (attn, >=, 0);
  g_assert_cmpint (lstm3, >=, 0);
  g_assert_cmpuint (ds_model_n_inputs (g8, lstm3), ==, 2);
  g_assert_cmpuint (ds_model_n_outputs (g8, attn), ==, 1 + 2);
  g_assert_cmpint (ds_model_find_layer (g16, "enc.lstm7"), >=, 0);
  g_assert_cmpint (ds_model_find_layer (g16, "dec.lstm7"), >=, 0);
}

static void
test_transformer_granularity (void)
{
  g_autoptr(DsModel) m = build ("gpt3-125m", NULL);

  /* tokens, embed, 12 x (attn, mlp), ln_f, head */
  g_assert_cmpuint (ds_model_n_layers (m), ==, 2 + 24 + 2);
  g_assert_cmpuint (count_kind (m, "attention", 1), ==, 12);
  g_assert_cmpuint (count_kind (m, "mlp", 1), ==, 12);
  g_assert_cmpint (ds_model_find_layer (m, "block11.mlp"), >=, 0);

  /* the tied head has weights: backward twice the forward, no params */
  const DsLayer *head = ds_model_layer_const (m, ds_model_find_layer (m,
                                                                      "head"));
  g_assert_cmpuint (head->n_params, ==, 0);
  g_assert_cmpfloat (head->bwd_flops, ==, 2 * head->fwd_flops);

  /* transformer-tiny's blocks are the same layers at d = 64, 28 tokens:
   * GPT-3's block FLOPs formula at s = 28 (Megatron-LM's 24 s d^2 +
   * 4 s^2 d, with softmax, GELU and LayerNorm as zoo-transformer.c
   * counts them) */
  g_autoptr(DsModel) tiny = build ("transformer-tiny", NULL);
  const DsLayer *attn = ds_model_layer_const (tiny, ds_model_find_layer (tiny,
                                                                        "block1.attn"));
  const DsLayer *mlp = ds_model_layer_const (tiny, ds_model_find_layer (tiny,
                                                                       "block1.mlp"));
  double s = 28, d = 64;
  g_assert_cmpuint (count_kind (tiny, "attention", 1), ==, 2);
  g_assert_cmpstr (g_hash_table_lookup (attn->attrs, "heads"), ==, "4");
  g_assert_cmpuint (attn->n_params + mlp->n_params, ==, 12 * 64 * 64 + 13 * 64);
  g_assert_cmpfloat_with_epsilon ((attn->fwd_flops + mlp->fwd_flops) / 128,
                                  24 * s * d * d + 4 * s * s * d + 3 * 4 * s * s
                                  + 8 * s * 4 * d + 2 * 9 * s * d, 1e-3);
}

/* Every layer says its output shape per sample, and windows their
 * geometry: what the executor builds its buffers from. */
static void
test_shape_attrs (void)
{
  g_autoptr(DsModel) vgg = ds_zoo_build ("vgg16", NULL, NULL);
  g_autoptr(DsModel) mlp = ds_zoo_build ("mlp", NULL, NULL);
  const DsLayer *conv = ds_model_layer_const (vgg, ds_model_find_layer (vgg, "conv1_1"));
  const DsLayer *pool = ds_model_layer_const (vgg, ds_model_find_layer (vgg, "pool1"));

  g_assert_cmpstr (g_hash_table_lookup (conv->attrs, "shape"), ==, "64,224,224");
  g_assert_cmpstr (g_hash_table_lookup (conv->attrs, "kernel"), ==, "3");
  g_assert_cmpstr (g_hash_table_lookup (conv->attrs, "padding"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (conv->attrs, "bias"), ==, "true");
  g_assert_cmpstr (g_hash_table_lookup (pool->attrs, "shape"), ==, "64,112,112");
  g_assert_cmpstr (g_hash_table_lookup (pool->attrs, "stride"), ==, "2");
  g_assert_cmpstr (g_hash_table_lookup (ds_model_layer_const (mlp, 0)->attrs, "shape"), ==,
                   "784,1,1");
  g_assert_cmpstr (g_hash_table_lookup (ds_model_layer_const (mlp, 5)->attrs, "shape"), ==,
                   "10,1,1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/zoo/list", test_list);
  g_test_add_func ("/core/zoo/shape-attrs", test_shape_attrs);
  g_test_add_func ("/core/zoo/all-build-and-check", test_all_build);
  for (guint i = 0; i < G_N_ELEMENTS (param_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/core/zoo/params/%s",
                                               param_cases[i].name);
      g_test_add_data_func (path, &param_cases[i], test_params);
    }
  g_test_add_func ("/core/zoo/flops/cnn", test_flops_cnn);
  g_test_add_func ("/core/zoo/flops/gpt3", test_flops_gpt3);
  g_test_add_func ("/core/zoo/flops/bert-large", test_flops_bert);
  g_test_add_func ("/core/zoo/names", test_names);
  g_test_add_func ("/core/zoo/unknown-name", test_unknown_name);
  g_test_add_func ("/core/zoo/options/batch", test_batch_scales);
  g_test_add_func ("/core/zoo/options/dtype", test_dtype_scales);
  g_test_add_func ("/core/zoo/options/seq-len", test_seq_len);
  g_test_add_func ("/core/zoo/options/invalid", test_bad_options);
  g_test_add_func ("/core/zoo/dag/resnet50", test_resnet50_dag);
  g_test_add_func ("/core/zoo/dag/cnn-layer-counts", test_cnn_layer_counts);
  g_test_add_func ("/core/zoo/dag/gnmt", test_gnmt_dag);
  g_test_add_func ("/core/zoo/dag/transformer", test_transformer_granularity);
  return g_test_run ();
}
