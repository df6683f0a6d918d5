// AVX2 packing for the 6 x 16 SGEMM kernel: 8 x 8 register transposes for the panels that
// need one (A not transposed, B transposed), masked vector copies for the others.
#include <immintrin.h>

#include "gemm_kernel.h"

namespace pai::gemm {
namespace {

// Lane mask with the first n of 8 lanes set (maskload/maskstore use the sign bit).
inline __m256i lanes(int64_t n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n < 0 ? 0 : n > 8 ? 8 : n)), idx);
}

// r[i][j] -> r[j][i] for an 8 x 8 block in 8 ymm registers.
inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  // u[4k + c], 128-bit lane L: rows 4k..4k+3 of column 4L + c.
#pragma GCC unroll 2
  for (int k = 0; k < 2; ++k) {
    u[4 * k] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

// d[p * width + i] = s[i * ld + p] (times the mask) for i < rows (<= 8), p < kc; lanes
// rows..out_lanes-1 get zeros, lanes past out_lanes are left alone.
void pack_transposed(const float* s, int64_t ld, const float* mask, int rows, int64_t kc,
                     float* d, int width, int out_lanes) {
  const __m256i store = lanes(out_lanes);
  for (int64_t p0 = 0; p0 < kc; p0 += 8) {
    const int64_t pn = kc - p0 < 8 ? kc - p0 : 8;
    const __m256i load = lanes(pn);
    __m256 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      if (i < rows) {
        r[i] = pn == 8 ? _mm256_loadu_ps(s + i * ld + p0) : _mm256_maskload_ps(s + i * ld + p0, load);
        if (mask) {
          const float* m = mask + i * ld + p0;
          r[i] = _mm256_mul_ps(r[i], pn == 8 ? _mm256_loadu_ps(m) : _mm256_maskload_ps(m, load));
        }
      } else {
        r[i] = _mm256_setzero_ps();
      }
    }
    transpose8(r);
    float* dp = d + p0 * width;
    for (int j = 0; j < pn; ++j) {
      if (out_lanes == 8) _mm256_storeu_ps(dp + j * width, r[j]);
      else _mm256_maskstore_ps(dp + j * width, store, r[j]);
    }
  }
}

// Panels of width kWidth from count consecutive columns of kc rows (ld apart): panel q,
// row p gets s[p * ld + q * kWidth + i] (times the mask), zeros past count. Row by row, so
// the source is read sequentially (a column strip would touch a new page per row).
template <int kWidth>
void pack_rows(const float* s, int64_t ld, const float* mask, int64_t count, int64_t kc, float* d) {
  constexpr int kVecs = (kWidth + 7) / 8;
  const int64_t panels = (count + kWidth - 1) / kWidth;
  for (int64_t p = 0; p < kc; ++p) {
    const float* sp = s + p * ld;
    const float* mp = mask ? mask + p * ld : nullptr;
    for (int64_t q = 0; q < panels; ++q) {
      float* dp = d + (q * kc + p) * kWidth;
      const int64_t left = count - q * kWidth;
#pragma GCC unroll 2
      for (int v = 0; v < kVecs; ++v) {
        const int64_t at = q * kWidth + 8 * v;
        __m256 x;
        if (left - 8 * v >= 8) {
          x = _mm256_loadu_ps(sp + at);
          if (mp) x = _mm256_mul_ps(x, _mm256_loadu_ps(mp + at));
        } else {
          const __m256i load = lanes(left - 8 * v);
          x = _mm256_maskload_ps(sp + at, load);
          if (mp) x = _mm256_mul_ps(x, _mm256_maskload_ps(mp + at, load));
        }
        if (kWidth - 8 * v >= 8) _mm256_storeu_ps(dp + 8 * v, x);
        else _mm256_maskstore_ps(dp + 8 * v, lanes(kWidth - 8 * v), x);
      }
    }
  }
}

constexpr int kMr = 6, kNr = 16;

}  // namespace

void pack_a_avx2(bool trans, const float* a, int64_t lda, const float* mask, int64_t i0,
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

void pack_b_avx2(bool trans, const float* b, int64_t ldb, const float* mask, int64_t p0,
                 int64_t kc, int64_t j0, int64_t cols, float* dst) {
  if (!trans) {  // stored k x n: the columns of a panel are contiguous
    const int64_t off = p0 * ldb + j0;
    pack_rows<kNr>(b + off, ldb, mask ? mask + off : nullptr, cols, kc, dst);
    return;
  }
  // Stored n x k: each column of op(B) is a row of B, transposed 8 at a time.
  for (int64_t jb = 0; jb < cols; jb += kNr) {
    const int c = static_cast<int>(cols - jb < kNr ? cols - jb : kNr);
    float* d = dst + jb * kc;
    for (int h = 0; h < kNr; h += 8) {
      const int hr = c - h;
      if (hr > 0) {
        const int64_t off = (j0 + jb + h) * ldb + p0;
        pack_transposed(b + off, ldb, mask ? mask + off : nullptr, hr < 8 ? hr : 8, kc, d + h, kNr, 8);
      } else {
        for (int64_t p = 0; p < kc; ++p) _mm256_storeu_ps(d + p * kNr + h, _mm256_setzero_ps());
      }
    }
  }
}

}  // namespace pai::gemm
