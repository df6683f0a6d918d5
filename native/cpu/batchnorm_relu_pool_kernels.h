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

// A run of consecutive planes of x viewed as [n c, h, w]: plane i (from the run's first) is
// channel (ch0 + i) % c, with affine[that channel]. Runs amortize the call and set-up over
// many planes, which on VGG's 8x8 and 4x4 maps are 64 and 16 floats each.
struct PlaneRun {
  int64_t planes, ch0, c;
  const PlaneAffine* affine;
};

struct BatchNormReluPoolKernels {
  // out [planes, h/2, w/2] = window maxima of max(y, 0).
  void (*normalize_relu_pool)(const float* x, const PlaneRun& run, int64_t h, int64_t w, float* out);
  // Per plane i, with g = gy [h/2, w/2] at each window's maximum where its y > 0 (0
  // elsewhere) and d = (x - mu_hi) - mu_lo: sg[i] += sum g, sgd[i] += sum g d.
  void (*pooled_gradient_sums)(const float* gy, const float* x, const PlaneRun& run, int64_t h,
                               int64_t w, double* sg, double* sgd);
  // gx [h, w] = a g + b d + c per plane, a / b / c per channel; gx_sum[i] (unless null) +=
  // the sum of plane i's gx, taken from the vectors as they are stored (float per step,
  // then double).
  void (*pooled_combine)(const float* gy, const float* x, const PlaneRun& run, int64_t h,
                         int64_t w, const float* a, const float* b, const float* c, float* gx,
                         double* gx_sum);
};

const BatchNormReluPoolKernels& batchnorm_relu_pool_kernels();  // for the active ISA
extern const BatchNormReluPoolKernels kBatchNormReluPoolBaseline, kBatchNormReluPoolAvx2,
    kBatchNormReluPoolAvx512;

}  // namespace pai::batchnorm_relu_detail
