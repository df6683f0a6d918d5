// batchNormTrainForward, batchNormEvalForward, batchNormBackward (CPU argument order) and
// batchNormUpdateRunning(runMean, runVar, mean, invstd, c, momentum, eps, count).
#include <cmath>
#include <string>

#include "cuda/batchnorm.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;

struct Dims {
  int64_t n, c, hw;
  int64_t size() const { return n * c * hw; }
};

Dims read_dims(const DeviceArgs& args, size_t first) {
  Dims d;
  d.n = args.integer(first, "n", 1, kMaxDim);
  d.c = args.integer(first + 1, "c", 1, kMaxDim);
  d.hw = args.integer(first + 2, "hw", 1, kMaxDim);
  if (static_cast<double>(d.n) * d.c * d.hw > 4294967296.0) args.range_error("n", "n * c * hw exceeds 2^32");
  return d;
}

float read_eps(const DeviceArgs& args, size_t i) {
  const double eps = args.number(i, "eps");
  if (!(eps >= 0) || !std::isfinite(eps)) args.range_error("eps", "must be a finite number >= 0");
  return static_cast<float>(eps);
}

// batchNormTrainForward(x, n, c, hw, gamma, beta, eps, out, mean, invstd)
Napi::Value TrainForward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "batchNormTrainForward", 10);
  const Dims d = read_dims(args, 1);
  const float* x = args.device<float>(0, "x", d.size());
  const float* gamma = args.device_or_null<float>(4, "gamma", d.c);
  const float* beta = args.device_or_null<float>(5, "beta", d.c);
  const float eps = read_eps(args, 6);
  float* out = args.device<float>(7, "out", d.size());
  float* mean = args.device<float>(8, "mean", d.c);
  float* invstd = args.device<float>(9, "invstd", d.c);
  pai::cuda::batch_norm_train_forward(x, d.n, d.c, d.hw, gamma, beta, eps, out, mean, invstd);
  return info.Env().Undefined();
}

// batchNormEvalForward(x, n, c, hw, runMean, runVar, gamma, beta, eps, out)
Napi::Value EvalForward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "batchNormEvalForward", 10);
  const Dims d = read_dims(args, 1);
  const float* x = args.device<float>(0, "x", d.size());
  const float* rm = args.device<float>(4, "runMean", d.c);
  const float* rv = args.device<float>(5, "runVar", d.c);
  const float* gamma = args.device_or_null<float>(6, "gamma", d.c);
  const float* beta = args.device_or_null<float>(7, "beta", d.c);
  const float eps = read_eps(args, 8);
  float* out = args.device<float>(9, "out", d.size());
  pai::cuda::batch_norm_eval_forward(x, d.n, d.c, d.hw, rm, rv, gamma, beta, eps, out);
  return info.Env().Undefined();
}

// batchNormBackward(gy, x, n, c, hw, mean, invstd, gamma, gx, ggamma, gbeta)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "batchNormBackward", 11);
  const Dims d = read_dims(args, 2);
  const float* gy = args.device<float>(0, "gy", d.size());
  const float* x = args.device<float>(1, "x", d.size());
  const float* mean = args.device<float>(5, "mean", d.c);
  const float* invstd = args.device<float>(6, "invstd", d.c);
  const float* gamma = args.device_or_null<float>(7, "gamma", d.c);
  float* gx = args.device<float>(8, "gx", d.size());
  float* ggamma = args.device_or_null<float>(9, "ggamma", d.c);
  float* gbeta = args.device_or_null<float>(10, "gbeta", d.c);
  pai::cuda::batch_norm_backward(gy, x, d.n, d.c, d.hw, mean, invstd, gamma, gx, ggamma, gbeta);
  return info.Env().Undefined();
}

Napi::Value UpdateRunning(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "batchNormUpdateRunning", 8);
  const int64_t c = args.integer(4, "c", 1, kMaxDim);
  float* rm = args.device<float>(0, "runMean", c);
  float* rv = args.device<float>(1, "runVar", c);
  const float* mean = args.device<float>(2, "mean", c);
  const float* invstd = args.device<float>(3, "invstd", c);
  const double momentum = args.number(5, "momentum");
  if (!(momentum >= 0 && momentum <= 1)) args.range_error("momentum", "must be in [0, 1]");
  const double eps = read_eps(args, 6);
  const int64_t count = args.integer(7, "count", 1, int64_t{1} << 53);
  pai::cuda::batch_norm_update_running(rm, rv, mean, invstd, c, momentum, eps, count);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_batchnorm) {
  using namespace pai::cuda::binding;
  exports.Set("batchNormTrainForward", Napi::Function::New(env, TrainForward, "batchNormTrainForward"));
  exports.Set("batchNormEvalForward", Napi::Function::New(env, EvalForward, "batchNormEvalForward"));
  exports.Set("batchNormBackward", Napi::Function::New(env, Backward, "batchNormBackward"));
  exports.Set("batchNormUpdateRunning", Napi::Function::New(env, UpdateRunning, "batchNormUpdateRunning"));
}
