// The pruning loop's passes over the parameter arena, fused: scoring with the exclusion
// of already-pruned weights and the finiteness check in one pass, and the zeroing of
// pruned weights in one pass.
#pragma once
#include <cstdint>

#include "pai/score.h"

namespace pai {

// What one scoring pass saw.
struct PruneScoreStats {
  int64_t alive = 0;             // entries with mask != 0 (all of them without a mask)
  int64_t first_non_finite = -1;  // first alive entry whose score is NaN or +-inf, or -1
};

// out[i] = mask[i] != 0 ? s_i : -inf, with s_i = f(theta[i], g[i]) as in pai::score, negated
// when `invert`; without a mask every entry is alive. g may be null for Abs; out may alias
// theta or g.
PruneScoreStats prune_scores(ScoreKind kind, const float* theta, const float* g,
                             const float* mask, bool invert, float* out, int64_t n);

// values[i] = +0 where mask[i] == 0; other entries are left untouched.
void prune_zero_masked(float* values, const float* mask, int64_t n);

}  // namespace pai
