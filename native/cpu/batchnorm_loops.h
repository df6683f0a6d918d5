// Internal: batch-norm row loops, compiled once per ISA path. Define PAI_VEC_BYTES and
// PAI_BATCHNORM_TABLE before including (see elementwise_loops.h for the scheme).
// Reductions use float vector partials over blocks of at most kBlock elements, then
// double.
#include <cstdint>

#include "batchnorm_kernels.h"
#include "elementwise_math.h"
#if PAI_VEC_BYTES == 64
#include <immintrin.h>

#include "permute_transpose.h"
#endif

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

#if PAI_VEC_BYTES == 64
typedef float vf8 __attribute__((vector_size(32)));
typedef double vd __attribute__((vector_size(64)));

// tree_sum's lane folds across 16 vectors: lane i of the result is tree_sum of the vector
// whose lanes are v[0..15][i] (v is overwritten).
inline vf fold16(vf* v) {
  for (int j = 0; j < 8; ++j) v[j] = v[j] + v[j + 8];
  for (int j = 0; j < 4; ++j) v[j] = v[j] + v[j + 4];
  for (int j = 0; j < 2; ++j) v[j] = v[j] + v[j + 2];
  return v[0] + v[1];
}

inline vd low_half(vf v) { return __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7), vd); }
inline vd high_half(vf v) { return __builtin_convertvector(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15), vd); }

// row_moments of 16 rows at once, row i (at x + i stride) in lane i, for len a multiple of
// 16 up to 256: each lane does row_moments' operations in row_moments' order (its lane
// partials become vectors over the rows, its lane folds folds across those vectors), so
// the results are bit for bit its own. On planes of a few vectors a call per row spent
// most of its time in horizontal folds and call overhead (VGG's 8x8 layers: the moments
// added about half to a compressed forward).
void row_moments16(const float* x, int64_t stride, int64_t len, double* mean, double* m2, int64_t out_stride) {
  const int64_t chunks = len / 16;
  vf t[16][16];  // t[k][l]: element 16 k + l of every row
  for (int64_t k = 0; k < chunks; ++k) {
    __m512 r[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(x + i * stride + 16 * k);
    permute_detail::transpose16(r);
    for (int l = 0; l < 16; ++l) t[k][l] = reinterpret_cast<vf&>(r[l]);
  }
  const double inv = 1.0 / static_cast<double>(len);
  // block_sum: even chunks into one partial, odd chunks into the other.
  vf a0[16] = {}, a1[16] = {};
  for (int64_t k = 0; k < chunks; ++k)
    for (int l = 0; l < 16; ++l) {
      if (k % 2 == 0) a0[l] += t[k][l];
      else a1[l] += t[k][l];
    }
  for (int l = 0; l < 16; ++l) a0[l] = a0[l] + a1[l];
  const vf part = fold16(a0);
  const vd zero = {};
  const vd total_lo = zero + low_half(part), total_hi = zero + high_half(part);
  const vf8 m0_lo = __builtin_convertvector(total_lo * inv, vf8), m0_hi = __builtin_convertvector(total_hi * inv, vf8);
  const vf m0 = __builtin_shufflevector(m0_lo, m0_hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  vf a[16] = {}, a2[16] = {};
  for (int64_t k = 0; k < chunks; ++k)
    for (int l = 0; l < 16; ++l) {
      const vf d = t[k][l] - m0;
      a[l] += d;
      a2[l] += d * d;
    }
  const vf p1 = fold16(a), p2 = fold16(a2);
  alignas(64) double mu[16], sq[16];
  const vd halves[2][3] = {{low_half(m0), zero + low_half(p1), zero + low_half(p2)},
                           {high_half(m0), zero + high_half(p1), zero + high_half(p2)}};
  for (int h = 0; h < 2; ++h) {
    const vd m0d = halves[h][0], sd = halves[h][1], sd2 = halves[h][2];
    const vd mv = m0d + sd * inv;
    const vd qv = sd2 - sd * sd * inv;
    __builtin_memcpy(mu + 8 * h, &mv, sizeof mv);
    __builtin_memcpy(sq + 8 * h, &qv, sizeof qv);
  }
  for (int i = 0; i < 16; ++i) {
    mean[i * out_stride] = mu[i];
    m2[i * out_stride] = sq[i];
  }
}
#endif

void row_moments_rows(const float* x, int64_t rows, int64_t stride, int64_t len, double* mean, double* m2,
                      int64_t out_stride) {
  int64_t i = 0;
#if PAI_VEC_BYTES == 64
  if (len % 16 == 0 && len <= 256)
    for (; i + 16 <= rows; i += 16) row_moments16(x + i * stride, stride, len, mean + i * out_stride, m2 + i * out_stride, out_stride);
#endif
  for (; i < rows; ++i) row_moments(x + i * stride, len, mean + i * out_stride, m2 + i * out_stride);
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

const BatchNormKernels PAI_BATCHNORM_TABLE{row_moments,    row_moments_rows,   normalize,
                                           row_gradient_sums, combine,         span_normalize,
                                           span_gradient_sums, span_combine};

}  // namespace pai::batchnorm_detail
