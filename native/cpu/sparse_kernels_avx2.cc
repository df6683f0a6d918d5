// AVX2 + FMA inner kernels of the compressed layers.
#include <immintrin.h>

#include "sparse_engine.h"

namespace pai::sparse_detail::avx2 {

// Lane masks for _mm256_maskload_ps: entry b has lane l all-ones when bit l of b is set.
struct LaneMasks {
  alignas(32) int32_t m[256][8];
  LaneMasks() {
    for (int b = 0; b < 256; ++b)
      for (int l = 0; l < 8; ++l) m[b][l] = (b >> l) & 1 ? -1 : 0;
  }
};
const LaneMasks kLaneMasks;

struct V {
  using T = __m256;
  static constexpr int64_t width = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  // Masked-off lanes are not read (no fault), so p may point outside the plane.
  static T maskz_load(const float* p, unsigned bits) {
    return _mm256_maskload_ps(p, _mm256_load_si256(reinterpret_cast<const __m256i*>(kLaneMasks.m[bits & 0xff])));
  }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  static constexpr int group = 8;
  // out[i] += sum(acc[i]) for i < 8: pairwise unpack/shuffle sums within 128-bit lanes,
  // then the two lanes added, which leaves the eight sums in order.
  static void sum_group(const T* v, float* out) {
    T s[4], t[2];
    for (int i = 0; i < 4; ++i)
      s[i] = _mm256_add_ps(_mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]));
    for (int j = 0; j < 2; ++j)
      t[j] = _mm256_add_ps(_mm256_shuffle_ps(s[2 * j], s[2 * j + 1], 0x44), _mm256_shuffle_ps(s[2 * j], s[2 * j + 1], 0xEE));
    const T w = _mm256_add_ps(_mm256_permute2f128_ps(t[0], t[1], 0x20), _mm256_permute2f128_ps(t[0], t[1], 0x31));
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), w));
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
