// Internal: the per-ISA row loops of the fused batch norm + ReLU (source in
// batchnorm_relu_loops.h). Every loop computes the pre-activation
// y = ((x - mu_hi) - mu_lo) * scale + shift the same way, without a fused multiply-add,
// so the backward's mask y > 0 is exactly the forward's.
#pragma once
#include <algorithm>
#include <cstdint>

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
};

const BatchNormReluKernels& batchnorm_relu_kernels();  // for the active ISA

// Whether [n, c, hw] runs on the span path (batchnorm_relu_span.cc): short rows, where a
// call per row costs more than its elements, and a sample small enough that its
// per-element parameters stay in cache.
bool use_span_path(int64_t c, int64_t hw);
void span_statistics(const float* x, int64_t n, int64_t c, int64_t hw, float eps, float* mean,
                     float* mean_lo, float* invstd);
void span_normalize_relu(const float* x, int64_t n, int64_t c, int64_t hw, const float* gamma,
                         const float* beta, const float* mean, const float* mean_lo,
                         const float* invstd, float* out);
void span_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                   const float* mean, const float* mean_lo, const float* invstd,
                   const float* gamma, const float* beta, float* gx, float* ggamma,
                   float* gbeta, float* gx_sum);
extern const BatchNormReluKernels kBatchNormReluBaseline, kBatchNormReluAvx2,
    kBatchNormReluAvx512;

// Batch mean (as mean + mean_lo) and invstd = 1 / sqrt(biased var + eps) per channel, on
// the path use_span_path picks; every fused forward shares it. Given row_moments (see
// pai/batchnorm_relu.h), it merges those instead of reading x.
void train_statistics(const float* x, int64_t n, int64_t c, int64_t hw, float eps, float* mean,
                      float* mean_lo, float* invstd, const double* row_moments = nullptr);

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
