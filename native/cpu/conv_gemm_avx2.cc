// AVX2 micro-kernel of the convolution product: 6 rows x 16 columns, 12 accumulators
// (of 16 ymm registers), one broadcast of A and two loads of B per reduction step.
#include <immintrin.h>

#include "conv_gemm.h"

namespace pai::conv_detail {
namespace {

constexpr int kMr = 6, kVecs = 2;

void run_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
              bool accumulate) {
  __m256 acc[kMr][kVecs];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < kVecs; ++j)
      acc[i][j] = accumulate ? _mm256_loadu_ps(c + i * ldc + 8 * j) : _mm256_setzero_ps();
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
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < kVecs; ++j) _mm256_storeu_ps(c + i * ldc + 8 * j, acc[i][j]);
}

}  // namespace

MicroKernel micro_kernel_avx2() { return MicroKernel{kMr, 8 * kVecs, run_avx2}; }

}  // namespace pai::conv_detail
