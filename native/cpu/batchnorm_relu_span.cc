// The span path of the fused batch norm + ReLU, for short rows (small hw, or [n, c] input):
// each sample's [c, hw] block is one contiguous stream with per-element parameters, so
// the loops run in whole vectors instead of one call and one tail per (b, ch) row.
// Sums are kept per element across samples (float over blocks of 16 samples, then
// double), folded per channel at the end (batchnorm_span.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include "batchnorm_relu_kernels.h"
#include "batchnorm_span.h"
#include "pai/parallel.h"

namespace pai::batchnorm_relu_detail {
namespace {

constexpr int64_t kMaxSpan = 1 << 18;  // elements of one sample's per-element parameters
constexpr int64_t kMaxShortRow = 128;

using batchnorm_span::expand;
using batchnorm_span::for_samples;

struct Expanded {
  std::vector<float> mu_hi, mu_lo, scale, shift;
  SpanParams params() const { return {mu_hi.data(), mu_lo.data(), scale.data(), shift.data()}; }
};

// The forward's per-channel affine (rebuilt identically by the backward), per element.
Expanded expand_affine(int64_t c, int64_t hw, const float* mean, const float* mean_lo,
                       const float* invstd, const float* gamma, const float* beta) {
  std::vector<float> mu_hi(mean, mean + c), mu_lo(mean_lo, mean_lo + c), scale(c), shift(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    scale[ch] = (gamma ? gamma[ch] : 1.f) * invstd[ch];
    shift[ch] = beta ? beta[ch] : 0.f;
  }
  return {expand(mu_hi, hw), expand(mu_lo, hw), expand(scale, hw), expand(shift, hw)};
}

// The parameters of the span from element o on.
SpanParams offset(const SpanParams& p, int64_t o) { return {p.mu_hi + o, p.mu_lo + o, p.scale + o, p.shift + o}; }

// Fills channel ch of one sample's [c, hw] span with value[ch] where flags[ch] (none when
// flags is null).
void fill_channels(int64_t c, int64_t hw, const uint8_t* flags, const float* value, float* span) {
  if (!flags) return;
  for (int64_t ch = 0; ch < c; ++ch)
    if (flags[ch]) std::fill(span + ch * hw, span + (ch + 1) * hw, value[ch]);
}

}  // namespace

bool use_span_path(int64_t c, int64_t hw) { return hw < kMaxShortRow && c * hw <= kMaxSpan; }

void span_statistics(const float* x, int64_t n, int64_t c, int64_t hw, float eps, float* mean,
                     float* mean_lo, float* invstd, const uint8_t* zero_in) {
  const auto& k = batchnorm_relu_kernels();
  const int64_t len = c * hw;
  // Zero channels are not read: their shift, slots and so statistics stay those of zeros.
  const std::vector<float> first = first_sample_means(x, c, hw, zero_in);
  const std::vector<float> shift = expand(first, hw);
  const auto sums = batchnorm_span::per_channel_sums<2>(
      n, c, hw, [&](int64_t b, const std::array<float*, 2>& f) {
        for_live_runs(c, zero_in, [&](int64_t c0, int64_t c1) {
          const int64_t o = c0 * hw;
          k.span_shifted_moments(x + b * len + o, shift.data() + o, (c1 - c0) * hw, f[0] + o, f[1] + o);
        });
      });
  statistics_from_shifted_sums(c, static_cast<double>(n) * static_cast<double>(hw), first.data(), sums[0].data(),
                               sums[1].data(), eps, mean, mean_lo, invstd);
}

void span_normalize_relu(const float* x, int64_t n, int64_t c, int64_t hw, const float* gamma,
                         const float* beta, const float* mean, const float* mean_lo,
                         const float* invstd, float* out, const uint8_t* zero_in,
                         const float* fill) {
  const auto& k = batchnorm_relu_kernels();
  const int64_t len = c * hw;
  const Expanded e = expand_affine(c, hw, mean, mean_lo, invstd, gamma, beta);
  const SpanParams p = e.params();
  for_samples(n, len, [&](int64_t b) {
    for_live_runs(c, zero_in, [&](int64_t c0, int64_t c1) {
      const int64_t o = c0 * hw;
      k.span_normalize_relu(x + b * len + o, offset(p, o), (c1 - c0) * hw, out + b * len + o);
    });
    fill_channels(c, hw, zero_in, fill, out + b * len);
  });
}

void span_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                   const float* mean, const float* mean_lo, const float* invstd,
                   const float* gamma, const float* beta, float* gx, float* ggamma,
                   float* gbeta, float* gx_sum, const uint8_t* zero_in) {
  const auto& k = batchnorm_relu_kernels();
  const int64_t len = c * hw;
  const Expanded e = expand_affine(c, hw, mean, mean_lo, invstd, gamma, beta);
  const SpanParams p = e.params();
  // Closed zero channels pass no gradient: their slots stay 0, as the loops would leave them.
  const auto closed = closed_channels(c, zero_in, mean, mean_lo, invstd, gamma, beta);
  const auto sums = batchnorm_span::per_channel_sums<2>(n, c, hw, [&](int64_t b, const std::array<float*, 2>& f) {
    for_live_runs(c, flags_or_null(closed), [&](int64_t c0, int64_t c1) {
      const int64_t o = c0 * hw;
      k.span_masked_gradient_sums(gy + b * len + o, x + b * len + o, offset(p, o), (c1 - c0) * hw, f[0] + o, f[1] + o);
    });
  });
  const std::vector<double>&sg = sums[0], &sgd = sums[1];
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  std::vector<float> a(c), bcoef(c), ccoef(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double is = invstd[ch];
    const double sgx = sgd[ch] * is;  // sum g xhat
    if (ggamma) ggamma[ch] = static_cast<float>(sgx);
    if (gbeta) gbeta[ch] = static_cast<float>(sg[ch]);
    const double kk = (gamma ? gamma[ch] : 1.0) * is;
    a[ch] = static_cast<float>(kk);
    bcoef[ch] = static_cast<float>(-kk * is * sgx / count);
    ccoef[ch] = static_cast<float>(-kk * sg[ch] / count);
  }
  const std::vector<float> ae = expand(a, hw), be = expand(bcoef, hw), ce = expand(ccoef, hw);
  const auto zero = zero_gradient_channels(c, closed, mean, mean_lo, a.data(), bcoef.data(), ccoef.data());
  const std::vector<float> zeros(zero.empty() ? 0 : c, 0.f);
  auto combine = [&](int64_t b) {
    for_live_runs(c, flags_or_null(zero), [&](int64_t c0, int64_t c1) {
      const int64_t o = c0 * hw;
      k.span_masked_combine(gy + b * len + o, x + b * len + o, offset(p, o), ae.data() + o, be.data() + o,
                            ce.data() + o, (c1 - c0) * hw, gx + b * len + o);
    });
    fill_channels(c, hw, flags_or_null(zero), zeros.data(), gx + b * len);
  };
  if (!gx_sum) {
    for_samples(n, len, combine);
    return;
  }
  // The sample just written is added into the per-element sums while it is in L1, as the
  // statistics are summed (not a row_sum call per (b, ch) row: on 2x2 planes those calls
  // cost five times the whole combine).
  const auto totals = batchnorm_span::per_channel_sums<1>(n, c, hw, [&](int64_t b, const std::array<float*, 1>& f) {
    combine(b);
    const float* g = gx + b * len;
    float* acc = f[0];
    for (int64_t i = 0; i < len; ++i) acc[i] += g[i];
  });
  for (int64_t ch = 0; ch < c; ++ch) gx_sum[ch] = static_cast<float>(totals[0][ch]);
}

}  // namespace pai::batchnorm_relu_detail
