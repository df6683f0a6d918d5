// Dense single-precision GEMM, row-major, BLAS semantics:
//   C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C
// op(X) = X or X^T. lda/ldb/ldc are row strides in elements of the stored matrices.
// beta == 0 means C is written without being read (NaNs in C do not propagate).
#pragma once
#include <cstdint>

#include "pai/cpu_features.h"

namespace pai {

struct GemmMasks {
  // Optional 0/1 masks with the same layout and leading dimension as the stored A or B,
  // multiplied in while packing (the masked-dense kernels of sparse execution).
  const float* a = nullptr;
  const float* b = nullptr;
};

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, const GemmMasks& masks = GemmMasks());

// Measured multiply-add throughput of an ISA path on all pool threads at once, in GFLOP/s:
// the practical ceiling for sgemm on this machine (runs for about 10-50 ms).
double fma_peak_gflops(Isa isa);

}  // namespace pai
