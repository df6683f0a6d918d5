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

#include <algorithm>
#include <vector>

#include "batchnorm_relu_kernels.h"
#include "pai/batchnorm_relu.h"
#include "pai/cpu_features.h"
#include "pai/parallel.h"

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
using batchnorm_relu_detail::PlaneRun;

// Each channel's affine exactly as the forward built it (the backward rebuilds it so).
std::vector<PlaneAffine> channel_affines(int64_t c, const float* mean, const float* mean_lo,
                                         const float* invstd, const float* gamma, const float* beta) {
  std::vector<PlaneAffine> a(c);
  for (int64_t ch = 0; ch < c; ++ch)
    a[ch] = {mean[ch], mean_lo[ch], (gamma ? gamma[ch] : 1.f) * invstd[ch], beta ? beta[ch] : 0.f};
  return a;
}

// Runs f(r0, run) over the n c planes in parallel runs of ~16k elements.
template <class F>
void for_plane_runs(int64_t n, int64_t c, int64_t hw, const std::vector<PlaneAffine>& affine, F f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / hw);
  parallel_for(0, n * c, grain, [&](int64_t r0, int64_t r1) {
    f(r0, PlaneRun{r1 - r0, r0 % c, c, affine.data()});
  });
}

}  // namespace

void batch_norm_relu_max_pool_train_forward(const float* x, int64_t n, int64_t c, int64_t h,
                                            int64_t w, const float* gamma, const float* beta,
                                            float eps, float* out, float* mean, float* mean_lo,
                                            float* invstd, const double* row_moments) {
  const int64_t hw = h * w;
  batchnorm_relu_detail::train_statistics(x, n, c, hw, eps, mean, mean_lo, invstd, row_moments);
  const auto& k = batchnorm_relu_detail::batchnorm_relu_pool_kernels();
  const auto affine = channel_affines(c, mean, mean_lo, invstd, gamma, beta);
  for_plane_runs(n, c, hw, affine, [&](int64_t r0, const PlaneRun& run) {
    k.normalize_relu_pool(x + r0 * hw, run, h, w, out + r0 * (hw / 4));
  });
}

void batch_norm_relu_max_pool_backward(const float* gy, const float* x, int64_t n, int64_t c,
                                       int64_t h, int64_t w, const float* mean,
                                       const float* mean_lo, const float* invstd,
                                       const float* gamma, const float* beta, float* gx,
                                       float* ggamma, float* gbeta, float* gx_sum) {
  const int64_t hw = h * w;
  const auto& k = batchnorm_relu_detail::batchnorm_relu_pool_kernels();
  const auto affine = channel_affines(c, mean, mean_lo, invstd, gamma, beta);
  std::vector<double> row_g(n * c, 0.0), row_gd(n * c, 0.0);
  for_plane_runs(n, c, hw, affine, [&](int64_t r0, const PlaneRun& run) {
    k.pooled_gradient_sums(gy + r0 * (hw / 4), x + r0 * hw, run, h, w, &row_g[r0], &row_gd[r0]);
  });
  std::vector<float> a(c), bcoef(c), ccoef(c);
  batchnorm_relu_detail::gradient_coefficients(n, c, static_cast<double>(n) * static_cast<double>(hw),
                                               row_g.data(), row_gd.data(), invstd, gamma, ggamma,
                                               gbeta, a.data(), bcoef.data(), ccoef.data());
  std::vector<double> row_s(gx_sum ? n * c : 0, 0.0);
  for_plane_runs(n, c, hw, affine, [&](int64_t r0, const PlaneRun& run) {
    k.pooled_combine(gy + r0 * (hw / 4), x + r0 * hw, run, h, w, a.data(), bcoef.data(), ccoef.data(),
                     gx + r0 * hw, gx_sum ? &row_s[r0] : nullptr);
  });
  if (gx_sum) batchnorm_relu_detail::channel_totals(n, c, row_s.data(), gx_sum);
}

}  // namespace pai
