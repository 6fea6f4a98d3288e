/* core/zoo-transformer.c - the zoo's transformers: BERT-large, GPT-3, and
 * transformer-tiny, which the executor trains on Fashion-MNIST.
 *
 * Two layers per block, attention and MLP, so a planner can cut inside a
 * block; each folds in the block's LayerNorm and residual add on its side
 * (post-LN in BERT, pre-LN in GPT-3: the same parameters and FLOPs):
 *
 *   tokens -> embed -> block0.attn -> block0.mlp -> ... -> head layers
 *
 * BERT-large (Devlin et al. 2018): 24 blocks, hidden 1024, 16 heads, FFN
 * 4096, WordPiece vocabulary 30522, 512 positions, 2 token types; ends
 * with the pooler (a dense tanh layer on the first token), counted as
 * BertModel counts it: 335,141,888 parameters (the paper rounds to 340M).
 * The pre-training heads (masked LM transform, next sentence) are left
 * out.
 *
 * GPT-3 (Brown et al. 2020, table 2.1): n_layers blocks of d_model with
 * FFN 4 d_model, learned positions for the 2048-token context, vocabulary
 * 50257, a final LayerNorm and an LM head tied to the token embedding:
 * 12 L d^2 + 13 L d + (V + 2048) d + 2 d parameters (125,226,240 for
 * 125M). Forward FLOPs per sequence follow Narayanan et al. 2021 (the
 * Megatron-LM paper): 24 s d^2 per block for the matrix products plus
 * 4 s^2 d for the scores and the weighted sum, causal masking not
 * exploited, and 2 s d V for the head.
 *
 * transformer-tiny reads an image as a sequence, its 28 rows the tokens
 * of 28 pixels each: a linear embedding to d_model, a learned position
 * embedding added, the same blocks as BERT (the executor runs them
 * post-LN, exec/net.h), the mean of the tokens (as ViT's global average
 * pooling) and a linear to the 10 classes. With 2 blocks of d = 64 and 4
 * heads: 1,856 + 1,792 + 2 x (16,768 + 33,216) + 650 = 104,266
 * parameters. A classifier over the 28 x 64 flattened tokens was tried
 * and dropped: its input's squared norm (1,792 LayerNorm outputs) makes
 * SGD at the executor's default lr 0.05, momentum 0.9 diverge.
 */
#include "config.h"

#include "core/zoo-private.h"

/* About 8 FLOPs an element: mean, variance, normalise, scale, shift. */
#define LAYERNORM_FLOPS 8.0
/* tanh-approximated GELU, about 8 FLOPs an element. */
#define GELU_FLOPS 8.0
/* max, exp, sum and divide, about 3 FLOPs a score. */
#define SOFTMAX_FLOPS 3.0

/* Multi-head self-attention with its projections, residual add and
 * LayerNorm: 4 d^2 + 4 d + 2 d parameters. */
static ZooTensor
attention (ZooBuilder *b, ZooTensor x, const char *name, guint n_heads)
{
  double s = x.h, d = x.c;
  double flops = 2.0 * s * 4.0 * d * d        /* Q, K, V and output */
                 + 4.0 * s * s * d            /* Q K^T and scores V */
                 + SOFTMAX_FLOPS * n_heads * s * s
                 + (1.0 + LAYERNORM_FLOPS) * s * d;
  g_autofree char *desc = g_strdup_printf (
      "SelfAttention(d=%u, heads=%u) + LayerNorm, %u tokens",
      x.c, n_heads, x.h);
  ZooOp op = { name, "attention", desc, flops,
               4 * (guint64) x.c * x.c + 6 * (guint64) x.c, FALSE,
               x.c, x.h, 1 };
  ZooTensor y = zoo_emit (b, &op, &x, 1);
  char heads[16];

  g_snprintf (heads, sizeof heads, "%u", n_heads);
  g_hash_table_replace (ds_model_layer (b->model, y.layer)->attrs,
                        g_strdup ("heads"), g_strdup (heads));
  return y;
}

/* Linear d -> 4d, GELU, linear 4d -> d, residual add, LayerNorm:
 * 8 d^2 + 5 d + 2 d parameters. */
static ZooTensor
mlp (ZooBuilder *b, ZooTensor x, const char *name)
{
  double s = x.h, d = x.c;
  double flops = 2.0 * s * 8.0 * d * d + GELU_FLOPS * s * 4.0 * d
                 + (1.0 + LAYERNORM_FLOPS) * s * d;
  g_autofree char *desc = g_strdup_printf (
      "MLP(%u, %u, GELU) + LayerNorm, %u tokens", x.c, 4 * x.c, x.h);
  ZooOp op = { name, "mlp", desc, flops,
               8 * (guint64) x.c * x.c + 7 * (guint64) x.c, FALSE,
               x.c, x.h, 1 };
  return zoo_emit (b, &op, &x, 1);
}

static ZooTensor
blocks (ZooBuilder *b, ZooTensor x, const ZooShape *shape)
{
  for (guint i = 0; i < shape->n_layers; i++)
    {
      g_autofree char *attn = g_strdup_printf ("block%u.attn", i);
      g_autofree char *ffn = g_strdup_printf ("block%u.mlp", i);
      x = attention (b, x, attn, shape->n_heads);
      x = mlp (b, x, ffn);
    }
  return x;
}

/* BERT: token, position and type embeddings summed, then LayerNorm. */
void
zoo_build_bert (ZooBuilder *b, const ZooShape *shape)
{
  guint d = shape->d_model;
  guint64 params = ((guint64) shape->vocab + shape->max_seq + 2) * d + 2 * d;
  g_autofree char *desc = g_strdup_printf (
      "Embedding(%u + %u positions + 2 types, %u) + LayerNorm",
      shape->vocab, shape->max_seq, d);
  ZooTensor x = zoo_input (b, "tokens", 1, b->seq_len, 1);

  x = zoo_embedding (b, x, "embed", desc, params, d,
                     (2.0 + LAYERNORM_FLOPS) * d);
  x = blocks (b, x, shape);

  /* the pooler reads the first token only */
  ZooTensor first = { x.layer, d, 1, 1 };
  g_autofree char *pdesc = g_strdup_printf ("Pooler(Linear(%u, %u), Tanh)",
                                            d, d);
  ZooOp pooler = { "pooler", "linear", pdesc, 2.0 * d * d + d,
                   (guint64) d * d + d, FALSE, d, 1, 1 };
  zoo_emit (b, &pooler, &first, 1);
}

/* GPT-3: token plus learned position embeddings; final LayerNorm; LM head
 * tied to the token embedding (weights, but no parameters of its own). */
void
zoo_build_gpt3 (ZooBuilder *b, const ZooShape *shape)
{
  guint d = shape->d_model;
  guint64 params = ((guint64) shape->vocab + shape->max_seq) * d;
  g_autofree char *desc = g_strdup_printf (
      "Embedding(%u + %u positions, %u)", shape->vocab, shape->max_seq, d);
  ZooTensor x = zoo_input (b, "tokens", 1, b->seq_len, 1);

  x = zoo_embedding (b, x, "embed", desc, params, d, d);
  x = blocks (b, x, shape);

  g_autofree char *ln_desc = g_strdup_printf ("LayerNorm(%u)", d);
  ZooOp ln = { "ln_f", "layernorm", ln_desc,
               LAYERNORM_FLOPS * d * x.h, 2 * (guint64) d, FALSE,
               d, x.h, 1 };
  x = zoo_emit (b, &ln, &x, 1);

  g_autofree char *head_desc = g_strdup_printf (
      "Linear(%u, %u, bias=False), tied to the token embedding",
      d, shape->vocab);
  ZooOp head = { "head", "linear", head_desc,
                 2.0 * d * (double) shape->vocab * x.h, 0, TRUE,
                 shape->vocab, x.h, 1 };
  ZooTensor logits = zoo_emit (b, &head, &x, 1);

  /* the tied weights are read all the same */
  DsLayer *l = ds_model_layer (b->model, logits.layer);
  l->mem_bytes += (double) shape->vocab * d * b->dtype_bytes;
}

/* A learned position embedding added to the tokens: one parameter per
 * float of a sample, one addition each. */
static ZooTensor
position_embedding (ZooBuilder *b, ZooTensor x, const char *name)
{
  g_autofree char *desc = g_strdup_printf (
      "PositionEmbedding(%u, %u), added", x.h, x.c);
  ZooOp op = { name, "posembed", desc, (double) zoo_elems (x),
               zoo_elems (x), FALSE, x.c, x.h, x.w };
  return zoo_emit (b, &op, &x, 1);
}

/* The mean of the tokens, feature by feature: one addition an element. */
static ZooTensor
token_mean (ZooBuilder *b, ZooTensor x, const char *name)
{
  g_autofree char *desc = g_strdup_printf ("Mean over %u tokens", x.h * x.w);
  ZooOp op = { name, "tokenmean", desc, (double) zoo_elems (x), 0, FALSE,
               x.c, 1, 1 };
  return zoo_emit (b, &op, &x, 1);
}

void
zoo_build_transformer_tiny (ZooBuilder *b, const ZooShape *shape)
{
  ZooTensor x = zoo_input (b, "pixels", ZOO_FMNIST_SIDE, ZOO_FMNIST_SIDE, 1);

  x = zoo_linear (b, x, "embed", shape->d_model, TRUE);
  x = position_embedding (b, x, "position");
  x = blocks (b, x, shape);
  x = token_mean (b, x, "pool");
  zoo_linear (b, x, "classifier", ZOO_FMNIST_CLASSES, TRUE);
}
