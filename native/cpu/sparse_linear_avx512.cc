// AVX-512 chunk kernels of the compressed linear layer: 16 batch rows per vector, chunks of
// up to 64 rows (four vectors per survivor).
#include <immintrin.h>

#include <utility>

#include "permute_transpose.h"
#include "sparse_linear.h"

namespace pai::sparse_detail::linear_avx512 {

struct V {
  using T = __m512;
  static constexpr int64_t width = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  // dst[c * ldd + r] = src[r * lds + c] for a 16 x 16 block.
  static void transpose(const float* src, int64_t lds, float* dst, int64_t ldd) {
    __m512 r[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
    permute_detail::transpose16(r);
    for (int i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ldd, r[i]);
  }
  // Lane i of the result = the lane sum of v[i], i < 16. Each step adds pairs of half-width
  // pieces, so the sixteen sums cost 15 adds and 30 shuffles instead of sixteen reductions.
  static T sum_group(const T* v) {
    T a[8], b[4], c[2];
    for (int i = 0; i < 8; ++i)  // per 128-bit lane: v[2i] (0+2, 1+3), v[2i+1] likewise
      a[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 4; ++i)  // per 128-bit lane: the lane sums of v[4i .. 4i + 3]
      b[i] = _mm512_add_ps(_mm512_shuffle_ps(a[2 * i], a[2 * i + 1], 0x44), _mm512_shuffle_ps(a[2 * i], a[2 * i + 1], 0xEE));
    for (int i = 0; i < 2; ++i)  // 128-bit lanes added in pairs
      c[i] = _mm512_add_ps(_mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0x88), _mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0xDD));
    return _mm512_add_ps(_mm512_shuffle_f32x4(c[0], c[1], 0x88), _mm512_shuffle_f32x4(c[0], c[1], 0xDD));
  }
};

}  // namespace pai::sparse_detail::linear_avx512

#define PAI_LINEAR_NS linear_avx512
#include "sparse_linear_kernels.h"
#undef PAI_LINEAR_NS

namespace pai::sparse_detail {
const LinearKernels kLinearAvx512 = linear_avx512::make_linear_kernels(std::integer_sequence<int, 1, 2, 3, 4>{});
}
