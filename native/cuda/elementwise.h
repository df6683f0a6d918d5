// Elementwise maps, broadcasting binary ops, select, strided copies and permutation on
// device buffers, with the semantics of pai/elementwise.h and the reference backend
// (NaN handling included). Shapes and strides are host arrays; rank is at most 64, and at
// most 8 after dimensions that can be merged are merged.
#pragma once
#include <cstdint>

#include "pai/elementwise.h"

namespace pai::cuda {

/** out[i] = op(x[i]) for i < n; out may alias x. */
void unary(::pai::UnaryOp op, const float* x, float* out, int64_t n, float alpha, float beta);

/** out[idx] = op(a[idx . a_strides], b[idx . b_strides]) over shape (out contiguous). */
void binary(::pai::BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            float* out, const int64_t* shape, int rank);

/** out[idx] = cond[idx . cs] != 0 ? a[idx . as] : b[idx . bs]. */
void where(const float* cond, const int64_t* cond_strides, const float* a, const int64_t* a_strides, const float* b,
           const int64_t* b_strides, float* out, const int64_t* shape, int rank);

/** dst[dst_offset + idx . dst_strides] = src[src_offset + idx . src_strides] over shape. */
void strided_copy(const float* src, int64_t src_offset, const int64_t* src_strides, float* dst, int64_t dst_offset,
                  const int64_t* dst_strides, const int64_t* shape, int rank);

/** out = x with axes permuted: out axis d is x axis perm[d]. */
void permute(const float* x, const int64_t* shape, const int* perm, int rank, float* out);

/** out[r, :] = src[0 : cols] for r < rows. */
void repeat_rows(const float* src, int64_t rows, int64_t cols, float* out);

/** out[i] = float(ix[i]). */
void index_to_float(const int32_t* ix, float* out, int64_t n);

}  // namespace pai::cuda
