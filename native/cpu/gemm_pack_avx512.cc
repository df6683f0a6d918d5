// AVX-512 packing for the 14 x 32 SGEMM kernel. Panels that need a transpose (A not
// transposed, B transposed) go through 16 x 16 register transposes, 64 shuffles per 256
// floats, instead of strided scalar stores; the others are masked vector copies.
#include <immintrin.h>

#include "gemm_kernel.h"

namespace pai::gemm {
namespace {

inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// r[i][j] -> r[j][i] for a 16 x 16 block held in 16 zmm registers.
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // u[4k + c], 128-bit lane L: rows 4k..4k+3 of column 4L + c.
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) {
    u[4 * k] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    u[4 * k + 1] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    u[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    u[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  // A 4 x 4 transpose of 128-bit lanes for each c.
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44);
    const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}

// d[p * width + i] = s[i * ld + p] (times the mask) for i < rows (<= 16), p < kc; lanes
// rows..out_lanes-1 get zeros, lanes past out_lanes are left alone.
void pack_transposed(const float* s, int64_t ld, const float* mask, int rows, int64_t kc,
                     float* d, int width, int out_lanes) {
  const __mmask16 store = lanes(out_lanes);
  for (int64_t p0 = 0; p0 < kc; p0 += 16) {
    const int64_t pn = kc - p0 < 16 ? kc - p0 : 16;
    const __mmask16 load = lanes(pn);
    __m512 r[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) {
      if (i < rows) {
        r[i] = _mm512_maskz_loadu_ps(load, s + i * ld + p0);
        if (mask) r[i] = _mm512_mul_ps(r[i], _mm512_maskz_loadu_ps(load, mask + i * ld + p0));
      } else {
        r[i] = _mm512_setzero_ps();
      }
    }
    transpose16(r);
    float* dp = d + p0 * width;
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      if (j < pn) _mm512_mask_storeu_ps(dp + j * width, store, r[j]);
    }
  }
}

// Panels of width kWidth from count consecutive columns of kc rows (ld apart): panel q,
// row p gets s[p * ld + q * kWidth + i] (times the mask), zeros past count. Row by row, so
// the source is read sequentially (a column strip would touch a new page per row).
template <int kWidth>
void pack_rows(const float* s, int64_t ld, const float* mask, int64_t count, int64_t kc, float* d) {
  constexpr int kVecs = (kWidth + 15) / 16;
  const int64_t panels = (count + kWidth - 1) / kWidth;
  for (int64_t p = 0; p < kc; ++p) {
    const float* sp = s + p * ld;
    const float* mp = mask ? mask + p * ld : nullptr;
    for (int64_t q = 0; q < panels; ++q) {
      float* dp = d + (q * kc + p) * kWidth;
      const int64_t left = count - q * kWidth;
#pragma GCC unroll 2
      for (int v = 0; v < kVecs; ++v) {
        const __mmask16 load = lanes(left - 16 * v), store = lanes(kWidth - 16 * v);
        const int64_t at = q * kWidth + 16 * v;
        __m512 x = _mm512_maskz_loadu_ps(load, sp + at);
        if (mp) x = _mm512_mul_ps(x, _mm512_maskz_loadu_ps(load, mp + at));
        _mm512_mask_storeu_ps(dp + 16 * v, store, x);
      }
    }
  }
}

constexpr int kMr = 14, kNr = 32;

}  // namespace

void pack_a_avx512(bool trans, const float* a, int64_t lda, const float* mask, int64_t i0,
                   int64_t rows, int64_t p0, int64_t kc, float* dst) {
  if (trans) {  // stored k x m: the rows of a panel are contiguous
    const int64_t off = p0 * lda + i0;
    pack_rows<kMr>(a + off, lda, mask ? mask + off : nullptr, rows, kc, dst);
    return;
  }
  for (int64_t ib = 0; ib < rows; ib += kMr) {
    const int r = static_cast<int>(rows - ib < kMr ? rows - ib : kMr);
    const int64_t off = (i0 + ib) * lda + p0;
    pack_transposed(a + off, lda, mask ? mask + off : nullptr, r, kc, dst + ib * kc, kMr, kMr);
  }
}

void pack_b_avx512(bool trans, const float* b, int64_t ldb, const float* mask, int64_t p0,
                   int64_t kc, int64_t j0, int64_t cols, float* dst) {
  if (!trans) {  // stored k x n: the columns of a panel are contiguous
    const int64_t off = p0 * ldb + j0;
    pack_rows<kNr>(b + off, ldb, mask ? mask + off : nullptr, cols, kc, dst);
    return;
  }
  // Stored n x k: each column of op(B) is a row of B, transposed 16 at a time.
  for (int64_t jb = 0; jb < cols; jb += kNr) {
    const int c = static_cast<int>(cols - jb < kNr ? cols - jb : kNr);
    float* d = dst + jb * kc;
    for (int h = 0; h < kNr; h += 16) {
      const int hr = c - h;
      if (hr > 0) {
        const int64_t off = (j0 + jb + h) * ldb + p0;
        pack_transposed(b + off, ldb, mask ? mask + off : nullptr, hr < 16 ? hr : 16, kc, d + h, kNr, 16);
      } else {
        for (int64_t p = 0; p < kc; ++p) _mm512_storeu_ps(d + p * kNr + h, _mm512_setzero_ps());
      }
    }
  }
}

}  // namespace pai::gemm
