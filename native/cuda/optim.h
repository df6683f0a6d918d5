// Fused optimizer steps over a device parameter arena, with the semantics of pai/optim.h
// (PyTorch SGD and Adam/AdamW; where mask is 0 the weight and its state become exactly 0).
#pragma once
#include <cstdint>

#include "pai/optim.h"

namespace pai::cuda {

/** One SGD step in place; momentum_buf may be null when momentum is 0, mask may be null. */
void sgd_step(float* param, const float* grad, float* momentum_buf, const float* mask, int64_t n,
              const ::pai::SgdConfig& c);
/** One Adam (or AdamW, decoupled) step in place; step is 1-based. */
void adam_step(float* param, const float* grad, float* m, float* v, const float* mask, int64_t n,
               const ::pai::AdamConfig& c);

}  // namespace pai::cuda
