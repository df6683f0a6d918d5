// Stride-1 im2col with AVX2 masked loads and stores, 8 columns at a time (see the AVX-512
// version; vmaskmov also never touches masked-off lanes).
#include <immintrin.h>

#include "im2col_runs.h"

namespace pai::im2col_detail {
namespace {

// Lanes i in [lo, hi) of an 8-lane vector, as a vmaskmov mask.
inline __m256i lanes(int64_t lo, int64_t hi) {
  lo = lo < -1 ? -1 : (lo > 8 ? 8 : lo);
  hi = hi < 0 ? 0 : (hi > 8 ? 8 : hi);
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i ge_lo = _mm256_cmpgt_epi32(idx, _mm256_set1_epi32(static_cast<int>(lo) - 1));
  const __m256i lt_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(hi)), idx);
  return _mm256_and_si256(ge_lo, lt_hi);
}

void zero(float* d, int64_t len) {
  for (int64_t i = 0; i < len; i += 8) _mm256_maskstore_ps(d + i, lanes(0, len - i), _mm256_setzero_ps());
}

}  // namespace

void im2col_unit_stride_avx2(const PatchShape& s, const float* x, int64_t k0, int64_t k1,
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
        float* d = row + run.col - run.ox0;
        const int64_t iy = run.oy * s.sh - s.ph + tp.ky * s.dh;
        if (iy < 0 || iy >= s.h) {
          zero(d + run.ox0, run.ox1 - run.ox0);
          continue;
        }
        const float* src = x + run.image_offset + tp.channel_offset + iy * s.w + tp.col_offset;
        for (int64_t ox = run.ox0; ox < run.ox1; ox += 8) {
          const __m256i store = lanes(0, run.ox1 - ox);
          const __m256i load = _mm256_and_si256(store, lanes(tp.lo - ox, tp.hi - ox));
          _mm256_maskstore_ps(d + ox, store, _mm256_maskload_ps(src + ox, load));
        }
      }
    }
  }
  int64_t start, count;
  tail_columns(lay, q1 - q0, &start, &count);
  for (int64_t k = k0; k < k1 && count > 0; ++k) zero(col + start + (k - k0) * lay.row_stride, count);
}

}  // namespace pai::im2col_detail
