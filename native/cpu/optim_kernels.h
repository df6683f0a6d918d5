// Internal: the per-ISA loops of the fused optimizer steps (source in optim_loops.h),
// over a contiguous chunk; scalars are pre-derived by the driver in optim.cc.
#pragma once
#include <cstdint>

#include "pai/optim.h"

namespace pai::optim_detail {

// Derived in double by the driver and rounded once: (1 - beta) formed from a float beta
// would be off by up to 1.3e-5 relative for beta2 = 0.999, which PyTorch does not do.
struct AdamScalars {
  float beta1, beta2, one_minus_beta1, one_minus_beta2, step_size, inv_sqrt_bc2, eps, decay, l2;
};

struct OptimKernels {
  void (*sgd)(float* param, const float* grad, float* buf, const float* mask, int64_t n,
              const SgdConfig& c);
  void (*adam)(float* param, const float* grad, float* m, float* v, const float* mask, int64_t n,
               const AdamScalars& s);
};

const OptimKernels& optim_kernels();  // for the active ISA
extern const OptimKernels kOptimBaseline, kOptimAvx2, kOptimAvx512;

}  // namespace pai::optim_detail
