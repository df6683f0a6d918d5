// Reductions over the middle axis of x viewed as [outer, len, inner], and the gathers and
// scatters along that axis, on device buffers (semantics of pai/elementwise.h).
#pragma once
#include <cstdint>

namespace pai::cuda {

/** out[o, i] = sum_r x[o, r, i]; accumulated in float64, in a fixed order (deterministic). */
void reduce_sum(const float* x, int64_t outer, int64_t len, int64_t inner, float* out);

/** values[o, i] = max_r x[o, r, i], index = its r: first on ties, the first NaN if any. len >= 1. */
void reduce_max(const float* x, int64_t outer, int64_t len, int64_t inner, float* values, int32_t* index);

/** out[o, i] = x[o, index[o, i], i]; an index outside [0, len) gives NaN. */
void gather_axis(const float* x, const int32_t* index, int64_t outer, int64_t len, int64_t inner, float* out);

/** out = zeros [outer, len, inner], then out[o, index[o, i], i] += values[o, i] (each target
 *  is hit at most once, so no atomics); indices outside [0, len) are skipped. */
void scatter_axis(const float* values, const int32_t* index, int64_t outer, int64_t len, int64_t inner, float* out);

}  // namespace pai::cuda
