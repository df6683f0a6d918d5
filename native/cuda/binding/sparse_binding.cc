// Compressed sparse layers on DeviceBuffers, with the CPU bindings' argument order
// (native/BINDINGS.md, "Sparse"). Float arrays are DeviceBuffers; each pattern index array is
// either a host Int32Array (bounds-checked here, as on the CPU, then uploaded without
// waiting) or an int32 DeviceBuffer built once (sized here; its entries are range-guarded
// inside the kernels, so a corrupt one gives wrong numbers, never a fault). nnz is the
// length of values (gvalues).
#include <memory>
#include <string>

#include "cuda/runtime.h"
#include "cuda/sparse.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr double kMaxElements = 4294967296.0;

// Index array argument i with `len` entries in [lo, hi] (checked when on the host).
class IndexArg {
 public:
  IndexArg(const DeviceArgs& args, const Napi::CallbackInfo& info, size_t i, const char* name, int64_t len,
           int64_t lo, int64_t hi) {
    if (!info[i].IsTypedArray()) {
      ptr_ = args.device<int32_t>(i, name, len);
      return;
    }
    const int64_t n = args.length<int32_t>(i, name);
    if (n != len) args.range_error(name, "has " + std::to_string(n) + " entries, expected " + std::to_string(len));
    const int32_t* a = args.array<int32_t>(i, name, len);
    for (int64_t k = 0; k < len; ++k)
      if (a[k] < lo || a[k] > hi)
        args.range_error(name, "[" + std::to_string(k) + "] = " + std::to_string(a[k]) + " is outside [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
    scratch_ = std::make_unique<Workspace>(static_cast<size_t>(len > 0 ? len : 1) * sizeof(int32_t));
    if (len > 0) upload(scratch_->get(), a, static_cast<size_t>(len) * sizeof(int32_t));
    ptr_ = scratch_->as<int32_t>();
  }
  const int32_t* get() const { return ptr_; }

 private:
  std::unique_ptr<Workspace> scratch_;
  const int32_t* ptr_ = nullptr;
};

struct Csr {
  IndexArg row_ptr, col_idx;
};
struct Csc {
  IndexArg col_ptr, csc_row, csc_pos;
};

// n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups from argument `first` on.
::pai::Conv2dShape read_conv_shape(const DeviceArgs& args, size_t first) {
  const char* names[] = {"n", "c", "h", "w", "o", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "groups"};
  int64_t v[14];
  for (size_t k = 0; k < 14; ++k) v[k] = args.integer(first + k, names[k], (k == 9 || k == 10) ? 0 : 1, kMaxDim);
  ::pai::Conv2dShape s;
  s.n = v[0], s.c = v[1], s.h = v[2], s.w = v[3], s.o = v[4], s.kh = v[5], s.kw = v[6];
  s.sh = v[7], s.sw = v[8], s.ph = v[9], s.pw = v[10], s.dh = v[11], s.dw = v[12], s.groups = v[13];
  if (s.c % s.groups) args.range_error("groups", "must divide c = " + std::to_string(s.c));
  if (s.o % s.groups) args.range_error("groups", "must divide o = " + std::to_string(s.o));
  if (s.out_h() < 1 || s.out_w() < 1) args.range_error("kh", "with dilation, exceeds the padded input");
  if (static_cast<double>(s.n) * s.c * s.h * s.w > kMaxElements ||
      static_cast<double>(s.n) * s.o * s.out_h() * s.out_w() > kMaxElements)
    args.range_error("n", "shape has more than 2^32 elements");
  return s;
}

// (batch, in, out) at `first`; the pattern is [out, in].
int64_t read_linear_dims(const DeviceArgs& args, size_t first, ::pai::SparsePattern* w) {
  const int64_t batch = args.integer(first, "batch", 1, kMaxDim);
  w->cols = args.integer(first + 1, "inFeatures", 1, kMaxDim);
  w->rows = args.integer(first + 2, "outFeatures", 1, kMaxDim);
  if (static_cast<double>(batch) * w->cols > kMaxElements || static_cast<double>(batch) * w->rows > kMaxElements)
    args.range_error("batch", "activations have more than 2^32 elements");
  return batch;
}

Csr read_csr(const DeviceArgs& args, const Napi::CallbackInfo& info, size_t i, ::pai::SparsePattern* w) {
  Csr c{IndexArg(args, info, i, "rowPtr", w->rows + 1, 0, w->nnz),
        IndexArg(args, info, i + 1, "colIdx", w->nnz, 0, w->cols - 1)};
  w->row_ptr = c.row_ptr.get();
  w->col_idx = c.col_idx.get();
  return c;
}

Csc read_csc(const DeviceArgs& args, const Napi::CallbackInfo& info, size_t i, ::pai::SparsePattern* w) {
  Csc c{IndexArg(args, info, i, "colPtr", w->cols + 1, 0, w->nnz),
        IndexArg(args, info, i + 1, "cscRow", w->nnz, 0, w->rows - 1),
        IndexArg(args, info, i + 2, "cscPos", w->nnz, 0, w->nnz - 1)};
  w->col_ptr = c.col_ptr.get();
  w->csc_row = c.csc_row.get();
  w->csc_pos = c.csc_pos.get();
  return c;
}

// sparseLinearForward(x, batch, inFeatures, outFeatures, rowPtr, colIdx, values, bias, y)
Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sparseLinearForward", 9);
  ::pai::SparsePattern w;
  const int64_t batch = read_linear_dims(args, 1, &w);
  w.nnz = args.device_length<float>(6, "values");
  const float* values = args.device<float>(6, "values", w.nnz);
  const Csr csr = read_csr(args, info, 4, &w);
  const float* x = args.device<float>(0, "x", batch * w.cols);
  const float* bias = args.device_or_null<float>(7, "bias", w.rows);
  float* y = args.device<float>(8, "y", batch * w.rows);
  pai::cuda::sparse_linear_forward(w, values, x, batch, bias, y);
  return info.Env().Undefined();
}

// sparseLinearGradInput(gy, batch, inFeatures, outFeatures, colPtr, cscRow, cscPos, values, gx)
Napi::Value LinearGradInput(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sparseLinearGradInput", 9);
  ::pai::SparsePattern w;
  const int64_t batch = read_linear_dims(args, 1, &w);
  w.nnz = args.device_length<float>(7, "values");
  const float* values = args.device<float>(7, "values", w.nnz);
  const Csc csc = read_csc(args, info, 4, &w);
  const float* gy = args.device<float>(0, "gy", batch * w.rows);
  float* gx = args.device<float>(8, "gx", batch * w.cols);
  pai::cuda::sparse_linear_grad_input(w, values, gy, batch, gx);
  return info.Env().Undefined();
}

// sparseLinearGradWeight(x, gy, batch, inFeatures, outFeatures, rowPtr, colIdx, gvalues)
Napi::Value LinearGradWeight(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sparseLinearGradWeight", 8);
  ::pai::SparsePattern w;
  const int64_t batch = read_linear_dims(args, 2, &w);
  w.nnz = args.device_length<float>(7, "gvalues");
  float* gvalues = args.device<float>(7, "gvalues", w.nnz);
  const Csr csr = read_csr(args, info, 5, &w);
  const float* x = args.device<float>(0, "x", batch * w.cols);
  const float* gy = args.device<float>(1, "gy", batch * w.rows);
  pai::cuda::sparse_linear_grad_weight(w, x, gy, batch, gvalues);
  return info.Env().Undefined();
}

// sparseConv2dForward(x, n..groups, rowPtr, colIdx, values, bias, y)
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sparseConv2dForward", 20);
  const ::pai::Conv2dShape s = read_conv_shape(args, 1);
  ::pai::SparsePattern w;
  w.rows = s.o;
  w.cols = s.c / s.groups * s.kh * s.kw;
  w.nnz = args.device_length<float>(17, "values");
  const float* values = args.device<float>(17, "values", w.nnz);
  const Csr csr = read_csr(args, info, 15, &w);
  const float* x = args.device<float>(0, "x", s.x_size());
  const float* bias = args.device_or_null<float>(18, "bias", s.o);
  float* y = args.device<float>(19, "y", s.out_size());
  pai::cuda::sparse_conv2d_forward(s, w, values, x, bias, y);
  return info.Env().Undefined();
}

// sparseConv2dGradInput(gy, n..groups, colPtr, cscRow, cscPos, values, gx)
Napi::Value ConvGradInput(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sparseConv2dGradInput", 20);
  const ::pai::Conv2dShape s = read_conv_shape(args, 1);
  ::pai::SparsePattern w;
  w.rows = s.o;
  w.cols = s.c / s.groups * s.kh * s.kw;
  w.nnz = args.device_length<float>(18, "values");
  const float* values = args.device<float>(18, "values", w.nnz);
  const Csc csc = read_csc(args, info, 15, &w);
  const float* gy = args.device<float>(0, "gy", s.out_size());
  float* gx = args.device<float>(19, "gx", s.x_size());
  pai::cuda::sparse_conv2d_grad_input(s, w, values, gy, gx);
  return info.Env().Undefined();
}

// sparseConv2dGradWeight(x, gy, n..groups, rowPtr, colIdx, gvalues)
Napi::Value ConvGradWeight(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sparseConv2dGradWeight", 19);
  const ::pai::Conv2dShape s = read_conv_shape(args, 2);
  ::pai::SparsePattern w;
  w.rows = s.o;
  w.cols = s.c / s.groups * s.kh * s.kw;
  w.nnz = args.device_length<float>(18, "gvalues");
  float* gvalues = args.device<float>(18, "gvalues", w.nnz);
  const Csr csr = read_csr(args, info, 16, &w);
  const float* x = args.device<float>(0, "x", s.x_size());
  const float* gy = args.device<float>(1, "gy", s.out_size());
  pai::cuda::sparse_conv2d_grad_weight(s, w, x, gy, gvalues);
  return info.Env().Undefined();
}

// sparseScatter(rows, cols, rowPtr, colIdx, values, dense): the survivors into the dense
// [rows, cols] weight (other entries untouched).
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "sparseScatter", 6);
  ::pai::SparsePattern w;
  w.rows = args.integer(0, "rows", 1, kMaxDim);
  w.cols = args.integer(1, "cols", 1, kMaxDim);
  if (static_cast<double>(w.rows) * w.cols > kMaxElements) args.range_error("rows", "the weight has more than 2^32 elements");
  w.nnz = args.device_length<float>(4, "values");
  const float* values = args.device<float>(4, "values", w.nnz);
  const Csr csr = read_csr(args, info, 2, &w);
  float* dense = args.device<float>(5, "dense", w.rows * w.cols);
  pai::cuda::sparse_scatter(w, values, dense);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_sparse) {
  using namespace pai::cuda::binding;
  exports.Set("sparseLinearForward", Napi::Function::New(env, LinearForward, "sparseLinearForward"));
  exports.Set("sparseLinearGradInput", Napi::Function::New(env, LinearGradInput, "sparseLinearGradInput"));
  exports.Set("sparseLinearGradWeight", Napi::Function::New(env, LinearGradWeight, "sparseLinearGradWeight"));
  exports.Set("sparseConv2dForward", Napi::Function::New(env, ConvForward, "sparseConv2dForward"));
  exports.Set("sparseConv2dGradInput", Napi::Function::New(env, ConvGradInput, "sparseConv2dGradInput"));
  exports.Set("sparseConv2dGradWeight", Napi::Function::New(env, ConvGradWeight, "sparseConv2dGradWeight"));
  exports.Set("sparseScatter", Napi::Function::New(env, Scatter, "sparseScatter"));
}
