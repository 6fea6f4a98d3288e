/* exec/wir/numeric.h - WIR's bit-exact numeric helpers (weld.md §8.1, §8.2).
 *
 * One definition of the f16/bf16 conversions, philox and f32 tanh, used by the
 * interpreter; the C back end emits the same functions, so every back end
 * produces the same bits. All are pure and cannot fail.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* f32 -> IEEE binary16, round to nearest even; overflow gives +-inf, NaN
 * stays NaN, subnormals are produced. */
guint16 wir_f32_to_f16 (float x);
float   wir_f16_to_f32 (guint16 h);
/* f32 -> bfloat16 (the top half), round to nearest even; NaN stays a
 * quiet NaN with its sign. */
guint16 wir_f32_to_bf16 (float x);
float   wir_bf16_to_f32 (guint16 h);
/* f64 -> f16/bf16 by way of the exact f32 value would double-round; these
 * round once from the double. */
guint16 wir_f64_to_f16 (double x);
guint16 wir_f64_to_bf16 (double x);

/* Philox4x32-10 (Salmon et al., SC'11): one 4-word block. */
void    wir_philox4x32 (const guint32 ctr[4], const guint32 key[2], guint32 out[4]);
/* philox(seed, offset) -> [0, 1): word (offset & 3) of the block at
 * counter offset >> 2, keyed by the seed, as (w >> 8) * 2^-24. */
float   wir_philox (gint64 seed, gint64 offset);
/* The @n_blocks blocks at counters q0, q0 + 1, ... (mod 2^62) into
 * out[4 * n_blocks]: word k of block b is philox(seed, o) for the offset
 * with o >> 2 == q0 + b and o & 3 == k. What compiled loops call to get
 * four offsets from one block. */
void    wir_philox_blocks (gint64 seed, guint64 q0, gint64 n_blocks, guint32 *out);
/* The same words by rt-avx512.h's loop, what compiled loops call where
 * the target has AVX-512F. FALSE, writing nothing, where this CPU lacks
 * it. */
gboolean wir_philox_blocks_avx512 (gint64 seed, guint64 q0, gint64 n_blocks, guint32 *out);

/* tanh(x) for f32 in every back end (WIR's own, not libm's: branch-free,
 * so compiled loops vectorize it): within 2.61 ulp of the exact value,
 * odd, +-1 beyond 9.01, NaN kept. */
float   wir_tanhf (float x);

G_END_DECLS
