// batchNormAddReluTrainForward / batchNormAddReluBackward: the residual-block tail
// relu(batchNorm(z) + s r) over z and r viewed as [n, c, hw]; scale (s), gamma, beta and
// the gradients ggamma / gbeta / gscale may be null (gscale only with a scale).
#include <cmath>

#include "args.h"
#include "pai/batchnorm_add_relu.h"
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

template <typename T>
T* optional(const Args& args, size_t i, const char* name, int64_t len) {
  return args.is_null(i) ? nullptr : args.array<float>(i, name, len);
}

Napi::Value TrainForward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormAddReluTrainForward", 13);
  const Dims d = read_dims(args, 3);
  const float* z = args.array<float>(0, "z", d.size());
  const float* r = args.array<float>(1, "r", d.size());
  const float* scale = optional<const float>(args, 2, "scale", d.c);
  const float* gamma = optional<const float>(args, 6, "gamma", d.c);
  const float* beta = optional<const float>(args, 7, "beta", d.c);
  const double eps = args.number(8, "eps");
  if (!(eps >= 0) || !std::isfinite(eps)) args.range_error("eps", "must be a finite number >= 0");
  float* out = args.array<float>(9, "out", d.size());
  float* mean = args.array<float>(10, "mean", d.c);
  float* mean_lo = args.array<float>(11, "meanLo", d.c);
  float* invstd = args.array<float>(12, "invstd", d.c);
  pai::batch_norm_add_relu_train_forward(z, r, scale, d.n, d.c, d.hw, gamma, beta, static_cast<float>(eps), out,
                                         mean, mean_lo, invstd);
  return info.Env().Undefined();
}

Napi::Value Backward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormAddReluBackward", 17);
  const Dims d = read_dims(args, 5);
  const float* gy = args.array<float>(0, "gy", d.size());
  const float* out = args.array<float>(1, "out", d.size());
  const float* z = args.array<float>(2, "z", d.size());
  const float* r = args.array<float>(3, "r", d.size());
  const float* scale = optional<const float>(args, 4, "scale", d.c);
  const float* mean = args.array<float>(8, "mean", d.c);
  const float* mean_lo = args.array<float>(9, "meanLo", d.c);
  const float* invstd = args.array<float>(10, "invstd", d.c);
  const float* gamma = optional<const float>(args, 11, "gamma", d.c);
  float* gz = args.array<float>(12, "gz", d.size());
  float* gr = args.array<float>(13, "gr", d.size());
  float* ggamma = optional<float>(args, 14, "ggamma", d.c);
  float* gbeta = optional<float>(args, 15, "gbeta", d.c);
  float* gscale = optional<float>(args, 16, "gscale", d.c);
  if (gscale && !scale) args.range_error("gscale", "needs a scale (the gradient of s r with respect to s)");
  if (gz == gr || gz == gy || gr == gy) args.range_error("gz", "gz, gr and gy must be distinct buffers");
  pai::batch_norm_add_relu_backward(gy, out, z, r, scale, d.n, d.c, d.hw, mean, mean_lo, invstd, gamma, gz, gr,
                                    ggamma, gbeta, gscale);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(batchnorm_add_relu) {
  exports.Set("batchNormAddReluTrainForward",
              Napi::Function::New(env, TrainForward, "batchNormAddReluTrainForward"));
  exports.Set("batchNormAddReluBackward", Napi::Function::New(env, Backward, "batchNormAddReluBackward"));
}
