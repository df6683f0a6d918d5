// AVX2 micro-kernel of the convolution product: 6 rows x 16 columns, 12 accumulators
// (of 16 ymm registers), one broadcast of A and two loads of B per reduction step. Edge
// tiles use vmaskmov lane masks for columns and skip rows past `rows`.
#include <immintrin.h>

#include "conv_gemm.h"

namespace pai::conv_detail {
namespace {

constexpr int kMr = 6, kVecs = 2;

inline __m256i lanes(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

void run_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
              bool accumulate, int rows, int cols, const float* bias) {
  const bool full = rows == kMr && cols == 8 * kVecs;
  const __m256i m[kVecs] = {lanes(cols), lanes(cols - 8)};
  __m256 acc[kMr][kVecs];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) {
    const __m256 init = bias && i < rows ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();
#pragma GCC unroll 2
    for (int j = 0; j < kVecs; ++j) {
      if (!accumulate) acc[i][j] = init;
      else if (full) acc[i][j] = _mm256_loadu_ps(c + i * ldc + 8 * j);
      else acc[i][j] = i < rows ? _mm256_maskload_ps(c + i * ldc + 8 * j, m[j]) : init;
    }
  }
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += kMr;
    b += 8 * kVecs;
  }
  if (full) {
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i)
#pragma GCC unroll 2
      for (int j = 0; j < kVecs; ++j) _mm256_storeu_ps(c + i * ldc + 8 * j, acc[i][j]);
    return;
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) {
    if (i >= rows) break;
#pragma GCC unroll 2
    for (int j = 0; j < kVecs; ++j) _mm256_maskstore_ps(c + i * ldc + 8 * j, m[j], acc[i][j]);
  }
}

}  // namespace

MicroKernel micro_kernel_avx2() { return MicroKernel{kMr, 8 * kVecs, run_avx2}; }

}  // namespace pai::conv_detail
