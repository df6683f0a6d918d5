// Elementwise maps, broadcasting binary ops, axis reductions and permutation on float32
// buffers. Vectorized per ISA path and threaded; NaN behaviour follows the reference
// backend (lib/backend/reference/elementwise.ts, reduce.ts).
#pragma once
#include <cstdint>

namespace pai {

// out[i] = op(x[i]); alpha and beta parametrize Pow (x^alpha), Clamp (to [alpha, beta]) and
// Affine (alpha x + beta). Relu and Step map NaN to 0; Sign maps 0 and NaN to 0.
enum class UnaryOp { Neg, Abs, Sign, Exp, Log, Sqrt, Relu, Step, Square, Pow, Clamp, Affine, Rsqrt };

// Comparisons produce 1 or 0. Max and Min propagate NaN and return a on ties.
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Max, Min, Gt, Ge, Lt, Le, Eq };

// Parses the binding names ('neg', 'add', ...); false on an unknown name.
bool parse_unary_op(const char* name, UnaryOp* op);
bool parse_binary_op(const char* name, BinaryOp* op);

// out[i] = op(x[i]) for i < n; out may alias x.
void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha, float beta);

// out[idx] = op(a[sum idx_d a_strides_d], b[sum idx_d b_strides_d]) over every index of
// shape (rank dims, row-major, out contiguous). Strides are in elements, 0 on broadcast
// dims. out must not alias a or b unless it has the same strides as that operand.
void binary(BinaryOp op, const float* a, const int64_t* a_strides, const float* b,
            const int64_t* b_strides, float* out, const int64_t* shape, int rank);

// out[o * inner + i] = sum_r x[(o * len + r) * inner + i]. Accumulates in double across
// blocks, so long sums keep float32 accuracy.
void reduce_sum(const float* x, int64_t outer, int64_t len, int64_t inner, float* out);

// values[o * inner + i] = max_r x[(o * len + r) * inner + i] and index = its r: the first
// r on ties, the first NaN if any. len >= 1.
void reduce_max(const float* x, int64_t outer, int64_t len, int64_t inner, float* values,
                int32_t* index);

// out = x (shape, rank dims) with axes permuted: out axis d is x axis perm[d].
void permute(const float* x, const int64_t* shape, const int* perm, int rank, float* out);

// dst[idx . dst_strides] = src[idx . src_strides] over every index idx of shape (rank
// dims, strides >= 0; the pointers already at their offsets). Elements go in row-major
// order of idx, so that where dst repeats a position (a zero stride) the last one wins, and
// rows are threaded only when dst never does. src and dst must not overlap.
void strided_copy(const float* src, const int64_t* src_strides, float* dst, const int64_t* dst_strides,
                  const int64_t* shape, int rank);

}  // namespace pai
