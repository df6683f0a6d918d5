// AVX2 classification pass of the sampled top-k: 8 keys per step. AVX2 has no unsigned
// compare, so keys are compared with their top bit flipped.
#include <immintrin.h>

#include "select_keys.h"

namespace pai::select_detail {

Classified classify_avx2(const float* scores, int64_t len, uint32_t lo, uint32_t hi,
                         float* mask, uint32_t* cand, int64_t cap, float* drop) {
  Classified r;
  const __m256i slo = _mm256_set1_epi32(static_cast<int>(lo ^ 0x80000000u));
  const __m256i shi = _mm256_set1_epi32(static_cast<int>(hi ^ 0x80000000u));
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  const __m256i inf = _mm256_set1_epi32(0x7f800000);
  const __m256i zero = _mm256_setzero_si256();
  const __m256 one = _mm256_set1_ps(1.f);
  const __m256i sneg = _mm256_set1_epi32(static_cast<int>(kNegInfKey ^ 0x80000000u));
  int64_t above = 0, nc = 0;
  const int64_t body = len & ~int64_t(7);
  for (int64_t i = 0; i < body; i += 8) {
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(scores + i));
    const __m256i a = _mm256_and_si256(b, abs_mask);
    const int nan = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(a, inf)));
    if (nan && r.nan_index < 0) r.nan_index = i + __builtin_ctz(nan);
    b = _mm256_andnot_si256(_mm256_cmpeq_epi32(a, zero), b);  // -0 -> +0
    // Signed-comparable key: the unsigned key with its top bit flipped.
    const __m256i skey = _mm256_xor_si256(b, _mm256_srli_epi32(_mm256_srai_epi32(b, 31), 1));
    const __m256i gt = _mm256_cmpgt_epi32(skey, shi);
    const __m256i lt = _mm256_cmpgt_epi32(slo, skey);
    _mm256_storeu_ps(mask + i, _mm256_and_ps(_mm256_castsi256_ps(gt), one));
    const int gbits = _mm256_movemask_ps(_mm256_castsi256_ps(gt));
    above += __builtin_popcount(gbits);
    int in = ~(gbits | _mm256_movemask_ps(_mm256_castsi256_ps(lt))) & 0xff;
    if (drop) {
      const __m256i dropped = _mm256_and_si256(lt, _mm256_cmpgt_epi32(skey, sneg));
      if (_mm256_movemask_ps(_mm256_castsi256_ps(dropped)))
        _mm256_maskstore_ps(drop + i, dropped, _mm256_setzero_ps());
    }
    while (in) {
      if (nc < cap) cand[nc] = static_cast<uint32_t>(i + __builtin_ctz(in));
      ++nc;
      in &= in - 1;
    }
  }
  r.above = above;
  r.candidates = nc;
  if (body < len) {
    Classified t = classify_baseline(scores + body, len - body, lo, hi, mask + body,
                                     cand + (nc < cap ? nc : cap), nc < cap ? cap - nc : 0,
                                     drop ? drop + body : nullptr);
    if (t.nan_index >= 0 && r.nan_index < 0) r.nan_index = body + t.nan_index;
    r.above += t.above;
    for (int64_t j = 0; j < t.candidates && nc + j < cap; ++j) cand[nc + j] += body;
    r.candidates += t.candidates;
  }
  return r;
}

}  // namespace pai::select_detail
