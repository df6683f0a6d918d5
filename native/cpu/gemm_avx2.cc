// AVX2+FMA SGEMM micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators; per k step two
// loads of packed B and six broadcasts of packed A feed 12 FMAs (15 of 16 ymm registers).
#include <immintrin.h>

#include "gemm_kernel.h"
#include "gemm_pack.h"

namespace pai::gemm {
namespace {

constexpr int kMr = 6, kNr = 16;

void micro_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                float beta, int rows, int cols) {
  __m256 acc[kMr][2];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
    a += kMr;
    b += kNr;
  }
  if (rows == kMr && cols == kNr) {
    const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) {
      float* ci = c + i * ldc;
      __m256 r0 = _mm256_mul_ps(acc[i][0], va), r1 = _mm256_mul_ps(acc[i][1], va);
      if (beta != 0.f) {
        r0 = _mm256_fmadd_ps(_mm256_loadu_ps(ci), vb, r0);
        r1 = _mm256_fmadd_ps(_mm256_loadu_ps(ci + 8), vb, r1);
      }
      _mm256_storeu_ps(ci, r0);
      _mm256_storeu_ps(ci + 8, r1);
    }
    return;
  }
  alignas(32) float tile[kMr * kNr];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; ++i) {
    _mm256_store_ps(tile + i * kNr, acc[i][0]);
    _mm256_store_ps(tile + i * kNr + 8, acc[i][1]);
  }
  store_partial_tile<kMr, kNr>(tile, c, ldc, alpha, beta, rows, cols);
}

}  // namespace

const Kernel& kernel_avx2() {
  static const Kernel k{"avx2", kMr, kNr, 256, 6 * 48, 4096, &pack_a_avx2, &pack_b_avx2,
                        &micro_6x16};
  return k;
}

}  // namespace pai::gemm
