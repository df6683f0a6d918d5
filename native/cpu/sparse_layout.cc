// The plane layout of the compressed-layer engine: packing the input and the output
// gradient into planes, and writing accumulated blocks back to NCHW (see sparse_engine.h).
#include <algorithm>

#include "pai/parallel.h"
#include "sparse_engine.h"

namespace pai::sparse_detail {

Grid::Grid(const Conv2dShape& shape) : s(shape) {
  oh = s.out_h();
  ow = s.out_w();
  cg = s.c / s.groups;
  og = s.o / s.groups;
  kk = s.kh * s.kw;
  phases = s.sh * s.sw;
  hq = (s.h + 2 * s.ph + s.sh - 1) / s.sh;
  wq = (s.w + 2 * s.pw + s.sw - 1) / s.sw;
  hw = hq * wq;
  m = s.n * hw;
  planes = s.c * phases;
  max_shift = shift_of(s.kh - 1, s.kw - 1);
  rows_are_images = s.h == 1 && s.w == 1 && s.ph == 0 && s.pw == 0 && s.sh == 1 && s.sw == 1;
  // Row strides are an odd number of cache lines: a block reads the same columns of many
  // rows, which with a power-of-two stride would all fall into a few cache sets.
  auto odd_lines = [](int64_t floats) {
    const int64_t lines = round_up(floats, 16) / 16;
    return (lines | 1) * 16;
  };
  xp_stride = odd_lines(m);
  // Blocks past the last position read up to a block and a tap shift beyond a plane.
  xp_size = planes * xp_stride + max_shift + kMaxBlock + 16;
  g_front = round_up(max_shift, 16);
  g_stride = odd_lines(g_front + round_up(m, 16) + kMaxBlock);
  g_size = s.o * g_stride;
}

namespace {

// Rows here are short (a few to a few hundred floats): plain loops, which the compiler
// vectorizes, beat a libc call per row.
void zero(float* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = 0.f;
}

void copy(float* __restrict d, const float* __restrict s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = s[i];
}

}  // namespace

void pack_input(const Grid& g, const float* x, float* xp) {
  const Conv2dShape& s = g.s;
  if (g.rows_are_images) {
    transpose(x, s.n, s.c, s.c, xp, g.xp_stride);
    for (int64_t c = 0; c < s.c; ++c) zero(xp + c * g.xp_stride + g.m, g.xp_stride - g.m);
  } else {
    parallel_for(0, s.c * s.n, 4, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t c = t / s.n, img = t % s.n;
        const float* src = x + (img * s.c + c) * s.h * s.w;
        for (int64_t a = 0; a < s.sh; ++a)
          for (int64_t b = 0; b < s.sw; ++b) {
            float* plane = xp + (c * g.phases + a * s.sw + b) * g.xp_stride;
            float* dst = plane + img * g.hw;
            for (int64_t r = 0; r < g.hq; ++r) {
              float* d = dst + r * g.wq;
              const int64_t ih = r * s.sh + a - s.ph;
              if (ih < 0 || ih >= s.h) {
                zero(d, g.wq);
                continue;
              }
              const float* row = src + ih * s.w;
              if (s.sw == 1) {
                zero(d, s.pw);
                copy(d + s.pw, row, s.w);
                zero(d + s.pw + s.w, g.wq - s.pw - s.w);
              } else {
                for (int64_t col = 0; col < g.wq; ++col) {
                  const int64_t iw = col * s.sw + b - s.pw;
                  d[col] = (iw >= 0 && iw < s.w) ? row[iw] : 0.f;
                }
              }
            }
            if (img == s.n - 1) zero(plane + g.m, g.xp_stride - g.m);
          }
      }
    });
  }
  zero(xp + g.planes * g.xp_stride, g.xp_size - g.planes * g.xp_stride);
}

void pack_output_grad(const Grid& g, const float* gy, float* gp) {
  const Conv2dShape& s = g.s;
  if (g.rows_are_images) {
    transpose(gy, s.n, s.o, s.o, gp + g.g_front, g.g_stride);
  } else {
    parallel_for(0, s.o * s.n, 4, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t o = t / s.n, img = t % s.n;
        const float* src = gy + (img * s.o + o) * g.oh * g.ow;
        float* dst = gp + o * g.g_stride + g.g_front + img * g.hw;
        for (int64_t r = 0; r < g.hq; ++r) {
          float* d = dst + r * g.wq;
          if (r >= g.oh) {
            zero(d, g.wq);
            continue;
          }
          copy(d, src + r * g.ow, g.ow);
          zero(d + g.ow, g.wq - g.ow);
        }
      }
    });
  }
  parallel_for(0, s.o, 64, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      float* row = gp + o * g.g_stride;
      zero(row, g.g_front);
      zero(row + g.g_front + g.m, g.g_stride - g.g_front - g.m);
    }
  });
}

void write_output(const Grid& g, const float* acc, int64_t m0, int64_t len, int64_t o,
                  float bias, float* y) {
  const Conv2dShape& s = g.s;
  if (g.rows_are_images) {
    for (int64_t i = 0; i < len; ++i) y[(m0 + i) * s.o + o] = acc[i] + bias;
    return;
  }
  int64_t img = m0 / g.hw, r = (m0 % g.hw) / g.wq, col = m0 % g.wq;
  for (int64_t i = 0; i < len;) {
    const int64_t run = std::min(g.wq - col, len - i);
    if (r < g.oh && col < g.ow) {
      float* d = y + ((img * s.o + o) * g.oh + r) * g.ow + col;
      const int64_t valid = std::min(run, g.ow - col);
      for (int64_t k = 0; k < valid; ++k) d[k] = acc[i + k] + bias;
    }
    i += run;
    col = 0;
    if (++r == g.hq) {
      r = 0;
      ++img;
    }
  }
}

void write_input_grad(const Grid& g, const float* acc, int64_t m0, int64_t len, int64_t p,
                      float* gx) {
  const Conv2dShape& s = g.s;
  const int64_t c = p / g.phases, a = (p % g.phases) / s.sw, b = p % s.sw;
  if (g.rows_are_images) {
    for (int64_t i = 0; i < len; ++i) gx[(m0 + i) * s.c + c] = acc[i];
    return;
  }
  // Columns of the phase grid whose input column iw = col * sw + b - pw is inside the image.
  const int64_t col_lo = std::max<int64_t>(0, (s.pw - b + s.sw - 1) / s.sw);
  const int64_t last = s.w - 1 + s.pw - b;  // may be negative: no column of this phase
  const int64_t col_hi = last < 0 ? 0 : std::min(g.wq, last / s.sw + 1);
  int64_t img = m0 / g.hw, r = (m0 % g.hw) / g.wq, col = m0 % g.wq;
  for (int64_t i = 0; i < len;) {
    const int64_t run = std::min(g.wq - col, len - i);
    const int64_t ih = r * s.sh + a - s.ph;
    if (ih >= 0 && ih < s.h) {
      const int64_t lo = std::max(col, col_lo), hi = std::min(col + run, col_hi);
      float* row = gx + ((img * s.c + c) * s.h + ih) * s.w;
      for (int64_t k = lo; k < hi; ++k) row[k * s.sw + b - s.pw] = acc[i + k - col];
    }
    i += run;
    col = 0;
    if (++r == g.hq) {
      r = 0;
      ++img;
    }
  }
}

}  // namespace pai::sparse_detail
