/* core/zoo-rnn.c - the zoo's GNMT (Wu et al. 2016) in PipeDream's shape.
 *
 * The model is the one PipeDream profiled (its profiler/translation,
 * derived from the MLPerf GNMT reference), one layer per LSTM layer as in
 * profiles/gnmt{,_large}/graph.txt, with the zero-cost tuple-indexing and
 * Concat glue of those profiles left out:
 *
 *   encoder: embedding -> lstm0 (bidirectional) -> dropout -> lstm1
 *            (2048 in) -> [dropout -> lstm_i -> add (residual)] for i >= 2
 *   decoder: embedding -> attn (an LSTM plus Bahdanau attention over the
 *            encoder output; writes the LSTM output and the context) ->
 *            dropout -> lstm1 (output + context in) -> [dropout -> lstm_i
 *            (previous + context in) -> add] for i >= 2 -> classifier
 *
 * GNMT-8 has 4 layers a side and GNMT-16 8. With hidden 1024 and the
 * 32320-word vocabulary (separate encoder and decoder embeddings) the
 * parameter counts are exactly those of the profiles' parameter_size
 * column / 4: GNMT-8 193,765,952 and GNMT-16 277,717,568. Source and
 * target are seq_len tokens each.
 */
#include "config.h"

#include "core/zoo-private.h"

/* PyTorch's LSTM: 4 gates, input and recurrent weights, two biases. */
static guint64
lstm_params (guint in, guint hidden)
{
  return 4 * (guint64) hidden * (in + hidden) + 8 * (guint64) hidden;
}

/* Per token and direction: the gate matrix-vector products, plus about
 * 10 FLOPs a unit for the sigmoids, tanhs and the cell update. */
static double
lstm_flops_per_token (guint in, guint hidden)
{
  return 2.0 * 4 * hidden * (double) (in + hidden) + 10.0 * hidden;
}

/* An LSTM layer over the concatenation of @ins (all of seq tokens). */
static ZooTensor
lstm (ZooBuilder *b, const ZooTensor *ins, guint n_ins, const char *name,
      guint hidden, guint n_dirs)
{
  guint in = 0;
  for (guint i = 0; i < n_ins; i++)
    in += ins[i].c;

  g_autofree char *desc = g_strdup_printf ("LSTM(%u, %u%s)", in, hidden,
                                           n_dirs == 2
                                           ? ", bidirectional=True" : "");
  ZooOp op = { name, "lstm", desc,
               n_dirs * lstm_flops_per_token (in, hidden) * ins[0].h,
               n_dirs * lstm_params (in, hidden), FALSE,
               n_dirs * hidden, ins[0].h, 1 };
  return zoo_emit (b, &op, ins, n_ins);
}

static ZooTensor
dropout (ZooBuilder *b, ZooTensor x, const char *name)
{
  return zoo_pointwise (b, x, name, "dropout", "Dropout(p=0.2)", 1.0);
}

/* Residual layers i >= 2 of one side: dropout, LSTM (over the previous
 * output and, in the decoder, the attention context), add. */
static ZooTensor
residual_layers (ZooBuilder *b, ZooTensor x, const ZooTensor *context,
                 const char *side, guint n_layers, guint hidden)
{
  for (guint i = 2; i < n_layers; i++)
    {
      g_autofree char *drop = g_strdup_printf ("%s.dropout%u", side, i);
      g_autofree char *rnn = g_strdup_printf ("%s.lstm%u", side, i);
      g_autofree char *add = g_strdup_printf ("%s.add%u", side, i);
      ZooTensor ins[2] = { dropout (b, x, drop), { 0 } };

      if (context != NULL)
        ins[1] = *context;
      ZooTensor y = lstm (b, ins, context ? 2 : 1, rnn, hidden, 1);
      x = zoo_add (b, y, x, add);
    }
  return x;
}

static ZooTensor
encoder (ZooBuilder *b, const ZooShape *shape)
{
  guint h = shape->d_model;
  g_autofree char *desc = g_strdup_printf ("Embedding(%u, %u)",
                                           shape->vocab, h);
  ZooTensor x = zoo_input (b, "src", 1, b->seq_len, 1);

  x = zoo_embedding (b, x, "enc.embedding", desc,
                     (guint64) shape->vocab * h, h, 0);
  x = lstm (b, &x, 1, "enc.lstm0", h, 2);
  x = dropout (b, x, "enc.dropout1");
  x = lstm (b, &x, 1, "enc.lstm1", h, 1);
  return residual_layers (b, x, NULL, "enc", shape->n_layers, h);
}

/* Bahdanau attention per (target, source) pair: add the projected query
 * and key, tanh, dot with the scoring vector (about 4 h), softmax (3),
 * weigh the source for the context (2 h). */
static ZooTensor
recurrent_attention (ZooBuilder *b, ZooTensor x, ZooTensor memory,
                     guint hidden)
{
  double tgt = x.h, src = memory.h;
  double flops = lstm_flops_per_token (x.c, hidden) * tgt
                 + 2.0 * hidden * hidden * (tgt + src)
                 + tgt * src * (6.0 * hidden + 3.0);
  guint64 params = lstm_params (x.c, hidden)
                   + 2 * (guint64) hidden * hidden + hidden;
  g_autofree char *desc = g_strdup_printf (
      "RecurrentAttention(LSTM(%u, %u), BahdanauAttention(%u))",
      x.c, hidden, hidden);
  ZooTensor ins[2] = { x, memory };
  ZooOp op = { "dec.attn", "attention", desc, flops, params, FALSE,
               2 * hidden, x.h, 1 };
  return zoo_emit (b, &op, ins, 2);
}

static void
decoder (ZooBuilder *b, const ZooShape *shape, ZooTensor memory)
{
  guint h = shape->d_model;
  g_autofree char *desc = g_strdup_printf ("Embedding(%u, %u)",
                                           shape->vocab, h);
  ZooTensor x = zoo_input (b, "tgt", 1, b->seq_len, 1);

  x = zoo_embedding (b, x, "dec.embedding", desc,
                     (guint64) shape->vocab * h, h, 0);
  ZooTensor attn = recurrent_attention (b, x, memory, h);
  /* the context is the second half of what attn writes */
  ZooTensor context = { attn.layer, h, attn.h, 1 };

  x = dropout (b, attn, "dec.dropout1");
  x = lstm (b, &x, 1, "dec.lstm1", h, 1);
  x = residual_layers (b, x, &context, "dec", shape->n_layers, h);

  zoo_linear (b, x, "dec.classifier", shape->vocab, TRUE);
}

void
zoo_build_gnmt (ZooBuilder *b, const ZooShape *shape)
{
  ZooTensor memory = encoder (b, shape);
  decoder (b, shape, memory);
}
