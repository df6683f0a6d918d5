// im2col / col2im over a range of batch pixels, portable versions (and the dispatch to the
// vector copies for stride 1). The work is split into runs (one output row of one image
// within one panel) so that each tap of a run is one contiguous copy between zero-filled
// borders, and taps are walked without divisions.
#include "pai/im2col.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "im2col_runs.h"
#include "pai/cpu_features.h"

namespace pai {

using namespace im2col_detail;

void im2col(const PatchShape& s, const float* x, int64_t k0, int64_t k1, int64_t q0, int64_t q1,
            float* col, const ColumnLayout& lay) {
  if (s.sw == 1 && active_isa() == Isa::Avx512)
    return im2col_unit_stride_avx512(s, x, k0, k1, q0, q1, col, lay);
  if (s.sw == 1 && active_isa() == Isa::Avx2)
    return im2col_unit_stride_avx2(s, x, k0, k1, q0, q1, col, lay);
  Run runs[kMaxRuns];
  for (int64_t q = q0; q < q1;) {
    int count;
    q = next_runs(s, lay, q, q1, q0, runs, &count);
    TapCursor tp(s, k0);
    for (int64_t k = k0; k < k1; ++k, tp.next(s)) {
      float* row = col + (k - k0) * lay.row_stride;
      for (int r = 0; r < count; ++r) {
        const Run& run = runs[r];
        float* d = row + run.col;
        const int64_t len = run.ox1 - run.ox0;
        const int64_t iy = run.oy * s.sh - s.ph + tp.ky * s.dh;
        const int64_t a = std::max(run.ox0, tp.lo), e = std::min(run.ox1, tp.hi);
        if (iy < 0 || iy >= s.h || a >= e) {
          std::memset(d, 0, sizeof(float) * len);
          continue;
        }
        const float* src = x + run.image_offset + tp.channel_offset + iy * s.w + tp.col_offset;
        std::memset(d, 0, sizeof(float) * (a - run.ox0));
        if (s.sw == 1) {
          std::memcpy(d + (a - run.ox0), src + a, sizeof(float) * (e - a));
        } else {
          for (int64_t ox = a; ox < e; ++ox) d[ox - run.ox0] = src[ox * s.sw];
        }
        std::memset(d + (e - run.ox0), 0, sizeof(float) * (run.ox1 - e));
      }
    }
  }
  int64_t start, count;
  tail_columns(lay, q1 - q0, &start, &count);
  for (int64_t k = k0; k < k1 && count > 0; ++k)
    std::memset(col + start + (k - k0) * lay.row_stride, 0, sizeof(float) * count);
}

void col2im_add(const PatchShape& s, const float* col, const ColumnLayout& lay, int64_t k0,
                int64_t k1, int64_t q0, int64_t q1, float* gx) {
  Run runs[kMaxRuns];
  for (int64_t q = q0; q < q1;) {
    int count;
    q = next_runs(s, lay, q, q1, q0, runs, &count);
    TapCursor tp(s, k0);
    for (int64_t k = k0; k < k1; ++k, tp.next(s)) {
      const float* row = col + (k - k0) * lay.row_stride;
      for (int r = 0; r < count; ++r) {
        const Run& run = runs[r];
        const int64_t iy = run.oy * s.sh - s.ph + tp.ky * s.dh;
        const int64_t a = std::max(run.ox0, tp.lo), e = std::min(run.ox1, tp.hi);
        if (iy < 0 || iy >= s.h || a >= e) continue;
        const float* src = row + run.col - run.ox0;
        float* dst = gx + run.image_offset + tp.channel_offset + iy * s.w + tp.col_offset;
        if (s.sw == 1) {
          for (int64_t ox = a; ox < e; ++ox) dst[ox] += src[ox];
        } else {
          for (int64_t ox = a; ox < e; ++ox) dst[ox * s.sw] += src[ox];
        }
      }
    }
  }
}

bool PatchOffsets::build(const PatchShape& s, int64_t q0, int64_t q1) {
  const int64_t area = s.kh * s.kw, n = q1 - q0, padded = (n + 15) / 16 * 16;
  if (n <= 0 || area * padded > kCapacity) return false;
  const int64_t plane = s.oh * s.ow, b0 = q0 / plane, images = (q1 - 1) / plane - b0 + 1;
  if (images * s.image_stride > INT32_MAX) return false;
  shape_ = s;
  columns_ = n;
  padded_ = padded;
  first_image_ = b0;
  for (int64_t t = 0; t < area; ++t) {
    const int64_t dy = (t / s.kw) * s.dh - s.ph, dx = (t % s.kw) * s.dw - s.pw;
    int32_t* off = offsets_ + t * padded;
    uint16_t* bits = valid_ + t * (padded / 16);
    std::fill(bits, bits + padded / 16, 0);
    int64_t b = b0, p = q0 - b0 * plane, oy = p / s.ow, ox = p % s.ow;  // walked, not divided
    for (int64_t j = 0; j < padded; ++j) {
      off[j] = 0;
      if (j >= n) continue;
      const int64_t iy = oy * s.sh + dy, ix = ox * s.sw + dx;
      if (iy >= 0 && iy < s.h && ix >= 0 && ix < s.w) {
        off[j] = static_cast<int32_t>((b - b0) * s.image_stride + iy * s.w + ix);
        bits[j / 16] = static_cast<uint16_t>(bits[j / 16] | (1u << (j % 16)));
      }
      if (++ox == s.ow) {
        ox = 0;
        if (++oy == s.oh) {
          oy = 0;
          ++b;
        }
      }
    }
  }
  return true;
}

void PatchOffsets::gather(const float* x, int64_t k0, int64_t k1, int64_t j0, int64_t j1,
                          float* col, const ColumnLayout& lay) const {
  if (active_isa() == Isa::Avx512 && lay.panel_width % 16 == 0 && j0 % 16 == 0)
    return gather_avx512(*this, x, k0, k1, j0, j1, col, lay);
  const PatchShape& s = shape_;
  const int64_t area = s.kh * s.kw, n = j1 - j0;
  const float* xb = x + first_image_ * s.image_stride;
  TapCursor tp(s, k0);
  int64_t t = k0 % area;
  for (int64_t k = k0; k < k1; ++k, tp.next(s), t = t + 1 == area ? 0 : t + 1) {
    const float* base = xb + tp.channel_offset;
    const int32_t* off = offsets(t);
    const uint16_t* bits = valid(t);
    float* row = col + (k - k0) * lay.row_stride;
    for (int64_t j = j0; j < j1; ++j) {
      const bool in = (bits[j / 16] >> (j % 16)) & 1u;
      row[((j - j0) / lay.panel_width) * lay.panel_stride + (j - j0) % lay.panel_width] = in ? base[off[j]] : 0.f;
    }
  }
  int64_t start, count;
  tail_columns(lay, n, &start, &count);
  for (int64_t k = k0; k < k1 && count > 0; ++k)
    std::memset(col + start + (k - k0) * lay.row_stride, 0, sizeof(float) * count);
}

}  // namespace pai
