// Drivers of the fused residual-block tail relu(batchNorm(z) + s r) in training. Forward:
// the fused kernels' statistics pass over z, then one pass reading z and r, writing out.
// Backward: one pass reading gy, out (the ReLU mask), z (and r when scaled) that writes
// gr and sums the batch-norm terms (and s's gradient), then one pass writing gz (reading
// gr back as the masked gradient when unscaled: one stream fewer than gy and out).
// Long rows walk (b, ch) rows in memory order as batchnorm.cc; short rows walk whole
// samples (batchnorm_span.h).
#define PAI_VEC_BYTES 16
#define PAI_BATCHNORM_ADD_RELU_TABLE kBatchNormAddReluBaseline
#include "batchnorm_add_relu_loops.h"
#undef PAI_BATCHNORM_ADD_RELU_TABLE

#include <array>
#include <vector>

#include "batchnorm_relu_kernels.h"
#include "batchnorm_span.h"
#include "pai/batchnorm_add_relu.h"
#include "pai/cpu_features.h"

namespace pai {
namespace batchnorm_add_relu_detail {

const BatchNormAddReluKernels& batchnorm_add_relu_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kBatchNormAddReluAvx512;
    case Isa::Avx2: return kBatchNormAddReluAvx2;
    default: return kBatchNormAddReluBaseline;
  }
}

}  // namespace batchnorm_add_relu_detail

namespace {

using batchnorm_add_relu_detail::Params;
using batchnorm_relu_detail::for_rows;

// Per-channel parameter vectors and, on the span path, their per-element expansions;
// view(ch) points a row's loop at channel ch, view() a span's loop at the expansions.
struct ChannelParams {
  static constexpr int kCount = 8;
  int64_t hw;
  bool span;
  std::array<std::vector<float>, kCount> per_channel, expanded;
  std::array<bool, kCount> used{};

  ChannelParams(int64_t c, int64_t hw_, bool span_) : hw(hw_), span(span_) {
    for (auto& v : per_channel) v.assign(c, 0.f);
  }
  float* at(int k) {
    used[k] = true;
    return per_channel[k].data();
  }
  void expand() {  // the parameters used so far, once each
    if (!span) return;
    for (int k = 0; k < kCount; ++k)
      if (used[k] && expanded[k].empty()) expanded[k] = batchnorm_span::expand(per_channel[k], hw);
  }
  Params view(int64_t ch) const {
    std::array<const float*, kCount> q;
    for (int k = 0; k < kCount; ++k)
      q[k] = !used[k] ? nullptr : span ? expanded[k].data() : per_channel[k].data() + ch;
    return {q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]};
  }
};

enum { kMuHi, kMuLo, kScale, kShift, kRes, kA, kB, kC };

}  // namespace

void batch_norm_add_relu_train_forward(const float* z, const float* r, const float* scale,
                                       int64_t n, int64_t c, int64_t hw, const float* gamma,
                                       const float* beta, float eps, float* out, float* mean,
                                       float* mean_lo, float* invstd) {
  const auto& k = batchnorm_add_relu_detail::batchnorm_add_relu_kernels();
  batchnorm_relu_detail::train_statistics(z, n, c, hw, eps, mean, mean_lo, invstd);
  const bool span = batchnorm_relu_detail::use_span_path(c, hw), scaled = scale != nullptr;
  ChannelParams cp(c, hw, span);
  float *mh = cp.at(kMuHi), *ml = cp.at(kMuLo), *sc = cp.at(kScale), *sh = cp.at(kShift);
  float* res = scaled ? cp.at(kRes) : nullptr;
  for (int64_t ch = 0; ch < c; ++ch) {
    mh[ch] = mean[ch];
    ml[ch] = mean_lo[ch];
    sc[ch] = (gamma ? gamma[ch] : 1.f) * invstd[ch];
    sh[ch] = beta ? beta[ch] : 0.f;
    if (scaled) res[ch] = scale[ch];
  }
  cp.expand();
  const auto f = k.add_relu[span][scaled];
  if (span) {
    const int64_t len = c * hw;
    const Params p = cp.view(0);
    batchnorm_span::for_samples(n, len, [&](int64_t b) { f(z + b * len, r + b * len, p, len, out + b * len); });
    return;
  }
  for_rows(n * c, hw, [&](int64_t row) {
    const int64_t o = row * hw;
    f(z + o, r + o, cp.view(row % c), hw, out + o);
  });
}

void batch_norm_add_relu_backward(const float* gy, const float* out, const float* z,
                                  const float* r, const float* scale, int64_t n, int64_t c,
                                  int64_t hw, const float* mean, const float* mean_lo,
                                  const float* invstd, const float* gamma, float* gz, float* gr,
                                  float* ggamma, float* gbeta, float* gscale) {
  const auto& k = batchnorm_add_relu_detail::batchnorm_add_relu_kernels();
  const bool span = batchnorm_relu_detail::use_span_path(c, hw), scaled = scale != nullptr;
  const int64_t len = c * hw;
  ChannelParams cp(c, hw, span);
  float *mh = cp.at(kMuHi), *ml = cp.at(kMuLo);
  float* res = scaled ? cp.at(kRes) : nullptr;
  for (int64_t ch = 0; ch < c; ++ch) {
    mh[ch] = mean[ch];
    ml[ch] = mean_lo[ch];
    if (scaled) res[ch] = scale[ch];
  }
  cp.expand();
  // Sums of g, g d and g r per channel.
  std::array<std::vector<double>, 3> sums;
  if (span) {
    const Params p = cp.view(0);
    const auto f = k.span_sums[scaled];
    sums = batchnorm_span::per_channel_sums<3>(n, c, hw, [&](int64_t b, const std::array<float*, 3>& s) {
      f(gy + b * len, out + b * len, z + b * len, r + b * len, p, len, gr + b * len, s.data());
    });
  } else {
    std::vector<double> rows(3 * n * c, 0.0);
    const auto f = k.row_sums[scaled];
    for_rows(n * c, hw, [&](int64_t row) {
      const int64_t o = row * hw;
      f(gy + o, out + o, z + o, r + o, cp.view(row % c), hw, gr + o, &rows[3 * row]);
    });
    for (auto& s : sums) s.assign(c, 0.0);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch)
        for (int s = 0; s < 3; ++s) sums[s][ch] += rows[3 * (b * c + ch) + s];
  }
  const double count = static_cast<double>(n) * static_cast<double>(hw);
  float *a = cp.at(kA), *bc = cp.at(kB), *cc = cp.at(kC);
  for (int64_t ch = 0; ch < c; ++ch) {
    const double is = invstd[ch], sg = sums[0][ch];
    const double sgx = sums[1][ch] * is;  // sum g xhat
    if (ggamma) ggamma[ch] = static_cast<float>(sgx);
    if (gbeta) gbeta[ch] = static_cast<float>(sg);
    if (gscale) gscale[ch] = static_cast<float>(sums[2][ch]);
    const double kk = (gamma ? gamma[ch] : 1.0) * is;
    a[ch] = static_cast<float>(kk);
    bc[ch] = static_cast<float>(-kk * is * sgx / count);
    cc[ch] = static_cast<float>(-kk * sg / count);
  }
  cp.expand();
  // Unscaled, gr holds the masked gradient itself: read it instead of gy and out.
  const auto f = k.combine[span][!scaled];
  const float* g = scaled ? gy : gr;
  if (span) {
    const Params p = cp.view(0);
    batchnorm_span::for_samples(n, len, [&](int64_t b) { f(g + b * len, out + b * len, z + b * len, p, len, gz + b * len); });
    return;
  }
  for_rows(n * c, hw, [&](int64_t row) {
    const int64_t o = row * hw;
    f(g + o, out + o, z + o, cp.view(row % c), hw, gz + o);
  });
}

}  // namespace pai
