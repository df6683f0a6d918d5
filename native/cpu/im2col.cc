// im2col / col2im over a range of batch pixels. The work is split into runs (one output
// row of one image each) so that, for stride 1, each tap of a run is one contiguous copy
// between zero-filled borders: no per-pixel bounds tests in the common case.
#include "pai/im2col.h"

#include <algorithm>
#include <cstring>

namespace pai {
namespace {

struct Run {
  int64_t image_offset;  // b * image_stride
  int64_t oy, ox0, ox1;  // output row and column range
  int64_t col;           // column of ox0 in the block
};

constexpr int kMaxRuns = 64;

// Splits [q, q1) into at most kMaxRuns runs; returns where it stopped.
int64_t next_runs(const PatchShape& s, int64_t q, int64_t q1, int64_t q0, Run* runs, int* count) {
  const int64_t plane = s.oh * s.ow;
  int n = 0;
  while (q < q1 && n < kMaxRuns) {
    const int64_t b = q / plane, p = q % plane;
    const int64_t oy = p / s.ow, ox = p % s.ow;
    const int64_t len = std::min(s.ow - ox, q1 - q);
    runs[n++] = Run{b * s.image_stride, oy, ox, ox + len, q - q0};
    q += len;
  }
  *count = n;
  return q;
}

int64_t ceil_div(int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

// Output columns [lo, hi) whose input column ox * sw + off lies in [0, w).
void valid_columns(const PatchShape& s, int64_t off, int64_t* lo, int64_t* hi) {
  *lo = ceil_div(-off, s.sw);
  *hi = (s.w - 1 - off) < 0 ? 0 : (s.w - 1 - off) / s.sw + 1;
}

struct Tap {
  int64_t channel_offset, ky, col_offset, lo, hi;
};

Tap tap_of(const PatchShape& s, int64_t k) {
  const int64_t area = s.kh * s.kw;
  const int64_t ci = k / area, t = k % area;
  Tap tp;
  tp.channel_offset = ci * s.h * s.w;
  tp.ky = t / s.kw;
  tp.col_offset = (t % s.kw) * s.dw - s.pw;
  valid_columns(s, tp.col_offset, &tp.lo, &tp.hi);
  return tp;
}

}  // namespace

void im2col(const PatchShape& s, const float* x, int64_t k0, int64_t k1, int64_t q0, int64_t q1,
            float* col, int64_t ld) {
  Run runs[kMaxRuns];
  for (int64_t q = q0; q < q1;) {
    int count;
    q = next_runs(s, q, q1, q0, runs, &count);
    for (int64_t k = k0; k < k1; ++k) {
      const Tap tp = tap_of(s, k);
      float* row = col + (k - k0) * ld;
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
  if (ld > q1 - q0)
    for (int64_t k = k0; k < k1; ++k)
      std::memset(col + (k - k0) * ld + (q1 - q0), 0, sizeof(float) * (ld - (q1 - q0)));
}

void col2im_add(const PatchShape& s, const float* col, int64_t ld, int64_t k0, int64_t k1,
                int64_t q0, int64_t q1, float* gx) {
  Run runs[kMaxRuns];
  for (int64_t q = q0; q < q1;) {
    int count;
    q = next_runs(s, q, q1, q0, runs, &count);
    for (int64_t k = k0; k < k1; ++k) {
      const Tap tp = tap_of(s, k);
      const float* row = col + (k - k0) * ld;
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

}  // namespace pai
