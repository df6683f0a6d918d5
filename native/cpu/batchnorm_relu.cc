// Fused batch norm + ReLU drivers (training mode). Planes of a few whole vectors take the
// plane path (below), other short rows the span path (batchnorm_relu_span.cc); long rows
// take the walk of batchnorm.cc: rows
// (b, ch) of x in memory order split across the threads, per-row sums merged per channel
// in double, then one elementwise pass. Forward: the moments pass of batchnorm.cc, then one
// pass that normalizes, applies the affine and the ReLU. Backward: one pass for the masked
// gradient sums, one pass writing gx; the ReLU mask is recomputed from x, so neither the
// output nor a mask is read.
#define PAI_VEC_BYTES 16
#define PAI_BATCHNORM_RELU_TABLE kBatchNormReluBaseline
#include "batchnorm_relu_loops.h"
#undef PAI_BATCHNORM_RELU_TABLE

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "batchnorm_kernels.h"
#include "pai/batchnorm_relu.h"
#include "pai/cpu_features.h"
#include "pai/parallel.h"

namespace pai {
namespace batchnorm_relu_detail {

const BatchNormReluKernels& batchnorm_relu_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kBatchNormReluAvx512;
    case Isa::Avx2: return kBatchNormReluAvx2;
    default: return kBatchNormReluBaseline;
  }
}

}  // namespace batchnorm_relu_detail

namespace {

using batchnorm_relu_detail::for_rows;

// The per-channel affine of the forward, rebuilt identically by the backward.
float channel_scale(const float* gamma, const float* invstd, int64_t ch) {
  return (gamma ? gamma[ch] : 1.f) * invstd[ch];
}

// Every channel's scale and shift (beta, or 0).
void channel_affine(int64_t c, const float* gamma, const float* beta, const float* invstd, std::vector<float>& scale,
                    std::vector<float>& shift) {
  scale.resize(c);
  shift.resize(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    scale[ch] = channel_scale(gamma, invstd, ch);
    shift[ch] = beta ? beta[ch] : 0.f;
  }
}

// Writes value[ch] over every row of the channels flags marks (none when flags is null).
void fill_flagged_rows(int64_t n, int64_t c, int64_t hw, const uint8_t* flags, const float* value, float* out) {
  if (!flags) return;
  for_rows(n * c, hw, [&](int64_t r) {
    if (flags[r % c]) std::fill(out + r * hw, out + (r + 1) * hw, value ? value[r % c] : 0.f);
  });
}

}  // namespace

namespace batchnorm_relu_detail {

void statistics_from_rows(int64_t n, int64_t c, int64_t hw, const double* row_mean,
                          const double* row_m2, float eps, float* mean, float* mean_lo,
                          float* invstd) {
  // Every row counts hw elements, so the channel's mean is its rows' mean, and its M2 their
  // M2s plus hw times their means' squared deviations from it: what Chan et al.'s pairwise
  // merge sums to, without a division per row. Channels run across the vector lanes.
  std::vector<double> mu(c, 0.0), m2(c, 0.0), spread(c, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) mu[ch] += row_mean[b * c + ch];
  for (int64_t ch = 0; ch < c; ++ch) mu[ch] /= static_cast<double>(n);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const double d = row_mean[b * c + ch] - mu[ch];
      spread[ch] += d * d;
      m2[ch] += row_m2[b * c + ch];
    }
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double var = std::max(m2[ch] + static_cast<double>(hw) * spread[ch], 0.0) / count;
    invstd[ch] = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
    mean[ch] = static_cast<float>(mu[ch]);
    mean_lo[ch] = static_cast<float>(mu[ch] - mean[ch]);
  }
}

void statistics_from_shifted_sums(int64_t c, double count, const float* first, const double* s1,
                                  const double* s2, float eps, float* mean, float* mean_lo, float* invstd) {
  for (int64_t ch = 0; ch < c; ++ch) {
    const double dmean = s1[ch] / count;
    const double mu = static_cast<double>(first[ch]) + dmean;
    const double var = std::max(s2[ch] - s1[ch] * dmean, 0.0) / count;
    invstd[ch] = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
    mean[ch] = static_cast<float>(mu);
    mean_lo[ch] = static_cast<float>(mu - mean[ch]);
  }
}

std::vector<float> first_sample_means(const float* x, int64_t c, int64_t hw, const uint8_t* skip) {
  std::vector<float> first(c, 0.f);
  for (int64_t ch = 0; ch < c; ++ch) {
    if (skip && skip[ch]) continue;
    double s = 0.0;
    for (int64_t i = 0; i < hw; ++i) s += x[ch * hw + i];
    first[ch] = static_cast<float>(s / static_cast<double>(hw));
  }
  return first;
}

bool moments_by_row(int64_t c, int64_t hw) { return hw >= kMinMomentsRow || !use_span_path(c, hw); }

void train_statistics(const float* x, int64_t n, int64_t c, int64_t hw, float eps, float* mean,
                      float* mean_lo, float* invstd, const double* row_moments,
                      const uint8_t* zero_in) {
  if (row_moments) {
    statistics_from_rows(n, c, hw, row_moments, row_moments + n * c, eps, mean, mean_lo, invstd);
    return;
  }
  if (!moments_by_row(c, hw) && use_plane_path(hw)) {
    const auto& k = batchnorm_relu_kernels();
    const std::vector<float> first = first_sample_means(x, c, hw, zero_in);
    const auto sums = plane_sums<2>(n, c, zero_in, [&](int64_t b0, int64_t b1, int64_t c0, int64_t c1,
                                                       const std::array<double*, 2>& f) {
      k.plane_shifted_moments(x, b0, b1, c, hw, c0, c1, first.data(), f[0], f[1]);
    });
    statistics_from_shifted_sums(c, static_cast<double>(n) * static_cast<double>(hw), first.data(), sums[0].data(),
                                 sums[1].data(), eps, mean, mean_lo, invstd);
    return;
  }
  if (!moments_by_row(c, hw)) {
    span_statistics(x, n, c, hw, eps, mean, mean_lo, invstd, zero_in);
    return;
  }
  const auto& moments = batchnorm_detail::batchnorm_kernels();
  // A row of zeros has mean 0 and M2 0, as row_moments computes them.
  std::vector<double> row_mean(n * c, 0.0), row_m2(n * c, 0.0);
  // Runs of rows outside zero channels at once (16 in lanes where the ISA allows; the same
  // bits as row by row, so the split across threads does not matter).
  const auto zero = [&](int64_t r) { return zero_in && zero_in[r % c]; };
  const int64_t grain = std::max<int64_t>(16, (int64_t{1} << 14) / std::max<int64_t>(hw, 1));
  parallel_for(0, n * c, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1;) {
      if (zero(r)) {
        ++r;
        continue;
      }
      int64_t e = r + 1;
      while (e < r1 && !zero(e)) ++e;
      moments.row_moments_rows(x + r * hw, e - r, hw, hw, &row_mean[r], &row_m2[r], 1);
      r = e;
    }
  });
  statistics_from_rows(n, c, hw, row_mean.data(), row_m2.data(), eps, mean, mean_lo, invstd);
}

void zero_channel_outputs(int64_t c, const uint8_t* zero_in, const float* mean,
                          const float* mean_lo, const float* invstd, const float* gamma,
                          const float* beta, float* fill, uint8_t* zero_out) {
  for (int64_t ch = 0; ch < c; ++ch) {
    const bool zero = zero_in && zero_in[ch];
    const float v = zero ? relu_value(preact_at_zero(mean[ch], mean_lo[ch], channel_scale(gamma, invstd, ch),
                                                     beta ? beta[ch] : 0.f))
                         : 0.f;
    if (fill) fill[ch] = v;
    if (zero_out) zero_out[ch] = zero && v == 0.f;
  }
}

std::vector<uint8_t> closed_channels(int64_t c, const uint8_t* zero_in, const float* mean,
                                     const float* mean_lo, const float* invstd,
                                     const float* gamma, const float* beta) {
  std::vector<uint8_t> closed;
  if (!zero_in) return closed;
  closed.resize(c);
  for (int64_t ch = 0; ch < c; ++ch)
    closed[ch] = closed_at_zero(zero_in, ch, mean[ch], mean_lo[ch], channel_scale(gamma, invstd, ch),
                                beta ? beta[ch] : 0.f);
  return closed;
}

std::vector<uint8_t> zero_gradient_channels(int64_t c, const std::vector<uint8_t>& closed,
                                            const float* mean, const float* mean_lo,
                                            const float* a, const float* b, const float* cc) {
  std::vector<uint8_t> zero;
  if (closed.empty()) return zero;
  zero.resize(c);
  for (int64_t ch = 0; ch < c; ++ch)
    zero[ch] = closed[ch] && gradient_at_zero(mean[ch], mean_lo[ch], a[ch], b[ch], cc[ch]) == 0.f;
  return zero;
}

void channel_totals(int64_t n, int64_t c, const double* row_sums, float* out) {
  for (int64_t ch = 0; ch < c; ++ch) {
    double s = 0.0;
    for (int64_t b = 0; b < n; ++b) s += row_sums[b * c + ch];
    out[ch] = static_cast<float>(s);
  }
}

void gradient_coefficients(int64_t n, int64_t c, double count, const double* row_g,
                           const double* row_gd, const float* invstd, const float* gamma,
                           float* ggamma, float* gbeta, float* a, float* b, float* cc) {
  for (int64_t ch = 0; ch < c; ++ch) {
    double sg = 0.0, sgd = 0.0;
    for (int64_t bi = 0; bi < n; ++bi) {
      sg += row_g[bi * c + ch];
      sgd += row_gd[bi * c + ch];
    }
    const double is = invstd[ch];
    const double sgx = sgd * is;  // sum g xhat
    if (ggamma) ggamma[ch] = static_cast<float>(sgx);
    if (gbeta) gbeta[ch] = static_cast<float>(sg);
    const double kk = (gamma ? gamma[ch] : 1.0) * is;
    a[ch] = static_cast<float>(kk);
    b[ch] = static_cast<float>(-kk * is * sgx / count);
    cc[ch] = static_cast<float>(-kk * sg / count);
  }
}

bool use_plane_path(int64_t hw) {
  const auto& k = batchnorm_relu_kernels();
  return hw < kMaxPlanePath && hw % k.lanes == 0 && k.block % (hw / k.lanes) == 0;
}

template <int K>
std::array<std::vector<double>, K> plane_sums(int64_t n, int64_t c, const uint8_t* skip, const PlaneAdd<K>& add) {
  const int64_t blocks = (n + kPlaneSamples - 1) / kPlaneSamples;
  std::vector<double> slots(static_cast<size_t>(K * blocks * c), 0.0);
  parallel_for(0, blocks, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      std::array<double*, K> f;
      for (int s = 0; s < K; ++s) f[s] = slots.data() + (s * blocks + k) * c;
      const int64_t b0 = k * kPlaneSamples, b1 = std::min(n, b0 + kPlaneSamples);
      for_live_runs(c, skip, [&](int64_t c0, int64_t c1) { add(b0, b1, c0, c1, f); });
    }
  });
  std::array<std::vector<double>, K> totals;
  for (int s = 0; s < K; ++s) {
    totals[s].assign(c, 0.0);
    for (int64_t k = 0; k < blocks; ++k)
      for (int64_t ch = 0; ch < c; ++ch) totals[s][ch] += slots[(s * blocks + k) * c + ch];
  }
  return totals;
}

template std::array<std::vector<double>, 0> plane_sums<0>(int64_t, int64_t, const uint8_t*, const PlaneAdd<0>&);
template std::array<std::vector<double>, 1> plane_sums<1>(int64_t, int64_t, const uint8_t*, const PlaneAdd<1>&);
template std::array<std::vector<double>, 2> plane_sums<2>(int64_t, int64_t, const uint8_t*, const PlaneAdd<2>&);

namespace {

void plane_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw, const float* mean,
                    const float* mean_lo, const float* invstd, const float* gamma, const float* beta, float* gx,
                    float* ggamma, float* gbeta, float* gx_sum, const uint8_t* zero_in) {
  const auto& k = batchnorm_relu_kernels();
  std::vector<float> scale, shift;
  channel_affine(c, gamma, beta, invstd, scale, shift);
  // Closed zero channels pass no gradient: their sums stay 0.
  const auto closed = closed_channels(c, zero_in, mean, mean_lo, invstd, gamma, beta);
  const auto sums = plane_sums<2>(n, c, flags_or_null(closed), [&](int64_t b0, int64_t b1, int64_t c0, int64_t c1,
                                                                     const std::array<double*, 2>& f) {
    k.plane_gradient_sums(gy, x, b0, b1, c, hw, c0, c1, mean, mean_lo, scale.data(), shift.data(), f[0], f[1]);
  });
  std::vector<float> a(c), bcoef(c), ccoef(c);
  // Per-channel sums are the rows of a batch of one.
  gradient_coefficients(1, c, static_cast<double>(n) * static_cast<double>(hw), sums[0].data(), sums[1].data(),
                        invstd, gamma, ggamma, gbeta, a.data(), bcoef.data(), ccoef.data());
  const auto zero = zero_gradient_channels(c, closed, mean, mean_lo, a.data(), bcoef.data(), ccoef.data());
  auto combine = [&](int64_t b0, int64_t b1, int64_t c0, int64_t c1, double* total) {
    k.plane_combine(gy, x, b0, b1, c, hw, c0, c1, mean, mean_lo, scale.data(), shift.data(), a.data(), bcoef.data(),
                    ccoef.data(), gx, total);
  };
  if (gx_sum) {
    const auto totals = plane_sums<1>(n, c, flags_or_null(zero), [&](int64_t b0, int64_t b1, int64_t c0, int64_t c1,
                                                                     const std::array<double*, 1>& f) {
      combine(b0, b1, c0, c1, f[0]);
    });
    for (int64_t ch = 0; ch < c; ++ch) gx_sum[ch] = static_cast<float>(totals[0][ch]);
  } else {
    plane_sums<0>(n, c, flags_or_null(zero), [&](int64_t b0, int64_t b1, int64_t c0, int64_t c1,
                                                const std::array<double*, 0>&) { combine(b0, b1, c0, c1, nullptr); });
  }
  fill_flagged_rows(n, c, hw, flags_or_null(zero), nullptr, gx);
}

}  // namespace

}  // namespace batchnorm_relu_detail

void batch_norm_relu_train_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                                   const float* gamma, const float* beta, float eps, float* out,
                                   float* mean, float* mean_lo, float* invstd,
                                   const double* row_moments, const uint8_t* zero_in,
                                   uint8_t* zero_out) {
  batchnorm_relu_detail::train_statistics(x, n, c, hw, eps, mean, mean_lo, invstd, row_moments, zero_in);
  std::vector<float> fill(c);
  batchnorm_relu_detail::zero_channel_outputs(c, zero_in, mean, mean_lo, invstd, gamma, beta, fill.data(), zero_out);
  if (batchnorm_relu_detail::use_plane_path(hw)) {
    const auto& k = batchnorm_relu_detail::batchnorm_relu_kernels();
    std::vector<float> scale, shift;
    channel_affine(c, gamma, beta, invstd, scale, shift);
    batchnorm_relu_detail::plane_sums<0>(n, c, zero_in, [&](int64_t b0, int64_t b1, int64_t c0, int64_t c1,
                                                            const std::array<double*, 0>&) {
      k.plane_normalize_relu(x, b0, b1, c, hw, c0, c1, mean, mean_lo, scale.data(), shift.data(), out);
    });
    fill_flagged_rows(n, c, hw, zero_in, fill.data(), out);
    return;
  }
  if (batchnorm_relu_detail::use_span_path(c, hw)) {
    batchnorm_relu_detail::span_normalize_relu(x, n, c, hw, gamma, beta, mean, mean_lo, invstd, out, zero_in,
                                               fill.data());
    return;
  }
  const auto& k = batchnorm_relu_detail::batchnorm_relu_kernels();
  std::vector<float> scale(c);
  for (int64_t ch = 0; ch < c; ++ch) scale[ch] = channel_scale(gamma, invstd, ch);
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    if (zero_in && zero_in[ch]) std::fill(out + r * hw, out + (r + 1) * hw, fill[ch]);
    else k.normalize_relu(x + r * hw, hw, mean[ch], mean_lo[ch], scale[ch], beta ? beta[ch] : 0.f, out + r * hw);
  });
}

void batch_norm_relu_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                              const float* mean, const float* mean_lo, const float* invstd,
                              const float* gamma, const float* beta, float* gx, float* ggamma,
                              float* gbeta, float* gx_sum, const uint8_t* zero_in) {
  if (batchnorm_relu_detail::use_plane_path(hw)) {
    batchnorm_relu_detail::plane_backward(gy, x, n, c, hw, mean, mean_lo, invstd, gamma, beta, gx, ggamma, gbeta,
                                          gx_sum, zero_in);
    return;
  }
  if (batchnorm_relu_detail::use_span_path(c, hw)) {
    batchnorm_relu_detail::span_backward(gy, x, n, c, hw, mean, mean_lo, invstd, gamma, beta, gx, ggamma, gbeta,
                                         gx_sum, zero_in);
    return;
  }
  const auto& k = batchnorm_relu_detail::batchnorm_relu_kernels();
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  std::vector<float> scale(c);
  for (int64_t ch = 0; ch < c; ++ch) scale[ch] = channel_scale(gamma, invstd, ch);
  // Closed zero channels pass no gradient: their sums stay 0, as the loops would give them.
  const auto closed = batchnorm_relu_detail::closed_channels(c, zero_in, mean, mean_lo, invstd, gamma, beta);
  std::vector<double> row_g(n * c, 0.0), row_gd(n * c, 0.0);  // sum g, sum g (x - mean)
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    if (closed.empty() || !closed[ch])
      k.masked_gradient_sums(gy + r * hw, x + r * hw, hw, mean[ch], mean_lo[ch], scale[ch],
                             beta ? beta[ch] : 0.f, &row_g[r], &row_gd[r]);
  });
  std::vector<float> a(c), bcoef(c), ccoef(c);
  batchnorm_relu_detail::gradient_coefficients(n, c, count, row_g.data(), row_gd.data(), invstd, gamma,
                                               ggamma, gbeta, a.data(), bcoef.data(), ccoef.data());
  const auto zero = batchnorm_relu_detail::zero_gradient_channels(c, closed, mean, mean_lo, a.data(), bcoef.data(),
                                                                  ccoef.data());
  // The row just written is summed while it is in L1 (no pass over gx of its own).
  std::vector<double> row_s(gx_sum ? n * c : 0, 0.0);
  for_rows(n * c, hw, [&](int64_t r) {
    const int64_t ch = r % c;
    if (!zero.empty() && zero[ch]) {
      std::fill(gx + r * hw, gx + (r + 1) * hw, 0.f);
      return;
    }
    k.masked_combine(gy + r * hw, x + r * hw, hw, mean[ch], mean_lo[ch], scale[ch],
                     beta ? beta[ch] : 0.f, a[ch], bcoef[ch], ccoef[ch], gx + r * hw);
    if (gx_sum) row_s[r] = k.row_sum(gx + r * hw, hw);
  });
  if (gx_sum) batchnorm_relu_detail::channel_totals(n, c, row_s.data(), gx_sum);
}

}  // namespace pai
