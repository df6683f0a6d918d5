// Convolutions with one input channel per group (depthwise, channel multiplier m = o / c):
// a product formulation would have a reduction of only kh * kw, so direct row loops over
// each plane win. Planes are independent, which gives the threading.
#include <algorithm>

#include "conv_lowering.h"
#include "pai/parallel.h"

namespace pai::conv_detail {
namespace {

int64_t ceil_div_pos(int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

// Output columns [lo, hi) of a row whose input column ox * sw + off lies in [0, w).
void column_range(const Conv2dShape& s, int64_t ow, int64_t kx, int64_t* lo, int64_t* hi,
                  int64_t* off) {
  *off = kx * s.dw - s.pw;
  *lo = ceil_div_pos(-*off, s.sw);
  *hi = s.w - 1 - *off < 0 ? 0 : std::min(ow, (s.w - 1 - *off) / s.sw + 1);
}

float tap_weight(const float* weight, const float* mask, int64_t i) {
  return mask ? weight[i] * mask[i] : weight[i];
}

}  // namespace

void depthwise_forward(const Conv2dShape& s, const float* x, const float* weight,
                       const float* mask, const float* bias, float* out) {
  const int64_t oh = s.out_h(), ow = s.out_w(), m = s.o / s.c, area = s.kh * s.kw;
  parallel_for(0, s.n * s.o, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      const int64_t b = pl / s.o, oc = pl % s.o, ic = oc / m;
      const float* xp = x + (b * s.c + ic) * s.h * s.w;
      float* op = out + pl * oh * ow;
      const float bv = bias ? bias[oc] : 0.f;
      for (int64_t oy = 0; oy < oh; ++oy) {
        float* row = op + oy * ow;
        for (int64_t ox = 0; ox < ow; ++ox) row[ox] = bv;
        for (int64_t ky = 0; ky < s.kh; ++ky) {
          const int64_t iy = oy * s.sh - s.ph + ky * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          const float* xr = xp + iy * s.w;
          for (int64_t kx = 0; kx < s.kw; ++kx) {
            int64_t lo, hi, off;
            column_range(s, ow, kx, &lo, &hi, &off);
            const float wv = tap_weight(weight, mask, oc * area + ky * s.kw + kx);
            if (s.sw == 1) {
              for (int64_t ox = lo; ox < hi; ++ox) row[ox] += wv * xr[ox + off];
            } else {
              for (int64_t ox = lo; ox < hi; ++ox) row[ox] += wv * xr[ox * s.sw + off];
            }
          }
        }
      }
    }
  });
}

void depthwise_grad_input(const Conv2dShape& s, const float* gy, const float* weight,
                          const float* mask, float* gx) {
  const int64_t oh = s.out_h(), ow = s.out_w(), m = s.o / s.c, area = s.kh * s.kw;
  parallel_for(0, s.n * s.c, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t pl = p0; pl < p1; ++pl) {
      const int64_t b = pl / s.c, ic = pl % s.c;
      float* gp = gx + pl * s.h * s.w;
      std::fill(gp, gp + s.h * s.w, 0.f);
      for (int64_t oc = ic * m; oc < (ic + 1) * m; ++oc) {
        const float* yp = gy + (b * s.o + oc) * oh * ow;
        for (int64_t oy = 0; oy < oh; ++oy) {
          const float* yr = yp + oy * ow;
          for (int64_t ky = 0; ky < s.kh; ++ky) {
            const int64_t iy = oy * s.sh - s.ph + ky * s.dh;
            if (iy < 0 || iy >= s.h) continue;
            float* gr = gp + iy * s.w;
            for (int64_t kx = 0; kx < s.kw; ++kx) {
              int64_t lo, hi, off;
              column_range(s, ow, kx, &lo, &hi, &off);
              const float wv = tap_weight(weight, mask, oc * area + ky * s.kw + kx);
              if (s.sw == 1) {
                for (int64_t ox = lo; ox < hi; ++ox) gr[ox + off] += wv * yr[ox];
              } else {
                for (int64_t ox = lo; ox < hi; ++ox) gr[ox * s.sw + off] += wv * yr[ox];
              }
            }
          }
        }
      }
    }
  });
}

void depthwise_grad_weight(const Conv2dShape& s, const float* x, const float* gy,
                           const float* mask, float* gw) {
  const int64_t oh = s.out_h(), ow = s.out_w(), m = s.o / s.c, area = s.kh * s.kw;
  parallel_for(0, s.o, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t oc = c0; oc < c1; ++oc) {
      const int64_t ic = oc / m;
      for (int64_t ky = 0; ky < s.kh; ++ky) {
        for (int64_t kx = 0; kx < s.kw; ++kx) {
          int64_t lo, hi, off;
          column_range(s, ow, kx, &lo, &hi, &off);
          double total = 0.0;  // long reductions: float rows, double across rows
          for (int64_t b = 0; b < s.n; ++b) {
            const float* xp = x + (b * s.c + ic) * s.h * s.w;
            const float* yp = gy + (b * s.o + oc) * oh * ow;
            for (int64_t oy = 0; oy < oh; ++oy) {
              const int64_t iy = oy * s.sh - s.ph + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              const float* xr = xp + iy * s.w;
              const float* yr = yp + oy * ow;
              float acc = 0.f;
              for (int64_t ox = lo; ox < hi; ++ox) acc += yr[ox] * xr[ox * s.sw + off];
              total += acc;
            }
          }
          const int64_t i = oc * area + ky * s.kw + kx;
          const float v = static_cast<float>(total);
          gw[i] = mask ? (mask[i] != 0.f ? v * mask[i] : 0.f) : v;
        }
      }
    }
  });
}

}  // namespace pai::conv_detail
