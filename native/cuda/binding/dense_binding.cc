// Philox fills, SGEMM and convolution on DeviceBuffers (native/BINDINGS.md signatures).
#include <string>

#include "cuda/conv.h"
#include "cuda/gemm.h"
#include "cuda/philox.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

constexpr int64_t kMaxPosition = (int64_t{1} << 53) - 1;
constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;

Napi::Value PhiloxUniform(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "philoxUniform", 4);
  const uint32_t lo = static_cast<uint32_t>(args.integer(0, "seedLo", 0, 0xFFFFFFFFll));
  const uint32_t hi = static_cast<uint32_t>(args.integer(1, "seedHi", 0, 0xFFFFFFFFll));
  const int64_t offset = args.integer(2, "offset", 0, kMaxPosition);
  const int64_t n = args.device_length<float>(3, "out");
  if (n > kMaxPosition - offset) args.range_error("offset", "plus the output length must stay below 2^53");
  philox_uniform(lo, hi, static_cast<uint64_t>(offset), args.device<float>(3, "out", n), n);
  return info.Env().Undefined();
}

Napi::Value PhiloxNormal(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "philoxNormal", 6);
  const uint32_t lo = static_cast<uint32_t>(args.integer(0, "seedLo", 0, 0xFFFFFFFFll));
  const uint32_t hi = static_cast<uint32_t>(args.integer(1, "seedHi", 0, 0xFFFFFFFFll));
  const int64_t offset = args.integer(2, "offset", 0, kMaxPosition);
  const double mean = args.number(3, "mean"), std = args.number(4, "std");
  const int64_t n = args.device_length<float>(5, "out");
  if (n > kMaxPosition - offset) args.range_error("offset", "plus the output length must stay below 2^53");
  philox_normal(lo, hi, static_cast<uint64_t>(offset), mean, std, args.device<float>(5, "out", n), n);
  return info.Env().Undefined();
}

// Elements a rows x cols row-major matrix with leading dimension ld spans.
int64_t matrix_span(const DeviceArgs& args, const char* ld_name, int64_t rows, int64_t cols, int64_t ld) {
  if (ld < (cols > 1 ? cols : 1))
    args.range_error(ld_name, "must be at least " + std::to_string(cols > 1 ? cols : 1) + ", got " + std::to_string(ld));
  return rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
}

Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sgemm", 15);
  const bool ta = args.boolean(0, "transA"), tb = args.boolean(1, "transB");
  const int64_t m = args.integer(2, "m", 0, kMaxDim), n = args.integer(3, "n", 0, kMaxDim);
  const int64_t k = args.integer(4, "k", 0, kMaxDim);
  const float alpha = static_cast<float>(args.number(5, "alpha"));
  const int64_t lda = args.integer(7, "lda", 1, kMaxDim), ldb = args.integer(9, "ldb", 1, kMaxDim);
  const float beta = static_cast<float>(args.number(10, "beta"));
  const int64_t ldc = args.integer(12, "ldc", 1, kMaxDim);
  const int64_t a_len = matrix_span(args, "lda", ta ? k : m, ta ? m : k, lda);
  const int64_t b_len = matrix_span(args, "ldb", tb ? n : k, tb ? k : n, ldb);
  const int64_t c_len = matrix_span(args, "ldc", m, n, ldc);
  const float* a = args.device<float>(6, "a", a_len);
  const float* b = args.device<float>(8, "b", b_len);
  float* c = args.device<float>(11, "c", c_len);
  const float* am = args.device_or_null<float>(13, "aMask", a_len);
  const float* bm = args.device_or_null<float>(14, "bMask", b_len);
  sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, am, bm);
  return info.Env().Undefined();
}

// sgemmBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc,
// strideC, batch): item i uses X + i strideX (0 broadcasts one matrix).
Napi::Value SgemmBatched(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sgemmBatched", 17);
  const bool ta = args.boolean(0, "transA"), tb = args.boolean(1, "transB");
  const int64_t m = args.integer(2, "m", 0, kMaxDim), n = args.integer(3, "n", 0, kMaxDim);
  const int64_t k = args.integer(4, "k", 0, kMaxDim);
  const float alpha = static_cast<float>(args.number(5, "alpha"));
  const int64_t lda = args.integer(7, "lda", 1, kMaxDim), sa = args.integer(8, "strideA", 0, kMaxPosition);
  const int64_t ldb = args.integer(10, "ldb", 1, kMaxDim), sb = args.integer(11, "strideB", 0, kMaxPosition);
  const float beta = static_cast<float>(args.number(12, "beta"));
  const int64_t ldc = args.integer(14, "ldc", 1, kMaxDim), sc = args.integer(15, "strideC", 0, kMaxPosition);
  const int64_t batch = args.integer(16, "batch", 0, 65535);
  const int64_t a_len = matrix_span(args, "lda", ta ? k : m, ta ? m : k, lda);
  const int64_t b_len = matrix_span(args, "ldb", tb ? n : k, tb ? k : n, ldb);
  const int64_t c_len = matrix_span(args, "ldc", m, n, ldc);
  const int64_t last = batch > 0 ? batch - 1 : 0;
  const float* a = args.device<float>(6, "a", batch ? last * sa + a_len : 0);
  const float* b = args.device<float>(9, "b", batch ? last * sb + b_len : 0);
  float* c = args.device<float>(13, "c", batch ? last * sc + c_len : 0);
  sgemm_batched(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
  return info.Env().Undefined();
}

// Reads n, c, h, w at `first` and o, kh, kw at `second`, the stride/padding/dilation/
// groups run at `geom`, and checks the shape.
::pai::Conv2dShape conv_shape(const DeviceArgs& args, size_t first, size_t second, size_t geom) {
  ::pai::Conv2dShape s;
  s.n = args.integer(first, "n", 1, kMaxDim);
  s.c = args.integer(first + 1, "c", 1, kMaxDim);
  s.h = args.integer(first + 2, "h", 1, kMaxDim);
  s.w = args.integer(first + 3, "w", 1, kMaxDim);
  s.o = args.integer(second, "o", 1, kMaxDim);
  s.kh = args.integer(second + 1, "kh", 1, kMaxDim);
  s.kw = args.integer(second + 2, "kw", 1, kMaxDim);
  s.sh = args.integer(geom, "sh", 1, kMaxDim);
  s.sw = args.integer(geom + 1, "sw", 1, kMaxDim);
  s.ph = args.integer(geom + 2, "ph", 0, kMaxDim);
  s.pw = args.integer(geom + 3, "pw", 0, kMaxDim);
  s.dh = args.integer(geom + 4, "dh", 1, kMaxDim);
  s.dw = args.integer(geom + 5, "dw", 1, kMaxDim);
  s.groups = args.integer(geom + 6, "groups", 1, kMaxDim);
  if (s.c % s.groups != 0) args.range_error("groups", "must divide c = " + std::to_string(s.c));
  if (s.o % s.groups != 0) args.range_error("groups", "must divide o = " + std::to_string(s.o));
  if (s.out_h() <= 0 || s.out_w() <= 0)
    args.range_error("kh", "the dilated kernel is larger than the padded input (output would be " +
                               std::to_string(s.out_h()) + "x" + std::to_string(s.out_w()) + ")");
  return s;
}

Napi::Value ConvForward(const Napi::CallbackInfo& info, bool masked) {
  const char* fn = masked ? "conv2dMaskedForward" : "conv2dForward";
  DeviceArgs args(info, fn, masked ? 19 : 18);
  const ::pai::Conv2dShape s = conv_shape(args, 1, 6, 10);
  const float* x = args.device<float>(0, "x", s.x_size());
  const float* w = args.device<float>(5, "weight", s.weight_size());
  const float* bias = args.device_or_null<float>(9, "bias", s.o);
  float* out = args.device<float>(17, "out", s.out_size());
  const float* mask = masked ? args.device<float>(18, "mask", s.weight_size()) : nullptr;
  pai::cuda::conv2d_forward(s, x, w, mask, bias, out);
  return info.Env().Undefined();
}

Napi::Value ConvGradInput(const Napi::CallbackInfo& info, bool masked) {
  const char* fn = masked ? "conv2dMaskedGradInput" : "conv2dGradInput";
  DeviceArgs args(info, fn, masked ? 18 : 17);
  const ::pai::Conv2dShape s = conv_shape(args, 1, 6, 9);
  const float* gy = args.device<float>(0, "gy", s.out_size());
  const float* w = args.device<float>(5, "weight", s.weight_size());
  float* gx = args.device<float>(16, "gx", s.x_size());
  const float* mask = masked ? args.device<float>(17, "mask", s.weight_size()) : nullptr;
  pai::cuda::conv2d_grad_input(s, gy, w, mask, gx);
  return info.Env().Undefined();
}

Napi::Value ConvGradWeight(const Napi::CallbackInfo& info, bool masked) {
  const char* fn = masked ? "conv2dMaskedGradWeight" : "conv2dGradWeight";
  DeviceArgs args(info, fn, masked ? 18 : 17);
  const ::pai::Conv2dShape s = conv_shape(args, 1, 6, 9);
  const float* x = args.device<float>(0, "x", s.x_size());
  const float* gy = args.device<float>(5, "gy", s.out_size());
  float* gw = args.device<float>(16, "gw", s.weight_size());
  const float* mask = masked ? args.device<float>(17, "mask", s.weight_size()) : nullptr;
  pai::cuda::conv2d_grad_weight(s, x, gy, mask, gw);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_dense) {
  using namespace pai::cuda::binding;
  exports.Set("philoxUniform", Napi::Function::New(env, PhiloxUniform));
  exports.Set("philoxNormal", Napi::Function::New(env, PhiloxNormal));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("sgemmBatched", Napi::Function::New(env, SgemmBatched));
  exports.Set("conv2dForward", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return ConvForward(i, false); }));
  exports.Set("conv2dMaskedForward", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return ConvForward(i, true); }));
  exports.Set("conv2dGradInput", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return ConvGradInput(i, false); }));
  exports.Set("conv2dMaskedGradInput", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return ConvGradInput(i, true); }));
  exports.Set("conv2dGradWeight", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return ConvGradWeight(i, false); }));
  exports.Set("conv2dMaskedGradWeight", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return ConvGradWeight(i, true); }));
}
