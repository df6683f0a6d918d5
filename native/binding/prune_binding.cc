// The pruning loop's fused arena passes (see pai/prune_scores.h).
#include <string>

#include "args.h"
#include "pai/prune_scores.h"
#include "registry.h"

namespace {

using pai::binding::Args;

float* same_length(const Args& args, size_t i, const char* name, int64_t n) {
  const int64_t len = args.length<float>(i, name);
  if (len != n)
    args.range_error(name, "has " + std::to_string(len) + " elements, expected " +
                               std::to_string(n) + " (the length of theta)");
  return args.array<float>(i, name, n);
}

// pruneScores(kind, theta, g, mask, invert, out) -> Float64Array [alive, firstNonFinite].
Napi::Value PruneScores(const Napi::CallbackInfo& info) {
  Args args(info, "pruneScores", 6);
  const std::string kind = args.string(0, "kind");
  pai::ScoreKind k;
  if (kind == "abs") k = pai::ScoreKind::Abs;
  else if (kind == "absprod") k = pai::ScoreKind::AbsProd;
  else if (kind == "prod") k = pai::ScoreKind::Prod;
  else if (kind == "negprod") k = pai::ScoreKind::NegProd;
  else args.range_error("kind", "must be 'abs', 'absprod', 'prod' or 'negprod', got '" + kind + "'");
  const int64_t n = args.length<float>(1, "theta");
  const float* theta = args.array<float>(1, "theta", n);
  const float* g = nullptr;
  if (k != pai::ScoreKind::Abs) {
    if (args.is_null(2)) args.type_error(2, "g", "must be a Float32Array for kind '" + kind + "'");
    g = same_length(args, 2, "g", n);
  } else if (!args.is_null(2)) {
    g = same_length(args, 2, "g", n);
  }
  const float* mask = args.is_null(3) ? nullptr : same_length(args, 3, "mask", n);
  const bool invert = args.boolean(4, "invert");
  float* out = same_length(args, 5, "out", n);
  const pai::PruneScoreStats st = pai::prune_scores(k, theta, g, mask, invert, out, n);
  Napi::Float64Array r = Napi::Float64Array::New(info.Env(), 2);
  r[0] = static_cast<double>(st.alive);
  r[1] = static_cast<double>(st.first_non_finite);
  return r;
}

// pruneZeroMasked(values, mask): values = +0 where mask == 0.
Napi::Value PruneZeroMasked(const Napi::CallbackInfo& info) {
  Args args(info, "pruneZeroMasked", 2);
  const int64_t n = args.length<float>(0, "values");
  float* values = args.array<float>(0, "values", n);
  const int64_t len = args.length<float>(1, "mask");
  if (len != n)
    args.range_error("mask", "has " + std::to_string(len) + " elements, expected " +
                                 std::to_string(n) + " (the length of values)");
  const float* mask = args.array<float>(1, "mask", n);
  pai::prune_zero_masked(values, mask, n);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(prune) {
  exports.Set("pruneScores", Napi::Function::New(env, PruneScores, "pruneScores"));
  exports.Set("pruneZeroMasked", Napi::Function::New(env, PruneZeroMasked, "pruneZeroMasked"));
}
