// Internal: the fused batch norm + ReLU row loops, compiled once per ISA path. Define
// PAI_VEC_BYTES and PAI_BATCHNORM_RELU_TABLE before including (see elementwise_loops.h for
// the scheme). Rows are walked in whole vectors; the tail goes through a zero-padded
// vector, so every element's pre-activation comes from the same vector code.
#include <cstdint>

#include "batchnorm_relu_kernels.h"
#include "elementwise_math.h"

namespace pai::batchnorm_relu_detail {
namespace {

using vec::kLanes;
using vec::lanes_sum;
using vec::tree_sum;
using vec::vf;
using vec::vi;

constexpr int64_t kBlock = 2048;  // float partial sums per block, then double

struct Affine {
  float mu_hi, mu_lo, scale, shift;
};

inline vf centred(vf x, const Affine& p) { return (x - p.mu_hi) - p.mu_lo; }

// The pre-activation from the centred input. The empty asm hides the product from the
// optimizer, so no pass may contract it with the addition into an FMA in one loop and not
// in another (the backward's mask must reproduce the forward's exactly).
inline vf preact(vf d, const Affine& p) {
  vf prod = d * p.scale;
  __asm__("" : "+x"(prod));
  return prod + p.shift;
}

inline vf keep_if(vi mask, vf v) { return vec::as_float(mask & vec::as_int(v)); }

// Copies x[0, len) (len < kLanes) into a zero-padded vector.
inline vf load_partial(const float* x, int64_t len) {
  float tmp[kLanes] = {};
  for (int64_t j = 0; j < len; ++j) tmp[j] = x[j];
  return vec::load(tmp);
}

inline void store_partial(float* out, vf v, int64_t len) {
  float tmp[kLanes];
  vec::store(tmp, v);
  for (int64_t j = 0; j < len; ++j) out[j] = tmp[j];
}

// NaN stays NaN (as the relu kernel): only values known to be <= 0 become 0.
inline vf relu_of(vf y) { return keep_if(~(y <= 0.f), y); }

void normalize_relu(const float* x, int64_t len, float mu_hi, float mu_lo, float scale,
                    float shift, float* out) {
  const Affine p{mu_hi, mu_lo, scale, shift};
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes)
    vec::store(out + i, relu_of(preact(centred(vec::load(x + i), p), p)));
  if (i < len) store_partial(out + i, relu_of(preact(centred(load_partial(x + i, len - i), p), p)), len - i);
}

void masked_gradient_sums(const float* gy, const float* x, int64_t len, float mu_hi, float mu_lo,
                          float scale, float shift, double* sg, double* sgd) {
  const Affine p{mu_hi, mu_lo, scale, shift};
  double tg = 0.0, tgd = 0.0;
  auto add = [&](vf gv, vf xv, vf& ag, vf& agd) {
    const vf d = centred(xv, p);
    const vf g = keep_if(preact(d, p) > 0.f, gv);
    ag += g;
    agd += g * d;
  };
  for (int64_t b0 = 0; b0 < len; b0 += kBlock) {
    const int64_t b1 = b0 + kBlock < len ? b0 + kBlock : len;
    vf ag = {}, agd = {};
    int64_t i = b0;
    for (; i + kLanes <= b1; i += kLanes) add(vec::load(gy + i), vec::load(x + i), ag, agd);
    // Zero-padded gy contributes 0 to both sums.
    if (i < b1) add(load_partial(gy + i, b1 - i), load_partial(x + i, b1 - i), ag, agd);
    tg += lanes_sum(ag);
    tgd += lanes_sum(agd);
  }
  *sg += tg;
  *sgd += tgd;
}

void masked_combine(const float* gy, const float* x, int64_t len, float mu_hi, float mu_lo,
                    float scale, float shift, float a, float b, float c, float* gx) {
  const Affine p{mu_hi, mu_lo, scale, shift};
  auto value = [&](vf gv, vf xv) {
    const vf d = centred(xv, p);
    return a * keep_if(preact(d, p) > 0.f, gv) + (b * d + c);
  };
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) vec::store(gx + i, value(vec::load(gy + i), vec::load(x + i)));
  if (i < len) store_partial(gx + i, value(load_partial(gy + i, len - i), load_partial(x + i, len - i)), len - i);
}

void relu_backward(const float* gy, const float* out, float* gx, int64_t len) {
  for (int64_t i = 0; i < len; ++i) gx[i] = out[i] > 0.f ? gy[i] : 0.f;
}

// Runs f(i, count) over [0, len) in whole vectors, then once for a partial tail.
template <class F>
inline void span_loop(int64_t len, F f) {
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) f(i, kLanes);
  if (i < len) f(i, len - i);
}

inline vf load_n(const float* p, int64_t count) { return count == kLanes ? vec::load(p) : load_partial(p, count); }
inline void store_n(float* p, vf v, int64_t count) {
  if (count == kLanes) vec::store(p, v);
  else store_partial(p, v, count);
}

inline vf centred(vf x, const SpanParams& p, int64_t i, int64_t n) {
  return (x - load_n(p.mu_hi + i, n)) - load_n(p.mu_lo + i, n);
}

// As preact above, with per-element scale and shift: the same operations on the same
// values, so both paths give the same bits.
inline vf preact(vf d, const SpanParams& p, int64_t i, int64_t n) {
  vf prod = d * load_n(p.scale + i, n);
  __asm__("" : "+x"(prod));
  return prod + load_n(p.shift + i, n);
}

void span_shifted_moments(const float* x, const float* k, int64_t len, float* s1, float* s2) {
  span_loop(len, [&](int64_t i, int64_t n) {
    const vf d = load_n(x + i, n) - load_n(k + i, n);
    store_n(s1 + i, load_n(s1 + i, n) + d, n);
    store_n(s2 + i, load_n(s2 + i, n) + d * d, n);
  });
}

void span_normalize_relu(const float* x, const SpanParams& p, int64_t len, float* out) {
  span_loop(len, [&](int64_t i, int64_t n) {
    store_n(out + i, relu_of(preact(centred(load_n(x + i, n), p, i, n), p, i, n)), n);
  });
}

void span_masked_gradient_sums(const float* gy, const float* x, const SpanParams& p, int64_t len,
                               float* ag, float* agd) {
  span_loop(len, [&](int64_t i, int64_t n) {
    const vf d = centred(load_n(x + i, n), p, i, n);
    const vf g = keep_if(preact(d, p, i, n) > 0.f, load_n(gy + i, n));
    store_n(ag + i, load_n(ag + i, n) + g, n);
    store_n(agd + i, load_n(agd + i, n) + g * d, n);
  });
}

void span_masked_combine(const float* gy, const float* x, const SpanParams& p, const float* a,
                         const float* b, const float* c, int64_t len, float* gx) {
  span_loop(len, [&](int64_t i, int64_t n) {
    const vf d = centred(load_n(x + i, n), p, i, n);
    const vf g = keep_if(preact(d, p, i, n) > 0.f, load_n(gy + i, n));
    store_n(gx + i, load_n(a + i, n) * g + (load_n(b + i, n) * d + load_n(c + i, n)), n);
  });
}

// The plane path: planes of nv whole vectors (nv | kPlaneBlock), walked in blocks of
// kPlaneBlock vectors, the kPlaneBlock / nv adjacent channels of one sample, through a
// block of samples: each vector's parameters and sums stay in registers across those
// samples (no call and no horizontal sum per plane, no per-element parameter arrays), and
// the block's samples stream from memory side by side.
constexpr int64_t kPlaneBlock = 8;

struct PlaneParams {
  vf mu_hi[kPlaneBlock], mu_lo[kPlaneBlock], scale[kPlaneBlock], shift[kPlaneBlock];
};

// The channel of vector v of the block of channels [cb, cb + nch) on planes of nv vectors
// (vectors past the block repeat its last channel).
inline int64_t block_channel(int64_t cb, int64_t nch, int64_t nv, int64_t v) { return cb + (v / nv < nch ? v / nv : nch - 1); }

// Block [cb, cb + nch)'s parameters, vector by vector.
inline void plane_params(const float* mu_hi, const float* mu_lo, const float* scale, const float* shift,
                         int64_t cb, int64_t nch, int64_t nv, PlaneParams& p) {
  for (int64_t v = 0; v < kPlaneBlock; ++v) {
    const int64_t ch = block_channel(cb, nch, nv, v);
    p.mu_hi[v] = vec::splat(mu_hi[ch]);
    p.mu_lo[v] = vec::splat(mu_lo[ch]);
    p.scale[v] = vec::splat(scale[ch]);
    p.shift[v] = vec::splat(shift[ch]);
  }
}

// As centred and preact above, on vector v of a block: the same operations on the same values.
inline vf plane_centred(vf x, const PlaneParams& p, int64_t v) { return (x - p.mu_hi[v]) - p.mu_lo[v]; }
inline vf plane_preact(vf d, const PlaneParams& p, int64_t v) {
  vf prod = d * p.scale[v];
  __asm__("" : "+x"(prod));
  return prod + p.shift[v];
}

// Runs f(cb, nch, nv, count) over the blocks of channels [c0, c1) on planes of hw floats:
// channels [cb, cb + nch), nv vectors per plane, count = nch nv vectors of the block.
template <class F>
inline void plane_blocks(int64_t hw, int64_t c0, int64_t c1, F f) {
  const int64_t nv = hw / kLanes, per_block = kPlaneBlock / nv;
  for (int64_t cb = c0; cb < c1; cb += per_block) {
    const int64_t nch = c1 - cb < per_block ? c1 - cb : per_block;
    f(cb, nch, nv, nch * nv);
  }
}

// Runs step(v) for the block's vectors v < count, unrolled when the block is whole.
template <class F>
inline void plane_vectors(int64_t count, F step) {
  if (count == kPlaneBlock) {
#pragma GCC unroll 8
    for (int64_t v = 0; v < kPlaneBlock; ++v) step(v);
  } else {
    for (int64_t v = 0; v < count; ++v) step(v);
  }
}

// Samples [b0, b1) (a block of them: the sums stay in float) of channels [c0, c1):
// s1[ch] += sum (x - k[ch]), s2[ch] += sum (x - k[ch])^2.
void plane_shifted_moments(const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw, int64_t c0, int64_t c1,
                           const float* k, double* s1, double* s2) {
  const int64_t stride = c * hw;
  plane_blocks(hw, c0, c1, [&](int64_t cb, int64_t nch, int64_t nv, int64_t count) {
    vf kv[kPlaneBlock];
    for (int64_t v = 0; v < kPlaneBlock; ++v) kv[v] = vec::splat(k[block_channel(cb, nch, nv, v)]);
    const float* xb = x + cb * hw;
    vf a1[kPlaneBlock] = {}, a2[kPlaneBlock] = {};
    for (int64_t b = b0; b < b1; ++b)
      plane_vectors(count, [&](int64_t v) {
        const vf d = vec::load(xb + b * stride + v * kLanes) - kv[v];
        a1[v] += d;
        a2[v] += d * d;
      });
    for (int64_t v = 0; v < count; ++v) {
      s1[cb + v / nv] += tree_sum(a1[v]);
      s2[cb + v / nv] += tree_sum(a2[v]);
    }
  });
}

void plane_normalize_relu(const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw, int64_t c0, int64_t c1,
                          const float* mu_hi, const float* mu_lo, const float* scale, const float* shift, float* out) {
  const int64_t stride = c * hw;
  plane_blocks(hw, c0, c1, [&](int64_t cb, int64_t nch, int64_t nv, int64_t count) {
    PlaneParams p;
    plane_params(mu_hi, mu_lo, scale, shift, cb, nch, nv, p);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t at = cb * hw + b * stride;
      plane_vectors(count, [&](int64_t v) {
        vec::store(out + at + v * kLanes, relu_of(plane_preact(plane_centred(vec::load(x + at + v * kLanes), p, v), p, v)));
      });
    }
  });
}

// Samples [b0, b1) (a block of them: the sums stay in float) of channels [c0, c1).
void plane_gradient_sums(const float* gy, const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw,
                         int64_t c0, int64_t c1, const float* mu_hi, const float* mu_lo, const float* scale,
                         const float* shift, double* sg, double* sgd) {
  const int64_t stride = c * hw;
  plane_blocks(hw, c0, c1, [&](int64_t cb, int64_t nch, int64_t nv, int64_t count) {
    PlaneParams p;
    plane_params(mu_hi, mu_lo, scale, shift, cb, nch, nv, p);
    const float* xb = x + cb * hw;
    const float* gb = gy + cb * hw;
    vf ag[kPlaneBlock] = {}, agd[kPlaneBlock] = {};
    for (int64_t b = b0; b < b1; ++b)
      plane_vectors(count, [&](int64_t v) {
        const vf d = plane_centred(vec::load(xb + b * stride + v * kLanes), p, v);
        const vf g = keep_if(plane_preact(d, p, v) > 0.f, vec::load(gb + b * stride + v * kLanes));
        ag[v] += g;
        agd[v] += g * d;
      });
    for (int64_t v = 0; v < count; ++v) {
      sg[cb + v / nv] += tree_sum(ag[v]);
      sgd[cb + v / nv] += tree_sum(agd[v]);
    }
  });
}

void plane_combine(const float* gy, const float* x, int64_t b0, int64_t b1, int64_t c, int64_t hw, int64_t c0,
                   int64_t c1, const float* mu_hi, const float* mu_lo, const float* scale, const float* shift,
                   const float* a, const float* b, const float* cc, float* gx, double* gx_sum) {
  const int64_t stride = c * hw;
  plane_blocks(hw, c0, c1, [&](int64_t cb, int64_t nch, int64_t nv, int64_t count) {
    PlaneParams p;
    plane_params(mu_hi, mu_lo, scale, shift, cb, nch, nv, p);
    vf ka[kPlaneBlock], kb[kPlaneBlock], kc[kPlaneBlock];
    for (int64_t v = 0; v < kPlaneBlock; ++v) {
      const int64_t ch = block_channel(cb, nch, nv, v);
      ka[v] = vec::splat(a[ch]);
      kb[v] = vec::splat(b[ch]);
      kc[v] = vec::splat(cc[ch]);
    }
    vf as[kPlaneBlock] = {};
    for (int64_t bi = b0; bi < b1; ++bi) {
      const int64_t at = cb * hw + bi * stride;
      plane_vectors(count, [&](int64_t v) {
        const vf d = plane_centred(vec::load(x + at + v * kLanes), p, v);
        const vf g = keep_if(plane_preact(d, p, v) > 0.f, vec::load(gy + at + v * kLanes));
        const vf out = ka[v] * g + (kb[v] * d + kc[v]);
        vec::store(gx + at + v * kLanes, out);
        as[v] += out;
      });
    }
    if (gx_sum)
      for (int64_t v = 0; v < count; ++v) gx_sum[cb + v / nv] += tree_sum(as[v]);
  });
}

double row_sum(const float* x, int64_t len) {
  double total = 0.0;
  for (int64_t b0 = 0; b0 < len; b0 += kBlock) {
    const int64_t b1 = b0 + kBlock < len ? b0 + kBlock : len;
    vf acc = {};
    int64_t i = b0;
    for (; i + kLanes <= b1; i += kLanes) acc += vec::load(x + i);
    if (i < b1) acc += load_partial(x + i, b1 - i);
    total += lanes_sum(acc);
  }
  return total;
}

}  // namespace

const BatchNormReluKernels PAI_BATCHNORM_RELU_TABLE{
    normalize_relu,       masked_gradient_sums,      masked_combine,     relu_backward,
    span_shifted_moments, span_normalize_relu, span_masked_gradient_sums, span_masked_combine,
    row_sum, plane_shifted_moments, plane_normalize_relu, plane_gradient_sums, plane_combine, kLanes, kPlaneBlock};

}  // namespace pai::batchnorm_relu_detail
