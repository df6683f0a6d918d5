// FMA-throughput loop for the AVX-512 peak estimate: 12 independent zmm chains cover the
// 4-cycle FMA latency on two ports.
#include <immintrin.h>

#include "gemm_kernel.h"

namespace pai::gemm {

double fma_loop_avx512(int64_t iters) {
  constexpr int kChains = 12;
  __m512 acc[kChains];
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
#pragma GCC unroll 12
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  // Consumed so that the loop is not removed.
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return static_cast<double>(iters) * kChains * 16 * 2;
}

}  // namespace pai::gemm
