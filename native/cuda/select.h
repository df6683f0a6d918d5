// Saliency scores and exact top-k selection on device buffers, with the semantics of
// pai/score.h and pai/select.h: exactly k survivors, -0 equal to +0, ties to the lower index.
#pragma once
#include <cstdint>

#include "pai/score.h"
#include "pai/select.h"

namespace pai::cuda {

/** out[i] = f(theta[i], g[i]) (g unused for Abs); out may alias theta or g. */
void score(::pai::ScoreKind kind, const float* theta, const float* g, float* out, int64_t n);

/** mask[i] = 1 for the k largest scores (ties by lower index), 0 elsewhere; n < 2^32.
 *  Waits for the GPU once at the end (for the NaN check and the threshold). */
::pai::SelectResult select_top_k(const float* scores, int64_t n, int64_t k, float* mask);

/** The same per segment [offsets[s], offsets[s + 1]) with its own ks[s]; offsets and ks are
 *  host arrays; thresholds (host, may be null) receives one value per segment (+inf when
 *  k is 0). Entries outside every segment are not written. */
::pai::SelectResult select_top_k_segments(const float* scores, const int64_t* offsets, const int64_t* ks,
                                          int64_t segments, float* mask, float* thresholds);

}  // namespace pai::cuda
