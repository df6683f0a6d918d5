// Batch-norm drivers. Both passes walk x in memory order, rows (b, ch) split across the
// threads: first per-row moments (or gradient sums), merged per channel in double, then
// the elementwise pass. Short rows walk whole samples instead (batchnorm_span.h); the
// training statistics are the fused kernels' (batchnorm_relu_detail::train_statistics). (Walking one channel at a time instead strides by c * hw between
// rows, which defeats the prefetchers and, for power-of-two strides, the cache sets.)
#define PAI_VEC_BYTES 16
#define PAI_BATCHNORM_TABLE kBatchNormBaseline
#include "batchnorm_loops.h"
#undef PAI_BATCHNORM_TABLE

#include <algorithm>
#include <cmath>
#include <vector>

#include "batchnorm_relu_kernels.h"
#include "batchnorm_span.h"
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
  std::vector<float> mu_lo(c), scale(c), shift(c);
  batchnorm_relu_detail::train_statistics(x, n, c, hw, eps, mean, mu_lo.data(), invstd);
  for (int64_t ch = 0; ch < c; ++ch) {
    scale[ch] = (gamma ? gamma[ch] : 1.f) * invstd[ch];
    shift[ch] = beta ? beta[ch] : 0.f;
  }
  if (batchnorm_relu_detail::use_span_path(c, hw)) {
    const int64_t len = c * hw;
    const auto mh = batchnorm_span::expand(mean, c, hw), ml = batchnorm_span::expand(mu_lo, hw),
               se = batchnorm_span::expand(scale, hw), be = batchnorm_span::expand(shift, hw);
    batchnorm_span::for_samples(n, len, [&](int64_t b) {
      k.span_normalize(x + b * len, mh.data(), ml.data(), se.data(), be.data(), len, out + b * len);
    });
    return;
  }
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    k.normalize(x + r * hw, hw, mean[ch], mu_lo[ch], scale[ch], shift[ch], out + r * hw);
  });
}

void batch_norm_eval_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                             const float* run_mean, const float* run_var, const float* gamma,
                             const float* beta, float eps, float* out) {
  const auto& k = batchnorm_detail::batchnorm_kernels();
  std::vector<float> scale(c), shift(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    scale[ch] = static_cast<float>((gamma ? gamma[ch] : 1.0) /
                                   std::sqrt(static_cast<double>(run_var[ch]) + eps));
    shift[ch] = beta ? beta[ch] : 0.f;
  }
  if (batchnorm_relu_detail::use_span_path(c, hw)) {
    const int64_t len = c * hw;
    const std::vector<float> zero(len, 0.f);
    const auto mh = batchnorm_span::expand(run_mean, c, hw), se = batchnorm_span::expand(scale, hw),
               be = batchnorm_span::expand(shift, hw);
    batchnorm_span::for_samples(n, len, [&](int64_t b) {
      k.span_normalize(x + b * len, mh.data(), zero.data(), se.data(), be.data(), len, out + b * len);
    });
    return;
  }
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
  const bool span = batchnorm_relu_detail::use_span_path(c, hw);
  const int64_t len = c * hw;
  const std::vector<float> mu = span ? batchnorm_span::expand(mean, c, hw) : std::vector<float>();
  std::vector<double> sg(c, 0.0), sgd(c, 0.0);  // sum gy, sum gy (x - mu)
  if (span) {
    const auto sums = batchnorm_span::per_channel_sums<2>(n, c, hw, [&](int64_t b, const std::array<float*, 2>& f) {
      k.span_gradient_sums(gy + b * len, x + b * len, mu.data(), len, f[0], f[1]);
    });
    sg = sums[0];
    sgd = sums[1];
  } else {
    std::vector<double> row_g(n * c, 0.0), row_gd(n * c, 0.0);
    for_rows(n * c, hw, [&](int64_t r) {
      k.row_gradient_sums(gy + r * hw, x + r * hw, hw, mean[r % c], &row_g[r], &row_gd[r]);
    });
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch) {
        sg[ch] += row_g[b * c + ch];
        sgd[ch] += row_gd[b * c + ch];
      }
  }
  std::vector<float> a(c), bcoef(c), ccoef(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double is = invstd[ch];
    const double sgx = sgd[ch] * is;  // sum gy xhat
    if (ggamma) ggamma[ch] = static_cast<float>(sgx);
    if (gbeta) gbeta[ch] = static_cast<float>(sg[ch]);
    const double kk = (gamma ? gamma[ch] : 1.0) * is;
    a[ch] = static_cast<float>(kk);
    bcoef[ch] = static_cast<float>(-kk * is * sgx / count);
    ccoef[ch] = static_cast<float>(-kk * sg[ch] / count);
  }
  if (span) {
    const auto ae = batchnorm_span::expand(a, hw), be = batchnorm_span::expand(bcoef, hw),
               ce = batchnorm_span::expand(ccoef, hw);
    batchnorm_span::for_samples(n, len, [&](int64_t b) {
      k.span_combine(gy + b * len, x + b * len, mu.data(), ae.data(), be.data(), ce.data(), len, gx + b * len);
    });
    return;
  }
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    k.combine(gy + r * hw, x + r * hw, hw, mean[ch], a[ch], bcoef[ch], ccoef[ch], gx + r * hw);
  });
}

}  // namespace pai
