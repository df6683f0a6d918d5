// Baseline (SSE2) chunk kernels of the compressed linear layer: 4 batch rows per vector,
// chunks of up to 32 rows (the sixteen XMM registers hold eight accumulators).
#include <immintrin.h>

#include <utility>

#include "sparse_linear.h"

namespace pai::sparse_detail::linear_baseline {

struct V {
  using T = __m128;
  static constexpr int64_t width = 4;
  static T zero() { return _mm_setzero_ps(); }
  static T set1(float x) { return _mm_set1_ps(x); }
  static T load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, T v) { _mm_storeu_ps(p, v); }
  static T mul(T a, T b) { return _mm_mul_ps(a, b); }
  static T add(T a, T b) { return _mm_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static void transpose(const float* src, int64_t lds, float* dst, int64_t ldd) {
    T r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + lds), r2 = _mm_loadu_ps(src + 2 * lds),
      r3 = _mm_loadu_ps(src + 3 * lds);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(dst, r0);
    _mm_storeu_ps(dst + ldd, r1);
    _mm_storeu_ps(dst + 2 * ldd, r2);
    _mm_storeu_ps(dst + 3 * ldd, r3);
  }
  // Lane i of the result = the lane sum of v[i], i < 4: a transpose, then the rows added.
  static T sum_group(const T* v) {
    T a = v[0], b = v[1], c = v[2], d = v[3];
    _MM_TRANSPOSE4_PS(a, b, c, d);
    return _mm_add_ps(_mm_add_ps(a, b), _mm_add_ps(c, d));
  }
};

}  // namespace pai::sparse_detail::linear_baseline

#define PAI_LINEAR_NS linear_baseline
#include "sparse_linear_kernels.h"
#undef PAI_LINEAR_NS

namespace pai::sparse_detail {
const LinearKernels kLinearBaseline = linear_baseline::make_linear_kernels(std::integer_sequence<int, 1, 2, 3, 4, 5, 6, 7, 8>{});
}
