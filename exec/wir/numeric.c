/* exec/wir/numeric.c - the interpreter's side of rt.h (numeric.h): the
 * same text the C back end pastes into every program it compiles. */
#include "config.h"

#include "exec/wir/numeric.h"
#include "exec/wir/rt.h"

guint16 wir_f32_to_f16 (float x) { return wir_rt_f32_to_f16 (x); }
float   wir_f16_to_f32 (guint16 h) { return wir_rt_f16_to_f32 (h); }
guint16 wir_f32_to_bf16 (float x) { return wir_rt_f32_to_bf16 (x); }
float   wir_bf16_to_f32 (guint16 h) { return wir_rt_bf16_to_f32 (h); }
guint16 wir_f64_to_f16 (double x) { return wir_rt_f64_to_f16 (x); }
guint16 wir_f64_to_bf16 (double x) { return wir_rt_f64_to_bf16 (x); }
float   wir_philox (gint64 seed, gint64 offset) { return wir_rt_philox (seed, offset); }

void
wir_philox4x32 (const guint32 ctr[4], const guint32 key[2], guint32 out[4])
{
  wir_rt_philox4x32 (ctr, key, out);
}
