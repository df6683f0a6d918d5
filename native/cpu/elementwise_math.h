// Internal: exp and log on GCC vector-extension types, so that one source compiles to SSE,
// AVX2 or AVX-512 code in each ISA translation unit. Define PAI_VEC_BYTES (16, 32 or 64)
// before including. Everything is in an unnamed namespace: each translation unit keeps
// its own copy, so no wide-ISA copy can be linked into baseline code.
// Accuracy: about 1 ulp on normal inputs (Cephes-style reductions and polynomials);
// exp overflows to inf above ~88.72, underflows through subnormals to 0; log(0) = -inf,
// log(x < 0) = NaN, NaN stays NaN.
#pragma once
#include <cstdint>

#ifndef PAI_VEC_BYTES
#error "define PAI_VEC_BYTES before including elementwise_math.h"
#endif

namespace pai::vec {
namespace {

typedef float vf __attribute__((vector_size(PAI_VEC_BYTES)));
typedef int32_t vi __attribute__((vector_size(PAI_VEC_BYTES)));
constexpr int kLanes = PAI_VEC_BYTES / 4;

inline vf load(const float* p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
inline vf splat(float x) { return vf{} + x; }
inline vf as_float(vi v) { return __builtin_bit_cast(vf, v); }
inline vi as_int(vf v) { return __builtin_bit_cast(vi, v); }
inline vf select(vi cond, vf a, vf b) { return as_float((cond & as_int(a)) | (~cond & as_int(b))); }
// The lanes' sum in float, lane 0 first (the reductions' block partials).
inline float lanes_sum(vf v) {
  float s = 0.f;
  for (int j = 0; j < kLanes; ++j) s += v[j];
  return s;
}
// The lanes' sum in float by halving folds (lane 0 ends with it): log2(kLanes) shuffles
// and adds, where lanes_sum chains kLanes dependent adds. For reductions per short plane,
// where that chain cost more than the plane's own loads.
// (Constant index lists: GCC builds a computed index vector at run time, lane by lane.)
inline float tree_sum(vf v) {
#if PAI_VEC_BYTES == 64
  v += __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
#elif PAI_VEC_BYTES == 32
  v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
#else
  v += __builtin_shufflevector(v, v, 2, 3, 0, 1);
  v += __builtin_shufflevector(v, v, 1, 0, 3, 2);
#endif
  return v[0];
}

inline vf exp(vf x) {
  // NaN compares false, so it passes through the clamps and the polynomial.
  x = select(x > 89.f, splat(89.f), x);
  x = select(x < -104.f, splat(-104.f), x);
  const vf shifter = splat(12582912.f);  // 1.5 * 2^23: adding it rounds to an integer
  const vf t = x * 1.44269504088896341f + shifter;
  const vf n = t - shifter;
  const vf r = x - n * 0.693359375f - n * -2.12194440e-4f;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  // 2^n as two factors, so n down to -150 and up to 128 stays representable.
  const vi ni = __builtin_convertvector(n, vi);
  const vi n1 = ni >> 1, n2 = ni - n1;
  return p * as_float((n1 + 127) << 23) * as_float((n2 + 127) << 23);
}

inline vf log(vf x) {
  const vi subnormal = x < 1.17549435e-38f;
  const vf xs = select(subnormal, x * 8388608.f, x);  // 2^23
  const vi bits = as_int(xs);
  vf e = __builtin_convertvector(((bits >> 23) & 0xff) - 126, vf);
  e = select(subnormal, e - 23.f, e);
  vf m = as_float((bits & 0x007fffff) | 0x3f000000);  // [0.5, 1)
  const vi small = m < 0.707106781186547524f;
  e = select(small, e - 1.f, e);
  m = select(small, m + m - 1.f, m - 1.f);
  const vf z = m * m;
  vf y = splat(7.0376836292e-2f);
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y = y + e * -2.12194440e-4f;
  y = y - 0.5f * z;
  vf r = m + y + e * 0.693359375f;
  const float inf = __builtin_inff(), nan = __builtin_nanf("");
  r = select(x == 0.f, splat(-inf), r);
  r = select(x < 0.f, splat(nan), r);
  r = select(x == inf, splat(inf), r);
  return select(x != x, x, r);
}

}  // namespace
}  // namespace pai::vec
