/* core/zoo.h - analytic model descriptions, selectable by name.
 *
 * Each model is built from its layer shapes: per layer the forward FLOPs
 * (a multiply-add counts 2), backward FLOPs (2x forward for layers with
 * weights: input and weight gradients; 1x for the rest), bytes moved by the
 * forward pass, output activation bytes and parameter count and bytes, for
 * a given batch size and datatype. No times: a hardware model costs them.
 * Every layer's "shape" attribute is its output per sample ("c,h,w"), and
 * windows carry "kernel", "stride", "padding" (and "bias"): what the
 * executor builds its buffers from.
 * Parameter counts match the published figures (VGG-16 138.4M, ResNet-50
 * 25.6M, AlexNet 61.1M, BERT-large 340M, GPT-3 125M..175B); tests hold
 * them to that.
 *
 * Names are case-insensitive: vgg16, resnet50, alexnet, gnmt8, gnmt16, mlp,
 * mlp-wide, cnn-small, transformer-tiny,
 * bert-large, gpt3-125m, gpt3-350m, gpt3-760m, gpt3-1.3b, gpt3-2.7b,
 * gpt3-6.7b, gpt3-13b, gpt3-175b, and aliases such as "gnmt", "bert",
 * "gpt3-xl" (the registry table in zoo.c lists them).
 */
#pragma once

#include "core/model.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;          /* canonical name */
  const char *family;        /* "cnn", "rnn", "transformer" */
  const char *summary;       /* one line for `dawnsim models` */
  guint default_batch;       /* samples per minibatch when none is given */
} DsZooEntry;

/* The zoo's entries in listing order; *n_entries receives the count. */
const DsZooEntry *ds_zoo_list (guint *n_entries);
/* The entry for @name (case-insensitive, aliases accepted), or NULL. */
const DsZooEntry *ds_zoo_find (const char *name);

typedef struct {
  guint batch_size;          /* 0: the entry's default */
  guint dtype_bytes;         /* 0: 4 (fp32); 2 for fp16/bf16 */
  guint seq_len;             /* 0: the model's default (RNN, transformer) */
  const char *dtype_name;    /* NULL: "fp32" or "fp16" from dtype_bytes;
                              * else the model's "dtype" attribute, e.g.
                              * "bf16" (costs depend on dtype_bytes only) */
} DsZooOptions;

/* Builds the model. Fails with DS_ERROR_UNKNOWN_NAME (listing the names)
 * for an unknown model. @options may be NULL for all defaults. */
DsModel *ds_zoo_build (const char *name, const DsZooOptions *options,
                       GError **error);

G_END_DECLS
