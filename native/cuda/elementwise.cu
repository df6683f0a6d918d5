// Elementwise kernels: memory-bound grid-stride loops; the op is a uniform switch.
#include <string>

#include "cuda/elementwise.h"
#include "cuda/strided.cuh"

namespace pai::cuda {
namespace {

using ::pai::BinaryOp;
using ::pai::UnaryOp;

__device__ __forceinline__ float apply_unary(int op, float x, float alpha, float beta) {
  switch (static_cast<UnaryOp>(op)) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return fabsf(x);
    case UnaryOp::Sign: return x > 0.f ? 1.f : (x < 0.f ? -1.f : 0.f);
    case UnaryOp::Exp: return expf(x);
    case UnaryOp::Log: return logf(x);
    case UnaryOp::Sqrt: return sqrtf(x);
    case UnaryOp::Relu: return x <= 0.f ? 0.f : x;  // NaN stays NaN (PyTorch), -0 becomes +0
    case UnaryOp::Step: return x > 0.f ? 1.f : 0.f;
    case UnaryOp::Square: return x * x;
    case UnaryOp::Pow: return powf(x, alpha);
    case UnaryOp::Clamp: return x < alpha ? alpha : (x > beta ? beta : x);
    case UnaryOp::Affine: return alpha * x + beta;
    case UnaryOp::Rsqrt: return 1.f / sqrtf(x);
  }
  return x;
}

// Max and min propagate NaN and return a on ties, as the reference backend.
__device__ __forceinline__ float apply_binary(int op, float a, float b) {
  switch (static_cast<BinaryOp>(op)) {
    case BinaryOp::Add: return a + b;
    case BinaryOp::Sub: return a - b;
    case BinaryOp::Mul: return a * b;
    case BinaryOp::Div: return a / b;
    case BinaryOp::Pow: return powf(a, b);
    case BinaryOp::Max: return (a != a || a >= b) ? a : b;
    case BinaryOp::Min: return (a != a || a <= b) ? a : b;
    case BinaryOp::Gt: return a > b ? 1.f : 0.f;
    case BinaryOp::Ge: return a >= b ? 1.f : 0.f;
    case BinaryOp::Lt: return a < b ? 1.f : 0.f;
    case BinaryOp::Le: return a <= b ? 1.f : 0.f;
    case BinaryOp::Eq: return a == b ? 1.f : 0.f;
  }
  return a;
}

__global__ void unary_kernel(int op, const float* x, float* out, int64_t n, float alpha, float beta) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = apply_unary(op, x[i], alpha, beta);
}

__global__ void binary_kernel(int op, StridedIndex<2> ix, const float* a, const float* b, float* out) {
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < ix.total; i += stride) {
    int64_t off[2];
    ix.offsets(i, off);
    out[i] = apply_binary(op, a[off[0]], b[off[1]]);
  }
}

__global__ void where_kernel(StridedIndex<3> ix, const float* cond, const float* a, const float* b, float* out) {
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < ix.total; i += stride) {
    int64_t off[3];
    ix.offsets(i, off);
    out[i] = cond[off[0]] != 0.f ? a[off[1]] : b[off[2]];
  }
}

__global__ void strided_copy_kernel(StridedIndex<2> ix, const float* src, float* dst) {
  const uint32_t stride = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < ix.total; i += stride) {
    int64_t off[2];
    ix.offsets(i, off);
    dst[off[1]] = src[off[0]];
  }
}

__global__ void repeat_rows_kernel(const float* src, int64_t cols, float* out, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = src[i % cols];
}

__global__ void index_to_float_kernel(const int32_t* ix, float* out, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    out[i] = static_cast<float>(ix[i]);
}

}  // namespace

void unary(::pai::UnaryOp op, const float* x, float* out, int64_t n, float alpha, float beta) {
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, 256), 256, 0, unary_kernel)(static_cast<int>(op), x, out, n, alpha, beta);
  check_launch("unary");
}

void binary(::pai::BinaryOp op, const float* a, const int64_t* a_strides, const float* b, const int64_t* b_strides,
            float* out, const int64_t* shape, int rank) {
  const int64_t* strides[2] = {a_strides, b_strides};
  const int64_t bases[2] = {0, 0};
  const StridedIndex<2> ix = make_strided_index<2>(shape, rank, strides, bases, "binary");
  if (ix.total == 0) return;
  PAI_LAUNCH(grid_for(ix.total, 256), 256, 0, binary_kernel)(static_cast<int>(op), ix, a, b, out);
  check_launch("binary");
}

void where(const float* cond, const int64_t* cond_strides, const float* a, const int64_t* a_strides, const float* b,
           const int64_t* b_strides, float* out, const int64_t* shape, int rank) {
  const int64_t* strides[3] = {cond_strides, a_strides, b_strides};
  const int64_t bases[3] = {0, 0, 0};
  const StridedIndex<3> ix = make_strided_index<3>(shape, rank, strides, bases, "where");
  if (ix.total == 0) return;
  PAI_LAUNCH(grid_for(ix.total, 256), 256, 0, where_kernel)(ix, cond, a, b, out);
  check_launch("where");
}

void strided_copy(const float* src, int64_t src_offset, const int64_t* src_strides, float* dst, int64_t dst_offset,
                  const int64_t* dst_strides, const int64_t* shape, int rank) {
  const int64_t* strides[2] = {src_strides, dst_strides};
  const int64_t bases[2] = {src_offset, dst_offset};
  const StridedIndex<2> ix = make_strided_index<2>(shape, rank, strides, bases, "stridedCopy");
  if (ix.total == 0) return;
  PAI_LAUNCH(grid_for(ix.total, 256), 256, 0, strided_copy_kernel)(ix, src, dst);
  check_launch("stridedCopy");
}

void permute(const float* x, const int64_t* shape, const int* perm, int rank, float* out) {
  int64_t in_strides[64], out_shape[64], src_strides[64], dst_strides[64];
  contiguous_strides(shape, rank, in_strides);
  for (int d = 0; d < rank; ++d) {
    out_shape[d] = shape[perm[d]];
    src_strides[d] = in_strides[perm[d]];
  }
  contiguous_strides(out_shape, rank, dst_strides);
  const int64_t* strides[2] = {src_strides, dst_strides};
  const int64_t bases[2] = {0, 0};
  const StridedIndex<2> ix = make_strided_index<2>(out_shape, rank, strides, bases, "permute");
  if (ix.total == 0) return;
  PAI_LAUNCH(grid_for(ix.total, 256), 256, 0, strided_copy_kernel)(ix, x, out);
  check_launch("permute");
}

void repeat_rows(const float* src, int64_t rows, int64_t cols, float* out) {
  const int64_t n = rows * cols;
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, 256), 256, 0, repeat_rows_kernel)(src, cols, out, n);
  check_launch("repeatRows");
}

void index_to_float(const int32_t* ix, float* out, int64_t n) {
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, 256), 256, 0, index_to_float_kernel)(ix, out, n);
  check_launch("indexToFloat");
}

}  // namespace pai::cuda
