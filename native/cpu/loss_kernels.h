// Internal: the per-ISA row loops of the loss family (source in loss_loops.h).
#pragma once
#include <cstdint>

namespace pai::loss_detail {

struct LossKernels {
  // Returns sum_j exp(x[j] - m) with m = max_j x[j] (stored in *max); writes the terms to
  // e when e is not null (e may alias x).
  float (*exp_sum)(const float* x, int64_t n, float* e, float* max);
  // out[j] = x[j] * factor + shift (out may alias x).
  void (*affine)(const float* x, int64_t n, float factor, float shift, float* out);
};

const LossKernels& loss_kernels();  // for the active ISA
extern const LossKernels kLossBaseline, kLossAvx2, kLossAvx512;

}  // namespace pai::loss_detail
