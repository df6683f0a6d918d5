// Internal: the per-ISA plane loops of batch norm + ReLU + 2x2 / stride-2 max pooling
// (source in batchnorm_relu_pool_loops.h). A plane is one (b, ch) image of h x w (both
// even) with its channel's affine y = ((x - mu_hi) - mu_lo) * scale + shift, computed
// without a fused multiply-add in every loop, so the backward re-derives exactly the
// windows' maxima and ReLU masks of the forward. Within a window the maximum is max
// pooling's: the first largest in row-major order, a NaN winning over numbers.
#pragma once
#include <cstdint>

namespace pai::batchnorm_relu_detail {

struct PlaneAffine {
  float mu_hi, mu_lo, scale, shift;
};

struct BatchNormReluPoolKernels {
  // out [h/2, w/2] = window maxima of max(y, 0).
  void (*normalize_relu_pool)(const float* x, int64_t h, int64_t w, const PlaneAffine& p,
                              float* out);
  // With g = gy [h/2, w/2] at each window's maximum where its y > 0 (0 elsewhere) and
  // d = (x - mu_hi) - mu_lo: *sg += sum g, *sgd += sum g d.
  void (*pooled_gradient_sums)(const float* gy, const float* x, int64_t h, int64_t w,
                               const PlaneAffine& p, double* sg, double* sgd);
  // gx [h, w] = a g + b d + c.
  void (*pooled_combine)(const float* gy, const float* x, int64_t h, int64_t w,
                         const PlaneAffine& p, float a, float b, float c, float* gx);
};

const BatchNormReluPoolKernels& batchnorm_relu_pool_kernels();  // for the active ISA
extern const BatchNormReluPoolKernels kBatchNormReluPoolBaseline, kBatchNormReluPoolAvx2,
    kBatchNormReluPoolAvx512;

}  // namespace pai::batchnorm_relu_detail
