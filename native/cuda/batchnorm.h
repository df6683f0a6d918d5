// Batch normalization over x viewed as [n, c, hw] on device buffers (semantics of
// pai/batchnorm.h; gamma / beta may be null, meaning 1 and 0).
#pragma once
#include <cstdint>

namespace pai::cuda {

/** out = (x - mean) invstd gamma + beta with the biased batch variance; writes mean, invstd [c]. */
void batch_norm_train_forward(const float* x, int64_t n, int64_t c, int64_t hw, const float* gamma, const float* beta,
                              float eps, float* out, float* mean, float* invstd);
/** out = (x - run_mean) / sqrt(run_var + eps) gamma + beta. */
void batch_norm_eval_forward(const float* x, int64_t n, int64_t c, int64_t hw, const float* run_mean,
                             const float* run_var, const float* gamma, const float* beta, float eps, float* out);
/** gx = gamma invstd (gy - sum(gy) / m - xhat sum(gy xhat) / m); ggamma = sum(gy xhat), gbeta = sum(gy)
 *  per channel (either may be null); m = n hw. */
void batch_norm_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw, const float* mean,
                         const float* invstd, const float* gamma, float* gx, float* ggamma, float* gbeta);
/** run = (1 - momentum) run + momentum batch, the variance unbiased by count / (count - 1). */
void batch_norm_update_running(float* run_mean, float* run_var, const float* mean, const float* invstd, int64_t c,
                               double momentum, double eps, int64_t count);

}  // namespace pai::cuda
