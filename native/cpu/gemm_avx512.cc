// AVX-512 SGEMM micro-kernel: a 14 x 32 tile of C in 28 zmm accumulators; per k step two
// vector loads of packed B and 14 broadcasts of packed A feed 28 FMAs, which keeps both FMA
// ports busy with loads to spare. Partial tiles use masked loads and stores.
#include <immintrin.h>

#include "gemm_kernel.h"

namespace pai::gemm {
namespace {

constexpr int kMr = 14, kNv = 2, kNr = 16 * kNv;

void micro_14x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                 float beta, int rows, int cols) {
  __m512 acc[kMr][kNv];
#pragma GCC unroll 14
  for (int i = 0; i < kMr; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < kNv; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * kMr), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < kMr; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
    }
    a += kMr;
    b += kNr;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  // Lane masks of the two vectors of a row: all ones for a full tile.
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xFFFF) : cols <= 16 ? __mmask16(0) : __mmask16((1u << (cols - 16)) - 1);
#pragma GCC unroll 14
  for (int i = 0; i < kMr; ++i) {
    if (i >= rows) break;
    float* ci = c + i * ldc;
    __m512 r0 = _mm512_mul_ps(acc[i][0], va), r1 = _mm512_mul_ps(acc[i][1], va);
    if (beta != 0.f) {
      r0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, ci), vb, r0);
      r1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, ci + 16), vb, r1);
    }
    _mm512_mask_storeu_ps(ci, m0, r0);
    _mm512_mask_storeu_ps(ci + 16, m1, r1);
  }
}

}  // namespace

const Kernel& kernel_avx512() {
  // kc = 384: a 14 x 384 A panel (21 KB) streams through L1 against a 384 x 32 B panel
  // (48 KB) held in L1/L2; deeper k blocks mean fewer passes over C.
  static const Kernel k{"avx512", kMr, kNr, 384, 14 * 32, 4096, &pack_a_avx512, &pack_b_avx512,
                        &micro_14x32};
  return k;
}

}  // namespace pai::gemm
