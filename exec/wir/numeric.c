/* exec/wir/numeric.c - bit-exact f16/bf16 conversions and philox (numeric.h). */
#include "config.h"

#include "exec/wir/numeric.h"

#include <math.h>
#include <string.h>

static guint32
f32_bits (float x)
{
  guint32 u;
  memcpy (&u, &x, sizeof u);
  return u;
}

static float
bits_f32 (guint32 u)
{
  float x;
  memcpy (&x, &u, sizeof x);
  return x;
}

/* Round the non-negative finite |x| (as a double, exact for f32 inputs) to
 * binary16 magnitude bits: scale to an integer count of the format's
 * quantum and round to nearest even with rint (the default rounding). */
static guint16
f16_magnitude (double a)
{
  if (isnan (a))
    return 0x7e00;
  if (a >= 65520.0)            /* halfway between 65504 and 2^16 rounds up */
    return 0x7c00;
  if (a < 6.103515625e-05)     /* 2^-14: subnormal, quantum 2^-24 */
    return (guint16) rint (a * 16777216.0);
  int e;
  double m = frexp (a, &e);    /* a = m * 2^e, m in [0.5, 1) */
  double q = rint (m * 2048.0); /* 11 significant bits */
  if (q >= 2048.0)
    {
      q /= 2;
      e++;
    }
  if (e - 1 + 15 >= 31)
    return 0x7c00;
  return (guint16) (((e - 1 + 15) << 10) | ((guint32) q - 1024));
}

guint16
wir_f64_to_f16 (double x)
{
  guint16 sign = signbit (x) ? 0x8000 : 0;
  if (isinf (x))
    return sign | 0x7c00;
  return sign | f16_magnitude (fabs (x));
}

guint16
wir_f32_to_f16 (float x)
{
  return wir_f64_to_f16 ((double) x);
}

float
wir_f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e == 0x1f)
    return bits_f32 (sign | 0x7f800000 | (m << 13));
  if (e == 0)
    {
      float v = (float) m * (1.0f / 16777216.0f);
      return sign ? -v : v;
    }
  return bits_f32 (sign | ((e - 15 + 127) << 23) | (m << 13));
}

guint16
wir_f32_to_bf16 (float x)
{
  guint32 u = f32_bits (x);
  if (isnan (x))
    return (guint16) ((u >> 16) | 0x40);
  guint32 round = 0x7fff + ((u >> 16) & 1);
  return (guint16) ((u + round) >> 16);
}

guint16
wir_f64_to_bf16 (double x)
{
  if (isnan (x) || isinf (x))
    return wir_f32_to_bf16 ((float) x);
  /* round once: to bf16's 8 significant bits directly from the double */
  double a = fabs (x);
  guint16 sign = signbit (x) ? 0x8000 : 0;
  if (a == 0)
    return sign;
  int e;
  double m = frexp (a, &e);
  if (e - 1 < -126)             /* subnormal in bf16: quantum 2^-133 */
    {
      double q = rint (ldexp (a, 133));
      return sign | (guint16) q;
    }
  double q = rint (m * 256.0);
  if (q >= 256.0)
    {
      q /= 2;
      e++;
    }
  if (e - 1 + 127 >= 255)
    return sign | 0x7f80;
  return sign | (guint16) (((e - 1 + 127) << 7) | ((guint32) q - 128));
}

float
wir_bf16_to_f32 (guint16 h)
{
  return bits_f32 ((guint32) h << 16);
}

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

void
wir_philox4x32 (const guint32 ctr[4], const guint32 key[2], guint32 out[4])
{
  guint32 c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  guint32 k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; r++)
    {
      guint64 p0 = (guint64) PHILOX_M0 * c0, p1 = (guint64) PHILOX_M1 * c2;
      guint32 n0 = (guint32) (p1 >> 32) ^ c1 ^ k0;
      guint32 n2 = (guint32) (p0 >> 32) ^ c3 ^ k1;
      c1 = (guint32) p1;
      c3 = (guint32) p0;
      c0 = n0;
      c2 = n2;
      k0 += PHILOX_W0;
      k1 += PHILOX_W1;
    }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

float
wir_philox (gint64 seed, gint64 offset)
{
  guint64 s = (guint64) seed, q = (guint64) offset >> 2;
  guint32 key[2] = { (guint32) s, (guint32) (s >> 32) };
  guint32 ctr[4] = { (guint32) q, (guint32) (q >> 32), 0, 0 };
  guint32 out[4];
  wir_philox4x32 (ctr, key, out);
  return (float) (out[(guint64) offset & 3] >> 8) * (1.0f / 16777216.0f);
}
