// maxPool2dForward/Backward/Gather, avgPool2dForward/Backward, adaptiveAvgPool2dForward/
// Backward on DeviceBuffers, with the CPU bindings' argument order and checks.
#include <string>

#include "cuda/pool.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;

// n, c, h, w, kh, kw, sh, sw, ph, pw from argument `first`.
::pai::Pool2dShape read_window(const DeviceArgs& args, size_t first) {
  ::pai::Pool2dShape s;
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
  if (2 * s.ph > s.kh || 2 * s.pw > s.kw) args.range_error("ph", "padding must be at most half the window");
  if (s.out_h() < 1 || s.out_w() < 1) args.range_error("kh", "the window is larger than the padded input");
  if (static_cast<double>(s.n) * s.c * s.h * s.w > 4294967296.0) args.range_error("n", "more than 2^32 elements");
  return s;
}

struct Planes {
  int64_t n, c, h, w, oh, ow;
  int64_t in_size() const { return n * c * h * w; }
  int64_t out_size() const { return n * c * oh * ow; }
};

// n, c, h, w, oh, ow from argument `first`.
Planes read_planes(const DeviceArgs& args, size_t first) {
  Planes p;
  p.n = args.integer(first, "n", 1, kMaxDim);
  p.c = args.integer(first + 1, "c", 1, kMaxDim);
  p.h = args.integer(first + 2, "h", 1, kMaxDim);
  p.w = args.integer(first + 3, "w", 1, kMaxDim);
  p.oh = args.integer(first + 4, "oh", 1, kMaxDim);
  p.ow = args.integer(first + 5, "ow", 1, kMaxDim);
  if (static_cast<double>(p.n) * p.c * p.h * p.w > 4294967296.0) args.range_error("n", "more than 2^32 elements");
  return p;
}

Napi::Value MaxForward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "maxPool2dForward", 13);
  const ::pai::Pool2dShape s = read_window(args, 1);
  const int64_t out_size = s.n * s.c * s.out_h() * s.out_w();
  const float* x = args.device<float>(0, "x", s.n * s.c * s.h * s.w);
  float* out = args.device<float>(11, "out", out_size);
  int32_t* argmax = args.device<int32_t>(12, "argmax", out_size);
  pai::cuda::max_pool2d_forward(s, x, out, argmax);
  return info.Env().Undefined();
}

// maxPool2dBackward(gy, argmax, n, c, h, w, oh, ow, gx): the contract's signature, which
// carries no window geometry, so it scatters with atomics.
Napi::Value MaxBackward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "maxPool2dBackward", 9);
  const Planes p = read_planes(args, 2);
  const float* gy = args.device<float>(0, "gy", p.out_size());
  const int32_t* argmax = args.device<int32_t>(1, "argmax", p.out_size());
  float* gx = args.device<float>(8, "gx", p.in_size());
  pai::cuda::max_pool2d_backward_scatter(gy, argmax, p.n * p.c, p.h * p.w, p.oh * p.ow, gx);
  return info.Env().Undefined();
}

// maxPool2dBackwardWindow(gy, argmax, n, c, h, w, kh, kw, sh, sw, ph, pw, gx): deterministic,
// gathering per input pixel from the windows that hold it (what the CUDA backend uses).
Napi::Value MaxBackwardWindow(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "maxPool2dBackwardWindow", 13);
  const ::pai::Pool2dShape s = read_window(args, 2);
  const int64_t out_size = s.n * s.c * s.out_h() * s.out_w();
  const float* gy = args.device<float>(0, "gy", out_size);
  const int32_t* argmax = args.device<int32_t>(1, "argmax", out_size);
  float* gx = args.device<float>(12, "gx", s.n * s.c * s.h * s.w);
  pai::cuda::max_pool2d_backward(s, gy, argmax, gx);
  return info.Env().Undefined();
}

Napi::Value MaxGather(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "maxPool2dGather", 9);
  const Planes p = read_planes(args, 2);
  const float* src = args.device<float>(0, "src", p.in_size());
  const int32_t* argmax = args.device<int32_t>(1, "argmax", p.out_size());
  float* out = args.device<float>(8, "out", p.out_size());
  pai::cuda::max_pool2d_gather(src, argmax, p.n * p.c, p.h * p.w, p.oh * p.ow, out);
  return info.Env().Undefined();
}

Napi::Value AvgForward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "avgPool2dForward", 12);
  const ::pai::Pool2dShape s = read_window(args, 1);
  const float* x = args.device<float>(0, "x", s.n * s.c * s.h * s.w);
  float* out = args.device<float>(11, "out", s.n * s.c * s.out_h() * s.out_w());
  pai::cuda::avg_pool2d_forward(s, x, out);
  return info.Env().Undefined();
}

Napi::Value AvgBackward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "avgPool2dBackward", 12);
  const ::pai::Pool2dShape s = read_window(args, 1);
  const float* gy = args.device<float>(0, "gy", s.n * s.c * s.out_h() * s.out_w());
  float* gx = args.device<float>(11, "gx", s.n * s.c * s.h * s.w);
  pai::cuda::avg_pool2d_backward(s, gy, gx);
  return info.Env().Undefined();
}

Napi::Value Adaptive(const Napi::CallbackInfo& info, bool backward) {
  DeviceArgs args(info, backward ? "adaptiveAvgPool2dBackward" : "adaptiveAvgPool2dForward", 8);
  const Planes p = read_planes(args, 1);
  if (backward) {
    const float* gy = args.device<float>(0, "gy", p.out_size());
    float* gx = args.device<float>(7, "gx", p.in_size());
    pai::cuda::adaptive_avg_pool2d_backward(gy, p.n, p.c, p.h, p.w, p.oh, p.ow, gx);
  } else {
    const float* x = args.device<float>(0, "x", p.in_size());
    float* out = args.device<float>(7, "out", p.out_size());
    pai::cuda::adaptive_avg_pool2d_forward(x, p.n, p.c, p.h, p.w, p.oh, p.ow, out);
  }
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_pool) {
  using namespace pai::cuda::binding;
  exports.Set("maxPool2dForward", Napi::Function::New(env, MaxForward, "maxPool2dForward"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxBackward, "maxPool2dBackward"));
  exports.Set("maxPool2dBackwardWindow", Napi::Function::New(env, MaxBackwardWindow, "maxPool2dBackwardWindow"));
  exports.Set("maxPool2dGather", Napi::Function::New(env, MaxGather, "maxPool2dGather"));
  exports.Set("avgPool2dForward", Napi::Function::New(env, AvgForward, "avgPool2dForward"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgBackward, "avgPool2dBackward"));
  exports.Set("adaptiveAvgPool2dForward",
              Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Adaptive(i, false); }));
  exports.Set("adaptiveAvgPool2dBackward",
              Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Adaptive(i, true); }));
}
