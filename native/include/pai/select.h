// Exact top-k selection over float scores in O(n): which entries survive pruning.
// "Top" means largest score; -0 and +0 are equal; ties at the threshold go to the lower
// index, so the result is deterministic and identical on every backend.
#pragma once
#include <cstdint>

namespace pai {

struct SelectResult {
  // Index of a NaN score (the selection is then invalid and the mask unspecified), or -1.
  int64_t nan_index = -1;
  // Smallest kept score (the k-th largest), or +inf when k == 0.
  float threshold = 0.f;
};

// mask[i] = 1 for exactly k of the n entries (those with the largest scores, ties by
// lower index), 0 for the others. Requires 0 <= k <= n. When `drop` is not null, the
// weights the selection drops are zeroed in the same pass: drop[i] = +0 where mask[i]
// becomes 0 and scores[i] > -inf (-inf marks weights pruned before, which the caller
// keeps at 0); no other entry of `drop` is written.
SelectResult select_top_k(const float* scores, int64_t n, int64_t k, float* mask,
                          float* drop = nullptr);

// The same within each segment [offsets[s], offsets[s+1]) with its own ks[s], for
// s < segments; offsets is non-decreasing with segments + 1 entries. Entries outside
// every segment are not written. thresholds (or null) receives one value per segment.
// Returns the first NaN found (nan_index) as select_top_k does.
SelectResult select_top_k_segments(const float* scores, const int64_t* offsets,
                                   const int64_t* ks, int64_t segments, float* mask,
                                   float* thresholds, float* drop = nullptr);

}  // namespace pai
