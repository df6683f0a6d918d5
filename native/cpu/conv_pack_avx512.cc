// AVX-512 transposition for the weight-gradient packs: 16 x 16 blocks through the
// registers (unpack, shuffle, two 128-bit lane shuffles), instead of one strided scalar
// access per element.
#include <immintrin.h>

#include "conv_gemm.h"

namespace pai::conv_detail {
namespace {

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff)
                 : static_cast<__mmask16>(n <= 0 ? 0 : (1u << n) - 1);
}

// In place: r[i] becomes column i of the 16 x 16 block whose rows were r[0..15].
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512 a = t[4 * i], b = t[4 * i + 1], c = t[4 * i + 2], d = t[4 * i + 3];
    r[4 * i] = _mm512_shuffle_ps(a, c, 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(a, c, 0xee);
    r[4 * i + 2] = _mm512_shuffle_ps(b, d, 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(b, d, 0xee);
  }
  // r[4i + j] now holds, for rows 4i..4i+3, element j of each 128-bit lane.
  for (int j = 0; j < 4; ++j) {
    const __m512 a = r[j], b = r[4 + j], c = r[8 + j], d = r[12 + j];
    const __m512 ab_lo = _mm512_shuffle_f32x4(a, b, 0x88), ab_hi = _mm512_shuffle_f32x4(a, b, 0xdd);
    const __m512 cd_lo = _mm512_shuffle_f32x4(c, d, 0x88), cd_hi = _mm512_shuffle_f32x4(c, d, 0xdd);
    t[j] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0x88);
    t[4 + j] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0x88);
    t[8 + j] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0xdd);
    t[12 + j] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
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
      transpose16(r);
      const __mmask16 out = lanes(width - t0);
      const int64_t count = len - l0 < 16 ? len - l0 : 16;
      for (int64_t i = 0; i < count; ++i) _mm512_mask_storeu_ps(dst + (l0 + i) * width + t0, out, r[i]);
    }
  }
}

}  // namespace pai::conv_detail
