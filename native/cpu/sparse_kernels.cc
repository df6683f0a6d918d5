// Baseline (SSE2) inner kernels of the compressed layers, the ISA dispatch and the block
// choice.
#include <immintrin.h>

#include "pai/cpu_features.h"
#include "pai/parallel.h"
#include "sparse_engine.h"

namespace pai::sparse_detail::baseline {

struct V {
  using T = __m128;
  static constexpr int64_t width = 4;
  static T zero() { return _mm_setzero_ps(); }
  static T set1(float x) { return _mm_set1_ps(x); }
  static T load(const float* p) { return _mm_loadu_ps(p); }
  // Only the lanes of `bits` are read, so p may point outside the plane.
  static T maskz_load(const float* p, unsigned bits) {
    alignas(16) float t[4];
    for (int l = 0; l < 4; ++l) t[l] = (bits >> l) & 1 ? p[l] : 0.f;
    return _mm_load_ps(t);
  }
  static void store(float* p, T v) { _mm_storeu_ps(p, v); }
  static T add(T a, T b) { return _mm_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static float sum(T v) {
    alignas(16) float t[4];
    _mm_store_ps(t, v);
    return (t[0] + t[1]) + (t[2] + t[3]);
  }
  static constexpr int group = 4;
  // out[i] += sum(acc[i]) for i < 4: a 4 x 4 transpose, then column sums.
  static void sum_group(const T* acc, float* out) {
    T a = acc[0], b = acc[1], c = acc[2], d = acc[3];
    _MM_TRANSPOSE4_PS(a, b, c, d);
    _mm_storeu_ps(out, _mm_add_ps(_mm_loadu_ps(out), _mm_add_ps(_mm_add_ps(a, b), _mm_add_ps(c, d))));
  }
};

void transpose_tiles(const float* src, int64_t rows, int64_t cols, int64_t lds, float* dst,
                     int64_t ldd) {
  constexpr int64_t kTile = 16;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile)
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t r1 = r0 + kTile < rows ? r0 + kTile : rows;
      const int64_t c1 = c0 + kTile < cols ? c0 + kTile : cols;
      for (int64_t c = c0; c < c1; ++c)
        for (int64_t r = r0; r < r1; ++r) dst[c * ldd + r] = src[r * lds + c];
    }
}

}  // namespace pai::sparse_detail::baseline

#define PAI_SPARSE_NS baseline
#include "sparse_kernels.h"
#undef PAI_SPARSE_NS

namespace pai::sparse_detail {

const BlockKernels kBaselineKernels = baseline::make_kernels(baseline::transpose_tiles);

const BlockKernels& active_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kAvx512Kernels;
    case Isa::Avx2: return kAvx2Kernels;
    default: return kBaselineKernels;
  }
}

BlockChoice choose_block(const BlockKernels& k, int64_t rows_touched) {
  constexpr int64_t kL2Bytes = 1 << 20;  // half of a typical core's L2
  int level = 2;
  while (level > 0 && rows_touched * ((2 << level) * k.width) * 4 > kL2Bytes) --level;
  return {(2 << level) * k.width, k.accumulate[level]};
}

void transpose(const float* src, int64_t rows, int64_t cols, int64_t lds, float* dst,
               int64_t ldd) {
  const TransposeFn fn = active_kernels().transpose;
  constexpr int64_t kStrip = 64;  // columns per task: its rows stay in cache while read
  parallel_for(0, (cols + kStrip - 1) / kStrip, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t c0 = s * kStrip, c1 = c0 + kStrip < cols ? c0 + kStrip : cols;
      fn(src + c0, rows, c1 - c0, lds, dst + c0 * ldd, ldd);
    }
  });
}

}  // namespace pai::sparse_detail
