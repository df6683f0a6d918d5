// The pruning loop's fused arena passes (pai/prune_scores.h): threaded in fixed chunks,
// each chunk one vectorized loop; a chunk that reports a non-finite score is rescanned
// for the first index, which only happens on the way to an error.
#include "pai/prune_scores.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pai/cpu_features.h"
#include "pai/parallel.h"

#define PAI_PRUNE_LOOPS_NAME baseline
#include "prune_scores_loops.h"

namespace pai {
namespace prune_detail {

int32_t score_chunk_avx512(ScoreKind kind, const float* theta, const float* g,
                           const float* mask, bool invert, float* out, int64_t n, bool* bad);
void zero_chunk_avx512(float* values, const float* mask, int64_t n);

}  // namespace prune_detail

namespace {

using namespace prune_detail;

constexpr int64_t kChunk = int64_t(1) << 16;

}  // namespace

PruneScoreStats prune_scores(ScoreKind kind, const float* theta, const float* g,
                             const float* mask, bool invert, float* out, int64_t n) {
  const bool wide = active_isa() == Isa::Avx512;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<int32_t> alive(chunks);
  std::vector<char> bad(chunks, 0);
  // A bad chunk is rescanned in `out`, where alive entries hold their scores (the inputs
  // may have been overwritten: out may alias them).
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t i0 = c * kChunk, len = std::min(kChunk, n - i0);
      bool b = false;
      const float* gc = g ? g + i0 : nullptr;
      const float* mc = mask ? mask + i0 : nullptr;
      alive[c] = wide ? score_chunk_avx512(kind, theta + i0, gc, mc, invert, out + i0, len, &b)
                      : score_chunk_baseline(kind, theta + i0, gc, mc, invert, out + i0, len, &b);
      bad[c] = b;
    }
  });
  PruneScoreStats r;
  for (int64_t c = 0; c < chunks; ++c) r.alive += alive[c];
  for (int64_t c = 0; c < chunks && r.first_non_finite < 0; ++c) {
    if (!bad[c]) continue;
    for (int64_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) {
      const bool live = mask == nullptr || mask[i] != 0.f;
      if (live && !std::isfinite(out[i])) {
        r.first_non_finite = i;
        break;
      }
    }
  }
  return r;
}

void prune_zero_masked(float* values, const float* mask, int64_t n) {
  const bool wide = active_isa() == Isa::Avx512;
  parallel_for(0, (n + kChunk - 1) / kChunk, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t i0 = c * kChunk, len = std::min(kChunk, n - i0);
      if (wide) zero_chunk_avx512(values + i0, mask + i0, len);
      else zero_chunk_baseline(values + i0, mask + i0, len);
    }
  });
}

}  // namespace pai
