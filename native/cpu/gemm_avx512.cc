// AVX-512 SGEMM micro-kernel: a 14 x 32 tile of C in 28 zmm accumulators; per k step two
// vector loads of B and 14 broadcasts of packed A feed 28 FMAs, which keeps both FMA ports
// busy with loads to spare. Edge tiles get kernels of their own size (fewer rows, one
// vector of columns) instead of computing padding; partial columns use masked stores.
#include <immintrin.h>

#include "gemm_kernel.h"

namespace pai::gemm {
namespace {

constexpr int kMr = 14, kNr = 32;

// R rows (of the kMr-strided A panel) by 16 * NV columns.
template <int R, int NV>
void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
          float alpha, float beta, int cols) {
  __m512 acc[R][NV];
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    __m512 bv[NV];
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_load_ps(b + 16 * j);
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * kMr), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
#pragma GCC unroll 2
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += kMr;
    b += kNr;  // packed panels are kNr wide whatever NV
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  __mmask16 mask[NV];
#pragma GCC unroll 2
  for (int j = 0; j < NV; ++j) {
    const int left = cols - 16 * j;
    mask[j] = left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
  }
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) {
      __m512 r = _mm512_mul_ps(acc[i][j], va);
      if (beta != 0.f) r = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask[j], ci + 16 * j), vb, r);
      _mm512_mask_storeu_ps(ci + 16 * j, mask[j], r);
    }
  }
}

using TileFn = void (*)(int64_t, const float*, const float*, float*, int64_t, float, float, int);

// Kernels indexed by rows - 1, for 32 and for 16 columns. (Plain arrays: no standard
// library templates are instantiated in this AVX-512 file, so none can be shared with,
// and picked by the linker for, code that runs on older CPUs.)
const TileFn kWide[kMr] = {&tile<1, 2>, &tile<2, 2>, &tile<3, 2>, &tile<4, 2>, &tile<5, 2>,
                           &tile<6, 2>, &tile<7, 2>, &tile<8, 2>, &tile<9, 2>, &tile<10, 2>,
                           &tile<11, 2>, &tile<12, 2>, &tile<13, 2>, &tile<14, 2>};
const TileFn kNarrow[kMr] = {&tile<1, 1>, &tile<2, 1>, &tile<3, 1>, &tile<4, 1>, &tile<5, 1>,
                             &tile<6, 1>, &tile<7, 1>, &tile<8, 1>, &tile<9, 1>, &tile<10, 1>,
                             &tile<11, 1>, &tile<12, 1>, &tile<13, 1>, &tile<14, 1>};

void micro(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
           float alpha, float beta, int rows, int cols) {
  (cols > 16 ? kWide : kNarrow)[rows - 1](kc, a, b, c, ldc, alpha, beta, cols);
}

}  // namespace

const Kernel& kernel_avx512() {
  // kc = 384: a 14 x 384 A panel (21 KB) streams through L1 against a 384 x 32 B panel
  // (48 KB) held in L1/L2; deeper k blocks mean fewer passes over C.
  static const Kernel k{"avx512", kMr, kNr, 384, 14 * 32, 4096, &pack_a_avx512, &pack_b_avx512, &micro};
  return k;
}

}  // namespace pai::gemm
