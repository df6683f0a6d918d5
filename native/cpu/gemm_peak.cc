// Measured peak: each ISA's multiply-add throughput loop run on every pool thread at once,
// the ceiling that benchmarks print beside GEMM GFLOP/s.
#include <emmintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "gemm_kernel.h"
#include "pai/gemm.h"
#include "pai/parallel.h"

namespace pai {

namespace gemm {

// SSE2 has no FMA: independent multiply and add chains, as the baseline micro-kernel uses.
double fma_loop_baseline(int64_t iters) {
  constexpr int kChains = 12;
  __m128 acc[kChains];
  const __m128 x = _mm_set1_ps(0.999999f), y = _mm_set1_ps(1e-7f);
  for (int i = 0; i < kChains; ++i) acc[i] = _mm_set1_ps(static_cast<float>(i));
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm_add_ps(_mm_mul_ps(acc[i], x), y);
  }
  __m128 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm_add_ps(s, acc[i]);
  volatile float sink = _mm_cvtss_f32(s);
  (void)sink;
  return static_cast<double>(iters) * kChains * 4 * 2;
}

}  // namespace gemm

double fma_peak_gflops(Isa isa) {
  double (*loop)(int64_t) = isa == Isa::Avx512 ? gemm::fma_loop_avx512
                            : isa == Isa::Avx2 ? gemm::fma_loop_avx2
                                               : gemm::fma_loop_baseline;
  loop(200000);  // warm up: wakes the vector units and lets the clock settle
  const int threads = num_threads();
  constexpr int64_t kIters = 2000000;  // about 5-20 ms per thread
  std::atomic<int64_t> flops_milli{0};
  const auto t0 = std::chrono::steady_clock::now();
  parallel_for(0, threads, 1, [&](int64_t a, int64_t b) {
    double f = 0;
    for (int64_t t = a; t < b; ++t) f += loop(kIters);
    flops_milli += static_cast<int64_t>(f / 1000);
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(flops_milli.load()) * 1000 / s / 1e9;
}

}  // namespace pai
