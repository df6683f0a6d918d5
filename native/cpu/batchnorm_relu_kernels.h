// Internal: the per-ISA row loops of the fused batch norm + ReLU (source in
// batchnorm_relu_loops.h). Every loop computes the pre-activation
// y = ((x - mu_hi) - mu_lo) * scale + shift the same way, without a fused multiply-add,
// so the backward's mask y > 0 is exactly the forward's.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "pai/parallel.h"

namespace pai::batchnorm_relu_detail {

// Per-element parameters of a sample's [c, hw] span (each channel's value repeated hw
// times): the small-hw path walks a whole sample as one vector stream instead of c short
// rows.
struct SpanParams {
  const float *mu_hi, *mu_lo, *scale, *shift;
};

struct BatchNormReluKernels {
  // out[i] = max(y[i], 0) (NaN stays NaN).
  void (*normalize_relu)(const float* x, int64_t len, float mu_hi, float mu_lo, float scale,
                         float shift, float* out);
  // With g[i] = y[i] > 0 ? gy[i] : 0 and d[i] = (x[i] - mu_hi) - mu_lo:
  // *sg += sum g, *sgd += sum g d.
  void (*masked_gradient_sums)(const float* gy, const float* x, int64_t len, float mu_hi,
                               float mu_lo, float scale, float shift, double* sg, double* sgd);
  // gx[i] = a g[i] + b d[i] + c.
  void (*masked_combine)(const float* gy, const float* x, int64_t len, float mu_hi, float mu_lo,
                         float scale, float shift, float a, float b, float c, float* gx);
  // gx[i] = out[i] > 0 ? gy[i] : 0.
  void (*relu_backward)(const float* gy, const float* out, float* gx, int64_t len);

  // Span versions (parameters per element): s1[i] += x[i] - k[i], s2[i] += (x[i] - k[i])^2.
  void (*span_shifted_moments)(const float* x, const float* k, int64_t len, float* s1, float* s2);
  void (*span_normalize_relu)(const float* x, const SpanParams& p, int64_t len, float* out);
  // ag[i] += g[i], agd[i] += g[i] d[i].
  void (*span_masked_gradient_sums)(const float* gy, const float* x, const SpanParams& p,
                                    int64_t len, float* ag, float* agd);
  void (*span_masked_combine)(const float* gy, const float* x, const SpanParams& p,
                              const float* a, const float* b, const float* c, int64_t len,
                              float* gx);
  // Sum of x[0, len) (float partial sums per block of lanes, then double).
  double (*row_sum)(const float* x, int64_t len);

  // The plane path (use_plane_path below): planes of hw = nv lanes floats, nv | block.
  // Channels [c0, c1) of samples [b0, b1) of x [n, c, hw] (a block of samples, summed in
  // float): s1[ch] += sum (x - k[ch]), s2[ch] += sum (x - k[ch])^2.
  void (*plane_shifted_moments)(const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw, int64_t c0,
                                int64_t c1, const float* k, double* s1, double* s2);
  void (*plane_normalize_relu)(const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw, int64_t c0,
                               int64_t c1, const float* mu_hi, const float* mu_lo, const float* scale,
                               const float* shift, float* out);
  // The same walk over x and gy: sg[ch] += sum g, sgd[ch] += sum g d.
  void (*plane_gradient_sums)(const float* gy, const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw,
                              int64_t c0, int64_t c1, const float* mu_hi, const float* mu_lo, const float* scale,
                              const float* shift, double* sg, double* sgd);
  // gx = a g + b d + cc on channels [c0, c1) of samples [b0, b1); gx_sum[ch] += the sum of
  // its gx (when not null).
  void (*plane_combine)(const float* gy, const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw, int64_t c0,
                        int64_t c1, const float* mu_hi, const float* mu_lo, const float* scale,
                        const float* shift, const float* a, const float* b, const float* cc, float* gx,
                        double* gx_sum);
  int64_t lanes;  // floats per vector
  int64_t block;  // vectors per block of the plane path
};

const BatchNormReluKernels& batchnorm_relu_kernels();  // for the active ISA

// Zero channels. zero_in[ch] != 0 (zero_in may be null) promises that every element of
// channel ch of x is +0 or -0: its producer wrote nothing else there (a compressed
// convolution's output row whose survivors all read zero channels, say). The drivers then
// write that channel's outputs as constants, without reading x or gy: the values the
// loops compute at x = +0, by the same operations (a zero's sign aside).

// The pre-activation at x = +0: ((0 - mu_hi) - mu_lo) * scale + shift, the product not
// contracted with the addition (as the loops' preact).
inline float preact_at_zero(float mu_hi, float mu_lo, float scale, float shift) {
  volatile float prod = ((0.f - mu_hi) - mu_lo) * scale;
  return prod + shift;
}

// max(y, 0) as the loops' relu_of: NaN stays NaN.
inline float relu_value(float y) { return y <= 0.f ? 0.f : y; }

// gx at x = +0 where the ReLU passes nothing (g = 0): a 0 + (b d + c).
inline float gradient_at_zero(float mu_hi, float mu_lo, float a, float b, float c) {
  const float d = (0.f - mu_hi) - mu_lo;
  return a * 0.f + (b * d + c);
}

// Whether a zero channel's backward reads nothing: its ReLU is closed at x = +0 (the
// pre-activation is not > 0), so g = 0 everywhere and the channel's gradient sums are 0.
inline bool closed_at_zero(const uint8_t* zero_in, int64_t ch, float mu_hi, float mu_lo,
                           float scale, float shift) {
  return zero_in && zero_in[ch] && !(preact_at_zero(mu_hi, mu_lo, scale, shift) > 0.f);
}

// The forward's constants for zero channels: fill[ch] = relu(preact_at_zero) for each
// channel of zero_in (fill may be null when zero_in is), and zero_out[ch] (unless null) =
// whether that fill is +0, so the output channel is all zeros; 0 for the other channels.
void zero_channel_outputs(int64_t c, const uint8_t* zero_in, const float* mean,
                          const float* mean_lo, const float* invstd, const float* gamma,
                          const float* beta, float* fill, uint8_t* zero_out);

// The backward's zero channels: closed[ch] = closed_at_zero (empty when zero_in is null).
std::vector<uint8_t> closed_channels(int64_t c, const uint8_t* zero_in, const float* mean,
                                     const float* mean_lo, const float* invstd,
                                     const float* gamma, const float* beta);

// Of the closed channels (their gradient sums 0), those whose gx, gradient_at_zero under
// the coefficients a, b, cc, is a zero (+0 or -0): the drivers write them as +0 without
// reading gy or x. Empty when closed is.
std::vector<uint8_t> zero_gradient_channels(int64_t c, const std::vector<uint8_t>& closed,
                                            const float* mean, const float* mean_lo,
                                            const float* a, const float* b, const float* cc);

inline const uint8_t* flags_or_null(const std::vector<uint8_t>& v) { return v.empty() ? nullptr : v.data(); }

// Runs f(c0, c1) over the maximal runs [c0, c1) of channels with !skip[ch] (all of [0, c)
// when skip is null).
template <class F>
void for_live_runs(int64_t c, const uint8_t* skip, F f) {
  if (!skip) {
    f(int64_t{0}, c);
    return;
  }
  for (int64_t c0 = 0; c0 < c;) {
    if (skip[c0]) {
      ++c0;
      continue;
    }
    int64_t c1 = c0 + 1;
    while (c1 < c && !skip[c1]) ++c1;
    f(c0, c1);
    c0 = c1;
  }
}

// Whether [n, c, hw] runs on the plane path: planes of whole vectors, a block's worth at
// most (VGG's 4x4 and 8x8 maps on AVX-512), shorter than the rows the row path takes. Each
// block of adjacent channels is walked sample after sample with its parameters and sums
// in registers; per-element parameters (the span path) cost more loads than the data.
constexpr int64_t kMaxPlanePath = 128;
constexpr int64_t kPlaneSamples = 16;  // samples of a block (their sums in float)
bool use_plane_path(int64_t hw);
// Per-channel sums over the batch of K quantities that add(b0, b1, c0, c1, f) accumulates
// (f[k][ch] for channel ch) for samples [b0, b1) and channels [c0, c1): blocks of samples in
// parallel, each into its own slots, folded in a fixed order; add runs on the runs of
// channels that skip (may be null) does not flag. K may be 0 (a pass with no sums).
template <int K>
using PlaneAdd = std::function<void(int64_t, int64_t, int64_t, int64_t, const std::array<double*, K>&)>;
template <int K>
std::array<std::vector<double>, K> plane_sums(int64_t n, int64_t c, const uint8_t* skip, const PlaneAdd<K>& add);

// The statistics from per-channel sums of x - first[ch] (s1) and its squares (s2) over
// count elements each: deviations from a value near the mean (the first sample's channel
// mean), small enough that their float partial sums lose nothing to an offset of the data.
void statistics_from_shifted_sums(int64_t c, double count, const float* first, const double* s1,
                                  const double* s2, float eps, float* mean, float* mean_lo, float* invstd);
// Each channel's mean over sample 0 (0 for the channels skip flags; skip may be null).
std::vector<float> first_sample_means(const float* x, int64_t c, int64_t hw, const uint8_t* skip);

// Whether [n, c, hw] runs on the span path (batchnorm_relu_span.cc): short rows, where a
// call per row costs more than its elements, and a sample small enough that its
// per-element parameters stay in cache.
bool use_span_path(int64_t c, int64_t hw);
// The span versions of the drivers; zero_in as theirs (fill: zero_channel_outputs').
void span_statistics(const float* x, int64_t n, int64_t c, int64_t hw, float eps, float* mean,
                     float* mean_lo, float* invstd, const uint8_t* zero_in = nullptr);
void span_normalize_relu(const float* x, int64_t n, int64_t c, int64_t hw, const float* gamma,
                         const float* beta, const float* mean, const float* mean_lo,
                         const float* invstd, float* out, const uint8_t* zero_in = nullptr,
                         const float* fill = nullptr);
void span_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                   const float* mean, const float* mean_lo, const float* invstd,
                   const float* gamma, const float* beta, float* gx, float* ggamma,
                   float* gbeta, float* gx_sum, const uint8_t* zero_in = nullptr);
extern const BatchNormReluKernels kBatchNormReluBaseline, kBatchNormReluAvx2,
    kBatchNormReluAvx512;

// Whether the statistics of [n, c, hw] are merged from each row's moments (mean and M2,
// batchnorm_kernels.h's row_moments): rows of 64+ elements (VGG's 8x8 maps and wider) and
// those off the span path. Shorter ones are summed as spans (span_statistics). A
// compressed convolution records its output planes' moments on exactly these shapes, so
// that the statistics merged from them are those of the pass over x, bit for bit. On 8x8
// maps that skips the pass (VGG-16-BN at 1%, batch 128: the step 0.97-0.98 of its time);
// on 4x4 ones a call per plane cost what the pass saved.
constexpr int64_t kMinMomentsRow = 64;
bool moments_by_row(int64_t c, int64_t hw);

// Batch mean (as mean + mean_lo) and invstd = 1 / sqrt(biased var + eps) per channel, on
// the path moments_by_row picks; every fused forward shares it. Given row_moments (see
// pai/batchnorm_relu.h), it merges those instead of reading x; zero_in's channels are not
// read (their statistics are those of zeros).
void train_statistics(const float* x, int64_t n, int64_t c, int64_t hw, float eps, float* mean,
                      float* mean_lo, float* invstd, const double* row_moments = nullptr,
                      const uint8_t* zero_in = nullptr);

// From per-row sums (row (b, ch) at b c + ch) of g and g d over count = n hw elements per
// channel: ggamma and gbeta (either may be null) and the coefficients of gx = a g + b d + cc.
void gradient_coefficients(int64_t n, int64_t c, double count, const double* row_g,
                           const double* row_gd, const float* invstd, const float* gamma,
                           float* ggamma, float* gbeta, float* a, float* b, float* cc);

// The input gradient's per-channel sums from per-row sums (row (b, ch) at b c + ch), merged
// in double in a fixed order: the gradient of the bias of a layer feeding this one.
void channel_totals(int64_t n, int64_t c, const double* row_sums, float* out);

// Runs f(row) for rows [0, rows) of len elements each, in parallel chunks of ~16k elements.
template <class F>
void for_rows(int64_t rows, int64_t len, F f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(len, 1));
  parallel_for(0, rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) f(r);
  });
}

}  // namespace pai::batchnorm_relu_detail
