// Fused optimizer steps over a parameter arena (one pass, in place), PyTorch semantics.
// Where mask is 0 the weight and its optimizer state are set to exactly 0, so pruned
// weights stay pruned under weight decay and momentum; other mask values mean "keep".
#pragma once
#include <cstdint>

namespace pai {

// torch.optim.SGD: d = g + wd p; with momentum, buf = d on the first step, else
// buf = momentum buf + (1 - dampening) d, and d = nesterov ? d + momentum buf : buf;
// p -= lr d.
struct SgdConfig {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, first_step = false;
};

// momentum_buf may be null when momentum is 0; mask may be null.
void sgd_step(float* param, const float* grad, float* momentum_buf, const float* mask, int64_t n,
              const SgdConfig& c);

// torch.optim.Adam (decoupled = false: g += wd p) or AdamW (decoupled: p *= 1 - lr wd):
// m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
// p -= lr / (1 - b1^step) m / (sqrt(v) / sqrt(1 - b2^step) + eps). step is 1-based.
struct AdamConfig {
  double lr = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled = false;
  int64_t step = 1;
};

void adam_step(float* param, const float* grad, float* m, float* v, const float* mask, int64_t n,
               const AdamConfig& c);

}  // namespace pai
