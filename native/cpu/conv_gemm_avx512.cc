// AVX-512 micro-kernel of the convolution product: 8 rows x 48 columns, 24 accumulators,
// one broadcast of A and three loads of B per reduction step.
#include <immintrin.h>

#include "conv_gemm.h"

namespace pai::conv_detail {
namespace {

constexpr int kMr = 8, kVecs = 3;

void run_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                bool accumulate) {
  __m512 acc[kMr][kVecs];
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i)
#pragma GCC unroll 3
    for (int j = 0; j < kVecs; ++j)
      acc[i][j] = accumulate ? _mm512_loadu_ps(c + i * ldc + 16 * j) : _mm512_setzero_ps();
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
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i)
#pragma GCC unroll 3
    for (int j = 0; j < kVecs; ++j) _mm512_storeu_ps(c + i * ldc + 16 * j, acc[i][j]);
}

}  // namespace

MicroKernel micro_kernel_avx512() { return MicroKernel{kMr, 16 * kVecs, run_avx512}; }

}  // namespace pai::conv_detail
