// sgdStep / adamStep: one fused pass over a parameter arena segment, in place.
#include <cmath>

#include "args.h"
#include "pai/optim.h"
#include "registry.h"

namespace {

using pai::binding::Args;

double finite(const Args& args, size_t i, const char* name, bool non_negative = false) {
  const double v = args.number(i, name);
  if (!std::isfinite(v)) args.range_error(name, "must be finite");
  if (non_negative && v < 0) args.range_error(name, "must be >= 0");
  return v;
}

Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  Args args(info, "sgdStep", 10);
  const int64_t n = args.length<float>(0, "param");
  float* param = args.array<float>(0, "param", n);
  const float* grad = args.array<float>(1, "grad", n);
  pai::SgdConfig c;
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
    buf = args.array<float>(2, "momentumBuf", n);
  }
  const float* mask = args.is_null(3) ? nullptr : args.array<float>(3, "mask", n);
  pai::sgd_step(param, grad, buf, mask, n, c);
  return info.Env().Undefined();
}

Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Args args(info, "adamStep", 12);
  const int64_t n = args.length<float>(0, "param");
  float* param = args.array<float>(0, "param", n);
  const float* grad = args.array<float>(1, "grad", n);
  float* m = args.array<float>(2, "m", n);
  float* v = args.array<float>(3, "v", n);
  const float* mask = args.is_null(4) ? nullptr : args.array<float>(4, "mask", n);
  pai::AdamConfig c;
  c.lr = finite(args, 5, "lr");
  c.beta1 = finite(args, 6, "beta1", true);
  c.beta2 = finite(args, 7, "beta2", true);
  if (c.beta1 >= 1) args.range_error("beta1", "must be in [0, 1)");
  if (c.beta2 >= 1) args.range_error("beta2", "must be in [0, 1)");
  c.eps = finite(args, 8, "eps", true);
  c.weight_decay = finite(args, 9, "weightDecay");
  c.decoupled = args.boolean(10, "decoupled");
  c.step = args.integer(11, "step", 1);
  pai::adam_step(param, grad, m, v, mask, n, c);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(optim) {
  exports.Set("sgdStep", Napi::Function::New(env, SgdStep, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
}
