// Internal: the per-ISA row loops of batch norm (source in batchnorm_loops.h).
#pragma once
#include <cstdint>

namespace pai::batchnorm_detail {

struct BatchNormKernels {
  // Mean of x[0, len) and the sum of squared deviations from it (two passes over a row
  // that is still in cache).
  void (*row_moments)(const float* x, int64_t len, double* mean, double* m2);
  // row_moments of `rows` rows, row i at x + i stride, its results at mean[i out_stride]
  // and m2[i out_stride]; bit for bit row_moments' (the AVX-512 build takes 16 rows at once
  // where len is a multiple of 16 up to 256).
  void (*row_moments_rows)(const float* x, int64_t rows, int64_t stride, int64_t len, double* mean, double* m2,
                           int64_t out_stride);
  // out[i] = ((x[i] - mu_hi) - mu_lo) * scale + shift: centred first, with the mean as a
  // float pair, so data far from 0 with a small spread keeps its digits.
  void (*normalize)(const float* x, int64_t len, float mu_hi, float mu_lo, float scale,
                    float shift, float* out);
  // sum gy[i] and sum gy[i] (x[i] - mu).
  void (*row_gradient_sums)(const float* gy, const float* x, int64_t len, float mu, double* sg,
                            double* sgx);
  // gx[i] = a gy[i] + b (x[i] - mu) + c.
  void (*combine)(const float* gy, const float* x, int64_t len, float mu, float a, float b,
                  float c, float* gx);

  // Span versions (batchnorm_span.h): the same with per-element parameters over a
  // sample's [c, hw] block, sums accumulated per element (sg[i] += ..., sgx[i] += ...).
  void (*span_normalize)(const float* x, const float* mu_hi, const float* mu_lo,
                         const float* scale, const float* shift, int64_t len, float* out);
  void (*span_gradient_sums)(const float* gy, const float* x, const float* mu, int64_t len,
                             float* sg, float* sgx);
  void (*span_combine)(const float* gy, const float* x, const float* mu, const float* a,
                       const float* b, const float* c, int64_t len, float* gx);
};

const BatchNormKernels& batchnorm_kernels();  // for the active ISA
extern const BatchNormKernels kBatchNormBaseline, kBatchNormAvx2, kBatchNormAvx512;

}  // namespace pai::batchnorm_detail
