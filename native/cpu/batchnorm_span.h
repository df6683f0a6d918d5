// Internal: the sample-span walk shared by the batch-norm kernels on short rows (small hw,
// or [n, c] input). Each sample's [c, hw] block is one contiguous stream with per-element
// parameters (each channel's value repeated hw times), so the loops run in whole vectors
// instead of one call and one tail per (b, ch) row. Which shapes take it:
// batchnorm_relu_detail::use_span_path.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "pai/parallel.h"

namespace pai::batchnorm_span {

constexpr int64_t kSampleBlock = 16;  // samples summed in float before the double fold

// Repeats each channel's value hw times.
inline std::vector<float> expand(const float* per_channel, int64_t c, int64_t hw) {
  std::vector<float> out(c * hw);
  for (int64_t ch = 0; ch < c; ++ch) std::fill(out.begin() + ch * hw, out.begin() + (ch + 1) * hw, per_channel[ch]);
  return out;
}

inline std::vector<float> expand(const std::vector<float>& per_channel, int64_t hw) {
  return expand(per_channel.data(), static_cast<int64_t>(per_channel.size()), hw);
}

// Per-channel sums over the batch of K float streams that add(b, f) accumulates per
// element (f[k] points at stream k's [c, hw] slots): blocks of kSampleBlock samples
// summed in float, each block in its own slots, claimed dynamically by the threads (a
// static split stalls on a descheduled thread), then folded per channel in double in a
// fixed order, so the result does not depend on scheduling.
template <int K, class Add>
std::array<std::vector<double>, K> per_channel_sums(int64_t n, int64_t c, int64_t hw, Add add) {
  const int64_t len = c * hw;
  const int64_t blocks = (n + kSampleBlock - 1) / kSampleBlock;
  std::vector<float> slots(K * blocks * len, 0.f);
  parallel_for(0, blocks, 1, [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      std::array<float*, K> f;
      for (int s = 0; s < K; ++s) f[s] = slots.data() + (s * blocks + k) * len;
      for (int64_t b = k * kSampleBlock; b < std::min(n, (k + 1) * kSampleBlock); ++b) add(b, f);
    }
  });
  // The blocks fold per element first (independent lanes, so the loop vectorizes; a
  // running double per channel instead chains every add on the last and cost a quarter
  // of a backward on VGG's 8x8 maps), then each channel's hw elements.
  std::array<std::vector<double>, K> totals;
  std::vector<double> element(len);
  for (int s = 0; s < K; ++s) {
    std::fill(element.begin(), element.end(), 0.0);
    for (int64_t k = 0; k < blocks; ++k) {
      const float* f = slots.data() + (s * blocks + k) * len;
      for (int64_t i = 0; i < len; ++i) element[i] += static_cast<double>(f[i]);
    }
    totals[s].assign(c, 0.0);
    for (int64_t ch = 0; ch < c; ++ch) {
      double a = 0.0;
      for (int64_t i = 0; i < hw; ++i) a += element[ch * hw + i];
      totals[s][ch] = a;
    }
  }
  return totals;
}

// Runs f(b) for every sample, in parallel chunks of at least ~16k elements.
template <class F>
void for_samples(int64_t n, int64_t len, F f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(len, 1));
  parallel_for(0, n, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) f(b);
  });
}

}  // namespace pai::batchnorm_span
