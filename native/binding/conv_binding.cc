// conv2dForward / conv2dGradInput / conv2dGradWeight and their conv2dMasked* variants
// (trailing mask argument, weight layout). Shapes are validated before any pointer is
// touched: counts, divisibility by groups, a non-empty output, and buffer lengths.
#include <string>

#include "args.h"
#include "pai/conv.h"
#include "registry.h"

namespace {

using pai::binding::Args;

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr double kMaxElements = 4294967296.0;  // beyond any typed array

// Reads n, c, h, w (args 1..4), o, kh, kw (6..8) and stride..groups from `first`.
pai::Conv2dShape read_shape(const Args& args, size_t first) {
  pai::Conv2dShape s;
  s.n = args.integer(1, "n", 1, kMaxDim);
  s.c = args.integer(2, "c", 1, kMaxDim);
  s.h = args.integer(3, "h", 1, kMaxDim);
  s.w = args.integer(4, "w", 1, kMaxDim);
  s.o = args.integer(6, "o", 1, kMaxDim);
  s.kh = args.integer(7, "kh", 1, kMaxDim);
  s.kw = args.integer(8, "kw", 1, kMaxDim);
  s.sh = args.integer(first, "sh", 1, kMaxDim);
  s.sw = args.integer(first + 1, "sw", 1, kMaxDim);
  s.ph = args.integer(first + 2, "ph", 0, kMaxDim);
  s.pw = args.integer(first + 3, "pw", 0, kMaxDim);
  s.dh = args.integer(first + 4, "dh", 1, kMaxDim);
  s.dw = args.integer(first + 5, "dw", 1, kMaxDim);
  s.groups = args.integer(first + 6, "groups", 1, kMaxDim);
  if (s.c % s.groups) args.range_error("groups", "must divide c = " + std::to_string(s.c));
  if (s.o % s.groups) args.range_error("groups", "must divide o = " + std::to_string(s.o));
  if (s.out_h() < 1 || s.out_w() < 1)
    args.range_error("kh", "with dilation, exceeds the padded input (" + std::to_string(s.h) + "x" +
                               std::to_string(s.w) + " padded by " + std::to_string(s.ph) + "x" +
                               std::to_string(s.pw) + ")");
  const double x = double(s.n) * s.c * s.h * s.w;
  const double wt = double(s.o) * (s.c / s.groups) * s.kh * s.kw;
  const double y = double(s.n) * s.o * s.out_h() * s.out_w();
  if (x > kMaxElements || wt > kMaxElements || y > kMaxElements)
    args.range_error("n", "shape has more than 2^32 elements");
  return s;
}

const float* optional_array(const Args& args, size_t i, const char* name, int64_t len) {
  return args.is_null(i) ? nullptr : args.array<float>(i, name, len);
}

Napi::Value Forward(const Napi::CallbackInfo& info, const char* fn, bool masked) {
  Args args(info, fn, masked ? 19 : 18);
  const pai::Conv2dShape s = read_shape(args, 10);
  const float* x = args.array<float>(0, "x", s.x_size());
  const float* weight = args.array<float>(5, "weight", s.weight_size());
  const float* bias = optional_array(args, 9, "bias", s.o);
  float* out = args.array<float>(17, "out", s.out_size());
  const float* mask = masked ? args.array<float>(18, "mask", s.weight_size()) : nullptr;
  pai::conv2d_forward(s, x, weight, mask, bias, out);
  return info.Env().Undefined();
}

Napi::Value GradInput(const Napi::CallbackInfo& info, const char* fn, bool masked) {
  Args args(info, fn, masked ? 18 : 17);
  const pai::Conv2dShape s = read_shape(args, 9);
  const float* gy = args.array<float>(0, "gy", s.out_size());
  const float* weight = args.array<float>(5, "weight", s.weight_size());
  float* gx = args.array<float>(16, "gx", s.x_size());
  const float* mask = masked ? args.array<float>(17, "mask", s.weight_size()) : nullptr;
  pai::conv2d_grad_input(s, gy, weight, mask, gx);
  return info.Env().Undefined();
}

Napi::Value GradWeight(const Napi::CallbackInfo& info, const char* fn, bool masked) {
  Args args(info, fn, masked ? 18 : 17);
  const pai::Conv2dShape s = read_shape(args, 9);
  const float* x = args.array<float>(0, "x", s.x_size());
  const float* gy = args.array<float>(5, "gy", s.out_size());
  float* gw = args.array<float>(16, "gw", s.weight_size());
  const float* mask = masked ? args.array<float>(17, "mask", s.weight_size()) : nullptr;
  pai::conv2d_grad_weight(s, x, gy, mask, gw);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(conv) {
  auto fn = [&](const char* name, Napi::Value (*impl)(const Napi::CallbackInfo&, const char*, bool),
                bool masked) {
    exports.Set(name, Napi::Function::New(
                          env, [name, impl, masked](const Napi::CallbackInfo& info) {
                            return impl(info, name, masked);
                          },
                          name));
  };
  fn("conv2dForward", Forward, false);
  fn("conv2dGradInput", GradInput, false);
  fn("conv2dGradWeight", GradWeight, false);
  fn("conv2dMaskedForward", Forward, true);
  fn("conv2dMaskedGradInput", GradInput, true);
  fn("conv2dMaskedGradWeight", GradWeight, true);
}
