// Compressed sparse layers (pai/sparse.h): linear and conv2d forward, input gradient and
// weight gradient on CSR patterns. Every index array is checked against its bounds before
// a kernel runs (O(nnz), small next to the kernels' nnz x batch x pixels), so a corrupt
// pattern is a RangeError, never an out-of-bounds read.
#include <algorithm>
#include <climits>
#include <new>
#include <string>

#include "args.h"
#include "pai/sparse.h"
#include "registry.h"

namespace {

using pai::binding::Args;

// Runs a kernel, turning a failed scratch allocation into a JavaScript RangeError (an
// escaping C++ exception would abort the process).
template <typename F>
void run_kernel(const Napi::Env& env, const char* fn, F kernel) {
  try {
    kernel();
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, std::string(fn) + ": out of memory for the kernel's scratch buffers");
  }
}

constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr double kMaxElements = 4294967296.0;

// An Int32Array of exactly `len` entries, each in [lo, hi].
const int32_t* index_array(const Args& args, size_t i, const char* name, int64_t len,
                           int64_t lo, int64_t hi) {
  const int64_t n = args.length<int32_t>(i, name);
  if (n != len)
    args.range_error(name, "has " + std::to_string(n) + " entries, expected " + std::to_string(len));
  const int32_t* a = args.array<int32_t>(i, name, len);
  // A branch-free min / max pass (vectorized) first; the offender is searched only on failure.
  int32_t mn = INT32_MAX, mx = INT32_MIN;
  for (int64_t k = 0; k < len; ++k) {
    mn = std::min(mn, a[k]);
    mx = std::max(mx, a[k]);
  }
  if (len > 0 && (mn < lo || mx > hi))
    for (int64_t k = 0; k < len; ++k)
      if (a[k] < lo || a[k] > hi)
        args.range_error(name, "[" + std::to_string(k) + "] = " + std::to_string(a[k]) +
                                   " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return a;
}

// A compressed-pointer array (row_ptr / col_ptr): len + 1 entries from 0, non-decreasing.
// Returns the number of entries it spans (nnz).
int64_t pointer_array(const Args& args, size_t i, const char* name, int64_t len,
                      const int32_t** out) {
  const int32_t* p = index_array(args, i, name, len + 1, 0, kMaxDim);
  if (p[0] != 0) args.range_error(name, "[0] must be 0");
  for (int64_t k = 0; k < len; ++k)
    if (p[k + 1] < p[k])
      args.range_error(name, "must be non-decreasing, but [" + std::to_string(k + 1) + "] < [" +
                                 std::to_string(k) + "]");
  *out = p;
  return p[len];
}

// Indices idx[ptr[k], ptr[k + 1]) strictly ascending for every k < len (the kernels find
// runs of a row or column by binary search).
void check_ascending(const Args& args, const char* name, const char* unit, const int32_t* ptr,
                     const int32_t* idx, int64_t len) {
  for (int64_t k = 0; k < len; ++k)
    for (int64_t q = ptr[k] + 1; q < ptr[k + 1]; ++q)
      if (idx[q] <= idx[q - 1])
        args.range_error(name, "must ascend within each " + std::string(unit) + ", but " + unit + " " +
                                   std::to_string(k) + " has [" + std::to_string(q) + "] = " +
                                   std::to_string(idx[q]) + " after " + std::to_string(idx[q - 1]));
}

// CSR part: row_ptr at i, col_idx at i + 1.
void read_csr(const Args& args, size_t i, pai::SparsePattern* w) {
  w->nnz = pointer_array(args, i, "rowPtr", w->rows, &w->row_ptr);
  w->col_idx = index_array(args, i + 1, "colIdx", w->nnz, 0, w->cols - 1);
  check_ascending(args, "colIdx", "row", w->row_ptr, w->col_idx, w->rows);
}

// CSC part: col_ptr at i, csc_row at i + 1, csc_pos at i + 2.
void read_csc(const Args& args, size_t i, pai::SparsePattern* w) {
  w->nnz = pointer_array(args, i, "colPtr", w->cols, &w->col_ptr);
  w->csc_row = index_array(args, i + 1, "cscRow", w->nnz, 0, w->rows - 1);
  w->csc_pos = index_array(args, i + 2, "cscPos", w->nnz, 0, w->nnz - 1);
  check_ascending(args, "cscRow", "column", w->col_ptr, w->csc_row, w->cols);
}

// A Float32Array of exactly `len` elements.
float* exact_floats(const Args& args, size_t i, const char* name, int64_t len) {
  const int64_t n = args.length<float>(i, name);
  if (n != len)
    args.range_error(name, "has " + std::to_string(n) + " elements, expected " + std::to_string(len));
  return args.array<float>(i, name, len);
}

// n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups from argument `first` on.
pai::Conv2dShape read_conv_shape(const Args& args, size_t first) {
  const char* names[] = {"n", "c", "h", "w", "o", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "groups"};
  int64_t v[14];
  for (size_t k = 0; k < 14; ++k)
    v[k] = args.integer(first + k, names[k], (k == 9 || k == 10) ? 0 : 1, kMaxDim);
  pai::Conv2dShape s;
  s.n = v[0]; s.c = v[1]; s.h = v[2]; s.w = v[3]; s.o = v[4]; s.kh = v[5]; s.kw = v[6];
  s.sh = v[7]; s.sw = v[8]; s.ph = v[9]; s.pw = v[10]; s.dh = v[11]; s.dw = v[12]; s.groups = v[13];
  if (s.c % s.groups) args.range_error("groups", "must divide c = " + std::to_string(s.c));
  if (s.o % s.groups) args.range_error("groups", "must divide o = " + std::to_string(s.o));
  if (s.out_h() < 1 || s.out_w() < 1)
    args.range_error("kh", "with dilation, exceeds the padded input");
  if (double(s.n) * s.c * s.h * s.w > kMaxElements || double(s.n) * s.o * s.out_h() * s.out_w() > kMaxElements)
    args.range_error("n", "shape has more than 2^32 elements");
  return s;
}

void conv_pattern_dims(const pai::Conv2dShape& s, pai::SparsePattern* w) {
  w->rows = s.o;
  w->cols = (s.c / s.groups) * s.kh * s.kw;
}

// Linear: (batch, in, out) at `first`; the pattern is [out, in].
int64_t read_linear_dims(const Args& args, size_t first, pai::SparsePattern* w) {
  const int64_t batch = args.integer(first, "batch", 1, kMaxDim);
  w->cols = args.integer(first + 1, "inFeatures", 1, kMaxDim);
  w->rows = args.integer(first + 2, "outFeatures", 1, kMaxDim);
  if (double(batch) * w->cols > kMaxElements || double(batch) * w->rows > kMaxElements)
    args.range_error("batch", "activations have more than 2^32 elements");
  return batch;
}

const float* optional_bias(const Args& args, size_t i, int64_t len) {
  return args.is_null(i) ? nullptr : exact_floats(args, i, "bias", len);
}

Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  Args args(info, "sparseLinearForward", 9);
  pai::SparsePattern w;
  const int64_t batch = read_linear_dims(args, 1, &w);
  read_csr(args, 4, &w);
  const float* values = exact_floats(args, 6, "values", w.nnz);
  const float* x = exact_floats(args, 0, "x", batch * w.cols);
  const float* bias = optional_bias(args, 7, w.rows);
  float* y = exact_floats(args, 8, "y", batch * w.rows);
  run_kernel(info.Env(), "sparseLinearForward", [&] { pai::sparse_linear_forward(w, values, x, batch, bias, y); });
  return info.Env().Undefined();
}

Napi::Value LinearGradInput(const Napi::CallbackInfo& info) {
  Args args(info, "sparseLinearGradInput", 9);
  pai::SparsePattern w;
  const int64_t batch = read_linear_dims(args, 1, &w);
  read_csc(args, 4, &w);
  const float* values = exact_floats(args, 7, "values", w.nnz);
  const float* gy = exact_floats(args, 0, "gy", batch * w.rows);
  float* gx = exact_floats(args, 8, "gx", batch * w.cols);
  run_kernel(info.Env(), "sparseLinearGradInput", [&] { pai::sparse_linear_grad_input(w, values, gy, batch, gx); });
  return info.Env().Undefined();
}

Napi::Value LinearGradWeight(const Napi::CallbackInfo& info) {
  Args args(info, "sparseLinearGradWeight", 8);
  pai::SparsePattern w;
  const int64_t batch = read_linear_dims(args, 2, &w);
  read_csr(args, 5, &w);
  const float* x = exact_floats(args, 0, "x", batch * w.cols);
  const float* gy = exact_floats(args, 1, "gy", batch * w.rows);
  float* gvalues = exact_floats(args, 7, "gvalues", w.nnz);
  run_kernel(info.Env(), "sparseLinearGradWeight", [&] { pai::sparse_linear_grad_weight(w, x, gy, batch, gvalues); });
  return info.Env().Undefined();
}

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  Args args(info, "sparseConv2dForward", 20, 21);
  const pai::Conv2dShape s = read_conv_shape(args, 1);
  pai::SparsePattern w;
  conv_pattern_dims(s, &w);
  read_csr(args, 15, &w);
  const float* values = exact_floats(args, 17, "values", w.nnz);
  const float* x = exact_floats(args, 0, "x", s.x_size());
  const float* bias = optional_bias(args, 18, s.o);
  float* y = exact_floats(args, 19, "y", s.out_size());
  double* moments = args.is_null(20) ? nullptr : args.array<double>(20, "rowMoments", 2 * s.n * s.o);
  bool wrote = false;
  run_kernel(info.Env(), "sparseConv2dForward", [&] { wrote = pai::sparse_conv2d_forward(s, w, values, x, bias, y, moments); });
  return Napi::Boolean::New(info.Env(), wrote);
}

Napi::Value ConvGradInput(const Napi::CallbackInfo& info) {
  Args args(info, "sparseConv2dGradInput", 20);
  const pai::Conv2dShape s = read_conv_shape(args, 1);
  pai::SparsePattern w;
  conv_pattern_dims(s, &w);
  read_csc(args, 15, &w);
  const float* values = exact_floats(args, 18, "values", w.nnz);
  const float* gy = exact_floats(args, 0, "gy", s.out_size());
  float* gx = exact_floats(args, 19, "gx", s.x_size());
  run_kernel(info.Env(), "sparseConv2dGradInput", [&] { pai::sparse_conv2d_grad_input(s, w, values, gy, gx); });
  return info.Env().Undefined();
}

Napi::Value ConvGradWeight(const Napi::CallbackInfo& info) {
  Args args(info, "sparseConv2dGradWeight", 19);
  const pai::Conv2dShape s = read_conv_shape(args, 2);
  pai::SparsePattern w;
  conv_pattern_dims(s, &w);
  read_csr(args, 16, &w);
  const float* x = exact_floats(args, 0, "x", s.x_size());
  const float* gy = exact_floats(args, 1, "gy", s.out_size());
  float* gvalues = exact_floats(args, 18, "gvalues", w.nnz);
  run_kernel(info.Env(), "sparseConv2dGradWeight", [&] { pai::sparse_conv2d_grad_weight(s, w, x, gy, gvalues); });
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(sparse) {
  exports.Set("sparseLinearForward", Napi::Function::New(env, LinearForward));
  exports.Set("sparseLinearGradInput", Napi::Function::New(env, LinearGradInput));
  exports.Set("sparseLinearGradWeight", Napi::Function::New(env, LinearGradWeight));
  exports.Set("sparseConv2dForward", Napi::Function::New(env, ConvForward));
  exports.Set("sparseConv2dGradInput", Napi::Function::New(env, ConvGradInput));
  exports.Set("sparseConv2dGradWeight", Napi::Function::New(env, ConvGradWeight));
}
