// unary, binary (broadcasting through strides), stridedCopy, reduceSum, reduceMax, permute.
#include <string>
#include <vector>

#include "args.h"
#include "pai/elementwise.h"
#include "registry.h"

namespace {

using pai::binding::Args;

constexpr int kMaxRank = 64;
constexpr int64_t kMaxElements = int64_t{1} << 32;

// A shape from an Int32Array: every dim >= 0, product checked against overflow.
std::vector<int64_t> read_shape(const Args& args, size_t i, const char* name, int64_t* total) {
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

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args args(info, "unary", 5);
  const std::string name = args.string(0, "op");
  pai::UnaryOp op;
  if (!pai::parse_unary_op(name.c_str(), &op)) args.range_error("op", "is not a unary op: '" + name + "'");
  const int64_t n = args.length<float>(1, "x");
  const float* x = args.array<float>(1, "x", n);
  float* out = args.array<float>(2, "out", n);
  const double alpha = args.number(3, "alpha"), beta = args.number(4, "beta");
  pai::unary(op, x, out, n, static_cast<float>(alpha), static_cast<float>(beta));
  return info.Env().Undefined();
}

// Strides of an operand: rank entries, each >= 0; returns the operand length needed.
std::vector<int64_t> read_strides(const Args& args, size_t i, const char* name,
                                  const std::vector<int64_t>& shape, int64_t* needed) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (args.length<int32_t>(i, name) != rank)
    args.range_error(name, "must have one stride per output dimension (" + std::to_string(rank) + ")");
  const int32_t* p = args.array<int32_t>(i, name, rank);
  std::vector<int64_t> s(rank);
  int64_t last = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (p[d] < 0) args.range_error(name, "has a negative stride " + std::to_string(p[d]));
    s[d] = p[d];
    if (shape[d] > 0) last += (shape[d] - 1) * s[d];
  }
  *needed = last + 1;
  return s;
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args args(info, "binary", 7);
  const std::string name = args.string(0, "op");
  pai::BinaryOp op;
  if (!pai::parse_binary_op(name.c_str(), &op)) args.range_error("op", "is not a binary op: '" + name + "'");
  int64_t total;
  const std::vector<int64_t> shape = read_shape(args, 6, "outShape", &total);
  int64_t need_a, need_b;
  const std::vector<int64_t> sa = read_strides(args, 2, "aStrides", shape, &need_a);
  const std::vector<int64_t> sb = read_strides(args, 4, "bStrides", shape, &need_b);
  const float* a = args.array<float>(1, "a", total ? need_a : 0);
  const float* b = args.array<float>(3, "b", total ? need_b : 0);
  float* out = args.array<float>(5, "out", total);
  pai::binary(op, a, sa.data(), b, sb.data(), out, shape.data(), static_cast<int>(shape.size()));
  return info.Env().Undefined();
}

// stridedCopy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape): Backend.stridedCopy
// on float32 arrays that do not overlap.
Napi::Value StridedCopy(const Napi::CallbackInfo& info) {
  Args args(info, "stridedCopy", 7);
  int64_t total;
  const std::vector<int64_t> shape = read_shape(args, 6, "shape", &total);
  int64_t need_src, need_dst;
  const std::vector<int64_t> ss = read_strides(args, 2, "srcStrides", shape, &need_src);
  const std::vector<int64_t> sd = read_strides(args, 5, "dstStrides", shape, &need_dst);
  const int64_t src_offset = args.integer(1, "srcOffset", 0, kMaxElements);
  const int64_t dst_offset = args.integer(4, "dstOffset", 0, kMaxElements);
  if (total == 0) return info.Env().Undefined();
  const float* src = args.array<float>(0, "src", src_offset + need_src);
  float* dst = args.array<float>(3, "dst", dst_offset + need_dst);
  pai::strided_copy(src + src_offset, ss.data(), dst + dst_offset, sd.data(), shape.data(), static_cast<int>(shape.size()));
  return info.Env().Undefined();
}

struct Axes {
  int64_t outer, len, inner;
};

Axes read_axes(const Args& args) {
  Axes a;
  a.outer = args.integer(1, "outer", 0, kMaxElements);
  a.len = args.integer(2, "len", 0, kMaxElements);
  a.inner = args.integer(3, "inner", 0, kMaxElements);
  if (double(a.outer) * a.len * a.inner > double(kMaxElements))
    args.range_error("len", "outer * len * inner exceeds 2^32");
  return a;
}

Napi::Value ReduceSum(const Napi::CallbackInfo& info) {
  Args args(info, "reduceSum", 5);
  const Axes a = read_axes(args);
  const float* x = args.array<float>(0, "x", a.outer * a.len * a.inner);
  float* out = args.array<float>(4, "out", a.outer * a.inner);
  pai::reduce_sum(x, a.outer, a.len, a.inner, out);
  return info.Env().Undefined();
}

Napi::Value ReduceMax(const Napi::CallbackInfo& info) {
  Args args(info, "reduceMax", 6);
  const Axes a = read_axes(args);
  if (a.len == 0 && a.outer * a.inner > 0) args.range_error("len", "must be at least 1 (max of nothing)");
  const float* x = args.array<float>(0, "x", a.outer * a.len * a.inner);
  float* values = args.array<float>(4, "outValues", a.outer * a.inner);
  int32_t* index = args.array<int32_t>(5, "outIndex", a.outer * a.inner);
  if (a.len > 2147483647) args.range_error("len", "exceeds the Int32Array index range");
  pai::reduce_max(x, a.outer, a.len, a.inner, values, index);
  return info.Env().Undefined();
}

Napi::Value Permute(const Napi::CallbackInfo& info) {
  Args args(info, "permute", 4);
  int64_t total;
  const std::vector<int64_t> shape = read_shape(args, 1, "shape", &total);
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
  const float* x = args.array<float>(0, "x", total);
  float* out = args.array<float>(3, "out", total);
  pai::permute(x, shape.data(), perm.data(), static_cast<int>(rank), out);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(elementwise) {
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("stridedCopy", Napi::Function::New(env, StridedCopy, "stridedCopy"));
  exports.Set("reduceSum", Napi::Function::New(env, ReduceSum, "reduceSum"));
  exports.Set("reduceMax", Napi::Function::New(env, ReduceMax, "reduceMax"));
  exports.Set("permute", Napi::Function::New(env, Permute, "permute"));
}
