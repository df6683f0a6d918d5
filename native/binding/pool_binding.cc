// maxPool2dForward / maxPool2dBackward / maxPool2dGather, avgPool2dForward /
// avgPool2dBackward, adaptiveAvgPool2dForward / adaptiveAvgPool2dBackward.
#include <string>

#include "args.h"
#include "pai/pool.h"
#include "registry.h"

namespace {

using pai::binding::Args;

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr double kMaxElements = 4294967296.0;

void check_elements(const Args& args, double elements) {
  if (elements > kMaxElements) args.range_error("n", "shape has more than 2^32 elements");
}

// n, c, h, w at `first`, then kh, kw, sh, sw, ph, pw.
pai::Pool2dShape read_window(const Args& args, size_t first) {
  pai::Pool2dShape s;
  s.n = args.integer(first, "n", 1, kMaxDim);
  s.c = args.integer(first + 1, "c", 1, kMaxDim);
  s.h = args.integer(first + 2, "h", 1, kMaxDim);
  s.w = args.integer(first + 3, "w", 1, kMaxDim);
  s.kh = args.integer(first + 4, "kh", 1, kMaxDim);
  s.kw = args.integer(first + 5, "kw", 1, kMaxDim);
  s.sh = args.integer(first + 6, "sh", 1, kMaxDim);
  s.sw = args.integer(first + 7, "sw", 1, kMaxDim);
  s.ph = args.integer(first + 8, "ph", 0, kMaxDim);
  s.pw = args.integer(first + 9, "pw", 0, kMaxDim);
  // PyTorch's rule: then every window holds at least one input pixel.
  if (2 * s.ph > s.kh) args.range_error("ph", "must be at most half the window height " + std::to_string(s.kh));
  if (2 * s.pw > s.kw) args.range_error("pw", "must be at most half the window width " + std::to_string(s.kw));
  if (s.out_h() < 1 || s.out_w() < 1) args.range_error("kh", "window is larger than the padded input");
  check_elements(args, double(s.n) * s.c * s.h * s.w);
  return s;
}

struct Planes {
  int64_t n, c, h, w, oh, ow;
  int64_t in_size() const { return n * c * h * w; }
  int64_t out_size() const { return n * c * oh * ow; }
};

// n, c, h, w, oh, ow at `first`.
Planes read_planes(const Args& args, size_t first) {
  Planes p;
  p.n = args.integer(first, "n", 1, kMaxDim);
  p.c = args.integer(first + 1, "c", 1, kMaxDim);
  p.h = args.integer(first + 2, "h", 1, kMaxDim);
  p.w = args.integer(first + 3, "w", 1, kMaxDim);
  p.oh = args.integer(first + 4, "oh", 1, kMaxDim);
  p.ow = args.integer(first + 5, "ow", 1, kMaxDim);
  check_elements(args, double(p.n) * p.c * p.h * p.w);
  check_elements(args, double(p.n) * p.c * p.oh * p.ow);
  return p;
}

Napi::Value MaxForward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2dForward", 13);
  const pai::Pool2dShape s = read_window(args, 1);
  const int64_t out_size = s.n * s.c * s.out_h() * s.out_w();
  const float* x = args.array<float>(0, "x", s.n * s.c * s.h * s.w);
  float* out = args.array<float>(11, "out", out_size);
  int32_t* argmax = args.array<int32_t>(12, "argmax", out_size);
  pai::max_pool2d_forward(s, x, out, argmax);
  return info.Env().Undefined();
}

Napi::Value MaxBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2dBackward", 9);
  const Planes p = read_planes(args, 2);
  const float* gy = args.array<float>(0, "gy", p.out_size());
  const int32_t* argmax = args.array<int32_t>(1, "argmax", p.out_size());
  float* gx = args.array<float>(8, "gx", p.in_size());
  if (!pai::max_pool2d_backward(gy, argmax, p.n, p.c, p.h, p.w, p.oh, p.ow, gx))
    args.range_error("argmax", "has an index outside the " + std::to_string(p.h) + "x" + std::to_string(p.w) + " plane");
  return info.Env().Undefined();
}

Napi::Value MaxGather(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2dGather", 9);
  const Planes p = read_planes(args, 2);
  const float* src = args.array<float>(0, "src", p.in_size());
  const int32_t* argmax = args.array<int32_t>(1, "argmax", p.out_size());
  float* out = args.array<float>(8, "out", p.out_size());
  if (!pai::max_pool2d_gather(src, argmax, p.n, p.c, p.h, p.w, p.oh, p.ow, out))
    args.range_error("argmax", "has an index outside the " + std::to_string(p.h) + "x" + std::to_string(p.w) + " plane");
  return info.Env().Undefined();
}

Napi::Value AvgForward(const Napi::CallbackInfo& info) {
  Args args(info, "avgPool2dForward", 12);
  const pai::Pool2dShape s = read_window(args, 1);
  const float* x = args.array<float>(0, "x", s.n * s.c * s.h * s.w);
  float* out = args.array<float>(11, "out", s.n * s.c * s.out_h() * s.out_w());
  pai::avg_pool2d_forward(s, x, out);
  return info.Env().Undefined();
}

Napi::Value AvgBackward(const Napi::CallbackInfo& info) {
  Args args(info, "avgPool2dBackward", 12);
  const pai::Pool2dShape s = read_window(args, 1);
  const float* gy = args.array<float>(0, "gy", s.n * s.c * s.out_h() * s.out_w());
  float* gx = args.array<float>(11, "gx", s.n * s.c * s.h * s.w);
  pai::avg_pool2d_backward(s, gy, gx);
  return info.Env().Undefined();
}

Napi::Value AdaptiveForward(const Napi::CallbackInfo& info) {
  Args args(info, "adaptiveAvgPool2dForward", 8);
  const Planes p = read_planes(args, 1);
  const float* x = args.array<float>(0, "x", p.in_size());
  float* out = args.array<float>(7, "out", p.out_size());
  pai::adaptive_avg_pool2d_forward(x, p.n, p.c, p.h, p.w, p.oh, p.ow, out);
  return info.Env().Undefined();
}

Napi::Value AdaptiveBackward(const Napi::CallbackInfo& info) {
  Args args(info, "adaptiveAvgPool2dBackward", 8);
  const Planes p = read_planes(args, 1);
  const float* gy = args.array<float>(0, "gy", p.out_size());
  float* gx = args.array<float>(7, "gx", p.in_size());
  pai::adaptive_avg_pool2d_backward(gy, p.n, p.c, p.h, p.w, p.oh, p.ow, gx);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(pool) {
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxForward, "maxPool2dForward"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxBackward, "maxPool2dBackward"));
  exports.Set("maxPool2dGather", Napi::Function::New(env, MaxGather, "maxPool2dGather"));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgForward, "avgPool2dForward"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgBackward, "avgPool2dBackward"));
  exports.Set("adaptiveAvgPool2dForward", Napi::Function::New(env, AdaptiveForward, "adaptiveAvgPool2dForward"));
  exports.Set("adaptiveAvgPool2dBackward", Napi::Function::New(env, AdaptiveBackward, "adaptiveAvgPool2dBackward"));
}
