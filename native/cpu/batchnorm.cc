// Batch-norm drivers. Both passes walk x in memory order, rows (b, ch) split across the
// threads: first per-row moments (or gradient sums), merged per channel in double, then
// the elementwise pass. (Walking one channel at a time instead strides by c * hw between
// rows, which defeats the prefetchers and, for power-of-two strides, the cache sets.)
#define PAI_VEC_BYTES 16
#define PAI_BATCHNORM_TABLE kBatchNormBaseline
#include "batchnorm_loops.h"
#undef PAI_BATCHNORM_TABLE

#include <algorithm>
#include <cmath>
#include <vector>

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

// Runs f(row) for rows [0, rows) of hw elements each, in parallel.
template <class F>
void for_rows(int64_t rows, int64_t hw, F f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(hw, 1));
  parallel_for(0, rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) f(r);
  });
}

}  // namespace

void batch_norm_train_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                              const float* gamma, const float* beta, float eps, float* out,
                              float* mean, float* invstd) {
  const auto& k = batchnorm_detail::batchnorm_kernels();
  std::vector<double> row_mean(n * c), row_m2(n * c);
  for_rows(n * c, hw, [&](int64_t r) { k.row_moments(x + r * hw, hw, &row_mean[r], &row_m2[r]); });
  std::vector<float> mu_hi(c), mu_lo(c), scale(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    // Chan et al.: merge (count, mean, M2) of each row into the running triple.
    double count = 0.0, mu = 0.0, m2 = 0.0;
    for (int64_t b = 0; b < n; ++b) {
      const double rm = row_mean[b * c + ch], rm2 = row_m2[b * c + ch];
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
    mu_hi[ch] = static_cast<float>(mu);
    mu_lo[ch] = static_cast<float>(mu - mu_hi[ch]);
    scale[ch] = (gamma ? gamma[ch] : 1.f) * is;
  }
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    k.normalize(x + r * hw, hw, mu_hi[ch], mu_lo[ch], scale[ch], beta ? beta[ch] : 0.f, out + r * hw);
  });
}

void batch_norm_eval_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                             const float* run_mean, const float* run_var, const float* gamma,
                             const float* beta, float eps, float* out) {
  const auto& k = batchnorm_detail::batchnorm_kernels();
  std::vector<float> scale(c);
  for (int64_t ch = 0; ch < c; ++ch)
    scale[ch] = static_cast<float>((gamma ? gamma[ch] : 1.0) /
                                   std::sqrt(static_cast<double>(run_var[ch]) + eps));
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    k.normalize(x + r * hw, hw, run_mean[ch], 0.f, scale[ch], beta ? beta[ch] : 0.f, out + r * hw);
  });
}

void batch_norm_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                         const float* mean, const float* invstd, const float* gamma, float* gx,
                         float* ggamma, float* gbeta) {
  const auto& k = batchnorm_detail::batchnorm_kernels();
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  std::vector<double> row_g(n * c, 0.0), row_gd(n * c, 0.0);  // sum gy, sum gy (x - mu)
  for_rows(n * c, hw, [&](int64_t r) {
    k.row_gradient_sums(gy + r * hw, x + r * hw, hw, mean[r % c], &row_g[r], &row_gd[r]);
  });
  std::vector<float> a(c), bcoef(c), ccoef(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    double sg = 0.0, sgd = 0.0;
    for (int64_t b = 0; b < n; ++b) {
      sg += row_g[b * c + ch];
      sgd += row_gd[b * c + ch];
    }
    const double is = invstd[ch];
    const double sgx = sgd * is;  // sum gy xhat
    if (ggamma) ggamma[ch] = static_cast<float>(sgx);
    if (gbeta) gbeta[ch] = static_cast<float>(sg);
    const double kk = (gamma ? gamma[ch] : 1.0) * is;
    a[ch] = static_cast<float>(kk);
    bcoef[ch] = static_cast<float>(-kk * is * sgx / count);
    ccoef[ch] = static_cast<float>(-kk * sg / count);
  }
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    k.combine(gy + r * hw, x + r * hw, hw, mean[ch], a[ch], bcoef[ch], ccoef[ch], gx + r * hw);
  });
}

}  // namespace pai
