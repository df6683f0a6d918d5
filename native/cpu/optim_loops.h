// Internal: fused optimizer loops, compiled once per ISA path (define PAI_OPTIM_TABLE
// before including). Every branch on the configuration is hoisted out of the loops, so
// each loop is a straight vectorizable update; masked entries go through a select.
#include <cstdint>

#include "optim_kernels.h"

namespace pai::optim_detail {
namespace {

template <bool kMask, bool kMomentum, bool kNesterov, bool kFirst>
void sgd_loop(float* __restrict param, const float* __restrict grad, float* __restrict buf,
              const float* __restrict mask, int64_t n, float lr, float momentum, float damp,
              float wd) {
  for (int64_t i = 0; i < n; ++i) {
    const float p = param[i];
    float d = grad[i] + wd * p;
    float b = 0.f;
    if (kMomentum) {
      b = kFirst ? d : momentum * buf[i] + damp * d;
      d = kNesterov ? d + momentum * b : b;
    }
    float np = p - lr * d;
    if (kMask) {
      const bool keep = mask[i] != 0.f;
      np = keep ? np : 0.f;
      b = keep ? b : 0.f;
    }
    param[i] = np;
    if (kMomentum) buf[i] = b;
  }
}

template <bool kMask>
void sgd_masked(float* param, const float* grad, float* buf, const float* mask, int64_t n,
                const SgdConfig& c) {
  const float lr = static_cast<float>(c.lr), mom = static_cast<float>(c.momentum);
  const float damp = static_cast<float>(1.0 - c.dampening), wd = static_cast<float>(c.weight_decay);
  if (c.momentum == 0.0) return sgd_loop<kMask, false, false, false>(param, grad, buf, mask, n, lr, mom, damp, wd);
  if (c.first_step) {
    if (c.nesterov) return sgd_loop<kMask, true, true, true>(param, grad, buf, mask, n, lr, mom, damp, wd);
    return sgd_loop<kMask, true, false, true>(param, grad, buf, mask, n, lr, mom, damp, wd);
  }
  if (c.nesterov) return sgd_loop<kMask, true, true, false>(param, grad, buf, mask, n, lr, mom, damp, wd);
  return sgd_loop<kMask, true, false, false>(param, grad, buf, mask, n, lr, mom, damp, wd);
}

void sgd(float* param, const float* grad, float* buf, const float* mask, int64_t n,
         const SgdConfig& c) {
  if (mask) return sgd_masked<true>(param, grad, buf, mask, n, c);
  return sgd_masked<false>(param, grad, buf, mask, n, c);
}

template <bool kMask>
void adam_loop(float* __restrict param, const float* __restrict grad, float* __restrict m,
               float* __restrict v, const float* __restrict mask, int64_t n, const AdamScalars& s) {
  const float b1 = s.beta1, b2 = s.beta2, c1 = s.one_minus_beta1, c2 = s.one_minus_beta2;
  for (int64_t i = 0; i < n; ++i) {
    const float p0 = param[i];
    const float g = grad[i] + s.l2 * p0;
    const float mi = b1 * m[i] + c1 * g;
    const float vi = b2 * v[i] + c2 * g * g;
    float np = p0 * s.decay - s.step_size * mi / (__builtin_sqrtf(vi) * s.inv_sqrt_bc2 + s.eps);
    float nm = mi, nv = vi;
    if (kMask) {
      const bool keep = mask[i] != 0.f;
      np = keep ? np : 0.f;
      nm = keep ? nm : 0.f;
      nv = keep ? nv : 0.f;
    }
    param[i] = np;
    m[i] = nm;
    v[i] = nv;
  }
}

void adam(float* param, const float* grad, float* m, float* v, const float* mask, int64_t n,
          const AdamScalars& s) {
  if (mask) return adam_loop<true>(param, grad, m, v, mask, n, s);
  return adam_loop<false>(param, grad, m, v, mask, n, s);
}

}  // namespace

const OptimKernels PAI_OPTIM_TABLE{sgd, adam};

}  // namespace pai::optim_detail
