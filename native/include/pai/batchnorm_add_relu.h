// The tail of a residual block in training, fused: out = relu(batchNorm(z) + s r), with r
// the shortcut's output (s = 1) or the block input scaled per channel (s = scale [c], the
// reference CIFAR ResNets' parameterized identity). float32 buffers, z and r viewed as
// [n, c, hw] as in pai/batchnorm.h. The backward reads the ReLU mask off out (out > 0;
// a NaN output passes no gradient, as relu_backward), so no mask is stored.
#pragma once
#include <cstdint>

namespace pai {

// out = max(y + s r, 0) (NaN stays NaN) with y = ((z - mean) - mean_lo) (gamma invstd) +
// beta, the biased batch variance and invstd = 1 / sqrt(var + eps). Writes mean [c]
// (float), mean_lo [c] (the batch mean minus mean) and invstd [c]. scale, gamma and beta
// may be null (1, 1 and 0).
void batch_norm_add_relu_train_forward(const float* z, const float* r, const float* scale,
                                       int64_t n, int64_t c, int64_t hw, const float* gamma,
                                       const float* beta, float eps, float* out, float* mean,
                                       float* mean_lo, float* invstd);

// Its gradient: with g = out > 0 ? gy : 0, gr = s g, gscale = sum g r per channel (only
// with a scale; may be null), and gz, ggamma, gbeta batch norm's training gradient of g
// (ggamma / gbeta may be null). Outputs must not alias the inputs.
void batch_norm_add_relu_backward(const float* gy, const float* out, const float* z,
                                  const float* r, const float* scale, int64_t n, int64_t c,
                                  int64_t hw, const float* mean, const float* mean_lo,
                                  const float* invstd, const float* gamma, float* gz, float* gr,
                                  float* ggamma, float* gbeta, float* gscale);

}  // namespace pai
