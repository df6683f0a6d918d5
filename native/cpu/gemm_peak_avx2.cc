// FMA-throughput loop for the AVX2+FMA peak estimate: 12 independent ymm chains.
#include <immintrin.h>

#include "gemm_kernel.h"

namespace pai::gemm {

double fma_loop_avx2(int64_t iters) {
  constexpr int kChains = 12;
  __m256 acc[kChains];
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
#pragma GCC unroll 12
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  volatile float sink = lanes[0] + lanes[7];
  (void)sink;
  return static_cast<double>(iters) * kChains * 8 * 2;
}

}  // namespace pai::gemm
