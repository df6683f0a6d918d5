// Batch norm + ReLU + 2x2 / stride-2 max pooling drivers (training mode), for a batch
// norm whose ReLU output only feeds a max pool (VGG's last conv of each stage). Forward:
// the shared statistics pass, then one pass writing only the pooled output (a quarter of
// the size): neither the full activation nor argmax indices are stored. Backward: one
// reduction pass and one pass writing gx, reading the pooled gradient and x; the windows'
// winners and ReLU masks are recomputed from x.
#define PAI_VEC_BYTES 16
#define PAI_BATCHNORM_RELU_POOL_TABLE kBatchNormReluPoolBaseline
#include "batchnorm_relu_pool_loops.h"
#undef PAI_BATCHNORM_RELU_POOL_TABLE

#include <vector>

#include "batchnorm_relu_kernels.h"
#include "pai/batchnorm_relu.h"
#include "pai/cpu_features.h"

namespace pai {
namespace batchnorm_relu_detail {

const BatchNormReluPoolKernels& batchnorm_relu_pool_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kBatchNormReluPoolAvx512;
    case Isa::Avx2: return kBatchNormReluPoolAvx2;
    default: return kBatchNormReluPoolBaseline;
  }
}

}  // namespace batchnorm_relu_detail

namespace {

using batchnorm_relu_detail::PlaneAffine;

// The channel's affine exactly as the forward built it.
PlaneAffine plane_affine(int64_t ch, const float* mean, const float* mean_lo, const float* invstd,
                         const float* gamma, const float* beta) {
  return {mean[ch], mean_lo[ch], (gamma ? gamma[ch] : 1.f) * invstd[ch], beta ? beta[ch] : 0.f};
}

}  // namespace

void batch_norm_relu_max_pool_train_forward(const float* x, int64_t n, int64_t c, int64_t h,
                                            int64_t w, const float* gamma, const float* beta,
                                            float eps, float* out, float* mean, float* mean_lo,
                                            float* invstd, const double* row_moments) {
  const int64_t hw = h * w;
  batchnorm_relu_detail::train_statistics(x, n, c, hw, eps, mean, mean_lo, invstd, row_moments);
  const auto& k = batchnorm_relu_detail::batchnorm_relu_pool_kernels();
  batchnorm_relu_detail::for_rows(n * c, hw, [&](int64_t r) {
    const PlaneAffine p = plane_affine(r % c, mean, mean_lo, invstd, gamma, beta);
    k.normalize_relu_pool(x + r * hw, h, w, p, out + r * (hw / 4));
  });
}

void batch_norm_relu_max_pool_backward(const float* gy, const float* x, int64_t n, int64_t c,
                                       int64_t h, int64_t w, const float* mean,
                                       const float* mean_lo, const float* invstd,
                                       const float* gamma, const float* beta, float* gx,
                                       float* ggamma, float* gbeta, float* gx_sum) {
  const int64_t hw = h * w;
  const auto& k = batchnorm_relu_detail::batchnorm_relu_pool_kernels();
  std::vector<double> row_g(n * c, 0.0), row_gd(n * c, 0.0);
  batchnorm_relu_detail::for_rows(n * c, hw, [&](int64_t r) {
    const PlaneAffine p = plane_affine(r % c, mean, mean_lo, invstd, gamma, beta);
    k.pooled_gradient_sums(gy + r * (hw / 4), x + r * hw, h, w, p, &row_g[r], &row_gd[r]);
  });
  std::vector<float> a(c), bcoef(c), ccoef(c);
  batchnorm_relu_detail::gradient_coefficients(n, c, static_cast<double>(n) * static_cast<double>(hw),
                                               row_g.data(), row_gd.data(), invstd, gamma, ggamma,
                                               gbeta, a.data(), bcoef.data(), ccoef.data());
  const auto& sums = batchnorm_relu_detail::batchnorm_relu_kernels();
  std::vector<double> row_s(gx_sum ? n * c : 0);
  batchnorm_relu_detail::for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    const PlaneAffine p = plane_affine(ch, mean, mean_lo, invstd, gamma, beta);
    k.pooled_combine(gy + r * (hw / 4), x + r * hw, h, w, p, a[ch], bcoef[ch], ccoef[ch], gx + r * hw);
    if (gx_sum) row_s[r] = sums.row_sum(gx + r * hw, hw);
  });
  if (gx_sum) batchnorm_relu_detail::channel_totals(n, c, row_s.data(), gx_sum);
}

}  // namespace pai
