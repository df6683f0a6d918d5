// AVX2 + FMA inner kernels of the compressed layers.
#include <immintrin.h>

#include "sparse_engine.h"

namespace pai::sparse_detail::avx2 {

struct V {
  using T = __m256;
  static constexpr int64_t width = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
};

#include "sparse_transpose8.h"

}  // namespace pai::sparse_detail::avx2

#define PAI_SPARSE_NS avx2
#include "sparse_kernels.h"
#undef PAI_SPARSE_NS

namespace pai::sparse_detail {
const BlockKernels kAvx2Kernels = avx2::make_kernels(avx2::transpose_tiles);
}
