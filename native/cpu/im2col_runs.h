// Internal: the run decomposition of im2col, shared by the portable and the ISA-specific
// copies. Functions are static (one private copy per translation unit, so no copy built
// for a wider ISA can be picked by the linker for baseline code) and use no std templates.
#pragma once
#include <cstdint>

#include "pai/im2col.h"

namespace pai::im2col_detail {
namespace {

// One output row segment of one image inside one panel: columns [ox0, ox1) of row oy.
struct Run {
  int64_t image_offset;  // b * image_stride
  int64_t oy, ox0, ox1;
  int64_t col;           // where column ox0 of tap k0 is stored
};

constexpr int kMaxRuns = 64;

// Splits [q, q1) into at most kMaxRuns runs, also at panel boundaries; returns where it
// stopped.
static inline int64_t next_runs(const PatchShape& s, const ColumnLayout& lay, int64_t q,
                                int64_t q1, int64_t q0, Run* runs, int* count) {
  const int64_t plane = s.oh * s.ow;
  int n = 0;
  while (q < q1 && n < kMaxRuns) {
    const int64_t b = q / plane, p = q % plane;
    const int64_t oy = p / s.ow, ox = p % s.ow;
    const int64_t j = (q - q0) / lay.panel_width, t = (q - q0) % lay.panel_width;
    int64_t len = s.ow - ox;
    if (q1 - q < len) len = q1 - q;
    if (lay.panel_width - t < len) len = lay.panel_width - t;
    runs[n++] = Run{b * s.image_stride, oy, ox, ox + len, j * lay.panel_stride + t};
    q += len;
  }
  *count = n;
  return q;
}

// Walks taps k = (ci, ky, kx) in order without divisions. For the current tap: the
// channel offset, kernel row, input column offset kx * dw - pw, and the output columns
// [lo, hi) that land inside the input row.
struct TapCursor {
  int64_t channel_offset, ky, kx, col_offset, lo, hi;

  TapCursor(const PatchShape& s, int64_t k) {
    const int64_t area = s.kh * s.kw;
    channel_offset = (k / area) * s.h * s.w;
    ky = (k % area) / s.kw;
    kx = k % s.kw;
    columns(s);
  }
  void next(const PatchShape& s) {
    if (++kx == s.kw) {
      kx = 0;
      if (++ky == s.kh) {
        ky = 0;
        channel_offset += s.h * s.w;
      }
    }
    columns(s);
  }

 private:
  void columns(const PatchShape& s) {
    col_offset = kx * s.dw - s.pw;
    lo = col_offset >= 0 ? 0 : (-col_offset + s.sw - 1) / s.sw;
    hi = s.w - 1 - col_offset < 0 ? 0 : (s.w - 1 - col_offset) / s.sw + 1;
  }
};

// The padding columns after a block of `width` columns: where they start in the layout
// (for tap k0) and how many there are per tap.
static inline void tail_columns(const ColumnLayout& lay, int64_t width, int64_t* start,
                                int64_t* count) {
  const int64_t t = width % lay.panel_width;
  *count = t == 0 ? 0 : lay.panel_width - t;
  *start = (width / lay.panel_width) * lay.panel_stride + t;
}

}  // namespace

// PatchOffsets::gather on the AVX-512 path.
void gather_avx512(const PatchOffsets& po, const float* x, int64_t k0, int64_t k1, int64_t j0,
                   int64_t j1, float* col, const ColumnLayout& lay);

// im2col for stride-1 columns on the AVX2 / AVX-512 paths (see pai::im2col).
void im2col_unit_stride_avx2(const PatchShape& s, const float* x, int64_t k0, int64_t k1,
                             int64_t q0, int64_t q1, float* col, const ColumnLayout& lay);
void im2col_unit_stride_avx512(const PatchShape& s, const float* x, int64_t k0, int64_t k1,
                               int64_t q0, int64_t q1, float* col, const ColumnLayout& lay);

}  // namespace pai::im2col_detail
