// Pooling: planes (n * c of them) are independent, so they are the unit of threading;
// inside a plane, window bounds are clipped once per output row and column instead of
// being tested per tap.
#include "pool_loops.h"

#include "pai/pool.h"

#include <algorithm>
#include <atomic>
#include <functional>

#include "pai/cpu_features.h"
#include "pai/parallel.h"

namespace pai {
namespace pool_detail {

const PoolKernels& pool_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kPoolAvx512;
    case Isa::Avx2: return kPoolAvx2;
    default: return kPoolBaseline;
  }
}

}  // namespace pool_detail

namespace {

void for_planes(int64_t planes, int64_t plane_size, const std::function<void(int64_t)>& f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(plane_size, 1));
  parallel_for(0, planes, grain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

// Window [lo, hi) of output index o along one axis, clipped to [0, size).
inline void window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size, int64_t* lo,
                   int64_t* hi) {
  const int64_t start = o * stride - pad;
  *lo = std::max<int64_t>(start, 0);
  *hi = std::min<int64_t>(start + k, size);
}

// Whether 2x2 / stride-2 pooling of planes h x w takes max2x2_narrow: rows that give at most
// 8 outputs would leave most of a row step's lanes idle (VGG's 4x4 planes: one 16-lane
// step per 2 outputs, a call per row).
bool narrow_planes(int64_t h, int64_t w) {
  const int64_t plane = h * w;
  return w <= 16 && 16 % w == 0 && h % 2 == 0 && (64 % plane == 0 || plane % 64 == 0);
}

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* out, int32_t* argmax) {
  const int64_t oh = s.out_h(), ow = s.out_w();
  if (s.kh == 2 && s.kw == 2 && s.sh == 2 && s.sw == 2 && s.ph == 0 && s.pw == 0) {
    const auto& k = pool_detail::pool_kernels();  // the VGG case
    if (narrow_planes(s.h, s.w)) {
      const int64_t total = s.n * s.c * oh * ow, blocks = (total + 15) / 16;
      parallel_for(0, blocks, 1024, [&](int64_t b0, int64_t b1) {
        k.max2x2_narrow(x, 16 * b0, std::min(16 * b1, total) - 16 * b0, s.w, s.h * s.w, out, argmax);
      });
      return;
    }
    for_planes(s.n * s.c, s.h * s.w, [&](int64_t p) {
      const float* xp = x + p * s.h * s.w;
      for (int64_t oy = 0; oy < oh; ++oy)
        k.max2x2_row(xp + 2 * oy * s.w, xp + (2 * oy + 1) * s.w, ow, 2 * oy * s.w, s.w,
                     out + (p * oh + oy) * ow, argmax + (p * oh + oy) * ow);
    });
    return;
  }
  for_planes(s.n * s.c, s.h * s.w, [&](int64_t p) {
    const float* xp = x + p * s.h * s.w;
    float* op = out + p * oh * ow;
    int32_t* ap = argmax + p * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      int64_t y0, y1;
      window(oy, s.sh, s.ph, s.kh, s.h, &y0, &y1);
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t x0, x1;
        window(ox, s.sw, s.pw, s.kw, s.w, &x0, &x1);
        // Running maximum through straight-line selects (pool_loops.h).
        float best = xp[y0 * s.w + x0];
        int32_t arg = static_cast<int32_t>(y0 * s.w + x0);
        for (int64_t iy = y0; iy < y1; ++iy) {
          const float* row = xp + iy * s.w;
          for (int64_t ix = x0; ix < x1; ++ix) {
            pool_detail::take(row[ix], static_cast<int32_t>(iy * s.w + ix), best, arg);
          }
        }
        op[oy * ow + ox] = best;
        ap[oy * ow + ox] = arg;
      }
    }
  });
}

bool max_pool2d_backward(const float* gy, const int32_t* argmax, int64_t n, int64_t c, int64_t h,
                         int64_t w, int64_t oh, int64_t ow, float* gx) {
  const int64_t ip = h * w, op = oh * ow;
  std::atomic<bool> ok{true};
  // Ranges of planes, not a call per plane: VGG's 4x4 planes are 16 floats each.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(ip, 1));
  parallel_for(0, n * c, grain, [&](int64_t p0, int64_t p1) {
    bool fine = true;
    for (int64_t p = p0; p < p1; ++p) {
      float* g = gx + p * ip;
      std::fill(g, g + ip, 0.f);
      const float* y = gy + p * op;
      const int32_t* a = argmax + p * op;
      for (int64_t i = 0; i < op; ++i) {
        if (a[i] >= 0 && a[i] < ip) g[a[i]] += y[i];
        else fine = false;
      }
    }
    if (!fine) ok.store(false, std::memory_order_relaxed);
  });
  return ok.load();
}

bool max_pool2d_gather(const float* src, const int32_t* argmax, int64_t n, int64_t c, int64_t h,
                       int64_t w, int64_t oh, int64_t ow, float* out) {
  const int64_t ip = h * w, op = oh * ow;
  std::atomic<bool> ok{true};
  for_planes(n * c, op, [&](int64_t p) {
    const float* s = src + p * ip;
    const int32_t* a = argmax + p * op;
    float* o = out + p * op;
    for (int64_t i = 0; i < op; ++i) {
      if (a[i] >= 0 && a[i] < ip) o[i] = s[a[i]];
      else {
        o[i] = __builtin_nanf("");
        ok.store(false, std::memory_order_relaxed);
      }
    }
  });
  return ok.load();
}

void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* out) {
  const int64_t oh = s.out_h(), ow = s.out_w();
  const float inv = 1.f / static_cast<float>(s.kh * s.kw);
  for_planes(s.n * s.c, s.h * s.w, [&](int64_t p) {
    const float* xp = x + p * s.h * s.w;
    float* op = out + p * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      int64_t y0, y1;
      window(oy, s.sh, s.ph, s.kh, s.h, &y0, &y1);
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t x0, x1;
        window(ox, s.sw, s.pw, s.kw, s.w, &x0, &x1);
        float sum = 0.f;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) sum += xp[iy * s.w + ix];
        op[oy * ow + ox] = sum * inv;
      }
    }
  });
}

void avg_pool2d_backward(const Pool2dShape& s, const float* gy, float* gx) {
  const int64_t oh = s.out_h(), ow = s.out_w();
  const float inv = 1.f / static_cast<float>(s.kh * s.kw);
  for_planes(s.n * s.c, s.h * s.w, [&](int64_t p) {
    float* g = gx + p * s.h * s.w;
    std::fill(g, g + s.h * s.w, 0.f);
    const float* yp = gy + p * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      int64_t y0, y1;
      window(oy, s.sh, s.ph, s.kh, s.h, &y0, &y1);
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t x0, x1;
        window(ox, s.sw, s.pw, s.kw, s.w, &x0, &x1);
        const float v = yp[oy * ow + ox] * inv;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) g[iy * s.w + ix] += v;
      }
    }
  });
}

namespace {

// PyTorch's adaptive window of output i: [floor(i size / out), ceil((i + 1) size / out)).
inline void adaptive(int64_t i, int64_t size, int64_t out, int64_t* lo, int64_t* hi) {
  *lo = i * size / out;
  *hi = ((i + 1) * size + out - 1) / out;
}

}  // namespace

void adaptive_avg_pool2d_forward(const float* x, int64_t n, int64_t c, int64_t h, int64_t w,
                                 int64_t oh, int64_t ow, float* out) {
  for_planes(n * c, h * w, [&](int64_t p) {
    const float* xp = x + p * h * w;
    float* op = out + p * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      int64_t y0, y1;
      adaptive(oy, h, oh, &y0, &y1);
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t x0, x1;
        adaptive(ox, w, ow, &x0, &x1);
        double sum = 0.0;  // a global pool sums a whole plane
        for (int64_t iy = y0; iy < y1; ++iy) {
          float row = 0.f;
          for (int64_t ix = x0; ix < x1; ++ix) row += xp[iy * w + ix];
          sum += row;
        }
        op[oy * ow + ox] = static_cast<float>(sum / static_cast<double>((y1 - y0) * (x1 - x0)));
      }
    }
  });
}

void adaptive_avg_pool2d_backward(const float* gy, int64_t n, int64_t c, int64_t h, int64_t w,
                                  int64_t oh, int64_t ow, float* gx) {
  for_planes(n * c, h * w, [&](int64_t p) {
    float* g = gx + p * h * w;
    std::fill(g, g + h * w, 0.f);
    const float* yp = gy + p * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      int64_t y0, y1;
      adaptive(oy, h, oh, &y0, &y1);
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t x0, x1;
        adaptive(ox, w, ow, &x0, &x1);
        const float v = yp[oy * ow + ox] / static_cast<float>((y1 - y0) * (x1 - x0));
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) g[iy * w + ix] += v;
      }
    }
  });
}

}  // namespace pai
