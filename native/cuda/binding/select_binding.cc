// scoreKernel, selectTopK, selectTopKSegments, sgdStep, adamStep on DeviceBuffers (the
// arena-wide pruning and training kernels), with the CPU bindings' arguments and checks.
#include <cmath>
#include <string>
#include <vector>

#include "cuda/optim.h"
#include "cuda/select.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

float* same_length(const DeviceArgs& args, size_t i, const char* name, int64_t n) {
  const int64_t len = args.device_length<float>(i, name);
  if (len != n)
    args.range_error(name, "has " + std::to_string(len) + " elements, expected " + std::to_string(n) +
                               " (the length of the first array)");
  return args.device<float>(i, name, n);
}

[[noreturn]] void throw_nan(const DeviceArgs& args, int64_t index) {
  args.range_error("scores", "contains NaN at index " + std::to_string(index) +
                                 " (scores must be comparable; check the gradients)");
}

int64_t integer_entry(const DeviceArgs& args, const char* name, int64_t at, double v, int64_t lo, int64_t hi) {
  if (!std::isfinite(v) || v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
    args.range_error(name, "[" + std::to_string(at) + "] must be an integer in [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "], got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

Napi::Value ScoreKernel(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "scoreKernel", 4);
  const std::string kind = args.string(0, "kind");
  ::pai::ScoreKind k;
  if (kind == "abs") k = ::pai::ScoreKind::Abs;
  else if (kind == "absprod") k = ::pai::ScoreKind::AbsProd;
  else if (kind == "prod") k = ::pai::ScoreKind::Prod;
  else if (kind == "negprod") k = ::pai::ScoreKind::NegProd;
  else args.range_error("kind", "must be 'abs', 'absprod', 'prod' or 'negprod', got '" + kind + "'");
  const int64_t n = args.device_length<float>(1, "theta");
  const float* theta = args.device<float>(1, "theta", n);
  const float* g = nullptr;
  if (k != ::pai::ScoreKind::Abs) {
    if (args.is_null(2)) args.type_error(2, "g", "must be a DeviceBuffer for kind '" + kind + "'");
    g = same_length(args, 2, "g", n);
  } else if (!args.is_null(2)) {
    g = same_length(args, 2, "g", n);
  }
  float* out = same_length(args, 3, "out", n);
  pai::cuda::score(k, theta, g, out, n);
  return info.Env().Undefined();
}

Napi::Value SelectTopK(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "selectTopK", 3);
  const int64_t n = args.device_length<float>(0, "scores");
  if (n >= (int64_t{1} << 32) - 1) args.range_error("scores", "must hold fewer than 2^32 - 1 entries");
  const float* scores = args.device<float>(0, "scores", n);
  const int64_t k = args.integer(1, "k", 0, n);
  float* mask = same_length(args, 2, "mask", n);
  const ::pai::SelectResult r = pai::cuda::select_top_k(scores, n, k, mask);
  if (r.nan_index >= 0) throw_nan(args, r.nan_index);
  return Napi::Number::New(info.Env(), r.threshold);
}

Napi::Value SelectTopKSegments(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "selectTopKSegments", 4);
  const int64_t n = args.device_length<float>(0, "scores");
  if (n >= (int64_t{1} << 32) - 1) args.range_error("scores", "must hold fewer than 2^32 - 1 entries");
  const float* scores = args.device<float>(0, "scores", n);
  const int64_t n_off = args.length<double>(1, "offsets");
  if (n_off < 1) args.range_error("offsets", "must have at least one entry (segments + 1)");
  const double* off = args.array<double>(1, "offsets", n_off);
  const int64_t segments = n_off - 1;
  const int64_t n_ks = args.length<double>(2, "ks");
  if (n_ks != segments)
    args.range_error("ks", "has " + std::to_string(n_ks) + " entries, expected " + std::to_string(segments) +
                               " (offsets.length - 1)");
  const double* ks_d = args.array<double>(2, "ks", segments);
  float* mask = same_length(args, 3, "mask", n);
  std::vector<int64_t> offsets(n_off), ks(segments);
  for (int64_t s = 0; s < n_off; ++s) offsets[s] = integer_entry(args, "offsets", s, off[s], s == 0 ? 0 : offsets[s - 1], n);
  for (int64_t s = 0; s < segments; ++s) ks[s] = integer_entry(args, "ks", s, ks_d[s], 0, offsets[s + 1] - offsets[s]);
  std::vector<float> th(segments);
  const ::pai::SelectResult r =
      pai::cuda::select_top_k_segments(scores, offsets.data(), ks.data(), segments, mask, th.data());
  if (r.nan_index >= 0) throw_nan(args, r.nan_index);
  Napi::Float64Array thresholds = Napi::Float64Array::New(info.Env(), segments);
  for (int64_t s = 0; s < segments; ++s) thresholds[s] = th[s];
  return thresholds;
}

double finite(const DeviceArgs& args, size_t i, const char* name, bool non_negative = false) {
  const double v = args.number(i, name);
  if (!std::isfinite(v)) args.range_error(name, "must be finite");
  if (non_negative && v < 0) args.range_error(name, "must be >= 0");
  return v;
}

// sgdStep(param, grad, momentumBuf, mask, lr, momentum, dampening, weightDecay, nesterov, firstStep)
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sgdStep", 10);
  const int64_t n = args.device_length<float>(0, "param");
  float* param = args.device<float>(0, "param", n);
  const float* grad = args.device<float>(1, "grad", n);
  ::pai::SgdConfig c;
  c.lr = finite(args, 4, "lr");
  c.momentum = finite(args, 5, "momentum", true);
  c.dampening = finite(args, 6, "dampening");
  c.weight_decay = finite(args, 7, "weightDecay");
  c.nesterov = args.boolean(8, "nesterov");
  c.first_step = args.boolean(9, "firstStep");
  if (c.nesterov && (c.momentum <= 0 || c.dampening != 0))
    args.range_error("nesterov", "needs momentum > 0 and dampening = 0 (as PyTorch)");
  float* buf = nullptr;
  if (c.momentum != 0) {
    if (args.is_null(2)) args.type_error(2, "momentumBuf", "is required when momentum != 0");
    buf = args.device<float>(2, "momentumBuf", n);
  }
  const float* mask = args.device_or_null<float>(3, "mask", n);
  pai::cuda::sgd_step(param, grad, buf, mask, n, c);
  return info.Env().Undefined();
}

// adamStep(param, grad, m, v, mask, lr, beta1, beta2, eps, weightDecay, decoupled, step)
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "adamStep", 12);
  const int64_t n = args.device_length<float>(0, "param");
  float* param = args.device<float>(0, "param", n);
  const float* grad = args.device<float>(1, "grad", n);
  float* m = args.device<float>(2, "m", n);
  float* v = args.device<float>(3, "v", n);
  const float* mask = args.device_or_null<float>(4, "mask", n);
  ::pai::AdamConfig c;
  c.lr = finite(args, 5, "lr");
  c.beta1 = finite(args, 6, "beta1", true);
  c.beta2 = finite(args, 7, "beta2", true);
  if (c.beta1 >= 1) args.range_error("beta1", "must be in [0, 1)");
  if (c.beta2 >= 1) args.range_error("beta2", "must be in [0, 1)");
  c.eps = finite(args, 8, "eps", true);
  c.weight_decay = finite(args, 9, "weightDecay");
  c.decoupled = args.boolean(10, "decoupled");
  c.step = args.integer(11, "step", 1);
  pai::cuda::adam_step(param, grad, m, v, mask, n, c);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_select) {
  using namespace pai::cuda::binding;
  exports.Set("scoreKernel", Napi::Function::New(env, ScoreKernel, "scoreKernel"));
  exports.Set("selectTopK", Napi::Function::New(env, SelectTopK, "selectTopK"));
  exports.Set("selectTopKSegments", Napi::Function::New(env, SelectTopKSegments, "selectTopKSegments"));
  exports.Set("sgdStep", Napi::Function::New(env, SgdStep, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
}
