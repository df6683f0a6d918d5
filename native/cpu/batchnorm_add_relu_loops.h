// Internal: the fused residual-block tail loops, compiled once per ISA path. Define
// PAI_VEC_BYTES and PAI_BATCHNORM_ADD_RELU_TABLE before including (see elementwise_loops.h
// for the scheme). Whole vectors, then one zero-padded vector for the tail: padded lanes
// carry gy = 0, so they add nothing to the sums.
#include <cstdint>

#include "batchnorm_add_relu_kernels.h"
#include "elementwise_math.h"

namespace pai::batchnorm_add_relu_detail {
namespace {

using vec::kLanes;
using vec::lanes_sum;
using vec::vf;
using vec::vi;

constexpr int64_t kBlock = 2048;  // row sums: float partials per block, then double

inline vf load_partial(const float* x, int64_t len) {
  float tmp[kLanes] = {};
  for (int64_t j = 0; j < len; ++j) tmp[j] = x[j];
  return vec::load(tmp);
}

inline vf load_n(const float* p, int64_t count) { return count == kLanes ? vec::load(p) : load_partial(p, count); }

inline void store_n(float* p, vf v, int64_t count) {
  if (count == kLanes) {
    vec::store(p, v);
    return;
  }
  float tmp[kLanes];
  vec::store(tmp, v);
  for (int64_t j = 0; j < count; ++j) p[j] = tmp[j];
}

// A parameter at element i: one value for the whole row, or one per element of a span.
template <bool Span>
inline vf param(const float* p, int64_t i, int64_t count) {
  if constexpr (Span) return load_n(p + i, count);
  else return vec::splat(*p);
}

inline vf keep_if(vi mask, vf v) { return vec::as_float(mask & vec::as_int(v)); }

// Runs f(i, count) over [0, len) in whole vectors, then once for a partial tail.
template <class F>
inline void vector_loop(int64_t len, F f) {
  int64_t i = 0;
  for (; i + kLanes <= len; i += kLanes) f(i, kLanes);
  if (i < len) f(i, len - i);
}

template <bool Span>
inline vf centred(vf z, const Params& p, int64_t i, int64_t count) {
  return (z - param<Span>(p.mu_hi, i, count)) - param<Span>(p.mu_lo, i, count);
}

template <bool Span, bool Scaled>
inline vf residual(const float* r, const Params& p, int64_t i, int64_t count) {
  const vf rv = load_n(r + i, count);
  if constexpr (Scaled) return param<Span>(p.res, i, count) * rv;
  else return rv;
}

template <bool Span, bool Scaled>
void add_relu(const float* z, const float* r, const Params& p, int64_t len, float* out) {
  vector_loop(len, [&](int64_t i, int64_t n) {
    const vf y = centred<Span>(load_n(z + i, n), p, i, n) * param<Span>(p.scale, i, n) + param<Span>(p.shift, i, n);
    const vf v = y + residual<Span, Scaled>(r, p, i, n);
    store_n(out + i, keep_if(~(v <= 0.f), v), n);  // NaN stays NaN, as the relu kernel
  });
}

// The masked gradient at element i, with gr = s g stored.
template <bool Span, bool Scaled>
inline vf masked(const float* gy, const float* out, const Params& p, int64_t i, int64_t n, float* gr) {
  const vf g = keep_if(load_n(out + i, n) > 0.f, load_n(gy + i, n));
  if constexpr (Scaled) store_n(gr + i, param<Span>(p.res, i, n) * g, n);
  else store_n(gr + i, g, n);
  return g;
}

template <bool Scaled>
void row_sums(const float* gy, const float* out, const float* z, const float* r, const Params& p,
              int64_t len, float* gr, double* s) {
  for (int64_t b0 = 0; b0 < len; b0 += kBlock) {
    const int64_t b1 = b0 + kBlock < len ? b0 + kBlock : len;
    vf ag = {}, agd = {}, agr = {};
    vector_loop(b1 - b0, [&](int64_t j, int64_t n) {
      const int64_t i = b0 + j;
      const vf g = masked<false, Scaled>(gy, out, p, i, n, gr);
      ag += g;
      agd += g * centred<false>(load_n(z + i, n), p, i, n);
      if constexpr (Scaled) agr += g * load_n(r + i, n);
    });
    s[0] += lanes_sum(ag);
    s[1] += lanes_sum(agd);
    if constexpr (Scaled) s[2] += lanes_sum(agr);
  }
}

template <bool Scaled>
void span_sums(const float* gy, const float* out, const float* z, const float* r, const Params& p,
               int64_t len, float* gr, float* const* s) {
  vector_loop(len, [&](int64_t i, int64_t n) {
    const vf g = masked<true, Scaled>(gy, out, p, i, n, gr);
    store_n(s[0] + i, load_n(s[0] + i, n) + g, n);
    store_n(s[1] + i, load_n(s[1] + i, n) + g * centred<true>(load_n(z + i, n), p, i, n), n);
    if constexpr (Scaled) store_n(s[2] + i, load_n(s[2] + i, n) + g * load_n(r + i, n), n);
  });
}

template <bool Span, bool FromG>
void combine(const float* gy, const float* out, const float* z, const Params& p, int64_t len,
             float* gz) {
  vector_loop(len, [&](int64_t i, int64_t n) {
    vf g = load_n(gy + i, n);
    if constexpr (!FromG) g = keep_if(load_n(out + i, n) > 0.f, g);
    const vf d = centred<Span>(load_n(z + i, n), p, i, n);
    store_n(gz + i, param<Span>(p.a, i, n) * g + (param<Span>(p.b, i, n) * d + param<Span>(p.c, i, n)), n);
  });
}

}  // namespace

const BatchNormAddReluKernels PAI_BATCHNORM_ADD_RELU_TABLE{
    {{add_relu<false, false>, add_relu<false, true>}, {add_relu<true, false>, add_relu<true, true>}},
    {row_sums<false>, row_sums<true>},
    {span_sums<false>, span_sums<true>},
    {{combine<false, false>, combine<false, true>}, {combine<true, false>, combine<true, true>}}};

}  // namespace pai::batchnorm_add_relu_detail
