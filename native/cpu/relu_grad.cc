// ReLU's gradient from its output in one pass (instead of a step map and a product),
// threaded in chunks like the elementwise maps.
#include "batchnorm_relu_kernels.h"
#include "pai/batchnorm_relu.h"
#include "pai/parallel.h"

namespace pai {

void relu_backward(const float* gy, const float* out, float* gx, int64_t n) {
  constexpr int64_t kGrain = 1 << 15;  // elements per task: below this, threads cost more than they give
  const auto& k = batchnorm_relu_detail::batchnorm_relu_kernels();
  parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) { k.relu_backward(gy + i0, out + i0, gx + i0, i1 - i0); });
}

}  // namespace pai
