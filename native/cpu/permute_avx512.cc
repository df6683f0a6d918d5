// AVX-512 2-D transposition for permute: 16 x 16 tiles through the registers, so every
// cache line is read and written whole, once (scalar tiles thrash on power-of-two strides).
#include <immintrin.h>

#include "permute_transpose.h"

namespace pai::permute_detail {
namespace {

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff)
                 : static_cast<__mmask16>(n <= 0 ? 0 : (1u << n) - 1);
}

}  // namespace

void transpose_avx512(const float* src, int64_t src_stride, int64_t rows, int64_t cols,
                      float* dst, int64_t dst_stride) {
  // Column tiles outer: 16 output rows are written front to back, 16 streams at a time.
  for (int64_t c0 = 0; c0 < cols; c0 += 16) {
    const int64_t nc = cols - c0 < 16 ? cols - c0 : 16;
    for (int64_t r0 = 0; r0 < rows; r0 += 16) {
      const int64_t nr = rows - r0 < 16 ? rows - r0 : 16;
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = i < nr ? _mm512_maskz_loadu_ps(lanes(nc), src + (r0 + i) * src_stride + c0) : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t i = 0; i < nc; ++i) _mm512_mask_storeu_ps(dst + (c0 + i) * dst_stride + r0, lanes(nr), r[i]);
    }
  }
}

}  // namespace pai::permute_detail
