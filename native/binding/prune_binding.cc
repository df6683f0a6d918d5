// The pruning loop's fused arena passes (see pai/prune_scores.h).
#include <string>

#include "args.h"
#include "score_args.h"
#include "pai/prune_scores.h"
#include "registry.h"

namespace {

using pai::binding::Args;
using pai::binding::same_length;

// pruneScores(kind, theta, g, mask, invert, out) -> Float64Array [alive, firstNonFinite].
Napi::Value PruneScores(const Napi::CallbackInfo& info) {
  Args args(info, "pruneScores", 6);
  const pai::binding::ScoreArgs sa = pai::binding::score_args(args);
  const pai::ScoreKind k = sa.kind;
  const int64_t n = sa.n;
  const float* theta = sa.theta;
  const float* g = sa.g;
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
  const float* mask = same_length(args, 1, "mask", n);
  pai::prune_zero_masked(values, mask, n);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(prune) {
  exports.Set("pruneScores", Napi::Function::New(env, PruneScores, "pruneScores"));
  exports.Set("pruneZeroMasked", Napi::Function::New(env, PruneZeroMasked, "pruneZeroMasked"));
}
