// AVX-512 inner kernels of the compressed layers.
#include <immintrin.h>

#include "permute_transpose.h"
#include "sparse_engine.h"
#include "sum16_avx512.h"

namespace pai::sparse_detail::avx512 {

struct V {
  using T = __m512;
  static constexpr int64_t width = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  // Masked-off lanes are not read (no fault), so p may point outside the plane.
  static T maskz_load(const float* p, unsigned bits) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>(bits), p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(T v) { return _mm512_reduce_add_ps(v); }
  static constexpr int group = 16;
  // out[i] += sum(acc[i]) for i < 16 (see sum16).
  static void sum_group(const T* v, float* out) { _mm512_storeu_ps(out, _mm512_add_ps(_mm512_loadu_ps(out), sum16(v))); }
};

#include "sparse_transpose8.h"

// transpose_tiles in 16 x 16 register tiles, the edges by 8 x 8 tiles and scalars. The
// batch-minor path's packing is one transpose per call: on VGG's 2x2 layers the 8 x 8
// tiles' calls took a sixth of its time.
inline void transpose_tiles16(const float* src, int64_t rows, int64_t cols, int64_t lds, float* dst, int64_t ldd) {
  const int64_t r16 = rows & ~int64_t(15), c16 = cols & ~int64_t(15);
  for (int64_t r = 0; r < r16; r += 16)
    for (int64_t c = 0; c < c16; c += 16) {
      __m512 v[16];
      for (int i = 0; i < 16; ++i) v[i] = _mm512_loadu_ps(src + (r + i) * lds + c);
      permute_detail::transpose16(v);
      for (int j = 0; j < 16; ++j) _mm512_storeu_ps(dst + (c + j) * ldd + r, v[j]);
    }
  if (c16 < cols) transpose_tiles(src + c16, r16, cols - c16, lds, dst + c16 * ldd, ldd);
  if (r16 < rows) transpose_tiles(src + r16 * lds, rows - r16, cols, lds, dst + r16, ldd);
}

}  // namespace pai::sparse_detail::avx512

#define PAI_SPARSE_NS avx512
#include "sparse_kernels.h"
#undef PAI_SPARSE_NS

namespace pai::sparse_detail {
const BlockKernels kAvx512Kernels = avx512::make_kernels(avx512::transpose_tiles16);
}
