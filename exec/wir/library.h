/* exec/wir/library.h - the training step's non-GEMM work, as WIR text.
 *
 * One definition of each fragment for every user: the executor hands them
 * to the lazy API (lazy.h), the simulator costs them (cost.h) fused and
 * unfused, bench/ times them. Each is a WIR lambda in Weld's text syntax
 * (../shared/reference/weld.md §12).
 *
 * The *_fragments programs are what the libraries would run one by one:
 * each fragment a loop of its own, every intermediate written and read
 * back; through wir_optimize with fusion off they stay that way, with it
 * they become weld.md §12's one-pass kernels.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Elementwise fragments of a layer, one lambda each (for wir_lazy_apply):
 *   bias:    |x: vec[f32], bias: vec[f32]|   x[i] + bias[i % len(bias)]
 *   relu:    |x: vec[f32]|                   max(x, 0), NaN kept
 *   gelu:    |x: vec[f32]|                   gelu_tanh
 *   dropout: |x: vec[f32], seed: i64, base: i64, p: f32|
 *            x[i] / (1 - p) where philox(seed, base + i) >= p, else 0 */
extern const char wir_lib_bias[];
extern const char wir_lib_relu[];
extern const char wir_lib_gelu[];
extern const char wir_lib_dropout[];

/* Their backwards, dy the output's gradient:
 *   relu_bwd: |y: vec[f32], dy: vec[f32]|   dy where the output y > 0, else 0
 *   gelu_bwd: |x: vec[f32], dy: vec[f32]|   dy gelu_tanh'(x), x the input
 * Dropout's backward is wir_lib_dropout itself applied to dy with the
 * forward's seed, base and p: the mask is drawn again, not stored. */
extern const char wir_lib_relu_bwd[];
extern const char wir_lib_gelu_bwd[];

/* Softmax cross-entropy over N rows of C logits (C = len(z) / N), the
 * forward and the backward in one row loop (weld.md §12's shape, the
 * hand kernel's arithmetic: max, float exp, double sum), with the loss
 * per row rather than its mean so the host sums it as the hand kernel:
 * |z: vec[f32], labels: vec[i64], scale: f32| ->
 *   {loss: vec[f64] (N), dz: vec[f32] (N x C) = (softmax(z) - onehot) scale} */
extern const char wir_lib_softmax_xent[];

/* The fields of a fragment that returns two vectors (the loss, SGD), for
 * forcing each into a buffer of its own: |r: {vec[f32], vec[f32]}| r.$k */
extern const char wir_lib_field0[];
extern const char wir_lib_field1[];
/* the same for {vec[f64], vec[f32]} (the loss) */
extern const char wir_lib_field0_f64[];
extern const char wir_lib_field1_f64[];

/* bias + GELU + dropout forward over x, as three fragments in one
 * program: |x: vec[f32], bias: vec[f32], seed: i64, p: f32| -> vec[f32] */
extern const char wir_lib_bias_gelu_dropout[];

/* bias + ReLU forward, two fragments in one program (the mlp's and the
 * CNNs' epilogue): |x: vec[f32], bias: vec[f32]| -> vec[f32] */
extern const char wir_lib_bias_relu[];

/* SGD with momentum and weight decay (PyTorch convention), as three
 * fragments (weight decay, momentum, step) that the optimizer fuses into
 * weld.md §12's one loop with two outputs:
 * |p, g, buf: vec[f32], lr, mu, wd: f32| -> {new p, new buf} */
extern const char wir_lib_sgd_fragments[];

/* Adam; c1 = 1 - b1^t and c2 = 1 - b2^t, gs scales the gradient; four
 * fragments that the optimizer fuses into one loop with three outputs:
 * |p, g, m, v: vec[f32], lr, b1, b2, eps, c1, c2, gs: f32| -> {p, m, v} */
extern const char wir_lib_adam_fragments[];

G_END_DECLS
