// Internal: the inner loops of the elementwise family, compiled once per ISA path.
// Before including, define PAI_VEC_BYTES (16 / 32 / 64) and PAI_ELEMENTWISE_TABLE (the
// name of the table this translation unit exports). Plain loops are left to the
// vectorizer of each translation unit; exp and log use the vector code of
// elementwise_math.h. Everything but the table has internal linkage.
#include <cstdint>

#include "elementwise_kernels.h"
#include "elementwise_math.h"

namespace pai::elementwise_detail {
namespace {

using vec::kLanes;

// Applies a vector function to x[0, n), the tail through a padded block.
template <class F>
void map_vector(F f, const float* x, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) vec::store(out + i, f(vec::load(x + i)));
  if (i < n) {
    float tmp[kLanes] = {};
    for (int64_t j = i; j < n; ++j) tmp[j - i] = x[j];
    vec::store(tmp, f(vec::load(tmp)));
    for (int64_t j = i; j < n; ++j) out[j] = tmp[j - i];
  }
}

template <class F>
void map(F f, const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(x[i]);
}

// x^k for an integer k, by repeated squaring (exact enough, and defined for x < 0).
vec::vf integer_power(vec::vf x, int64_t k) {
  vec::vf r = vec::splat(1.f);
  const bool inverse = k < 0;
  uint64_t e = static_cast<uint64_t>(inverse ? -k : k);
  while (e) {
    if (e & 1) r *= x;
    x *= x;
    e >>= 1;
  }
  return inverse ? 1.f / r : r;
}

void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha, float beta) {
  switch (op) {
    case UnaryOp::Neg: return map([](float v) { return -v; }, x, out, n);
    case UnaryOp::Abs: return map([](float v) { return __builtin_fabsf(v); }, x, out, n);
    case UnaryOp::Sign:
      return map([](float v) { return v > 0.f ? 1.f : (v < 0.f ? -1.f : 0.f); }, x, out, n);
    case UnaryOp::Exp: return map_vector([](vec::vf v) { return vec::exp(v); }, x, out, n);
    case UnaryOp::Log: return map_vector([](vec::vf v) { return vec::log(v); }, x, out, n);
    case UnaryOp::Sqrt: return map([](float v) { return __builtin_sqrtf(v); }, x, out, n);
    // NaN stays NaN (PyTorch): only values known to be <= 0 become 0.
    case UnaryOp::Relu: return map([](float v) { return v <= 0.f ? 0.f : v; }, x, out, n);
    case UnaryOp::Step: return map([](float v) { return v > 0.f ? 1.f : 0.f; }, x, out, n);
    case UnaryOp::Square: return map([](float v) { return v * v; }, x, out, n);
    case UnaryOp::Clamp:
      return map([=](float v) { return v < alpha ? alpha : (v > beta ? beta : v); }, x, out, n);
    case UnaryOp::Affine: return map([=](float v) { return alpha * v + beta; }, x, out, n);
    case UnaryOp::Rsqrt: return map([](float v) { return 1.f / __builtin_sqrtf(v); }, x, out, n);
    case UnaryOp::Pow: {
      if (alpha == 0.5f) return map([](float v) { return __builtin_sqrtf(v); }, x, out, n);
      const double whole = __builtin_floor(static_cast<double>(alpha));
      if (whole == alpha && __builtin_fabs(whole) <= 64.0) {
        const int64_t k = static_cast<int64_t>(whole);
        return map_vector([k](vec::vf v) { return integer_power(v, k); }, x, out, n);
      }
      // Non-integer exponents: powf itself, since exp(a log x) loses bits for large |a log x|.
      return map([alpha](float v) { return __builtin_powf(v, alpha); }, x, out, n);
    }
  }
}

template <class F>
void row(F f, const float* a, int64_t as, const float* b, int64_t bs, float* out, int64_t n) {
  if (as == 1 && bs == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (as == 1 && bs == 0) {
    const float bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
  } else if (as == 0 && bs == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i * as], b[i * bs]);
  }
}

void binary_row(BinaryOp op, const float* a, int64_t as, const float* b, int64_t bs, float* out,
                int64_t n) {
  switch (op) {
    case BinaryOp::Add: return row([](float p, float q) { return p + q; }, a, as, b, bs, out, n);
    case BinaryOp::Sub: return row([](float p, float q) { return p - q; }, a, as, b, bs, out, n);
    case BinaryOp::Mul: return row([](float p, float q) { return p * q; }, a, as, b, bs, out, n);
    case BinaryOp::Div: return row([](float p, float q) { return p / q; }, a, as, b, bs, out, n);
    case BinaryOp::Pow:
      return row([](float p, float q) { return __builtin_powf(p, q); }, a, as, b, bs, out, n);
    case BinaryOp::Max:
      return row([](float p, float q) { return p != p || p >= q ? p : q; }, a, as, b, bs, out, n);
    case BinaryOp::Min:
      return row([](float p, float q) { return p != p || p <= q ? p : q; }, a, as, b, bs, out, n);
    case BinaryOp::Gt:
      return row([](float p, float q) { return p > q ? 1.f : 0.f; }, a, as, b, bs, out, n);
    case BinaryOp::Ge:
      return row([](float p, float q) { return p >= q ? 1.f : 0.f; }, a, as, b, bs, out, n);
    case BinaryOp::Lt:
      return row([](float p, float q) { return p < q ? 1.f : 0.f; }, a, as, b, bs, out, n);
    case BinaryOp::Le:
      return row([](float p, float q) { return p <= q ? 1.f : 0.f; }, a, as, b, bs, out, n);
    case BinaryOp::Eq:
      return row([](float p, float q) { return p == q ? 1.f : 0.f; }, a, as, b, bs, out, n);
  }
}

double sum(const float* x, int64_t n) {
  constexpr int64_t kBlock = 1024;  // float partials stay exact to ~1e-7 relative per block
  double total = 0.0;
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t b1 = b0 + kBlock < n ? b0 + kBlock : n;
    vec::vf acc0 = {}, acc1 = {}, acc2 = {}, acc3 = {};
    int64_t i = b0;
    for (; i + 4 * kLanes <= b1; i += 4 * kLanes) {
      acc0 += vec::load(x + i);
      acc1 += vec::load(x + i + kLanes);
      acc2 += vec::load(x + i + 2 * kLanes);
      acc3 += vec::load(x + i + 3 * kLanes);
    }
    const vec::vf acc = (acc0 + acc1) + (acc2 + acc3);
    float part = 0.f;
    for (int j = 0; j < kLanes; ++j) part += acc[j];
    for (; i < b1; ++i) part += x[i];
    total += part;
  }
  return total;
}

void accumulate(const float* x, double* acc, int64_t n) {
  for (int64_t i = 0; i < n; ++i) acc[i] += x[i];
}

void max_update(const float* x, float* best, int32_t* index, int32_t r, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i], b = best[i];
    const bool take = b == b && (v > b || v != v);
    best[i] = take ? v : b;
    index[i] = take ? r : index[i];
  }
}

}  // namespace

const ElementwiseKernels PAI_ELEMENTWISE_TABLE{unary, binary_row, sum, accumulate, max_update};

}  // namespace pai::elementwise_detail
