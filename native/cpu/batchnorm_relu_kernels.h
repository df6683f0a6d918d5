// Internal: the per-ISA row loops of the fused batch norm + ReLU (source in
// batchnorm_relu_loops.h). Every loop computes the pre-activation
// y = ((x - mu_hi) - mu_lo) * scale + shift the same way, without a fused multiply-add,
// so the backward's mask y > 0 is exactly the forward's.
#pragma once
#include <cstdint>

namespace pai::batchnorm_relu_detail {

struct BatchNormReluKernels {
  // out[i] = max(y[i], 0) (NaN stays NaN).
  void (*normalize_relu)(const float* x, int64_t len, float mu_hi, float mu_lo, float scale,
                         float shift, float* out);
  // With g[i] = y[i] > 0 ? gy[i] : 0 and d[i] = (x[i] - mu_hi) - mu_lo:
  // *sg += sum g, *sgd += sum g d.
  void (*masked_gradient_sums)(const float* gy, const float* x, int64_t len, float mu_hi,
                               float mu_lo, float scale, float shift, double* sg, double* sgd);
  // gx[i] = a g[i] + b d[i] + c.
  void (*masked_combine)(const float* gy, const float* x, int64_t len, float mu_hi, float mu_lo,
                         float scale, float shift, float a, float b, float c, float* gx);
  // gx[i] = out[i] > 0 ? gy[i] : 0.
  void (*relu_backward)(const float* gy, const float* out, float* gx, int64_t len);
};

const BatchNormReluKernels& batchnorm_relu_kernels();  // for the active ISA
extern const BatchNormReluKernels kBatchNormReluBaseline, kBatchNormReluAvx2,
    kBatchNormReluAvx512;

}  // namespace pai::batchnorm_relu_detail
