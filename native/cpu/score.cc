// Saliency scores: a memory-bound elementwise pass, threaded in large chunks.
#include "pai/score.h"

#include <cmath>

#include "pai/parallel.h"

namespace pai {
namespace {

template <typename F>
void map_scores(const float* theta, const float* g, float* out, int64_t n, F f) {
  parallel_for(0, n, 1 << 16, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) out[i] = f(theta[i], g ? g[i] : 0.f);
  });
}

}  // namespace

void score(ScoreKind kind, const float* theta, const float* g, float* out, int64_t n) {
  switch (kind) {
    case ScoreKind::Abs:
      map_scores(theta, nullptr, out, n, [](float t, float) { return std::fabs(t); });
      break;
    case ScoreKind::AbsProd:
      map_scores(theta, g, out, n, [](float t, float d) { return std::fabs(t * d); });
      break;
    case ScoreKind::Prod:
      map_scores(theta, g, out, n, [](float t, float d) { return t * d; });
      break;
    case ScoreKind::NegProd:
      map_scores(theta, g, out, n, [](float t, float d) { return -(t * d); });
      break;
  }
}

}  // namespace pai
