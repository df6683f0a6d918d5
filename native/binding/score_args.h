// Internal to the bindings: the (kind, theta, g) arguments that scoreKernel and pruneScores
// share, validated once here.
#pragma once
#include <cstdint>
#include <string>

#include "args.h"
#include "pai/score.h"

namespace pai::binding {

// The Float32Array argument i, which must have n elements (the first array's length).
inline float* same_length(const Args& args, size_t i, const char* name, int64_t n) {
  const int64_t len = args.length<float>(i, name);
  if (len != n)
    args.range_error(name, "has " + std::to_string(len) + " elements, expected " +
                               std::to_string(n) + " (the length of the first array)");
  return args.array<float>(i, name, n);
}

struct ScoreArgs {
  pai::ScoreKind kind;
  int64_t n;
  const float* theta;
  const float* g;  // null only for 'abs'
};

// Arguments 0-2: kind ('abs' | 'absprod' | 'prod' | 'negprod'), theta, g (null allowed for 'abs').
inline ScoreArgs score_args(const Args& args) {
  const std::string kind = args.string(0, "kind");
  ScoreArgs s{};
  if (kind == "abs") s.kind = pai::ScoreKind::Abs;
  else if (kind == "absprod") s.kind = pai::ScoreKind::AbsProd;
  else if (kind == "prod") s.kind = pai::ScoreKind::Prod;
  else if (kind == "negprod") s.kind = pai::ScoreKind::NegProd;
  else args.range_error("kind", "must be 'abs', 'absprod', 'prod' or 'negprod', got '" + kind + "'");
  s.n = args.length<float>(1, "theta");
  s.theta = args.array<float>(1, "theta", s.n);
  if (s.kind != pai::ScoreKind::Abs && args.is_null(2))
    args.type_error(2, "g", "must be a Float32Array for kind '" + kind + "'");
  s.g = args.is_null(2) ? nullptr : same_length(args, 2, "g", s.n);
  return s;
}

}  // namespace pai::binding
