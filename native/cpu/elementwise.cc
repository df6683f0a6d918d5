// Elementwise drivers: op names, the ISA table choice, threading, and the broadcasting
// index walk (dimensions collapsed first so the inner loop is as long as possible).
#define PAI_VEC_BYTES 16
#define PAI_ELEMENTWISE_TABLE kElementwiseBaseline
#include "elementwise_loops.h"
#undef PAI_ELEMENTWISE_TABLE

#include <algorithm>
#include <cstring>

#include "pai/cpu_features.h"
#include "pai/elementwise.h"
#include "pai/parallel.h"

namespace pai {
namespace elementwise_detail {

const ElementwiseKernels& elementwise_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kElementwiseAvx512;
    case Isa::Avx2: return kElementwiseAvx2;
    default: return kElementwiseBaseline;
  }
}

}  // namespace elementwise_detail

namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per task: below this, threads cost more than they give

struct Name {
  const char* name;
  int op;
};

template <class Op, size_t N>
bool parse(const Name (&names)[N], const char* name, Op* op) {
  for (const Name& n : names)
    if (!std::strcmp(n.name, name)) {
      *op = static_cast<Op>(n.op);
      return true;
    }
  return false;
}

}  // namespace

bool parse_unary_op(const char* name, UnaryOp* op) {
  static const Name names[] = {
      {"neg", int(UnaryOp::Neg)},     {"abs", int(UnaryOp::Abs)},       {"sign", int(UnaryOp::Sign)},
      {"exp", int(UnaryOp::Exp)},     {"log", int(UnaryOp::Log)},       {"sqrt", int(UnaryOp::Sqrt)},
      {"relu", int(UnaryOp::Relu)},   {"step", int(UnaryOp::Step)},     {"square", int(UnaryOp::Square)},
      {"pow", int(UnaryOp::Pow)},     {"clamp", int(UnaryOp::Clamp)},   {"affine", int(UnaryOp::Affine)},
      {"rsqrt", int(UnaryOp::Rsqrt)}};
  return parse(names, name, op);
}

bool parse_binary_op(const char* name, BinaryOp* op) {
  static const Name names[] = {
      {"add", int(BinaryOp::Add)}, {"sub", int(BinaryOp::Sub)}, {"mul", int(BinaryOp::Mul)},
      {"div", int(BinaryOp::Div)}, {"pow", int(BinaryOp::Pow)}, {"max", int(BinaryOp::Max)},
      {"min", int(BinaryOp::Min)}, {"gt", int(BinaryOp::Gt)},   {"ge", int(BinaryOp::Ge)},
      {"lt", int(BinaryOp::Lt)},   {"le", int(BinaryOp::Le)},   {"eq", int(BinaryOp::Eq)}};
  return parse(names, name, op);
}

void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha, float beta) {
  const auto& k = elementwise_detail::elementwise_kernels();
  parallel_for(0, n, kGrain, [&](int64_t i0, int64_t i1) {
    k.unary(op, x + i0, out + i0, i1 - i0, alpha, beta);
  });
}

namespace {

// Two strided operands walked over one shape, dims collapsed first: unit dims dropped, and a
// dim merged into the one before it when both operands step through the pair contiguously,
// so that the innermost rows are as long as possible.
struct Walk2 {
  static constexpr int kMaxRank = 64;
  int64_t dims[kMaxRank], sa[kMaxRank], sb[kMaxRank];
  int r = 0;           // collapsed rank
  int64_t total = 1;   // elements
  int64_t inner = 1;   // dims[r - 1] (1 when r == 0)

  Walk2(const int64_t* shape, int rank, const int64_t* a_strides, const int64_t* b_strides) {
    for (int d = 0; d < rank; ++d) {
      total *= shape[d];
      if (shape[d] == 1) continue;
      if (r > 0 && sa[r - 1] == a_strides[d] * shape[d] && sb[r - 1] == b_strides[d] * shape[d]) {
        dims[r - 1] *= shape[d];
        sa[r - 1] = a_strides[d];
        sb[r - 1] = b_strides[d];
      } else {
        dims[r] = shape[d];
        sa[r] = a_strides[d];
        sb[r] = b_strides[d];
        ++r;
      }
    }
    if (r > 0) inner = dims[r - 1];
  }
  int64_t rows() const { return total / inner; }

  // fn(row, oa, ob) for every row in [0, rows()), oa / ob the operands' offsets of its first
  // element; rows go to threads `grain` at a time, in order within a task.
  template <class F>
  void for_rows(int64_t grain, F fn) const {
    parallel_for(0, rows(), grain, [&](int64_t r0, int64_t r1) {
      int64_t idx[kMaxRank], oa = 0, ob = 0;
      for (int64_t d = r - 2, rest = r0; d >= 0; --d) {
        idx[d] = rest % dims[d];
        rest /= dims[d];
        oa += idx[d] * sa[d];
        ob += idx[d] * sb[d];
      }
      for (int64_t row = r0; row < r1; ++row) {
        fn(row, oa, ob);
        for (int d = r - 2; d >= 0; --d) {  // odometer over the outer dims
          oa += sa[d];
          ob += sb[d];
          if (++idx[d] < dims[d]) break;
          oa -= sa[d] * dims[d];
          ob -= sb[d] * dims[d];
          idx[d] = 0;
        }
      }
    });
  }
};

}  // namespace

void binary(BinaryOp op, const float* a, const int64_t* a_strides, const float* b,
            const int64_t* b_strides, float* out, const int64_t* shape, int rank) {
  const Walk2 w(shape, rank, a_strides, b_strides);  // out is contiguous: it collapses with any
  if (w.total == 0) return;
  const auto& k = elementwise_detail::elementwise_kernels();
  if (w.r == 0) {
    k.binary_row(op, a, 0, b, 0, out, 1);
    return;
  }
  const int64_t inner = w.inner, ia = w.sa[w.r - 1], ib = w.sb[w.r - 1];
  if (w.rows() == 1) {  // one long row: split it
    parallel_for(0, inner, kGrain, [&](int64_t i0, int64_t i1) {
      k.binary_row(op, a + i0 * ia, ia, b + i0 * ib, ib, out + i0, i1 - i0);
    });
    return;
  }
  w.for_rows((kGrain + inner - 1) / inner, [&](int64_t row, int64_t oa, int64_t ob) {
    k.binary_row(op, a + oa, ia, b + ob, ib, out + row * inner, inner);
  });
}

void strided_copy(const float* src, const int64_t* src_strides, float* dst, const int64_t* dst_strides,
                  const int64_t* shape, int rank) {
  const Walk2 w(shape, rank, src_strides, dst_strides);
  if (w.total == 0) return;
  if (w.r == 0) {
    dst[0] = src[0];
    return;
  }
  const int64_t inner = w.inner, si = w.sa[w.r - 1], di = w.sb[w.r - 1];
  bool repeats = false;  // does dst visit a position twice?
  for (int d = 0; d < w.r; ++d) repeats = repeats || w.sb[d] == 0;
  w.for_rows(repeats ? w.rows() : (kGrain + inner - 1) / inner, [&](int64_t, int64_t os, int64_t od) {
    const float* s = src + os;
    float* d = dst + od;
    if (di == 1 && si == 1) std::copy(s, s + inner, d);
    else if (di == 1 && si == 0) std::fill(d, d + inner, *s);
    else if (di == 0) *d = s[(inner - 1) * si];  // the last element wins
    else
      for (int64_t i = 0; i < inner; ++i) d[i * di] = s[i * si];
  });
}

}  // namespace pai
