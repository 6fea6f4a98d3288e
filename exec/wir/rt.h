/* exec/wir/rt.h - the run-time helpers of compiled WIR programs.
 *
 * Plain C11 (stdint, string, math only). numeric.c compiles this text for
 * the interpreter; emit-c.c defines WIR_RT_BODY to stringify it instead
 * and pastes that string into every program it emits. So f16/bf16
 * conversions and philox have one definition, and every back end
 * produces the same bits (weld.md §8.1, §8.2). Also the saturating
 * float-to-integer casts of §5, and tanh for f32 (wir_rt_tanhf), written
 * without branches or tables so that a compiler vectorizes the loops that
 * call it, with the same bits in every lane as in scalar code (no FMA:
 * kernels compile with -ffp-contract=off, numeric.c turns contraction off
 * itself). The body must stay free of string and character literals and
 * of preprocessor lines (it is one macro argument).
 */
#ifndef WIR_RT_H
#define WIR_RT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifndef WIR_RT_BODY
#define WIR_RT_BODY(...) __VA_ARGS__
#endif

WIR_RT_BODY (

static inline uint32_t
wir_rt_f32_bits (float x)
{
  uint32_t u;
  memcpy (&u, &x, sizeof u);
  return u;
}

static inline float
wir_rt_bits_f32 (uint32_t u)
{
  float x;
  memcpy (&x, &u, sizeof x);
  return x;
}

/* |x| (finite, >= 0) rounded once to binary16 magnitude bits: scale to the
 * format's quantum and round to nearest even with rint */
static inline uint16_t
wir_rt_f16_magnitude (double a)
{
  if (isnan (a))
    return 0x7e00;
  if (a >= 65520.0)             /* halfway between 65504 and 2^16 rounds up */
    return 0x7c00;
  if (a < 6.103515625e-05)      /* below 2^-14: subnormal, quantum 2^-24 */
    return (uint16_t) rint (a * 16777216.0);
  int e;
  double q = rint (frexp (a, &e) * 2048.0);   /* 11 significant bits */
  if (q >= 2048.0)
    {
      q /= 2;
      e++;
    }
  if (e - 1 + 15 >= 31)
    return 0x7c00;
  return (uint16_t) (((e - 1 + 15) << 10) | ((uint32_t) q - 1024));
}

static inline uint16_t
wir_rt_f64_to_f16 (double x)
{
  uint16_t sign = signbit (x) ? 0x8000 : 0;
  if (isinf (x))
    return sign | 0x7c00;
  return sign | wir_rt_f16_magnitude (fabs (x));
}

static inline uint16_t
wir_rt_f32_to_f16 (float x)
{
  return wir_rt_f64_to_f16 ((double) x);
}

static inline float
wir_rt_f16_to_f32 (uint16_t h)
{
  uint32_t sign = (uint32_t) (h & 0x8000) << 16;
  uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0x1f)
    return wir_rt_bits_f32 (sign | 0x7f800000 | (m << 13));
  if (e == 0)
    {
      float v = (float) m * (1.0f / 16777216.0f);
      return sign ? -v : v;
    }
  return wir_rt_bits_f32 (sign | ((e - 15 + 127) << 23) | (m << 13));
}

static inline uint16_t
wir_rt_f32_to_bf16 (float x)
{
  uint32_t u = wir_rt_f32_bits (x);
  if (isnan (x))
    return (uint16_t) ((u >> 16) | 0x40);
  return (uint16_t) ((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

/* from a double, rounded once to bf16's 8 significant bits */
static inline uint16_t
wir_rt_f64_to_bf16 (double x)
{
  if (isnan (x) || isinf (x))
    return wir_rt_f32_to_bf16 ((float) x);
  double a = fabs (x);
  uint16_t sign = signbit (x) ? 0x8000 : 0;
  if (a == 0)
    return sign;
  int e;
  double m = frexp (a, &e);
  if (e - 1 < -126)             /* subnormal: quantum 2^-133 */
    return sign | (uint16_t) rint (ldexp (a, 133));
  double q = rint (m * 256.0);
  if (q >= 256.0)
    {
      q /= 2;
      e++;
    }
  if (e - 1 + 127 >= 255)
    return sign | 0x7f80;
  return sign | (uint16_t) (((e - 1 + 127) << 7) | ((uint32_t) q - 128));
}

static inline float
wir_rt_bf16_to_f32 (uint16_t h)
{
  return wir_rt_bits_f32 ((uint32_t) h << 16);
}

/* Philox4x32-10 (Salmon et al., SC'11) */
static inline void
wir_rt_philox4x32 (const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; r++)
    {
      uint64_t p0 = (uint64_t) 0xD2511F53u * c0, p1 = (uint64_t) 0xCD9E8D57u * c2;
      uint32_t n0 = (uint32_t) (p1 >> 32) ^ c1 ^ k0, n2 = (uint32_t) (p0 >> 32) ^ c3 ^ k1;
      c1 = (uint32_t) p1;
      c3 = (uint32_t) p0;
      c0 = n0;
      c2 = n2;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

/* philox(seed, offset): word offset & 3 of the block at counter offset >> 2 */
static inline float
wir_rt_philox (int64_t seed, int64_t offset)
{
  uint64_t s = (uint64_t) seed, q = (uint64_t) offset >> 2;
  uint32_t key[2] = { (uint32_t) s, (uint32_t) (s >> 32) };
  uint32_t ctr[4] = { (uint32_t) q, (uint32_t) (q >> 32), 0, 0 };
  uint32_t out[4];
  wir_rt_philox4x32 (ctr, key, out);
  return (float) (out[(uint64_t) offset & 3] >> 8) * (1.0f / 16777216.0f);
}

/* philox's float from a block word: (w >> 8) * 2^-24, exact */
static inline float
wir_rt_philox_word (uint32_t w)
{
  return (float) (w >> 8) * (1.0f / 16777216.0f);
}

/* Philox4x32-10 again, each 32-bit word held in a 64-bit integer: the
 * same bits as wir_rt_philox4x32, but a vectorizing compiler multiplies
 * 64-bit lanes with one instruction (vpmuludq) instead of splitting and
 * shuffling 32-bit ones: twice as fast in wir_rt_philox_blocks' loop. */
static inline void
wir_rt_philox4x32_wide (uint64_t q, uint64_t k0, uint64_t k1, uint32_t out[4])
{
  const uint64_t lo = 0xffffffffu;
  uint64_t c0 = q & lo, c1 = q >> 32, c2 = 0, c3 = 0;
  for (int r = 0; r < 10; r++)
    {
      uint64_t p0 = c0 * 0xD2511F53u, p1 = c2 * 0xCD9E8D57u;
      uint64_t n0 = ((p1 >> 32) ^ c1 ^ k0) & lo, n2 = ((p0 >> 32) ^ c3 ^ k1) & lo;
      c1 = p1 & lo;
      c3 = p0 & lo;
      c0 = n0;
      c2 = n2;
      k0 = (k0 + 0x9E3779B9u) & lo;
      k1 = (k1 + 0xBB67AE85u) & lo;
    }
  out[0] = (uint32_t) c0, out[1] = (uint32_t) c1, out[2] = (uint32_t) c2, out[3] = (uint32_t) c3;
}

/* The @n_blocks consecutive Philox blocks from counter @q0 (counters wrap
 * at 2^62, as offset >> 2 of a 64-bit offset does), keyed by @seed, into
 * out[4 * n_blocks]. Word k of block b is philox(seed, o) for the offset
 * o with o >> 2 == q0 + b and o & 3 == k: one block per four consecutive
 * offsets (weld.md §8.1), in a loop the compiler vectorizes. */
static inline void
wir_rt_philox_blocks (int64_t seed, uint64_t q0, int64_t n_blocks, uint32_t *restrict out)
{
  uint64_t s = (uint64_t) seed;
  for (int64_t b = 0; b < n_blocks; b++)
    {
      uint32_t w[4];
      wir_rt_philox4x32_wide ((q0 + (uint64_t) b) & UINT64_C (0x3fffffffffffffff), s & 0xffffffffu, s >> 32, w);
      out[4 * b] = w[0];
      out[4 * b + 1] = w[1];
      out[4 * b + 2] = w[2];
      out[4 * b + 3] = w[3];
    }
}

/* expm1(a) for 0 <= a <= 19: a = j ln2 + f with |f| <= ln2/2 (ln2 split
 * in two, the high part with 16 bits so that j * hi is exact), expm1(f)
 * = f + f^2 P(f) with ARM optimized-routines' degree-4 P, and
 * expm1(a) = 2^j expm1(f) + (2^j - 1), where both products are exact. */
static inline float
wir_rt_expm1f_pos (float a)
{
  float j = (a * 0x1.715476p+0f + 0x1.8p23f) - 0x1.8p23f;
  int32_t i = (int32_t) j;
  float f = (a - j * 0x1.62e4p-1f) - j * 0x1.7f7d1cp-20f;
  float p = 0x1.6b55a2p-10f;
  p = p * f + 0x1.12287cp-7f;
  p = p * f + 0x1.555736p-5f;
  p = p * f + 0x1.5554aep-3f;
  p = p * f + 0x1.fffffep-2f;
  p = f + (f * f) * p;
  float t = wir_rt_bits_f32 (((uint32_t) i << 23) + 0x3f800000u);
  return p * t + (t - 1.0f);
}

/* tanh for f32, the one every back end uses: tanh|x| = q / (q + 2) with
 * q = expm1(2 min(|x|, 9.5)), the sign copied back, NaN kept. Above 9.011
 * q > 2^26 and the quotient rounds to 1, so no select is needed there;
 * near 0 the quotient is |x| (1 - O(x^2)), subnormals and 0 exactly. Odd,
 * and within 2.61 ulp of the exact tanh over every float (tests/test-wir.c
 * sweeps them; glibc's tanhf is within 2.19). Two selects where there
 * were five: GELU 26.5 -> 24 cycles per 16 floats (AVX-512, docs/wir.md). */
static inline float
wir_rt_tanhf (float x)
{
  uint32_t ux = wir_rt_f32_bits (x), sign = ux & 0x80000000u;
  float a = wir_rt_bits_f32 (ux ^ sign);
  float ac = 9.5f < a ? 9.5f : a;           /* NaN stays NaN: a min */
  float q = wir_rt_expm1f_pos (2.0f * ac);
  float y = wir_rt_bits_f32 (wir_rt_f32_bits (q / (q + 2.0f)) | sign);
  return x != x ? x : y;
}

/* float -> integer: truncate, saturate, NaN -> 0 */
static inline int64_t
wir_rt_sat_i64 (double d)
{
  if (isnan (d))
    return 0;
  if (d <= -9223372036854775808.0)
    return INT64_MIN;
  if (d >= 9223372036854775808.0)
    return INT64_MAX;
  return (int64_t) d;
}

static inline int32_t
wir_rt_sat_i32 (double d)
{
  if (isnan (d))
    return 0;
  if (d <= -2147483648.0)
    return INT32_MIN;
  if (d >= 2147483648.0)
    return INT32_MAX;
  return (int32_t) d;
}

)

#endif
