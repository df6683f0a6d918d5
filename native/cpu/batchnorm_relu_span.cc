// The span path of the fused batch norm + ReLU, for short rows (small hw, or [n, c] input):
// each sample's [c, hw] block is one contiguous stream with per-element parameters, so
// the loops run in whole vectors instead of one call and one tail per (b, ch) row.
// Sums are kept per element across samples (float over blocks of kSampleBlock samples,
// then double), folded per channel at the end.
#include <algorithm>
#include <cmath>
#include <vector>

#include "batchnorm_relu_kernels.h"
#include "pai/parallel.h"

namespace pai::batchnorm_relu_detail {
namespace {

constexpr int64_t kSampleBlock = 16;   // samples summed in float before the double fold
constexpr int64_t kMaxSpan = 1 << 18;  // elements of one sample's per-element parameters
constexpr int64_t kMaxShortRow = 128;

// Repeats each channel's value hw times.
std::vector<float> expand(const std::vector<float>& per_channel, int64_t hw) {
  std::vector<float> out(per_channel.size() * hw);
  for (size_t ch = 0; ch < per_channel.size(); ++ch)
    std::fill(out.begin() + ch * hw, out.begin() + (ch + 1) * hw, per_channel[ch]);
  return out;
}

// Per-element sums over the batch of two float streams produced by add(b, s1, s2):
// blocks of kSampleBlock samples summed in float, each into its own slot, claimed
// dynamically by the threads (a static split stalls on a descheduled thread), then
// folded per channel in double in a fixed order, so results do not depend on scheduling.
template <class Add>
void per_channel_sums(int64_t n, int64_t c, int64_t hw, Add add, std::vector<double>* t1,
                      std::vector<double>* t2) {
  const int64_t len = c * hw;
  const int64_t blocks = (n + kSampleBlock - 1) / kSampleBlock;
  std::vector<float> f1(blocks * len, 0.f), f2(blocks * len, 0.f);
  parallel_for(0, blocks, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k)
      for (int64_t b = k * kSampleBlock; b < std::min(n, (k + 1) * kSampleBlock); ++b)
        add(b, f1.data() + k * len, f2.data() + k * len);
  });
  t1->assign(c, 0.0);
  t2->assign(c, 0.0);
  for (int64_t k = 0; k < blocks; ++k)
    for (int64_t ch = 0; ch < c; ++ch) {
      double a1 = 0.0, a2 = 0.0;
      for (int64_t i = 0; i < hw; ++i) {
        a1 += f1[k * len + ch * hw + i];
        a2 += f2[k * len + ch * hw + i];
      }
      (*t1)[ch] += a1;
      (*t2)[ch] += a2;
    }
}

// Runs f(b) for every sample, in parallel chunks of at least ~16k elements.
template <class F>
void for_samples(int64_t n, int64_t len, F f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / len);
  parallel_for(0, n, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) f(b);
  });
}

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

}  // namespace

bool use_span_path(int64_t c, int64_t hw) { return hw < kMaxShortRow && c * hw <= kMaxSpan; }

void span_statistics(const float* x, int64_t n, int64_t c, int64_t hw, float eps, float* mean,
                     float* mean_lo, float* invstd) {
  const auto& k = batchnorm_relu_kernels();
  const int64_t len = c * hw;
  // Deviations from the first sample's channel means: small, so their float sums and
  // squares lose nothing to an offset of the data.
  std::vector<float> first(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    double s = 0.0;
    for (int64_t i = 0; i < hw; ++i) s += x[ch * hw + i];
    first[ch] = static_cast<float>(s / static_cast<double>(hw));
  }
  const std::vector<float> shift = expand(first, hw);
  std::vector<double> s1, s2;
  per_channel_sums(
      n, c, hw, [&](int64_t b, float* f1, float* f2) { k.span_shifted_moments(x + b * len, shift.data(), len, f1, f2); },
      &s1, &s2);
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double dmean = s1[ch] / count;
    const double mu = static_cast<double>(first[ch]) + dmean;
    const double var = std::max(s2[ch] - s1[ch] * dmean, 0.0) / count;
    invstd[ch] = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(eps)));
    mean[ch] = static_cast<float>(mu);
    mean_lo[ch] = static_cast<float>(mu - mean[ch]);
  }
}

void span_normalize_relu(const float* x, int64_t n, int64_t c, int64_t hw, const float* gamma,
                         const float* beta, const float* mean, const float* mean_lo,
                         const float* invstd, float* out) {
  const auto& k = batchnorm_relu_kernels();
  const int64_t len = c * hw;
  const Expanded e = expand_affine(c, hw, mean, mean_lo, invstd, gamma, beta);
  const SpanParams p = e.params();
  for_samples(n, len, [&](int64_t b) { k.span_normalize_relu(x + b * len, p, len, out + b * len); });
}

void span_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                   const float* mean, const float* mean_lo, const float* invstd,
                   const float* gamma, const float* beta, float* gx, float* ggamma,
                   float* gbeta) {
  const auto& k = batchnorm_relu_kernels();
  const int64_t len = c * hw;
  const Expanded e = expand_affine(c, hw, mean, mean_lo, invstd, gamma, beta);
  const SpanParams p = e.params();
  std::vector<double> sg, sgd;
  per_channel_sums(
      n, c, hw,
      [&](int64_t b, float* ag, float* agd) { k.span_masked_gradient_sums(gy + b * len, x + b * len, p, len, ag, agd); },
      &sg, &sgd);
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
  for_samples(n, len, [&](int64_t b) {
    k.span_masked_combine(gy + b * len, x + b * len, p, ae.data(), be.data(), ce.data(), len, gx + b * len);
  });
}

}  // namespace pai::batchnorm_relu_detail
