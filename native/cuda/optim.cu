// Optimizer steps: one pass over the arena, scalars derived once on the host in float64
// exactly as the CPU kernels derive them.
#include <cmath>

#include "cuda/launch.cuh"
#include "cuda/optim.h"

namespace pai::cuda {
namespace {

constexpr int kThreads = 256;

struct SgdScalars {
  float lr, momentum, damp, wd;
  bool use_momentum, nesterov, first;
};

struct AdamScalars {
  float beta1, beta2, c1, c2, step_size, inv_sqrt_bc2, eps, decay, l2;
};

__global__ void sgd_kernel(float* param, const float* grad, float* buf, const float* mask, int64_t n, SgdScalars s) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const float p = param[i];
    float d = grad[i] + s.wd * p;
    float b = 0.f;
    if (s.use_momentum) {
      b = s.first ? d : s.momentum * buf[i] + s.damp * d;
      d = s.nesterov ? d + s.momentum * b : b;
    }
    float np = p - s.lr * d;
    if (mask && mask[i] == 0.f) np = 0.f, b = 0.f;
    param[i] = np;
    if (s.use_momentum) buf[i] = b;
  }
}

__global__ void adam_kernel(float* param, const float* grad, float* m, float* v, const float* mask, int64_t n,
                            AdamScalars s) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const float p0 = param[i];
    const float g = grad[i] + s.l2 * p0;
    float mi = s.beta1 * m[i] + s.c1 * g;
    float vi = s.beta2 * v[i] + s.c2 * g * g;
    float np = p0 * s.decay - s.step_size * mi / (sqrtf(vi) * s.inv_sqrt_bc2 + s.eps);
    if (mask && mask[i] == 0.f) np = 0.f, mi = 0.f, vi = 0.f;
    param[i] = np;
    m[i] = mi;
    v[i] = vi;
  }
}

}  // namespace

void sgd_step(float* param, const float* grad, float* momentum_buf, const float* mask, int64_t n,
              const ::pai::SgdConfig& c) {
  if (n <= 0) return;
  SgdScalars s;
  s.lr = static_cast<float>(c.lr);
  s.momentum = static_cast<float>(c.momentum);
  s.damp = static_cast<float>(1.0 - c.dampening);
  s.wd = static_cast<float>(c.weight_decay);
  s.use_momentum = c.momentum != 0.0;
  s.nesterov = c.nesterov;
  s.first = c.first_step;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, sgd_kernel)(param, grad, momentum_buf, mask, n, s);
  check_launch("sgdStep");
}

void adam_step(float* param, const float* grad, float* m, float* v, const float* mask, int64_t n,
               const ::pai::AdamConfig& c) {
  if (n <= 0) return;
  const double step = static_cast<double>(c.step);
  AdamScalars s;
  s.beta1 = static_cast<float>(c.beta1);
  s.beta2 = static_cast<float>(c.beta2);
  s.c1 = 1.f - s.beta1;
  s.c2 = 1.f - s.beta2;
  s.step_size = static_cast<float>(c.lr / (1.0 - std::pow(c.beta1, step)));
  s.inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(c.beta2, step)));
  s.eps = static_cast<float>(c.eps);
  s.decay = static_cast<float>(c.decoupled ? 1.0 - c.lr * c.weight_decay : 1.0);
  s.l2 = static_cast<float>(c.decoupled ? 0.0 : c.weight_decay);
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, adam_kernel)(param, grad, m, v, mask, n, s);
  check_launch("adamStep");
}

}  // namespace pai::cuda
