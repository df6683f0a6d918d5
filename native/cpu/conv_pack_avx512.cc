// AVX-512 transposition for the weight-gradient packs: 16 x 16 blocks through the
// registers (unpack, shuffle, two 128-bit lane shuffles), instead of one strided scalar
// access per element.
#include <immintrin.h>

#include "conv_gemm.h"
#include "permute_transpose.h"

namespace pai::conv_detail {
namespace {

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff)
                 : static_cast<__mmask16>(n <= 0 ? 0 : (1u << n) - 1);
}

}  // namespace

void transpose_pack_avx512(const float* src, int64_t ld, int64_t rows, int64_t len,
                           int64_t width, float* dst) {
  for (int64_t l0 = 0; l0 < len; l0 += 16) {
    const __mmask16 in = lanes(len - l0);
    for (int64_t t0 = 0; t0 < width; t0 += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = t0 + i < rows ? _mm512_maskz_loadu_ps(in, src + (t0 + i) * ld + l0) : _mm512_setzero_ps();
      permute_detail::transpose16(r);
      const __mmask16 out = lanes(width - t0);
      const int64_t count = len - l0 < 16 ? len - l0 : 16;
      for (int64_t i = 0; i < count; ++i) _mm512_mask_storeu_ps(dst + (l0 + i) * width + t0, out, r[i]);
    }
  }
}

}  // namespace pai::conv_detail
