// SGEMM as a GEMM-engine problem: strided element access covers all four transpose
// combinations, and the masks ride along the same index.
#include <string>

#include "cuda/gemm.h"
#include "cuda/gemm_core.cuh"

namespace pai::cuda {
namespace {

struct SgemmProblem : GemmShape {
  const float* a;
  const float* b;
  const float* a_mask;
  const float* b_mask;
  float* c;
  int64_t lda, ldb, ldc;
  int64_t a_row_stride, a_k_stride, b_col_stride, b_k_stride;
  int64_t a_batch, b_batch, c_batch;  // element strides between batch items (z)
  float alpha, beta;

  struct RowCtx {
    int64_t off;
  };
  struct ColCtx {
    int64_t off;
  };
  __device__ RowCtx a_row(int z, int m) const { return {z * a_batch + m * a_row_stride}; }
  __device__ float a_at(const RowCtx& r, int z, int k) const {
    const int64_t i = r.off + k * a_k_stride;
    const float v = __ldg(a + i);
    return a_mask ? v * __ldg(a_mask + (i - z * a_batch)) : v;
  }
  __device__ ColCtx b_col(int z, int n) const { return {z * b_batch + n * b_col_stride}; }
  __device__ float b_at(const ColCtx& c_, int z, int k) const {
    const int64_t i = c_.off + k * b_k_stride;
    const float v = __ldg(b + i);
    return b_mask ? v * __ldg(b_mask + (i - z * b_batch)) : v;
  }
  __device__ void store(int z, int m, int n, float v) const {
    float* out = c + z * c_batch + m * ldc + n;
    *out = beta == 0.f ? alpha * v : alpha * v + beta * *out;
  }
};

}  // namespace

void sgemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                   int64_t ldc, int64_t stride_c, int64_t batch, const float* a_mask, const float* b_mask) {
  if (m <= 0 || n <= 0 || batch <= 0) return;
  const int64_t limit = (int64_t{1} << 31) - 1;
  if (m > limit || n > limit || k > limit) throw Error("pai_cuda: sgemm: dimensions must be below 2^31");
  if (batch > 65535) throw Error("pai_cuda: sgemm: at most 65535 batch items per call");
  SgemmProblem p;
  p.m = static_cast<int>(m);
  p.n = static_cast<int>(n);
  p.k = static_cast<int>(k);
  p.batches = static_cast<int>(batch);
  p.a = a;
  p.b = b;
  p.a_mask = a_mask;
  p.b_mask = b_mask;
  p.c = c;
  p.lda = lda;
  p.ldb = ldb;
  p.ldc = ldc;
  p.a_batch = stride_a;
  p.b_batch = stride_b;
  p.c_batch = stride_c;
  // op(A)[m, k] = A[m lda + k] or, transposed, A[k lda + m]; likewise op(B)[k, n].
  p.a_row_stride = trans_a ? 1 : lda;
  p.a_k_stride = trans_a ? lda : 1;
  p.b_col_stride = trans_b ? ldb : 1;
  p.b_k_stride = trans_b ? 1 : ldb;
  p.a_m_major = trans_a;
  p.b_n_major = !trans_b;
  p.alpha = alpha;
  p.beta = beta;
  // No products when alpha is 0: C = beta C, and A and B are not read (BLAS semantics).
  if (alpha == 0.f) p.k = 0;
  run_gemm(p, /*allow_split=*/true, "sgemm");
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* a_mask,
           const float* b_mask) {
  sgemm_batched(trans_a, trans_b, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, a_mask, b_mask);
}

}  // namespace pai::cuda
