// AVX-512 2x2 / stride-2 max pooling rows: 16 outputs per step, even and odd columns split
// with two-source permutes, the running maximum and its index kept with lane masks (no
// branches on the data).
#include <immintrin.h>

#include "pool_kernels.h"

namespace pai::pool_detail {
namespace {

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff)
                 : static_cast<__mmask16>(n <= 0 ? 0 : (1u << n) - 1);
}

// Lanes of v that replace the running best: greater, or the first NaN.
inline __mmask16 takes(__m512 v, __m512 best) {
  return _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) |
         (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q));
}

void max2x2_row(const float* r0, const float* r1, int64_t ow, int64_t base, int64_t w, float* out,
                int32_t* argmax) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i twice = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(static_cast<int32_t>(w));
  for (int64_t ox = 0; ox < ow; ox += 16) {
    const __mmask16 m = lanes(ow - ox);
    const __mmask16 lo = lanes(2 * (ow - ox)), hi = lanes(2 * (ow - ox) - 16);
    const __m512 a0 = _mm512_maskz_loadu_ps(lo, r0 + 2 * ox), a1 = _mm512_maskz_loadu_ps(hi, r0 + 2 * ox + 16);
    const __m512 b0 = _mm512_maskz_loadu_ps(lo, r1 + 2 * ox), b1 = _mm512_maskz_loadu_ps(hi, r1 + 2 * ox + 16);
    const __m512i i00 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(base + 2 * ox)), twice);
    __m512 best = _mm512_permutex2var_ps(a0, even, a1);
    __m512i arg = i00;
    __m512 v = _mm512_permutex2var_ps(a0, odd, a1);
    __mmask16 t = takes(v, best);
    best = _mm512_mask_mov_ps(best, t, v);
    arg = _mm512_mask_mov_epi32(arg, t, _mm512_add_epi32(i00, one));
    v = _mm512_permutex2var_ps(b0, even, b1);
    t = takes(v, best);
    best = _mm512_mask_mov_ps(best, t, v);
    arg = _mm512_mask_mov_epi32(arg, t, _mm512_add_epi32(i00, below));
    v = _mm512_permutex2var_ps(b0, odd, b1);
    t = takes(v, best);
    best = _mm512_mask_mov_ps(best, t, v);
    arg = _mm512_mask_mov_epi32(arg, t, _mm512_add_epi32(_mm512_add_epi32(i00, below), one));
    _mm512_mask_storeu_ps(out + ox, m, best);
    _mm512_mask_storeu_epi32(argmax + ox, m, arg);
  }
}

}  // namespace

const PoolKernels kPoolAvx512{max2x2_row};

}  // namespace pai::pool_detail
