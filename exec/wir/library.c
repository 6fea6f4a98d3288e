/* exec/wir/library.c - the training step's fragments (library.h). */
#include "config.h"

#include "exec/wir/library.h"

const char wir_lib_bias[] =
  "|x: vec[f32], bias: vec[f32]|\n"
  "  let H = len(bias);\n"
  "  result(for(x, appender[f32], |b, i, v| merge(b, v + lookup(bias, i % H))))";

const char wir_lib_relu[] = "|x: vec[f32]| map(x, |t| relu(t))";

const char wir_lib_gelu[] = "|x: vec[f32]| map(x, |t| gelu_tanh(t))";

const char wir_lib_dropout[] =
  "|x: vec[f32], seed: i64, base: i64, p: f32|\n"
  "  result(for(x, appender[f32], |b, i, v|\n"
  "    merge(b, select(philox(seed, base + i) >= p, v * (1.0f / (1.0f - p)), 0.0f))))";

const char wir_lib_relu_bwd[] =
  "|y: vec[f32], dy: vec[f32]|\n"
  "  result(for(zip(y, dy), appender[f32], |b, i, e| merge(b, select(e.$0 > 0.0f, e.$1, 0.0f))))";

/* d/dx [x/2 (1 + tanh u)] = (1 + t)/2 + x/2 (1 - t^2) u',
 * u = c (x + a x^3), u' = c (1 + 3 a x^2) */
const char wir_lib_gelu_bwd[] =
  "|x: vec[f32], dy: vec[f32]|\n"
  "  result(for(zip(x, dy), appender[f32], |b, i, e|\n"
  "    let v = e.$0;\n"
  "    let t = tanh(0.7978846f * (v + 0.044715f * v * v * v));\n"
  "    let du = 0.7978846f * (1.0f + 3.0f * 0.044715f * v * v);\n"
  "    merge(b, e.$1 * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du))))";

/* As ds_k_softmax_xent_fwd and _bwd compute it, operation for operation:
 * the row's max, exp in float, the sum and the loss in double. */
const char wir_lib_softmax_xent[] =
  "|z: vec[f32], labels: vec[i64], scale: f32|\n"
  "  let N = len(labels);\n"
  "  let C = len(z) / N;\n"
  "  let r = for(rangeiter(0L, N, 1L), {appender[f64](N), appender[f32](len(z))}, |bs, k, row|\n"
  "    let base = row * C;\n"
  "    let m = result(for(iter(z, base, base + C, 1L), merger[f32, max], |a, j, v| merge(a, v)));\n"
  "    let s = result(for(iter(z, base, base + C, 1L), merger[f64, +], |a, j, v| merge(a, f64(exp(v - m)))));\n"
  "    let y = lookup(labels, row);\n"
  "    let g = for(iter(z, base, base + C, 1L), bs.$1, |gb, j, v|\n"
  "              merge(gb, (f32(f64(exp(v - m)) / s) - select(j == y, 1.0f, 0.0f)) * scale));\n"
  "    {merge(bs.$0, log(s) - (f64(lookup(z, base + y)) - f64(m))), g});\n"
  "  {result(r.$0), result(r.$1)}";

const char wir_lib_field0[] = "|r: {vec[f32], vec[f32]}| r.$0";
const char wir_lib_field0_f64[] = "|r: {vec[f64], vec[f32]}| r.$0";
const char wir_lib_field1[] = "|r: {vec[f32], vec[f32]}| r.$1";
const char wir_lib_field1_f64[] = "|r: {vec[f64], vec[f32]}| r.$1";

const char wir_lib_bias_gelu_dropout[] =
  "|x: vec[f32], bias: vec[f32], seed: i64, p: f32|\n"
  "  let H = len(bias);\n"
  "  let y = result(for(x, appender[f32], |b, i, v| merge(b, v + lookup(bias, i % H))));\n"
  "  let g = map(y, |t| gelu_tanh(t));\n"
  "  result(for(g, appender[f32], |b, i, v| merge(b, select(philox(seed, i) >= p, v * (1.0f / (1.0f - p)), 0.0f))))";

const char wir_lib_bias_relu[] =
  "|x: vec[f32], bias: vec[f32]|\n"
  "  let H = len(bias);\n"
  "  let y = result(for(x, appender[f32], |b, i, v| merge(b, v + lookup(bias, i % H))));\n"
  "  map(y, |t| relu(t))";

const char wir_lib_sgd_fragments[] =
  "|p: vec[f32], g: vec[f32], buf: vec[f32], lr: f32, mu: f32, wd: f32|\n"
  "  let d = result(for(zip(g, p), appender[f32], |b, i, e| merge(b, e.$0 + wd * e.$1)));\n"
  "  let m = result(for(zip(buf, d), appender[f32], |b, i, e| merge(b, mu * e.$0 + e.$1)));\n"
  "  let q = result(for(zip(p, m), appender[f32], |b, i, e| merge(b, e.$0 - lr * e.$1)));\n"
  "  {q, m}";

const char wir_lib_adam_fragments[] =
  "|p: vec[f32], g: vec[f32], m: vec[f32], v: vec[f32],\n"
  " lr: f32, b1: f32, b2: f32, eps: f32, c1: f32, c2: f32, gs: f32|\n"
  "  let gg = map(g, |x| x * gs);\n"
  "  let m2 = result(for(zip(m, gg), appender[f32], |b, i, e| merge(b, b1 * e.$0 + (1.0f - b1) * e.$1)));\n"
  "  let v2 = result(for(zip(v, gg), appender[f32], |b, i, e| merge(b, b2 * e.$0 + (1.0f - b2) * e.$1 * e.$1)));\n"
  "  let q = result(for(zip(p, m2, v2), appender[f32], |b, i, e|\n"
  "    merge(b, e.$0 - lr * (e.$1 / c1) / (sqrt(e.$2 / c2) + eps))));\n"
  "  {q, m2, v2}";

