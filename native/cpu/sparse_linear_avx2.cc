// AVX2 + FMA chunk kernels of the compressed linear layer: 8 batch rows per vector, chunks
// of up to 64 rows.
#include <immintrin.h>

#include <utility>

#include "sparse_linear.h"

namespace pai::sparse_detail::linear_avx2 {

#include "sparse_transpose8.h"

struct V {
  using T = __m256;
  static constexpr int64_t width = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static void transpose(const float* src, int64_t lds, float* dst, int64_t ldd) { transpose8x8(src, lds, dst, ldd); }
  // Lane i of the result = the lane sum of v[i], i < 8, by a shuffle tree (see the AVX-512
  // path).
  static T sum_group(const T* v) {
    T a[4], b[2];
    for (int i = 0; i < 4; ++i)
      a[i] = _mm256_add_ps(_mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int i = 0; i < 2; ++i)
      b[i] = _mm256_add_ps(_mm256_shuffle_ps(a[2 * i], a[2 * i + 1], 0x44), _mm256_shuffle_ps(a[2 * i], a[2 * i + 1], 0xEE));
    return _mm256_add_ps(_mm256_permute2f128_ps(b[0], b[1], 0x20), _mm256_permute2f128_ps(b[0], b[1], 0x31));
  }
};

}  // namespace pai::sparse_detail::linear_avx2

#define PAI_LINEAR_NS linear_avx2
#include "sparse_linear_kernels.h"
#undef PAI_LINEAR_NS

namespace pai::sparse_detail {
const LinearKernels kLinearAvx2 = linear_avx2::make_linear_kernels(std::integer_sequence<int, 1, 2, 3, 4, 5, 6, 7, 8>{});
}
