// Internal: batch-norm row loops, compiled once per ISA path. Define PAI_VEC_BYTES and
// PAI_BATCHNORM_TABLE before including (see elementwise_loops.h for the scheme).
// Reductions use float vector partials over blocks of at most kBlock elements, then
// double.
#include <cstdint>

#include "batchnorm_kernels.h"
#include "elementwise_math.h"

namespace pai::batchnorm_detail {
namespace {

using vec::kLanes;
using vec::lanes_sum;
using vec::tree_sum;
using vec::vf;

constexpr int64_t kBlock = 2048;

double block_sum(const float* x, int64_t n) {
  double total = 0.0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = b0 + kBlock < n ? b0 + kBlock : n;
    vf a0 = {}, a1 = {};
    int64_t i = b0;
    for (; i + 2 * kLanes <= b1; i += 2 * kLanes) {
      a0 += vec::load(x + i);
      a1 += vec::load(x + i + kLanes);
    }
    if (i + kLanes <= b1) {
      a0 += vec::load(x + i);
      i += kLanes;
    }
    float part = tree_sum(a0 + a1);
    for (; i < b1; ++i) part += x[i];
    total += part;
  }
  return total;
}

void row_moments(const float* x, int64_t len, double* mean, double* m2) {
  // A rough mean first, then the deviations from it: their sum corrects the mean and
  // their squares give M2, both without cancellation even when |mean| >> spread.
  // Reciprocal products, not divisions: on planes of a few vectors (VGG's 8x8 maps, one
  // call each) three dependent divisions were a third of the call.
  const double inv = 1.0 / static_cast<double>(len);
  const float m0 = static_cast<float>(block_sum(x, len) * inv);
  double sd = 0.0, sd2 = 0.0;
  for (int64_t b0 = 0; b0 < len; b0 += kBlock) {
    const int64_t b1 = b0 + kBlock < len ? b0 + kBlock : len;
    vf a = {}, a2 = {};
    int64_t i = b0;
    for (; i + kLanes <= b1; i += kLanes) {
      const vf d = vec::load(x + i) - m0;
      a += d;
      a2 += d * d;
    }
    float part = tree_sum(a), part2 = tree_sum(a2);
    for (; i < b1; ++i) {
      const float d = x[i] - m0;
      part += d;
      part2 += d * d;
    }
    sd += part;
    sd2 += part2;
  }
  *mean = static_cast<double>(m0) + sd * inv;
  *m2 = sd2 - sd * sd * inv;
}

void normalize(const float* x, int64_t len, float mu_hi, float mu_lo, float scale, float shift,
               float* out) {
  for (int64_t i = 0; i < len; ++i) out[i] = ((x[i] - mu_hi) - mu_lo) * scale + shift;
}

void row_gradient_sums(const float* gy, const float* x, int64_t len, float mu, double* sg,
                       double* sgx) {
  double tg = 0.0, tgx = 0.0;
  for (int64_t b0 = 0; b0 < len; b0 += kBlock) {
    const int64_t b1 = b0 + kBlock < len ? b0 + kBlock : len;
    vf g = {}, gx = {};
    int64_t i = b0;
    for (; i + kLanes <= b1; i += kLanes) {
      const vf gv = vec::load(gy + i);
      g += gv;
      gx += gv * (vec::load(x + i) - mu);
    }
    float pg = lanes_sum(g), pgx = lanes_sum(gx);
    for (; i < b1; ++i) {
      pg += gy[i];
      pgx += gy[i] * (x[i] - mu);
    }
    tg += pg;
    tgx += pgx;
  }
  *sg += tg;
  *sgx += tgx;
}

void combine(const float* gy, const float* x, int64_t len, float mu, float a, float b, float c,
             float* gx) {
  for (int64_t i = 0; i < len; ++i) gx[i] = a * gy[i] + b * (x[i] - mu) + c;
}

void span_normalize(const float* x, const float* mu_hi, const float* mu_lo, const float* scale,
                    const float* shift, int64_t len, float* out) {
  for (int64_t i = 0; i < len; ++i) out[i] = ((x[i] - mu_hi[i]) - mu_lo[i]) * scale[i] + shift[i];
}

void span_gradient_sums(const float* gy, const float* x, const float* mu, int64_t len, float* sg,
                        float* sgx) {
  for (int64_t i = 0; i < len; ++i) {
    sg[i] += gy[i];
    sgx[i] += gy[i] * (x[i] - mu[i]);
  }
}

void span_combine(const float* gy, const float* x, const float* mu, const float* a,
                  const float* b, const float* c, int64_t len, float* gx) {
  for (int64_t i = 0; i < len; ++i) gx[i] = a[i] * gy[i] + b[i] * (x[i] - mu[i]) + c[i];
}

}  // namespace

const BatchNormKernels PAI_BATCHNORM_TABLE{row_moments,    normalize,          row_gradient_sums, combine,
                                           span_normalize, span_gradient_sums, span_combine};

}  // namespace pai::batchnorm_detail
