// Stride-1 im2col with AVX-512 masked loads: one load and one store per 16 columns, the
// zero padding coming from the load mask (masked-off lanes are never read, so the source
// pointer may run past the row ends). The load masks of every kernel column are tabulated
// once per call, so a copy costs a table load and an AND.
#include <immintrin.h>

#include "im2col_runs.h"

namespace pai::im2col_detail {
namespace {

inline uint32_t lanes(int64_t lo, int64_t hi) {
  lo = lo < 0 ? 0 : (lo > 16 ? 16 : lo);
  hi = hi < 0 ? 0 : (hi > 16 ? 16 : hi);
  return ((1u << hi) - 1) & ~((1u << lo) - 1);
}

void zero(float* d, int64_t len) {
  for (int64_t i = 0; i < len; i += 16)
    _mm512_mask_storeu_ps(d + i, static_cast<__mmask16>(lanes(0, len - i)), _mm512_setzero_ps());
}

constexpr int64_t kTable = 4096;  // load-mask entries kept on the stack
}  // namespace

void im2col_unit_stride_avx512(const PatchShape& s, const float* x, int64_t k0, int64_t k1,
                               int64_t q0, int64_t q1, float* col, const ColumnLayout& lay) {
  // table[kx * ow + ox]: lanes of columns ox..ox+15 that fall inside the input row.
  uint16_t table[kTable];
  const bool tabulated = s.kw * s.ow <= kTable;
  if (tabulated) {
    for (int64_t kx = 0; kx < s.kw; ++kx) {
      const TapCursor t(s, kx);
      for (int64_t ox = 0; ox < s.ow; ++ox) table[kx * s.ow + ox] = static_cast<uint16_t>(lanes(t.lo - ox, t.hi - ox));
    }
  }
  Run runs[kMaxRuns];
  for (int64_t q = q0; q < q1;) {
    int count;
    q = next_runs(s, lay, q, q1, q0, runs, &count);
    TapCursor tp(s, k0);
    for (int64_t k = k0; k < k1; ++k, tp.next(s)) {
      float* row = col + (k - k0) * lay.row_stride;
      const float* base = x + tp.channel_offset + tp.col_offset;
      const uint16_t* masks = table + tp.kx * s.ow;
      const int64_t dy = tp.ky * s.dh - s.ph;
      for (int r = 0; r < count; ++r) {
        const Run& run = runs[r];
        float* d = row + run.col - run.ox0;  // d[ox] for ox in [ox0, ox1)
        const int64_t iy = run.oy * s.sh + dy;
        if (static_cast<uint64_t>(iy) >= static_cast<uint64_t>(s.h)) {
          zero(d + run.ox0, run.ox1 - run.ox0);
          continue;
        }
        const float* src = base + run.image_offset + iy * s.w;
        int64_t ox = run.ox0;
        for (; ox + 16 <= run.ox1; ox += 16) {
          const uint32_t valid = tabulated ? masks[ox] : lanes(tp.lo - ox, tp.hi - ox);
          const __m512 v = valid == 0xffff ? _mm512_loadu_ps(src + ox)
                                           : _mm512_maskz_loadu_ps(static_cast<__mmask16>(valid), src + ox);
          _mm512_storeu_ps(d + ox, v);
        }
        if (ox < run.ox1) {
          const uint32_t store = lanes(0, run.ox1 - ox);
          const uint32_t valid = tabulated ? masks[ox] : lanes(tp.lo - ox, tp.hi - ox);
          _mm512_mask_storeu_ps(d + ox, static_cast<__mmask16>(store),
                                _mm512_maskz_loadu_ps(static_cast<__mmask16>(store & valid), src + ox));
        }
      }
    }
  }
  int64_t start, count;
  tail_columns(lay, q1 - q0, &start, &count);
  for (int64_t k = k0; k < k1 && count > 0; ++k) zero(col + start + (k - k0) * lay.row_stride, count);
}

void gather_avx512(const PatchOffsets& po, const float* x, int64_t k0, int64_t k1, int64_t j0,
                   int64_t j1, float* col, const ColumnLayout& lay) {
  const PatchShape& s = po.shape();
  const int64_t area = s.kh * s.kw, n = j1 - j0;
  const float* xb = x + po.first_image() * s.image_stride;
  TapCursor tp(s, k0);
  int64_t t = k0 % area;
  for (int64_t k = k0; k < k1; ++k, tp.next(s), t = t + 1 == area ? 0 : t + 1) {
    const float* base = xb + tp.channel_offset;
    const int32_t* off = po.offsets(t) + j0;
    const uint16_t* bits = po.valid(t) + j0 / 16;
    float* row = col + (k - k0) * lay.row_stride;
    for (int64_t j = 0; j < n; j += 16) {
      const __m512i idx = _mm512_loadu_si512(off + j);
      const __m512 v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), static_cast<__mmask16>(bits[j / 16]),
                                                idx, base, 4);
      float* d = row + (j / lay.panel_width) * lay.panel_stride + j % lay.panel_width;
      _mm512_mask_storeu_ps(d, static_cast<__mmask16>(lanes(0, n - j)), v);
    }
  }
  int64_t start, count;
  tail_columns(lay, n, &start, &count);
  for (int64_t k = k0; k < k1 && count > 0; ++k) zero(col + start + (k - k0) * lay.row_stride, count);
}

}  // namespace pai::im2col_detail
