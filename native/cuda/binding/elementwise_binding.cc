// unary, binary, where, stridedCopy, permute, repeatRows, indexToFloat, reduceSum,
// reduceMax, gatherAxis, scatterAxis on DeviceBuffers. Shapes, strides and permutations
// are host Int32Arrays, validated as the CPU bindings do.
#include <string>
#include <vector>

#include "cuda/elementwise.h"
#include "cuda/reduce.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

constexpr int64_t kMaxRank = 64;
constexpr int64_t kMaxElements = int64_t{1} << 32;

std::vector<int64_t> read_shape(const DeviceArgs& args, size_t i, const char* name, int64_t* total) {
  const int64_t rank = args.length<int32_t>(i, name);
  if (rank > kMaxRank) args.range_error(name, "has rank " + std::to_string(rank) + ", at most 64 supported");
  const int32_t* p = args.array<int32_t>(i, name, rank);
  std::vector<int64_t> shape(rank);
  *total = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (p[d] < 0) args.range_error(name, "has a negative dimension " + std::to_string(p[d]));
    shape[d] = p[d];
    *total *= p[d];
    if (*total > kMaxElements) args.range_error(name, "has more than 2^32 elements");
  }
  return shape;
}

// One stride per dimension of shape, each >= 0; *span = elements the operand must hold.
std::vector<int64_t> read_strides(const DeviceArgs& args, size_t i, const char* name,
                                  const std::vector<int64_t>& shape, int64_t* span) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (args.length<int32_t>(i, name) != rank)
    args.range_error(name, "must have one stride per dimension (" + std::to_string(rank) + ")");
  const int32_t* p = args.array<int32_t>(i, name, rank);
  std::vector<int64_t> s(rank);
  int64_t last = 0;
  bool empty = false;
  for (int64_t d = 0; d < rank; ++d) {
    if (p[d] < 0) args.range_error(name, "has a negative stride " + std::to_string(p[d]));
    s[d] = p[d];
    if (shape[d] == 0) empty = true;
    else last += (shape[d] - 1) * s[d];
  }
  *span = empty ? 0 : last + 1;
  return s;
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "unary", 5);
  const std::string name = args.string(0, "op");
  ::pai::UnaryOp op;
  if (!::pai::parse_unary_op(name.c_str(), &op)) args.range_error("op", "is not a unary op: '" + name + "'");
  const int64_t n = args.device_length<float>(1, "x");
  const float* x = args.device<float>(1, "x", n);
  float* out = args.device<float>(2, "out", n);
  pai::cuda::unary(op, x, out, n, static_cast<float>(args.number(3, "alpha")), static_cast<float>(args.number(4, "beta")));
  return info.Env().Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "binary", 7);
  const std::string name = args.string(0, "op");
  ::pai::BinaryOp op;
  if (!::pai::parse_binary_op(name.c_str(), &op)) args.range_error("op", "is not a binary op: '" + name + "'");
  int64_t total, need_a, need_b;
  const auto shape = read_shape(args, 6, "outShape", &total);
  const auto sa = read_strides(args, 2, "aStrides", shape, &need_a);
  const auto sb = read_strides(args, 4, "bStrides", shape, &need_b);
  const float* a = args.device<float>(1, "a", need_a);
  const float* b = args.device<float>(3, "b", need_b);
  float* out = args.device<float>(5, "out", total);
  pai::cuda::binary(op, a, sa.data(), b, sb.data(), out, shape.data(), static_cast<int>(shape.size()));
  return info.Env().Undefined();
}

Napi::Value Where(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "where", 8);
  int64_t total, nc, na, nb;
  const auto shape = read_shape(args, 7, "outShape", &total);
  const auto sc = read_strides(args, 1, "condStrides", shape, &nc);
  const auto sa = read_strides(args, 3, "aStrides", shape, &na);
  const auto sb = read_strides(args, 5, "bStrides", shape, &nb);
  const float* c = args.device<float>(0, "cond", nc);
  const float* a = args.device<float>(2, "a", na);
  const float* b = args.device<float>(4, "b", nb);
  float* out = args.device<float>(6, "out", total);
  pai::cuda::where(c, sc.data(), a, sa.data(), b, sb.data(), out, shape.data(), static_cast<int>(shape.size()));
  return info.Env().Undefined();
}

Napi::Value StridedCopy(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "stridedCopy", 7);
  int64_t total, ns, nd;
  const auto shape = read_shape(args, 6, "shape", &total);
  const int64_t so = args.integer(1, "srcOffset", 0, kMaxElements);
  const auto ss = read_strides(args, 2, "srcStrides", shape, &ns);
  const int64_t dof = args.integer(4, "dstOffset", 0, kMaxElements);
  const auto ds = read_strides(args, 5, "dstStrides", shape, &nd);
  const float* src = args.device<float>(0, "src", ns ? so + ns : 0);
  float* dst = args.device<float>(3, "dst", nd ? dof + nd : 0);
  pai::cuda::strided_copy(src, so, ss.data(), dst, dof, ds.data(), shape.data(), static_cast<int>(shape.size()));
  return info.Env().Undefined();
}

Napi::Value Permute(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "permute", 4);
  int64_t total;
  const auto shape = read_shape(args, 1, "shape", &total);
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (args.length<int32_t>(2, "perm") != rank)
    args.range_error("perm", "must have one entry per dimension (" + std::to_string(rank) + ")");
  const int32_t* p = args.array<int32_t>(2, "perm", rank);
  std::vector<int> perm(rank);
  std::vector<bool> seen(rank, false);
  for (int64_t d = 0; d < rank; ++d) {
    if (p[d] < 0 || p[d] >= rank || seen[p[d]])
      args.range_error("perm", "must be a permutation of 0.." + std::to_string(rank - 1));
    seen[p[d]] = true;
    perm[d] = p[d];
  }
  const float* x = args.device<float>(0, "x", total);
  float* out = args.device<float>(3, "out", total);
  pai::cuda::permute(x, shape.data(), perm.data(), static_cast<int>(rank), out);
  return info.Env().Undefined();
}

Napi::Value RepeatRows(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "repeatRows", 4);
  const int64_t rows = args.integer(1, "rows", 0, kMaxElements), cols = args.integer(2, "cols", 0, kMaxElements);
  if (rows * cols > kMaxElements) args.range_error("rows", "rows * cols exceeds 2^32");
  const float* src = args.device<float>(0, "src", cols);
  float* out = args.device<float>(3, "out", rows * cols);
  pai::cuda::repeat_rows(src, rows, cols, out);
  return info.Env().Undefined();
}

Napi::Value IndexToFloat(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "indexToFloat", 2);
  const int64_t n = args.device_length<int32_t>(0, "index");
  const int32_t* ix = args.device<int32_t>(0, "index", n);
  float* out = args.device<float>(1, "out", n);
  pai::cuda::index_to_float(ix, out, n);
  return info.Env().Undefined();
}

struct Axes {
  int64_t outer, len, inner;
};

Axes read_axes(const DeviceArgs& args, size_t first) {
  Axes a;
  a.outer = args.integer(first, "outer", 0, kMaxElements);
  a.len = args.integer(first + 1, "len", 0, kMaxElements);
  a.inner = args.integer(first + 2, "inner", 0, kMaxElements);
  if (static_cast<double>(a.outer) * a.len * a.inner > static_cast<double>(kMaxElements))
    args.range_error("len", "outer * len * inner exceeds 2^32");
  return a;
}

Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "reduceSum", 5);
  const Axes a = read_axes(args, 1);
  const float* x = args.device<float>(0, "x", a.outer * a.len * a.inner);
  float* out = args.device<float>(4, "out", a.outer * a.inner);
  pai::cuda::reduce_sum(x, a.outer, a.len, a.inner, out);
  return info.Env().Undefined();
}

Napi::Value ReduceMax(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "reduceMax", 6);
  const Axes a = read_axes(args, 1);
  if (a.len == 0 && a.outer * a.inner > 0) args.range_error("len", "must be at least 1 (max of nothing)");
  if (a.len > 2147483647) args.range_error("len", "exceeds the Int32Array index range");
  const float* x = args.device<float>(0, "x", a.outer * a.len * a.inner);
  float* values = args.device<float>(4, "outValues", a.outer * a.inner);
  int32_t* index = args.device<int32_t>(5, "outIndex", a.outer * a.inner);
  pai::cuda::reduce_max(x, a.outer, a.len, a.inner, values, index);
  return info.Env().Undefined();
}

// gatherAxis(x, index, outer, len, inner, out) / scatterAxis(values, index, outer, len, inner, out)
Napi::Value GatherAxis(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "gatherAxis", 6);
  const Axes a = read_axes(args, 2);
  const float* x = args.device<float>(0, "x", a.outer * a.len * a.inner);
  const int32_t* ix = args.device<int32_t>(1, "index", a.outer * a.inner);
  float* out = args.device<float>(5, "out", a.outer * a.inner);
  pai::cuda::gather_axis(x, ix, a.outer, a.len, a.inner, out);
  return info.Env().Undefined();
}

Napi::Value ScatterAxis(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "scatterAxis", 6);
  const Axes a = read_axes(args, 2);
  const float* v = args.device<float>(0, "values", a.outer * a.inner);
  const int32_t* ix = args.device<int32_t>(1, "index", a.outer * a.inner);
  float* out = args.device<float>(5, "out", a.outer * a.len * a.inner);
  pai::cuda::scatter_axis(v, ix, a.outer, a.len, a.inner, out);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_elementwise) {
  using namespace pai::cuda::binding;
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("where", Napi::Function::New(env, Where, "where"));
  exports.Set("stridedCopy", Napi::Function::New(env, StridedCopy, "stridedCopy"));
  exports.Set("permute", Napi::Function::New(env, Permute, "permute"));
  exports.Set("repeatRows", Napi::Function::New(env, RepeatRows, "repeatRows"));
  exports.Set("indexToFloat", Napi::Function::New(env, IndexToFloat, "indexToFloat"));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum, "reduceSum"));
  exports.Set("reduceMax", Napi::Function::New(env, ReduceMax, "reduceMax"));
  exports.Set("gatherAxis", Napi::Function::New(env, GatherAxis, "gatherAxis"));
  exports.Set("scatterAxis", Napi::Function::New(env, ScatterAxis, "scatterAxis"));
}
