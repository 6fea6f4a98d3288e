/* exec/wir/numeric.c - the interpreter's side of rt.h (numeric.h): the
 * same text the C back end pastes into every program it compiles.
 *
 * The kernels compile rt.h with -ffp-contract=off; so must this file, or
 * a build with FMA in its target (CFLAGS=-march=native) would contract
 * wir_rt_tanhf's polynomial and the interpreter's bits would differ. */
#include "config.h"

#pragma GCC optimize ("fp-contract=off")

#include "exec/wir/numeric.h"
#include "exec/wir/rt.h"
#include "exec/wir/rt-avx512.h"

guint16 wir_f32_to_f16 (float x) { return wir_rt_f32_to_f16 (x); }
float   wir_f16_to_f32 (guint16 h) { return wir_rt_f16_to_f32 (h); }
guint16 wir_f32_to_bf16 (float x) { return wir_rt_f32_to_bf16 (x); }
float   wir_bf16_to_f32 (guint16 h) { return wir_rt_bf16_to_f32 (h); }
guint16 wir_f64_to_f16 (double x) { return wir_rt_f64_to_f16 (x); }
guint16 wir_f64_to_bf16 (double x) { return wir_rt_f64_to_bf16 (x); }
float   wir_philox (gint64 seed, gint64 offset) { return wir_rt_philox (seed, offset); }
float   wir_tanhf (float x) { return wir_rt_tanhf (x); }

void
wir_philox_blocks (gint64 seed, guint64 q0, gint64 n_blocks, guint32 *out)
{
  wir_rt_philox_blocks (seed, q0, n_blocks, out);
}

gboolean
wir_philox_blocks_avx512 (gint64 seed, guint64 q0, gint64 n_blocks, guint32 *out)
{
#if defined (__x86_64__) && defined (__GNUC__)
  if (!__builtin_cpu_supports ("avx512f"))
    return FALSE;
  wir_rt_philox_blocks_avx512 (seed, q0, n_blocks, out);
  return TRUE;
#else
  (void) seed, (void) q0, (void) n_blocks, (void) out;
  return FALSE;
#endif
}

void
wir_philox4x32 (const guint32 ctr[4], const guint32 key[2], guint32 out[4])
{
  wir_rt_philox4x32 (ctr, key, out);
}
