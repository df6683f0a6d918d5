// AVX-512 packing helpers of the convolution products: transposition for the
// weight-gradient packs (16 x 16 blocks through the registers instead of one strided
// scalar access per element), and shifted-row copies for the padded-tile path.
#include <immintrin.h>

#include "conv_gemm.h"
#include "permute_transpose.h"

namespace pai::conv_detail {
namespace {

inline __mmask16 lanes(int64_t n) {
  if (n <= 0) return 0;
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

void transpose_pack_rows_avx512(const float* src, const int64_t* offsets, int64_t rows,
                                int64_t len, int64_t width, float* dst) {
  for (int64_t l0 = 0; l0 < len; l0 += 16) {
    const __mmask16 in = lanes(len - l0);
    for (int64_t t0 = 0; t0 < width; t0 += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = t0 + i < rows ? _mm512_maskz_loadu_ps(in, src + offsets[t0 + i] + l0) : _mm512_setzero_ps();
      permute_detail::transpose16(r);
      const __mmask16 out = lanes(width - t0);
      const int64_t count = len - l0 < 16 ? len - l0 : 16;
      for (int64_t i = 0; i < count; ++i) _mm512_mask_storeu_ps(dst + (l0 + i) * width + t0, out, r[i]);
    }
  }
}

void pack_shifted_avx512(const float* src, const int64_t* offsets, int64_t kc, int width,
                         float* dst) {
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + offsets[p];
    float* d = dst + p * width;
    int t = 0;
    for (; t + 16 <= width; t += 16) _mm512_storeu_ps(d + t, _mm512_loadu_ps(s + t));
    if (t < width) {
      const __mmask16 m = lanes(width - t);
      _mm512_mask_storeu_ps(d + t, m, _mm512_maskz_loadu_ps(m, s + t));
    }
  }
}

namespace {

// Lanes i with lo <= i < hi.
inline __mmask16 span(int64_t lo, int64_t hi) { return static_cast<__mmask16>(lanes(hi) & ~lanes(lo)); }

}  // namespace

void pad_row_avx512(const float* row, int64_t w, int64_t pw, float* dst, int64_t pitch) {
  for (int64_t x0 = 0; x0 < pitch; x0 += 16) {
    const int64_t i0 = x0 - pw;  // input column of lane 0
    const __m512 v = _mm512_maskz_loadu_ps(span(-i0, w - i0), row + i0);
    _mm512_mask_storeu_ps(dst + x0, lanes(pitch - x0), v);
  }
}

void pad_row_pairs_avx512(const float* row, int64_t w, int64_t pw, float* d0, float* d1,
                          int64_t pitch) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t c0 = 0; c0 < pitch; c0 += 16) {
    const int64_t i0 = 2 * c0 - pw, i1 = i0 + 16;  // input columns of lanes 0 and 16
    const __m512 a = _mm512_maskz_loadu_ps(span(-i0, w - i0), row + i0);
    const __m512 b = _mm512_maskz_loadu_ps(span(-i1, w - i1), row + i1);
    const __mmask16 m = lanes(pitch - c0);
    _mm512_mask_storeu_ps(d0 + c0, m, _mm512_permutex2var_ps(a, even, b));
    _mm512_mask_storeu_ps(d1 + c0, m, _mm512_permutex2var_ps(a, odd, b));
  }
}

}  // namespace pai::conv_detail
