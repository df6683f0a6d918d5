// Saliency scores over a parameter arena, one threaded pass per call.
#pragma once
#include <cstdint>

namespace pai {

// abs: |theta| (magnitude); absprod: |theta * g| (SNIP, SynFlow with g = dR/dtheta);
// prod: theta * g; negprod: -theta * g (GraSP with g = Hg).
enum class ScoreKind : int { Abs = 0, AbsProd = 1, Prod = 2, NegProd = 3 };

// out[i] = f(theta[i], g[i]) for i < n. g is unused (may be null) for Abs. out may alias
// theta or g.
void score(ScoreKind kind, const float* theta, const float* g, float* out, int64_t n);

}  // namespace pai
