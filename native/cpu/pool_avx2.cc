// AVX2 2x2 / stride-2 max pooling rows: 8 outputs per step (see the AVX-512 version);
// columns are split with in-lane shuffles and a cross-lane permute, the tail is scalar.
#include <immintrin.h>

#include "pool_kernels.h"

namespace pai::pool_detail {
namespace {

inline __m256 takes(__m256 v, __m256 best) {
  const __m256 gt = _mm256_cmp_ps(v, best, _CMP_GT_OQ);
  const __m256 nan_first = _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(best, best, _CMP_ORD_Q));
  return _mm256_or_ps(gt, nan_first);
}

inline void even_odd(const float* p, __m256* even, __m256* odd) {
  const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xd8));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xdd)), 0xd8));
}

inline void take(float v, int32_t i, float& best, int32_t& arg) {
  if (v > best || (v != v && best == best)) {
    best = v;
    arg = i;
  }
}

void max2x2_row(const float* r0, const float* r1, int64_t ow, int64_t base, int64_t w, float* out,
                int32_t* argmax) {
  const __m256i twice = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i one = _mm256_set1_epi32(1), below = _mm256_set1_epi32(static_cast<int32_t>(w));
  int64_t ox = 0;
  for (; ox + 8 <= ow; ox += 8) {
    __m256 e0, o0, e1, o1;
    even_odd(r0 + 2 * ox, &e0, &o0);
    even_odd(r1 + 2 * ox, &e1, &o1);
    const __m256i i00 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(base + 2 * ox)), twice);
    __m256 best = e0;
    __m256i arg = i00;
    __m256 t = takes(o0, best);
    best = _mm256_blendv_ps(best, o0, t);
    arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(_mm256_add_epi32(i00, one)), t));
    t = takes(e1, best);
    best = _mm256_blendv_ps(best, e1, t);
    arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(_mm256_add_epi32(i00, below)), t));
    t = takes(o1, best);
    best = _mm256_blendv_ps(best, o1, t);
    arg = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(arg),
                                               _mm256_castsi256_ps(_mm256_add_epi32(_mm256_add_epi32(i00, below), one)), t));
    _mm256_storeu_ps(out + ox, best);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(argmax + ox), arg);
  }
  for (; ox < ow; ++ox) {
    const int32_t i = static_cast<int32_t>(base + 2 * ox);
    float best = r0[2 * ox];
    int32_t arg = i;
    take(r0[2 * ox + 1], i + 1, best, arg);
    take(r1[2 * ox], static_cast<int32_t>(i + w), best, arg);
    take(r1[2 * ox + 1], static_cast<int32_t>(i + w + 1), best, arg);
    out[ox] = best;
    argmax[ox] = arg;
  }
}

}  // namespace

const PoolKernels kPoolAvx2{max2x2_row, max2x2_narrow_scalar};

}  // namespace pai::pool_detail
