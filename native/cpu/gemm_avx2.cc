// AVX2+FMA SGEMM micro-kernel: a 6 x 16 tile of C in 12 ymm accumulators; per k step two
// loads of B and six broadcasts of packed A feed 12 FMAs (15 of 16 ymm registers). Edge
// tiles get kernels of their own size; partial columns use masked loads and stores.
#include <immintrin.h>

#include "gemm_kernel.h"

namespace pai::gemm {
namespace {

constexpr int kMr = 6, kNr = 16;

inline __m256i lane_mask(int n) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n < 0 ? 0 : n > 8 ? 8 : n), idx);
}

// R rows (of the kMr-strided A panel) by 8 * NV columns.
template <int R, int NV>
void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
          float alpha, float beta, int cols) {
  __m256 acc[R][NV];
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_load_ps(b + 8 * j);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += kMr;
    b += kNr;  // packed panels are kNr wide whatever NV
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  if (cols == 8 * NV) {
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc;
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) {
        __m256 r = _mm256_mul_ps(acc[i][j], va);
        if (beta != 0.f) r = _mm256_fmadd_ps(_mm256_loadu_ps(ci + 8 * j), vb, r);
        _mm256_storeu_ps(ci + 8 * j, r);
      }
    }
    return;
  }
  __m256i mask[NV];
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) mask[j] = lane_mask(cols - 8 * j);
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      __m256 r = _mm256_mul_ps(acc[i][j], va);
      if (beta != 0.f) r = _mm256_fmadd_ps(_mm256_maskload_ps(ci + 8 * j, mask[j]), vb, r);
      _mm256_maskstore_ps(ci + 8 * j, mask[j], r);
    }
  }
}

using TileFn = void (*)(int64_t, const float*, const float*, float*, int64_t, float, float, int);

// Kernels indexed by rows - 1, for 16 and for 8 columns (plain arrays: see gemm_avx512.cc).
const TileFn kWide[kMr] = {&tile<1, 2>, &tile<2, 2>, &tile<3, 2>, &tile<4, 2>, &tile<5, 2>, &tile<6, 2>};
const TileFn kNarrow[kMr] = {&tile<1, 1>, &tile<2, 1>, &tile<3, 1>, &tile<4, 1>, &tile<5, 1>, &tile<6, 1>};

void micro(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
           float alpha, float beta, int rows, int cols) {
  (cols > 8 ? kWide : kNarrow)[rows - 1](kc, a, b, c, ldc, alpha, beta, cols);
}

}  // namespace

const Kernel& kernel_avx2() {
  static const Kernel k{"avx2", kMr, kNr, 256, 6 * 48, 4096, &pack_a_avx2, &pack_b_avx2, &micro};
  return k;
}

}  // namespace pai::gemm
