// AVX-512 micro-kernel of the convolution product: 8 rows x 48 columns, 24 accumulators,
// one broadcast of A and three loads of B per reduction step. Edge tiles use lane masks
// for columns and skip rows past `rows`.
#include <immintrin.h>

#include "conv_gemm.h"

namespace pai::conv_detail {
namespace {

constexpr int kMr = 8, kVecs = 3;

inline __mmask16 lanes(int n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff)
                 : static_cast<__mmask16>(n <= 0 ? 0 : (1u << n) - 1);
}

void run_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                bool accumulate, int rows, int cols, const float* bias) {
  const bool full = rows == kMr && cols == 16 * kVecs;
  __mmask16 m[kVecs];
#pragma GCC unroll 3
  for (int j = 0; j < kVecs; ++j) m[j] = lanes(cols - 16 * j);
  __m512 acc[kMr][kVecs];
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) {
    const __m512 init = bias && i < rows ? _mm512_set1_ps(bias[i]) : _mm512_setzero_ps();
#pragma GCC unroll 3
    for (int j = 0; j < kVecs; ++j) {
      if (!accumulate) acc[i][j] = init;
      else if (full) acc[i][j] = _mm512_loadu_ps(c + i * ldc + 16 * j);
      else acc[i][j] = i < rows ? _mm512_maskz_loadu_ps(m[j], c + i * ldc + 16 * j) : init;
    }
  }
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[kVecs];
#pragma GCC unroll 3
    for (int j = 0; j < kVecs; ++j) bv[j] = _mm512_loadu_ps(b + 16 * j);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * 16 * kVecs), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
#pragma GCC unroll 3
      for (int j = 0; j < kVecs; ++j) acc[i][j] = _mm512_fmadd_ps(ai, bv[j], acc[i][j]);
    }
    a += kMr;
    b += 16 * kVecs;
  }
  if (full) {
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i)
#pragma GCC unroll 3
      for (int j = 0; j < kVecs; ++j) _mm512_storeu_ps(c + i * ldc + 16 * j, acc[i][j]);
    return;
  }
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) {
    if (i >= rows) break;
#pragma GCC unroll 3
    for (int j = 0; j < kVecs; ++j) _mm512_mask_storeu_ps(c + i * ldc + 16 * j, m[j], acc[i][j]);
  }
}

}  // namespace

MicroKernel micro_kernel_avx512() { return MicroKernel{kMr, 16 * kVecs, run_avx512}; }

}  // namespace pai::conv_detail
