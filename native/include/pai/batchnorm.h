// Batch normalization over x viewed as [n, c, hw] (NCHW with hw = h w, or [n, c] with
// hw = 1), float32 buffers. gamma / beta may be null (1 and 0). Statistics are
// accumulated per row (or per span of short rows) and combined in double (each row's mean
// and M2, merged as Chan's parallel formula does), so they keep float32 accuracy for any
// batch size and any offset of the data.
#pragma once
#include <cstdint>

namespace pai {

// Training mode: out = (x - mean) * invstd * gamma + beta with the biased batch variance;
// mean and invstd = 1 / sqrt(var + eps) are written for the backward ([c] each).
void batch_norm_train_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                              const float* gamma, const float* beta, float eps, float* out,
                              float* mean, float* invstd);

// Eval mode: out = (x - run_mean) / sqrt(run_var + eps) * gamma + beta.
void batch_norm_eval_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                             const float* run_mean, const float* run_var, const float* gamma,
                             const float* beta, float eps, float* out);

// Training-mode gradient: with xhat = (x - mean) invstd and m = n hw,
// gx = gamma invstd (gy - sum(gy) / m - xhat sum(gy xhat) / m), ggamma = sum(gy xhat),
// gbeta = sum(gy) (per channel). ggamma / gbeta may be null.
void batch_norm_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                         const float* mean, const float* invstd, const float* gamma, float* gx,
                         float* ggamma, float* gbeta);

}  // namespace pai
