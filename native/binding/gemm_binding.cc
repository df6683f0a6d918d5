// Dense GEMM: sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, aMask, bMask),
// and fmaPeak(isa), the measured FMA throughput that benchmarks quote beside GEMM figures.
#include <algorithm>
#include <cstdint>
#include <string>

#include "args.h"
#include "pai/cpu_features.h"
#include "pai/gemm.h"
#include "registry.h"

namespace {

constexpr int64_t kMaxDim = int64_t{1} << 31;

// Elements a row-major [rows x cols] matrix with row stride ld spans.
int64_t span(int64_t rows, int64_t cols, int64_t ld) {
  return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
}

struct Operand {
  const float* data;
  int64_t elements;
};

void check_disjoint(const pai::binding::Args& args, const char* name, const Operand& x,
                    const float* c, int64_t c_elements) {
  if (x.elements == 0 || c_elements == 0) return;
  if (x.data < c + c_elements && c < x.data + x.elements)
    args.range_error("c", std::string("overlaps '") + name + "' (the output must not alias an input)");
}

Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "sgemm", 15);
  const bool ta = args.boolean(0, "transA"), tb = args.boolean(1, "transB");
  const int64_t m = args.integer(2, "m", 0, kMaxDim), n = args.integer(3, "n", 0, kMaxDim),
                k = args.integer(4, "k", 0, kMaxDim);
  const float alpha = static_cast<float>(args.number(5, "alpha"));
  const int64_t a_rows = ta ? k : m, a_cols = ta ? m : k;
  const int64_t b_rows = tb ? n : k, b_cols = tb ? k : n;
  const int64_t lda = args.integer(7, "lda", std::max<int64_t>(1, a_cols), kMaxDim);
  const int64_t ldb = args.integer(9, "ldb", std::max<int64_t>(1, b_cols), kMaxDim);
  const int64_t ldc = args.integer(12, "ldc", std::max<int64_t>(1, n), kMaxDim);
  const int64_t a_len = span(a_rows, a_cols, lda), b_len = span(b_rows, b_cols, ldb),
                c_len = span(m, n, ldc);
  const float* a = args.array<float>(6, "a", a_len);
  const float* b = args.array<float>(8, "b", b_len);
  const float beta = static_cast<float>(args.number(10, "beta"));
  float* c = args.array<float>(11, "c", c_len);
  pai::GemmMasks masks;
  if (!args.is_null(13)) masks.a = args.array<float>(13, "aMask", a_len);
  if (!args.is_null(14)) masks.b = args.array<float>(14, "bMask", b_len);
  check_disjoint(args, "a", {a, a_len}, c, c_len);
  check_disjoint(args, "b", {b, b_len}, c, c_len);
  if (masks.a) check_disjoint(args, "aMask", {masks.a, a_len}, c, c_len);
  if (masks.b) check_disjoint(args, "bMask", {masks.b, b_len}, c, c_len);
  pai::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, masks);
  return info.Env().Undefined();
}

Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "fmaPeak", 1);
  const std::string name = args.string(0, "isa");
  pai::Isa isa;
  if (!pai::parse_isa(name.c_str(), &isa))
    args.range_error("isa", "must be 'baseline', 'avx2' or 'avx512', got '" + name + "'");
  if (static_cast<int>(isa) > static_cast<int>(pai::detected_isa()))
    args.range_error("isa", "'" + name + "' is not supported by this CPU");
  return Napi::Number::New(info.Env(), pai::fma_peak_gflops(isa));
}

}  // namespace

PAI_BINDING(gemm) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak));
}
