// Batch-norm drivers. Channels are the unit of threading: each task computes one
// channel's statistics from its n rows and, right after, normalizes those rows while
// they are still in L2.
#define PAI_VEC_BYTES 16
#define PAI_BATCHNORM_TABLE kBatchNormBaseline
#include "batchnorm_loops.h"
#undef PAI_BATCHNORM_TABLE

#include <algorithm>
#include <cmath>

#include "pai/batchnorm.h"
#include "pai/cpu_features.h"
#include "pai/parallel.h"

namespace pai {
namespace batchnorm_detail {

const BatchNormKernels& batchnorm_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kBatchNormAvx512;
    case Isa::Avx2: return kBatchNormAvx2;
    default: return kBatchNormBaseline;
  }
}

}  // namespace batchnorm_detail

namespace {

template <class F>
void for_channels(int64_t n, int64_t c, int64_t hw, F f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(n * hw, 1));
  parallel_for(0, c, grain, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) f(ch);
  });
}

}  // namespace

void batch_norm_train_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                              const float* gamma, const float* beta, float eps, float* out,
                              float* mean, float* invstd) {
  const auto& k = batchnorm_detail::batchnorm_kernels();
  for_channels(n, c, hw, [&](int64_t ch) {
    // Chan et al.: merge (count, mean, M2) of each row into the running triple.
    double count = 0.0, mu = 0.0, m2 = 0.0;
    for (int64_t b = 0; b < n; ++b) {
      double rm, rm2;
      k.row_moments(x + (b * c + ch) * hw, hw, &rm, &rm2);
      const double total = count + static_cast<double>(hw);
      const double delta = rm - mu;
      mu += delta * static_cast<double>(hw) / total;
      m2 += rm2 + delta * delta * count * static_cast<double>(hw) / total;
      count = total;
    }
    const double var = std::max(m2, 0.0) / count;
    const float is = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
    mean[ch] = static_cast<float>(mu);
    invstd[ch] = is;
    const float scale = (gamma ? gamma[ch] : 1.f) * is, shift = beta ? beta[ch] : 0.f;
    const float mu_hi = static_cast<float>(mu), mu_lo = static_cast<float>(mu - mu_hi);
    for (int64_t b = 0; b < n; ++b) {
      const int64_t row = (b * c + ch) * hw;
      k.normalize(x + row, hw, mu_hi, mu_lo, scale, shift, out + row);
    }
  });
}

void batch_norm_eval_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                             const float* run_mean, const float* run_var, const float* gamma,
                             const float* beta, float eps, float* out) {
  const auto& k = batchnorm_detail::batchnorm_kernels();
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(hw, 1));
  parallel_for(0, n * c, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ch = r % c;
      const float scale = static_cast<float>((gamma ? gamma[ch] : 1.0) /
                                             std::sqrt(static_cast<double>(run_var[ch]) + eps));
      k.normalize(x + r * hw, hw, run_mean[ch], 0.f, scale, beta ? beta[ch] : 0.f, out + r * hw);
    }
  });
}

void batch_norm_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                         const float* mean, const float* invstd, const float* gamma, float* gx,
                         float* ggamma, float* gbeta) {
  const auto& k = batchnorm_detail::batchnorm_kernels();
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  for_channels(n, c, hw, [&](int64_t ch) {
    const float mu = mean[ch], is = invstd[ch];
    double sg = 0.0, sgd = 0.0;  // sum gy, sum gy (x - mu)
    for (int64_t b = 0; b < n; ++b) {
      const int64_t row = (b * c + ch) * hw;
      k.row_gradient_sums(gy + row, x + row, hw, mu, &sg, &sgd);
    }
    const double sgx = sgd * is;  // sum gy xhat
    if (ggamma) ggamma[ch] = static_cast<float>(sgx);
    if (gbeta) gbeta[ch] = static_cast<float>(sg);
    const double kk = (gamma ? gamma[ch] : 1.0) * is;
    const float a = static_cast<float>(kk);
    const float bcoef = static_cast<float>(-kk * is * sgx / count);
    const float ccoef = static_cast<float>(-kk * sg / count);
    for (int64_t b = 0; b < n; ++b) {
      const int64_t row = (b * c + ch) * hw;
      k.combine(gy + row, x + row, hw, mu, a, bcoef, ccoef, gx + row);
    }
  });
}

}  // namespace pai
