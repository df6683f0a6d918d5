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

// Runs f(r, run) over the n c planes in parallel runs of ~16k elements, split where a
// plane's channel is flagged in skip (null: none): dead(r) runs for each flagged plane r
// instead.
template <class F, class D>
void for_plane_runs(int64_t n, int64_t c, int64_t hw, const std::vector<PlaneAffine>& affine,
                    const uint8_t* skip, F f, D dead) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / hw);
  parallel_for(0, n * c, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1;) {
      if (skip && skip[r % c]) {
        dead(r++);
        continue;
      }
      int64_t e = r + 1;
      while (e < r1 && !(skip && skip[e % c])) ++e;
      f(r, PlaneRun{e - r, r % c, c, affine.data()});
      r = e;
    }
  });
}

}  // namespace

void batch_norm_relu_max_pool_train_forward(const float* x, int64_t n, int64_t c, int64_t h,
                                            int64_t w, const float* gamma, const float* beta,
                                            float eps, float* out, float* mean, float* mean_lo,
                                            float* invstd, const double* row_moments,
                                            const uint8_t* zero_in, uint8_t* zero_out) {
  const int64_t hw = h * w;
  batchnorm_relu_detail::train_statistics(x, n, c, hw, eps, mean, mean_lo, invstd, row_moments, zero_in);
  // A zero channel's windows all hold the same value: the maximum is that value.
  std::vector<float> fill(c);
  batchnorm_relu_detail::zero_channel_outputs(c, zero_in, mean, mean_lo, invstd, gamma, beta, fill.data(), zero_out);
  const auto& k = batchnorm_relu_detail::batchnorm_relu_pool_kernels();
  const auto affine = channel_affines(c, mean, mean_lo, invstd, gamma, beta);
  const int64_t q = hw / 4;
  for_plane_runs(
      n, c, hw, affine, zero_in,
      [&](int64_t r, const PlaneRun& run) { k.normalize_relu_pool(x + r * hw, run, h, w, out + r * q); },
      [&](int64_t r) { std::fill(out + r * q, out + (r + 1) * q, fill[r % c]); });
}

void batch_norm_relu_max_pool_backward(const float* gy, const float* x, int64_t n, int64_t c,
                                       int64_t h, int64_t w, const float* mean,
                                       const float* mean_lo, const float* invstd,
                                       const float* gamma, const float* beta, float* gx,
                                       float* ggamma, float* gbeta, float* gx_sum,
                                       const uint8_t* zero_in) {
  const int64_t hw = h * w;
  const int64_t q = hw / 4;
  const auto& k = batchnorm_relu_detail::batchnorm_relu_pool_kernels();
  const auto affine = channel_affines(c, mean, mean_lo, invstd, gamma, beta);
  // Closed zero channels pass no gradient to any window: their sums stay 0.
  const auto closed = batchnorm_relu_detail::closed_channels(c, zero_in, mean, mean_lo, invstd, gamma, beta);
  std::vector<double> row_g(n * c, 0.0), row_gd(n * c, 0.0);
  for_plane_runs(
      n, c, hw, affine, batchnorm_relu_detail::flags_or_null(closed),
      [&](int64_t r, const PlaneRun& run) {
        k.pooled_gradient_sums(gy + r * q, x + r * hw, run, h, w, &row_g[r], &row_gd[r]);
      },
      [](int64_t) {});
  std::vector<float> a(c), bcoef(c), ccoef(c);
  batchnorm_relu_detail::gradient_coefficients(n, c, static_cast<double>(n) * static_cast<double>(hw),
                                               row_g.data(), row_gd.data(), invstd, gamma, ggamma,
                                               gbeta, a.data(), bcoef.data(), ccoef.data());
  const auto zero = batchnorm_relu_detail::zero_gradient_channels(c, closed, mean, mean_lo, a.data(), bcoef.data(),
                                                                  ccoef.data());
  std::vector<double> row_s(gx_sum ? n * c : 0, 0.0);
  for_plane_runs(
      n, c, hw, affine, batchnorm_relu_detail::flags_or_null(zero),
      [&](int64_t r, const PlaneRun& run) {
        k.pooled_combine(gy + r * q, x + r * hw, run, h, w, a.data(), bcoef.data(), ccoef.data(), gx + r * hw,
                         gx_sum ? &row_s[r] : nullptr);
      },
      [&](int64_t r) { std::fill(gx + r * hw, gx + (r + 1) * hw, 0.f); });
  if (gx_sum) batchnorm_relu_detail::channel_totals(n, c, row_s.data(), gx_sum);
}

}  // namespace pai
