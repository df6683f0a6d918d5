// Softmax family: a warp per row (classification rows are short), max-shifted, with the
// exp-sum accumulated in float64 across the warp.
#include "cuda/block_reduce.cuh"
#include "cuda/loss.h"

namespace pai::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

enum class RowOp { Softmax, LogSoftmax, CrossEntropy };

__device__ __forceinline__ float warp_max_value(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float w = __shfl_xor_sync(0xffffffffu, v, o);
    v = w > v ? w : v;
  }
  return v;
}

// One warp per row r: max m, s = sum exp(x - m), then the op's outputs.
__global__ void row_kernel(int op, const float* x, int64_t rows, int64_t cols, const int32_t* labels, float* out,
                           float* loss) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * kWarps;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kWarps + threadIdx.x / 32; r < rows; r += warps) {
    const float* row = x + r * cols;
    float m = -__int_as_float(0x7f800000);
    for (int64_t j = lane; j < cols; j += 32) m = row[j] > m ? row[j] : m;
    m = warp_max_value(m);
    double s = 0.0;
    for (int64_t j = lane; j < cols; j += 32) s += exp(static_cast<double>(row[j]) - m);
    s = warp_sum(s);
    const RowOp kind = static_cast<RowOp>(op);
    if (kind == RowOp::LogSoftmax) {
      const double lse = m + log(s);
      for (int64_t j = lane; j < cols; j += 32) out[r * cols + j] = static_cast<float>(row[j] - lse);
      continue;
    }
    if (out) {
      const double inv = 1.0 / s;
      for (int64_t j = lane; j < cols; j += 32)
        out[r * cols + j] = static_cast<float>(exp(static_cast<double>(row[j]) - m) * inv);
    }
    if (kind == RowOp::CrossEntropy && lane == 0) {
      const int32_t label = labels[r];
      loss[r] = (label >= 0 && label < cols) ? static_cast<float>(m + log(s) - row[label]) : __int_as_float(0x7fc00000);
    }
  }
}

__global__ void pick_rows_kernel(const float* x, int64_t rows, int64_t cols, const int32_t* labels, float* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += stride) {
    const int32_t l = labels[r];
    out[r] = (l >= 0 && l < cols) ? x[r * cols + l] : __int_as_float(0x7fc00000);
  }
}

__global__ void scatter_rows_kernel(const float* values, int64_t rows, int64_t cols, const int32_t* labels,
                                    float* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; r < rows; r += stride) {
    const int32_t l = labels[r];
    if (l >= 0 && l < cols) out[r * cols + l] = values[r];
  }
}

void run_rows(RowOp op, const float* x, int64_t rows, int64_t cols, const int32_t* labels, float* out, float* loss,
              const char* name) {
  if (rows <= 0) return;
  PAI_LAUNCH(grid_for(rows * 32, kThreads), kThreads, 0, row_kernel)(static_cast<int>(op), x, rows, cols, labels, out,
                                                                      loss);
  check_launch(name);
}

}  // namespace

void softmax(const float* x, int64_t rows, int64_t cols, float* out) {
  if (cols > 0) run_rows(RowOp::Softmax, x, rows, cols, nullptr, out, nullptr, "softmax");
}

void log_softmax(const float* x, int64_t rows, int64_t cols, float* out) {
  if (cols > 0) run_rows(RowOp::LogSoftmax, x, rows, cols, nullptr, out, nullptr, "logSoftmax");
}

void softmax_cross_entropy(const float* logits, int64_t rows, int64_t cols, const int32_t* labels, float* loss,
                           float* probs) {
  if (cols > 0) run_rows(RowOp::CrossEntropy, logits, rows, cols, labels, probs, loss, "softmaxCrossEntropy");
}

void pick_rows(const float* x, int64_t rows, int64_t cols, const int32_t* labels, float* out) {
  if (rows <= 0) return;
  PAI_LAUNCH(grid_for(rows, kThreads), kThreads, 0, pick_rows_kernel)(x, rows, cols, labels, out);
  check_launch("pickRows");
}

void scatter_rows(const float* values, int64_t rows, int64_t cols, const int32_t* labels, float* out) {
  if (rows <= 0 || cols <= 0) return;
  fill_bytes(out, 0, static_cast<size_t>(rows * cols) * sizeof(float));
  PAI_LAUNCH(grid_for(rows, kThreads), kThreads, 0, scatter_rows_kernel)(values, rows, cols, labels, out);
  check_launch("scatterRows");
}

}  // namespace pai::cuda
