/* exec/wir/rt-avx512.h - Philox blocks in AVX-512 registers.
 *
 * wir_rt_philox_blocks_avx512 gives exactly wir_rt_philox_blocks' words
 * (rt.h), 1.5x faster where the CPU has AVX-512F: eight chains of eight
 * blocks stay in registers through the ten rounds, one multiply per
 * product (vpmuludq) where gcc makes a masked vpmullq of rt.h's loop, and
 * a block's four words live in two 64-bit lanes, U = c0 | c1 << 32 and
 * V = c2 | c3 << 32, so that a round is
 *
 *   U' = rotate32 (lo32 (V) * M1) ^ (U >> 32) ^ k0
 *   V' = rotate32 (lo32 (U) * M0) ^ (V >> 32) ^ k1
 *
 * (c0' = hi (c2 * M1) ^ c1 ^ k0 in U's low half, c1' = lo (c2 * M1) in
 * its high half; likewise V). tests/test-wir.c checks the words against
 * philox(). Blocks past the last multiple of 64 go through rt.h's loop.
 *
 * The same text two ways, as rt.h: compiled here (numeric.c, on x86-64
 * with the function's own target, for the test) and stringified by
 * emit-c.c, which pastes it into programs under #if __AVX512F__ (a
 * WirCOptions.native compile on such a CPU). It uses rt.h's
 * wir_rt_philox_blocks and must stay free of preprocessor lines.
 */
#ifndef WIR_RT_AVX512_H
#define WIR_RT_AVX512_H

#ifndef WIR_RT_AVX512_BODY
#if defined (__x86_64__) && defined (__GNUC__)
#include <immintrin.h>
#define WIR_RT_AVX512_BODY(...) __VA_ARGS__
#else
#define WIR_RT_AVX512_BODY(...)           /* no AVX-512 on this CPU family */
#endif
#endif

WIR_RT_AVX512_BODY (

__attribute__ ((target ("avx512f"))) static inline void
wir_rt_philox_blocks_avx512 (int64_t seed, uint64_t q0, int64_t n_blocks, uint32_t *restrict out)
{
  uint64_t s = (uint64_t) seed, k0[10], k1[10];
  k0[0] = s & 0xffffffffu;
  k1[0] = s >> 32;
  for (int r = 1; r < 10; r++)
    {
      k0[r] = (k0[r - 1] + 0x9E3779B9u) & 0xffffffffu;
      k1[r] = (k1[r - 1] + 0xBB67AE85u) & 0xffffffffu;
    }
  const __m512i m0 = _mm512_set1_epi64 (0xD2511F53u), m1 = _mm512_set1_epi64 (0xCD9E8D57u);
  const __m512i lanes = _mm512_set_epi64 (7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i wrap = _mm512_set1_epi64 (0x3fffffffffffffff);
  /* from unpacklo (U, V) = U0 V0 U2 V2 U4 V4 U6 V6 and unpackhi = U1 V1
   * U3 V3 ..., blocks 0-3 and 4-7 in order */
  const __m512i first = _mm512_set_epi64 (11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i second = _mm512_set_epi64 (15, 14, 7, 6, 13, 12, 5, 4);
  int64_t b = 0;
  for (; b + 64 <= n_blocks; b += 64)
    {
      __m512i u[8], v[8];
      for (int c = 0; c < 8; c++)
        {
          __m512i q = _mm512_set1_epi64 ((long long) (q0 + (uint64_t) (b + 8 * c)));
          u[c] = _mm512_and_si512 (_mm512_add_epi64 (q, lanes), wrap);
          v[c] = _mm512_setzero_si512 ();
        }
      for (int r = 0; r < 10; r++)
        {
          __m512i a = _mm512_set1_epi64 ((long long) k0[r]), d = _mm512_set1_epi64 ((long long) k1[r]);
          for (int c = 0; c < 8; c++)
            {
              __m512i p0 = _mm512_mul_epu32 (u[c], m0), p1 = _mm512_mul_epu32 (v[c], m1);
              u[c] = _mm512_ternarylogic_epi64 (_mm512_ror_epi64 (p1, 32), _mm512_srli_epi64 (u[c], 32), a, 0x96);
              v[c] = _mm512_ternarylogic_epi64 (_mm512_ror_epi64 (p0, 32), _mm512_srli_epi64 (v[c], 32), d, 0x96);
            }
        }
      for (int c = 0; c < 8; c++)
        {
          __m512i lo = _mm512_unpacklo_epi64 (u[c], v[c]), hi = _mm512_unpackhi_epi64 (u[c], v[c]);
          _mm512_storeu_si512 (out + 4 * (b + 8 * c), _mm512_permutex2var_epi64 (lo, first, hi));
          _mm512_storeu_si512 (out + 4 * (b + 8 * c) + 16, _mm512_permutex2var_epi64 (lo, second, hi));
        }
    }
  if (b < n_blocks)
    wir_rt_philox_blocks (seed, q0 + (uint64_t) b, n_blocks - b, out + 4 * b);
}

)

#endif
