// Internal: the chunk loops of prune_scores.cc, compiled once per ISA path (plain loops
// left to each translation unit's vectorizer). Define PAI_PRUNE_LOOPS_NAME (the suffix of
// the functions this unit exports) before including.
#include <cstdint>

#include "pai/prune_scores.h"

namespace pai::prune_detail {

#define PAI_CAT2(a, b) a##b
#define PAI_CAT(a, b) PAI_CAT2(a, b)

namespace {

constexpr float kNegInf = -__builtin_inff();

// One chunk (at most 2^31 entries for the counter). Returns the alive count; sets *bad
// when some alive score is not finite (s - s is exactly 0 for finite s, NaN otherwise);
// the caller then rescans the chunk for the index.
template <ScoreKind K, bool HasMask>
int32_t chunk(const float* theta, const float* g, const float* mask, bool invert, float* out,
              int64_t n, bool* bad) {
  const float sign = invert ? -1.f : 1.f;
  int32_t alive = 0, non_finite = 0;
  for (int64_t i = 0; i < n; ++i) {
    float s;
    if constexpr (K == ScoreKind::Abs) s = __builtin_fabsf(theta[i]);
    else if constexpr (K == ScoreKind::AbsProd) s = __builtin_fabsf(theta[i] * g[i]);
    else if constexpr (K == ScoreKind::Prod) s = theta[i] * g[i];
    else s = -(theta[i] * g[i]);
    s *= sign;
    const bool live = !HasMask || mask[i] != 0.f;
    alive += live ? 1 : 0;
    non_finite += live && !(s - s == 0.f) ? 1 : 0;
    out[i] = live ? s : kNegInf;
  }
  *bad = non_finite != 0;
  return alive;
}

}  // namespace

int32_t PAI_CAT(score_chunk_, PAI_PRUNE_LOOPS_NAME)(ScoreKind kind, const float* theta,
                                                   const float* g, const float* mask,
                                                   bool invert, float* out, int64_t n,
                                                   bool* bad) {
  if (mask) {
    switch (kind) {
      case ScoreKind::Abs: return chunk<ScoreKind::Abs, true>(theta, g, mask, invert, out, n, bad);
      case ScoreKind::AbsProd: return chunk<ScoreKind::AbsProd, true>(theta, g, mask, invert, out, n, bad);
      case ScoreKind::Prod: return chunk<ScoreKind::Prod, true>(theta, g, mask, invert, out, n, bad);
      default: return chunk<ScoreKind::NegProd, true>(theta, g, mask, invert, out, n, bad);
    }
  }
  switch (kind) {
    case ScoreKind::Abs: return chunk<ScoreKind::Abs, false>(theta, g, mask, invert, out, n, bad);
    case ScoreKind::AbsProd: return chunk<ScoreKind::AbsProd, false>(theta, g, mask, invert, out, n, bad);
    case ScoreKind::Prod: return chunk<ScoreKind::Prod, false>(theta, g, mask, invert, out, n, bad);
    default: return chunk<ScoreKind::NegProd, false>(theta, g, mask, invert, out, n, bad);
  }
}

void PAI_CAT(zero_chunk_, PAI_PRUNE_LOOPS_NAME)(float* values, const float* mask, int64_t n) {
  // Only entries that change are stored (masked stores where the ISA has them), so the
  // cache lines of weights pruned in earlier iterations, or kept, are not written back.
  for (int64_t i = 0; i < n; ++i)
    if (mask[i] == 0.f && __builtin_bit_cast(uint32_t, values[i]) != 0u) values[i] = 0.f;
}

#undef PAI_CAT
#undef PAI_CAT2

}  // namespace pai::prune_detail
