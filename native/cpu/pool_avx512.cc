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

// 16 outputs per step from 64 input floats (4 vectors, whole row pairs): each pair of
// vectors is 32 floats of whole row pairs, 8 outputs, whose top-left and top-right (then
// bottom-left and bottom-right) candidates one two-source permute gathers into its low and
// high halves; a 128-bit lane shuffle then joins the two pairs' halves.
void max2x2_narrow(const float* x, int64_t first, int64_t count, int64_t w, int64_t plane, float* out,
                   int32_t* argmax) {
  alignas(64) int32_t top[16], bottom[16], local[16];
  const int64_t per_pair = w / 2;
  for (int64_t l = 0; l < 16; ++l) {
    const int64_t k = l % 8;  // output k of a 32-float half
    const int64_t left = (k / per_pair) * 2 * w + 2 * (k % per_pair);
    top[l] = static_cast<int32_t>(l < 8 ? left : left + 1);
    bottom[l] = static_cast<int32_t>(l < 8 ? left + w : left + w + 1);
    local[l] = static_cast<int32_t>(((l / 8) * 32 + left) % plane);
  }
  const __m512i top_idx = _mm512_load_si512(top), bottom_idx = _mm512_load_si512(bottom);
  const __m512i pattern = _mm512_load_si512(local);
  const __m512i one = _mm512_set1_epi32(1), below = _mm512_set1_epi32(static_cast<int32_t>(w));
  for (int64_t k = first; k < first + count; k += 16) {
    const int64_t left = first + count - k;  // outputs still to write
    const float* p = x + 4 * k;
    const __m512 a = _mm512_maskz_loadu_ps(lanes(4 * left), p), b = _mm512_maskz_loadu_ps(lanes(4 * left - 16), p + 16);
    const __m512 c = _mm512_maskz_loadu_ps(lanes(4 * left - 32), p + 32), d = _mm512_maskz_loadu_ps(lanes(4 * left - 48), p + 48);
    const __m512 t_ab = _mm512_permutex2var_ps(a, top_idx, b), t_cd = _mm512_permutex2var_ps(c, top_idx, d);
    const __m512 b_ab = _mm512_permutex2var_ps(a, bottom_idx, b), b_cd = _mm512_permutex2var_ps(c, bottom_idx, d);
    // The block's offset in its plane: 0 when planes divide 64, else (64 | plane) where it starts.
    const __m512i i00 = _mm512_add_epi32(pattern, _mm512_set1_epi32(static_cast<int32_t>((4 * k) % plane)));
    __m512 best = _mm512_shuffle_f32x4(t_ab, t_cd, 0x44);
    __m512i arg = i00;
    __m512 v = _mm512_shuffle_f32x4(t_ab, t_cd, 0xee);
    __mmask16 t = takes(v, best);
    best = _mm512_mask_mov_ps(best, t, v);
    arg = _mm512_mask_mov_epi32(arg, t, _mm512_add_epi32(i00, one));
    v = _mm512_shuffle_f32x4(b_ab, b_cd, 0x44);
    t = takes(v, best);
    best = _mm512_mask_mov_ps(best, t, v);
    arg = _mm512_mask_mov_epi32(arg, t, _mm512_add_epi32(i00, below));
    v = _mm512_shuffle_f32x4(b_ab, b_cd, 0xee);
    t = takes(v, best);
    best = _mm512_mask_mov_ps(best, t, v);
    arg = _mm512_mask_mov_epi32(arg, t, _mm512_add_epi32(_mm512_add_epi32(i00, below), one));
    const __mmask16 m = lanes(left);
    _mm512_mask_storeu_ps(out + k, m, best);
    _mm512_mask_storeu_epi32(argmax + k, m, arg);
  }
}

}  // namespace

const PoolKernels kPoolAvx512{max2x2_row, max2x2_narrow};

}  // namespace pai::pool_detail
