// Compressed sparse layers on the GPU, with the semantics of pai/sparse.h: a weight viewed
// as [rows, cols] holds only its survivors (CSR plus the transposed positions). The pattern's
// pointers are device pointers here. Each kernel costs about nnz x batch x output pixels and
// is deterministic (no atomics). Index entries outside their range are skipped rather than
// trusted, so a corrupt pattern gives wrong numbers, never an out-of-bounds access.
#pragma once

#include "pai/sparse.h"

namespace pai::cuda {

/** y [batch, out] = x [batch, in] W^T + bias (bias may be null). */
void sparse_linear_forward(const ::pai::SparsePattern& w, const float* values, const float* x, int64_t batch,
                           const float* bias, float* y);
/** gx [batch, in] = gy [batch, out] W. */
void sparse_linear_grad_input(const ::pai::SparsePattern& w, const float* values, const float* gy, int64_t batch,
                              float* gx);
/** gvalues[j] = sum_b gy[b, row(j)] x[b, col(j)]. */
void sparse_linear_grad_weight(const ::pai::SparsePattern& w, const float* x, const float* gy, int64_t batch,
                               float* gvalues);

/** Convolution with a compressed weight (rows = o, cols = c / groups * kh * kw); outputs fully written. */
void sparse_conv2d_forward(const ::pai::Conv2dShape& s, const ::pai::SparsePattern& w, const float* values,
                           const float* x, const float* bias, float* y);
void sparse_conv2d_grad_input(const ::pai::Conv2dShape& s, const ::pai::SparsePattern& w, const float* values,
                              const float* gy, float* gx);
void sparse_conv2d_grad_weight(const ::pai::Conv2dShape& s, const ::pai::SparsePattern& w, const float* x,
                               const float* gy, float* gvalues);

/**
 * dense[r * cols + col(k)] = values[k] for every survivor k of row r: the survivors written
 * back into the dense [rows, cols] weight; its pruned entries are left as they are (the
 * optimizer keeps them at 0), so this costs nnz, not rows x cols.
 */
void sparse_scatter(const ::pai::SparsePattern& w, const float* values, float* dense);

}  // namespace pai::cuda
