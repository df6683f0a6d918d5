// AVX-512 forward product of the few-pixel convolutions with the batch pixels across the
// vector lanes (see conv_few_pixels.h): y[r][q] = sum_k (w * m)[r][k] col[k][q]. Each
// weight is broadcast once into a whole row of accumulators, so with 9 to 64 pixels the
// lanes are (nearly) full and no horizontal sums are needed; below that the taps-across-
// lanes kernel wastes fewer lanes.
#include <immintrin.h>

#include <algorithm>

#include "conv_few_pixels.h"

namespace pai::conv_detail {
namespace {

// Taps per chunk of a masked row block: the masked rows (rows x chunk) stay in L1.
constexpr int64_t kMaskChunk = 256;

// acc[r][v] (+)= sum over k < kc of a[r * lda + k] * col[k * ldc + 16 v + lane], for R
// rows; the result goes to y[r * ldy + 16 v + lane]. Rows past `rows` repeat the last
// one and are not stored.
template <int V, int R>
void lanes_block(const float* a, int64_t lda, int64_t rows, int64_t kc, const float* col,
                 int64_t ldc, bool accumulate, float* y, int64_t ldy) {
  const float* ar[R];
  for (int r = 0; r < R; ++r) ar[r] = a + std::min<int64_t>(r, rows - 1) * lda;
  __m512 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[r][v] = accumulate && r < rows ? _mm512_load_ps(y + r * ldy + 16 * v) : _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 c[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) c[v] = _mm512_load_ps(col + k * ldc + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 wr = _mm512_set1_ps(ar[r][k]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(wr, c[v], acc[r][v]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (r >= rows) break;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) _mm512_store_ps(y + r * ldy + 16 * v, acc[r][v]);
  }
}

// Enough rows to keep 16-24 accumulators busy while leaving registers for the row
// pointers and the pixel vectors.
template <int V>
constexpr int rows_for() {
  return V == 4 ? 6 : 8;
}

template <int V>
void lanes_rows(const float* w, const float* m, int64_t taps, int64_t rows, const float* col,
                int64_t ldc, float* y) {
  constexpr int R = rows_for<V>();
  alignas(64) float wm[R * kMaskChunk];
  for (int64_t r0 = 0; r0 < rows; r0 += R) {
    const int64_t nr = std::min<int64_t>(R, rows - r0);
    float* yr = y + r0 * ldc;
    if (!m) {
      lanes_block<V, R>(w + r0 * taps, taps, nr, taps, col, ldc, false, yr, ldc);
      continue;
    }
    for (int64_t k0 = 0; k0 < taps; k0 += kMaskChunk) {
      const int64_t kc = std::min(kMaskChunk, taps - k0);
      for (int64_t r = 0; r < nr; ++r) {
        const float* wr = w + (r0 + r) * taps + k0;
        const float* mr = m + (r0 + r) * taps + k0;
        for (int64_t k = 0; k < kc; k += 16) {
          const __mmask16 l = static_cast<__mmask16>(kc - k >= 16 ? 0xffff : (1u << (kc - k)) - 1);
          _mm512_mask_storeu_ps(wm + r * kMaskChunk + k, l,
                                _mm512_mul_ps(_mm512_maskz_loadu_ps(l, wr + k), _mm512_maskz_loadu_ps(l, mr + k)));
        }
      }
      lanes_block<V, R>(wm, kMaskChunk, nr, kc, col + k0 * ldc, ldc, k0 > 0, yr, ldc);
    }
  }
}

}  // namespace

int64_t lanes_rows_per_block(int64_t ldc) {
  return ldc <= 16 * 3 ? rows_for<1>() : rows_for<4>();
}

void lanes_forward_avx512(const float* w, const float* m, int64_t taps, int64_t rows,
                          const float* col, int64_t ldc, float* y) {
  switch (ldc / 16) {
    case 1: return lanes_rows<1>(w, m, taps, rows, col, ldc, y);
    case 2: return lanes_rows<2>(w, m, taps, rows, col, ldc, y);
    case 3: return lanes_rows<3>(w, m, taps, rows, col, ldc, y);
    default: return lanes_rows<4>(w, m, taps, rows, col, ldc, y);
  }
}

}  // namespace pai::conv_detail
