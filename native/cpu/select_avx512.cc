// AVX-512 classification pass of the sampled top-k: 16 keys per step, candidates
// compressed straight into the index buffer.
#include <immintrin.h>

#include "select_keys.h"

namespace pai::select_detail {

Classified classify_avx512(const float* scores, int64_t len, uint32_t lo, uint32_t hi,
                           float* mask, uint32_t* cand, int64_t cap, float* drop) {
  Classified r;
  const __m512i vlo = _mm512_set1_epi32(static_cast<int>(lo));
  const __m512i vhi = _mm512_set1_epi32(static_cast<int>(hi));
  const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
  const __m512i inf = _mm512_set1_epi32(0x7f800000);
  const __m512 one = _mm512_set1_ps(1.f);
  const __m512i neg_inf_key = _mm512_set1_epi32(static_cast<int>(kNegInfKey));
  const __m512i step = _mm512_set1_epi32(16);
  __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int64_t above = 0, nc = 0;
  for (int64_t i = 0; i < len; i += 16) {
    const __mmask16 valid =
        len - i >= 16 ? static_cast<__mmask16>(0xffff)
                      : static_cast<__mmask16>((1u << (len - i)) - 1);
    __m512i b = _mm512_maskz_loadu_epi32(valid, scores + i);
    const __m512i a = _mm512_and_si512(b, abs_mask);
    const __mmask16 nan = _mm512_cmpgt_epu32_mask(a, inf);
    if (nan && r.nan_index < 0) r.nan_index = i + __builtin_ctz(nan);
    b = _mm512_maskz_mov_epi32(_mm512_test_epi32_mask(a, a), b);  // -0 -> +0
    const __m512i key = _mm512_xor_si512(b, _mm512_or_si512(_mm512_srai_epi32(b, 31), sign));
    const __mmask16 gt = _mm512_mask_cmpgt_epu32_mask(valid, key, vhi);
    const __mmask16 in = _mm512_mask_cmpge_epu32_mask(valid, key, vlo) & ~gt;
    _mm512_mask_storeu_ps(mask + i, valid, _mm512_maskz_mov_ps(gt, one));
    if (drop) {
      // Masked store: lines without a newly dropped entry are not touched.
      const __mmask16 dropped = _mm512_mask_cmpgt_epu32_mask(valid, key, neg_inf_key) &
                                _mm512_cmplt_epu32_mask(key, vlo);
      if (dropped) _mm512_mask_storeu_ps(drop + i, dropped, _mm512_setzero_ps());
    }
    above += __builtin_popcount(gt);
    if (in) {
      const int pop = __builtin_popcount(in);
      if (nc + pop <= cap) _mm512_mask_compressstoreu_epi32(cand + nc, in, idx);
      nc += pop;
    }
    idx = _mm512_add_epi32(idx, step);
  }
  r.above = above;
  r.candidates = nc;
  return r;
}

}  // namespace pai::select_detail
