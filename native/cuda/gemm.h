// Dense SGEMM on the GPU with the semantics of pai/gemm.h (row-major, BLAS transposes,
// alpha/beta, optional 0/1 masks multiplied into A or B as they are loaded).
#pragma once
#include <cstdint>

namespace pai::cuda {

/** C[m x n] = alpha op(A) op(B) + beta C; device pointers; beta == 0 never reads C.
 *  Uses TF32 tensor cores when set_tf32(true). */
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* a_mask = nullptr,
           const float* b_mask = nullptr);

/** For each b < batch: C_b = alpha op(A_b) op(B_b) + beta C_b, where X_b starts at
 *  X + b stride_x (stride 0 broadcasts one matrix); masks (if any) are shared by all items. */
void sgemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
                   int64_t ldc, int64_t stride_c, int64_t batch, const float* a_mask = nullptr,
                   const float* b_mask = nullptr);

}  // namespace pai::cuda
