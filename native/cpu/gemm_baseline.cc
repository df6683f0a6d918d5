// Portable SGEMM micro-kernel for the baseline x86-64 path (SSE2 only): a 4 x 16 tile in
// plain loops that the compiler keeps in 16 xmm registers.
#include "gemm_kernel.h"
#include "gemm_pack.h"

namespace pai::gemm {
namespace {

constexpr int kMr = 4, kNr = 16;

void micro_4x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                float beta, int rows, int cols) {
  float acc[kMr][kNr] = {};
  for (int64_t p = 0; p < kc; ++p) {
#pragma GCC unroll 4
    for (int i = 0; i < kMr; ++i) {
      const float av = a[i];
#pragma GCC unroll 16
      for (int j = 0; j < kNr; ++j) acc[i][j] += av * b[j];
    }
    a += kMr;
    b += kNr;
  }
  store_partial_tile<kMr, kNr>(&acc[0][0], c, ldc, alpha, beta, rows, cols);
}

}  // namespace

const Kernel& kernel_baseline() {
  static const Kernel k{"baseline", kMr, kNr, 256, 128, 2048,
                        &pack_a_generic<kMr>, &pack_b_generic<kNr>, &micro_4x16};
  return k;
}

}  // namespace pai::gemm
