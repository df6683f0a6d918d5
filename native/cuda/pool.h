// Max, average and adaptive average pooling on NCHW device buffers (semantics of
// pai/pool.h). Backward passes gather per input pixel instead of scattering, so they need
// no atomics and are deterministic.
#pragma once
#include <cstdint>

#include "pai/pool.h"

namespace pai::cuda {

/** argmax = flat index in the (h, w) plane; padding is -inf; first on ties, first NaN wins. */
void max_pool2d_forward(const ::pai::Pool2dShape& s, const float* x, float* out, int32_t* argmax);
/** gx = zeros, then gx[plane, argmax[i]] += gy[i]; argmax must come from the forward (in its window). */
void max_pool2d_backward(const ::pai::Pool2dShape& s, const float* gy, const int32_t* argmax, float* gx);
/** The same from the argmax alone (no window geometry): scatter-add with atomics, so the
 *  summation order, and with three or more overlapping windows the last bits, may vary. */
void max_pool2d_backward_scatter(const float* gy, const int32_t* argmax, int64_t planes, int64_t hw, int64_t ohw,
                                 float* gx);
/** out[i] = src[plane, argmax[i]] (NaN for an index outside the plane). */
void max_pool2d_gather(const float* src, const int32_t* argmax, int64_t planes, int64_t hw, int64_t ohw, float* out);
/** Window mean, zero padding counted (divisor kh kw). */
void avg_pool2d_forward(const ::pai::Pool2dShape& s, const float* x, float* out);
void avg_pool2d_backward(const ::pai::Pool2dShape& s, const float* gy, float* gx);
/** Output row i averages rows [floor(i h / oh), ceil((i + 1) h / oh)); likewise columns. */
void adaptive_avg_pool2d_forward(const float* x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                 float* out);
void adaptive_avg_pool2d_backward(const float* gy, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                  float* gx);

}  // namespace pai::cuda
