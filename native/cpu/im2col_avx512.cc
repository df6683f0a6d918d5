// Stride-1 im2col with AVX-512 masked loads: one load and one store per 16 columns, the
// zero padding coming from the load mask (masked-off lanes are never read, so the source
// pointer may run past the row ends).
#include <immintrin.h>

#include "im2col_runs.h"

namespace pai::im2col_detail {
namespace {

// Lanes i in [lo, hi) of a 16-lane vector, lo and hi relative to the vector start.
inline __mmask16 lanes(int64_t lo, int64_t hi) {
  lo = lo < 0 ? 0 : (lo > 16 ? 16 : lo);
  hi = hi < 0 ? 0 : (hi > 16 ? 16 : hi);
  const uint32_t upto_hi = (1u << hi) - 1, below_lo = (1u << lo) - 1;
  return static_cast<__mmask16>(upto_hi & ~below_lo);
}

void zero(float* d, int64_t len) {
  for (int64_t i = 0; i < len; i += 16)
    _mm512_mask_storeu_ps(d + i, lanes(0, len - i), _mm512_setzero_ps());
}

}  // namespace

void im2col_unit_stride_avx512(const PatchShape& s, const float* x, int64_t k0, int64_t k1,
                               int64_t q0, int64_t q1, float* col, const ColumnLayout& lay) {
  Run runs[kMaxRuns];
  for (int64_t q = q0; q < q1;) {
    int count;
    q = next_runs(s, lay, q, q1, q0, runs, &count);
    TapCursor tp(s, k0);
    for (int64_t k = k0; k < k1; ++k, tp.next(s)) {
      float* row = col + (k - k0) * lay.row_stride;
      for (int r = 0; r < count; ++r) {
        const Run& run = runs[r];
        float* d = row + run.col - run.ox0;  // d[ox] for ox in [ox0, ox1)
        const int64_t iy = run.oy * s.sh - s.ph + tp.ky * s.dh;
        if (iy < 0 || iy >= s.h) {
          zero(d + run.ox0, run.ox1 - run.ox0);
          continue;
        }
        const float* src = x + run.image_offset + tp.channel_offset + iy * s.w + tp.col_offset;
        for (int64_t ox = run.ox0; ox < run.ox1; ox += 16) {
          const __mmask16 store = lanes(0, run.ox1 - ox);
          const __mmask16 load = store & lanes(tp.lo - ox, tp.hi - ox);
          _mm512_mask_storeu_ps(d + ox, store, _mm512_maskz_loadu_ps(load, src + ox));
        }
      }
    }
  }
  int64_t start, count;
  tail_columns(lay, q1 - q0, &start, &count);
  for (int64_t k = k0; k < k1 && count > 0; ++k) zero(col + start + (k - k0) * lay.row_stride, count);
}

}  // namespace pai::im2col_detail
