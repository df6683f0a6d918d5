// Internal: the portable pooling row loops (the baseline table and the generic window
// code of pool.cc); pool_avx2.cc and pool_avx512.cc hold the vector versions. The first NaN
// of a window wins, as in the reference.
#include <cstdint>

#include "pool_kernels.h"

namespace pai::pool_detail {
namespace {

inline void take(float v, int32_t i, float& best, int32_t& arg) {
  const bool t = (v > best) | ((v != v) & (best == best));
  best = t ? v : best;
  arg = t ? i : arg;
}

void max2x2_row(const float* __restrict r0, const float* __restrict r1, int64_t ow, int64_t base,
                int64_t w, float* __restrict out, int32_t* __restrict argmax) {
  for (int64_t ox = 0; ox < ow; ++ox) {
    const int32_t i = static_cast<int32_t>(base + 2 * ox);
    float best = r0[2 * ox];
    int32_t arg = i;
    take(r0[2 * ox + 1], i + 1, best, arg);
    take(r1[2 * ox], static_cast<int32_t>(i + w), best, arg);
    take(r1[2 * ox + 1], static_cast<int32_t>(i + w + 1), best, arg);
    out[ox] = best;
    argmax[ox] = arg;
  }
}

}  // namespace

void max2x2_narrow_scalar(const float* x, int64_t first, int64_t count, int64_t w, int64_t plane, float* out,
                          int32_t* argmax) {
  const int64_t per_pair = w / 2;  // outputs of a row pair
  for (int64_t k = first; k < first + count; ++k) {
    // Row pairs lie back to back (h is even), so output k's window starts at its pair's
    // offset plus two columns per output before it in the pair.
    const int64_t at = (k / per_pair) * 2 * w + 2 * (k % per_pair);
    const int32_t i = static_cast<int32_t>(at % plane);
    const float* r0 = x + at;
    float best = r0[0];
    int32_t arg = i;
    take(r0[1], i + 1, best, arg);
    take(r0[w], static_cast<int32_t>(i + w), best, arg);
    take(r0[w + 1], static_cast<int32_t>(i + w + 1), best, arg);
    out[k] = best;
    argmax[k] = arg;
  }
}

const PoolKernels kPoolBaseline{max2x2_row, max2x2_narrow_scalar};

}  // namespace pai::pool_detail
