// batchNormReluTrainForward / batchNormReluBackward over x viewed as [n, c, hw], their
// 2x2 max-pooled versions over x [n, c, h, w], and reluBackward; gamma and beta (and the
// gradients ggamma / gbeta) may be null.
#include <cmath>
#include <string>

#include "args.h"
#include "pai/batchnorm_relu.h"
#include "registry.h"

namespace {

using pai::binding::Args;

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr double kMaxElements = 4294967296.0;

struct Dims {
  int64_t n, c, hw;
  int64_t size() const { return n * c * hw; }
};

Dims read_dims(const Args& args, size_t first) {
  Dims d;
  d.n = args.integer(first, "n", 1, kMaxDim);
  d.c = args.integer(first + 1, "c", 1, kMaxDim);
  d.hw = args.integer(first + 2, "hw", 1, kMaxDim);
  if (double(d.n) * d.c * d.hw > kMaxElements) args.range_error("n", "n * c * hw exceeds 2^32");
  return d;
}

template <typename T>
T* optional(const Args& args, size_t i, const char* name, int64_t len) {
  return args.is_null(i) ? nullptr : args.array<float>(i, name, len);
}

// The optional rowMoments argument i: a Float64Array of 2 n c (row means, then the rows'
// sums of squared deviations), or null / absent.
const double* row_moments(const Args& args, size_t i, const Dims& d) {
  if (args.is_null(i)) return nullptr;  // absent arguments read as undefined
  return args.array<double>(i, "rowMoments", 2 * d.n * d.c);
}

// The optional channel flags argument i (zeroIn / zeroOut): a Uint8Array of c, or null /
// absent.
uint8_t* channel_flags(const Args& args, size_t i, const char* name, const Dims& d) {
  if (args.is_null(i)) return nullptr;
  return args.array<uint8_t>(i, name, d.c);
}

Napi::Value TrainForward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormReluTrainForward", 11, 14);
  const Dims d = read_dims(args, 1);
  const float* x = args.array<float>(0, "x", d.size());
  const float* gamma = optional<const float>(args, 4, "gamma", d.c);
  const float* beta = optional<const float>(args, 5, "beta", d.c);
  const double eps = args.number(6, "eps");
  if (!(eps >= 0) || !std::isfinite(eps)) args.range_error("eps", "must be a finite number >= 0");
  float* out = args.array<float>(7, "out", d.size());
  float* mean = args.array<float>(8, "mean", d.c);
  float* mean_lo = args.array<float>(9, "meanLo", d.c);
  float* invstd = args.array<float>(10, "invstd", d.c);
  const double* rows = row_moments(args, 11, d);
  const uint8_t* zero_in = channel_flags(args, 12, "zeroIn", d);
  uint8_t* zero_out = channel_flags(args, 13, "zeroOut", d);
  pai::batch_norm_relu_train_forward(x, d.n, d.c, d.hw, gamma, beta, static_cast<float>(eps), out,
                                     mean, mean_lo, invstd, rows, zero_in, zero_out);
  return info.Env().Undefined();
}

Napi::Value Backward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormReluBackward", 13, 15);
  const Dims d = read_dims(args, 2);
  const float* gy = args.array<float>(0, "gy", d.size());
  const float* x = args.array<float>(1, "x", d.size());
  const float* mean = args.array<float>(5, "mean", d.c);
  const float* mean_lo = args.array<float>(6, "meanLo", d.c);
  const float* invstd = args.array<float>(7, "invstd", d.c);
  const float* gamma = optional<const float>(args, 8, "gamma", d.c);
  const float* beta = optional<const float>(args, 9, "beta", d.c);
  float* gx = args.array<float>(10, "gx", d.size());
  float* ggamma = optional<float>(args, 11, "ggamma", d.c);
  float* gbeta = optional<float>(args, 12, "gbeta", d.c);
  float* gx_sum = info.Length() > 13 ? optional<float>(args, 13, "gxSum", d.c) : nullptr;
  const uint8_t* zero_in = channel_flags(args, 14, "zeroIn", d);
  pai::batch_norm_relu_backward(gy, x, d.n, d.c, d.hw, mean, mean_lo, invstd, gamma, beta, gx,
                                ggamma, gbeta, gx_sum, zero_in);
  return info.Env().Undefined();
}

// Dims of a pooled call: n, c, h, w with h and w even; size() is the full input's.
Dims read_pool_dims(const Args& args, size_t first, int64_t* h, int64_t* w) {
  Dims d;
  d.n = args.integer(first, "n", 1, kMaxDim);
  d.c = args.integer(first + 1, "c", 1, kMaxDim);
  *h = args.integer(first + 2, "h", 2, kMaxDim);
  *w = args.integer(first + 3, "w", 2, kMaxDim);
  if (*h % 2) args.range_error("h", "must be even (2x2 windows, stride 2), got " + std::to_string(*h));
  if (*w % 2) args.range_error("w", "must be even (2x2 windows, stride 2), got " + std::to_string(*w));
  if (double(d.n) * d.c * *h * *w > kMaxElements) args.range_error("n", "n * c * h * w exceeds 2^32");
  d.hw = *h * *w;
  return d;
}

Napi::Value PoolTrainForward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormReluMaxPoolTrainForward", 12, 15);
  int64_t h, w;
  const Dims d = read_pool_dims(args, 1, &h, &w);
  const float* x = args.array<float>(0, "x", d.size());
  const float* gamma = optional<const float>(args, 5, "gamma", d.c);
  const float* beta = optional<const float>(args, 6, "beta", d.c);
  const double eps = args.number(7, "eps");
  if (!(eps >= 0) || !std::isfinite(eps)) args.range_error("eps", "must be a finite number >= 0");
  float* out = args.array<float>(8, "out", d.size() / 4);
  float* mean = args.array<float>(9, "mean", d.c);
  float* mean_lo = args.array<float>(10, "meanLo", d.c);
  float* invstd = args.array<float>(11, "invstd", d.c);
  const double* rows = row_moments(args, 12, d);
  const uint8_t* zero_in = channel_flags(args, 13, "zeroIn", d);
  uint8_t* zero_out = channel_flags(args, 14, "zeroOut", d);
  pai::batch_norm_relu_max_pool_train_forward(x, d.n, d.c, h, w, gamma, beta, static_cast<float>(eps),
                                              out, mean, mean_lo, invstd, rows, zero_in, zero_out);
  return info.Env().Undefined();
}

Napi::Value PoolBackward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormReluMaxPoolBackward", 14, 16);
  int64_t h, w;
  const Dims d = read_pool_dims(args, 2, &h, &w);
  const float* gy = args.array<float>(0, "gy", d.size() / 4);
  const float* x = args.array<float>(1, "x", d.size());
  const float* mean = args.array<float>(6, "mean", d.c);
  const float* mean_lo = args.array<float>(7, "meanLo", d.c);
  const float* invstd = args.array<float>(8, "invstd", d.c);
  const float* gamma = optional<const float>(args, 9, "gamma", d.c);
  const float* beta = optional<const float>(args, 10, "beta", d.c);
  float* gx = args.array<float>(11, "gx", d.size());
  float* ggamma = optional<float>(args, 12, "ggamma", d.c);
  float* gbeta = optional<float>(args, 13, "gbeta", d.c);
  float* gx_sum = info.Length() > 14 ? optional<float>(args, 14, "gxSum", d.c) : nullptr;
  const uint8_t* zero_in = channel_flags(args, 15, "zeroIn", d);
  pai::batch_norm_relu_max_pool_backward(gy, x, d.n, d.c, h, w, mean, mean_lo, invstd, gamma, beta,
                                         gx, ggamma, gbeta, gx_sum, zero_in);
  return info.Env().Undefined();
}

Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  Args args(info, "reluBackward", 4);
  const int64_t n = args.integer(3, "n", 0, static_cast<int64_t>(kMaxElements));
  const float* gy = args.array<float>(0, "gy", n);
  const float* out = args.array<float>(1, "out", n);
  float* gx = args.array<float>(2, "gx", n);
  pai::relu_backward(gy, out, gx, n);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(batchnorm_relu) {
  exports.Set("batchNormReluTrainForward",
              Napi::Function::New(env, TrainForward, "batchNormReluTrainForward"));
  exports.Set("batchNormReluBackward", Napi::Function::New(env, Backward, "batchNormReluBackward"));
  exports.Set("batchNormReluMaxPoolTrainForward",
              Napi::Function::New(env, PoolTrainForward, "batchNormReluMaxPoolTrainForward"));
  exports.Set("batchNormReluMaxPoolBackward",
              Napi::Function::New(env, PoolBackward, "batchNormReluMaxPoolBackward"));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward, "reluBackward"));
}
