// batchNormTrainForward / batchNormEvalForward / batchNormBackward over x viewed as
// [n, c, hw]; gamma and beta (and the gradients ggamma / gbeta) may be null.
#include <cmath>

#include "args.h"
#include "pai/batchnorm.h"
#include "registry.h"

namespace {

using pai::binding::Args;

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;

struct Dims {
  int64_t n, c, hw;
  int64_t size() const { return n * c * hw; }
};

Dims read_dims(const Args& args, size_t first) {
  Dims d;
  d.n = args.integer(first, "n", 1, kMaxDim);
  d.c = args.integer(first + 1, "c", 1, kMaxDim);
  d.hw = args.integer(first + 2, "hw", 1, kMaxDim);
  if (double(d.n) * d.c * d.hw > 4294967296.0) args.range_error("n", "n * c * hw exceeds 2^32");
  return d;
}

float read_eps(const Args& args, size_t i) {
  const double eps = args.number(i, "eps");
  if (!(eps >= 0) || !std::isfinite(eps)) args.range_error("eps", "must be a finite number >= 0");
  return static_cast<float>(eps);
}

template <typename T>
T* optional(const Args& args, size_t i, const char* name, int64_t len) {
  return args.is_null(i) ? nullptr : args.array<float>(i, name, len);
}

Napi::Value TrainForward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormTrainForward", 10);
  const Dims d = read_dims(args, 1);
  const float* x = args.array<float>(0, "x", d.size());
  const float* gamma = optional<const float>(args, 4, "gamma", d.c);
  const float* beta = optional<const float>(args, 5, "beta", d.c);
  const float eps = read_eps(args, 6);
  float* out = args.array<float>(7, "out", d.size());
  float* mean = args.array<float>(8, "mean", d.c);
  float* invstd = args.array<float>(9, "invstd", d.c);
  pai::batch_norm_train_forward(x, d.n, d.c, d.hw, gamma, beta, eps, out, mean, invstd);
  return info.Env().Undefined();
}

Napi::Value EvalForward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormEvalForward", 10);
  const Dims d = read_dims(args, 1);
  const float* x = args.array<float>(0, "x", d.size());
  const float* run_mean = args.array<float>(4, "runMean", d.c);
  const float* run_var = args.array<float>(5, "runVar", d.c);
  const float* gamma = optional<const float>(args, 6, "gamma", d.c);
  const float* beta = optional<const float>(args, 7, "beta", d.c);
  const float eps = read_eps(args, 8);
  float* out = args.array<float>(9, "out", d.size());
  pai::batch_norm_eval_forward(x, d.n, d.c, d.hw, run_mean, run_var, gamma, beta, eps, out);
  return info.Env().Undefined();
}

Napi::Value Backward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormBackward", 11);
  const Dims d = read_dims(args, 2);
  const float* gy = args.array<float>(0, "gy", d.size());
  const float* x = args.array<float>(1, "x", d.size());
  const float* mean = args.array<float>(5, "mean", d.c);
  const float* invstd = args.array<float>(6, "invstd", d.c);
  const float* gamma = optional<const float>(args, 7, "gamma", d.c);
  float* gx = args.array<float>(8, "gx", d.size());
  float* ggamma = optional<float>(args, 9, "ggamma", d.c);
  float* gbeta = optional<float>(args, 10, "gbeta", d.c);
  pai::batch_norm_backward(gy, x, d.n, d.c, d.hw, mean, invstd, gamma, gx, ggamma, gbeta);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(batchnorm) {
  exports.Set("batchNormTrainForward", Napi::Function::New(env, TrainForward, "batchNormTrainForward"));
  exports.Set("batchNormEvalForward", Napi::Function::New(env, EvalForward, "batchNormEvalForward"));
  exports.Set("batchNormBackward", Napi::Function::New(env, Backward, "batchNormBackward"));
}
