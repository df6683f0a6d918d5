// Fused optimizer drivers: derive the per-step scalars once, then split the arena into
// chunks for the thread pool.
#define PAI_OPTIM_TABLE kOptimBaseline
#include "optim_loops.h"
#undef PAI_OPTIM_TABLE

#include <cmath>

#include "pai/cpu_features.h"
#include "pai/optim.h"
#include "pai/parallel.h"

namespace pai {
namespace optim_detail {

const OptimKernels& optim_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kOptimAvx512;
    case Isa::Avx2: return kOptimAvx2;
    default: return kOptimBaseline;
  }
}

}  // namespace optim_detail

namespace {
constexpr int64_t kGrain = 1 << 15;
}  // namespace

void sgd_step(float* param, const float* grad, float* momentum_buf, const float* mask, int64_t n,
              const SgdConfig& c) {
  const auto& k = optim_detail::optim_kernels();
  parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) {
    k.sgd(param + i0, grad + i0, momentum_buf ? momentum_buf + i0 : nullptr,
          mask ? mask + i0 : nullptr, i1 - i0, c);
  });
}

void adam_step(float* param, const float* grad, float* m, float* v, const float* mask, int64_t n,
               const AdamConfig& c) {
  const auto& k = optim_detail::optim_kernels();
  const double step = static_cast<double>(c.step);
  optim_detail::AdamScalars s;
  s.beta1 = static_cast<float>(c.beta1);
  s.beta2 = static_cast<float>(c.beta2);
  s.one_minus_beta1 = static_cast<float>(1.0 - c.beta1);
  s.one_minus_beta2 = static_cast<float>(1.0 - c.beta2);
  s.step_size = static_cast<float>(c.lr / (1.0 - std::pow(c.beta1, step)));
  s.inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(c.beta2, step)));
  s.eps = static_cast<float>(c.eps);
  s.decay = static_cast<float>(c.decoupled ? 1.0 - c.lr * c.weight_decay : 1.0);
  s.l2 = static_cast<float>(c.decoupled ? 0.0 : c.weight_decay);
  parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) {
    k.adam(param + i0, grad + i0, m + i0, v + i0, mask ? mask + i0 : nullptr, i1 - i0, s);
  });
}

}  // namespace pai
