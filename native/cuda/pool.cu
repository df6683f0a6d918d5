// Pooling: one thread per output pixel forward, one per input pixel backward (gathering
// from the windows that contain it, in ascending output order like the reference).
#include "cuda/launch.cuh"
#include "cuda/pool.h"

namespace pai::cuda {
namespace {

constexpr int kThreads = 256;

struct PoolDims {
  int64_t planes, h, w, oh, ow;
  int kh, kw, sh, sw, ph, pw;
};

PoolDims dims_of(const ::pai::Pool2dShape& s) {
  return {s.n * s.c, s.h, s.w, s.out_h(), s.out_w(), static_cast<int>(s.kh), static_cast<int>(s.kw),
          static_cast<int>(s.sh), static_cast<int>(s.sw), static_cast<int>(s.ph), static_cast<int>(s.pw)};
}

// Output rows [lo, hi] whose window (start o s - p, length k) covers input row i.
__device__ __forceinline__ void covering(int64_t i, int k, int s, int p, int64_t out, int64_t& lo, int64_t& hi) {
  const int64_t first = i + p - k + 1;
  lo = first <= 0 ? 0 : (first + s - 1) / s;
  hi = (i + p) / s;
  if (hi > out - 1) hi = out - 1;
}

__global__ void max_forward_kernel(PoolDims d, const float* x, float* out, int32_t* argmax) {
  const int64_t n = d.planes * d.oh * d.ow, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t ox = t % d.ow, oy = (t / d.ow) % d.oh, p = t / (d.ow * d.oh);
    const float* plane = x + p * d.h * d.w;
    float best = -__int_as_float(0x7f800000);
    int arg = -1;
    for (int ky = 0; ky < d.kh; ++ky) {
      const int64_t iy = oy * d.sh - d.ph + ky;
      if (iy < 0 || iy >= d.h) continue;
      for (int kx = 0; kx < d.kw; ++kx) {
        const int64_t ix = ox * d.sw - d.pw + kx;
        if (ix < 0 || ix >= d.w) continue;
        const float v = plane[iy * d.w + ix];
        if (arg < 0 || v > best || (v != v && best == best)) {
          best = v;
          arg = static_cast<int>(iy * d.w + ix);
        }
      }
    }
    out[t] = best;
    argmax[t] = arg;
  }
}

__global__ void max_backward_kernel(PoolDims d, const float* gy, const int32_t* argmax, float* gx) {
  const int64_t n = d.planes * d.h * d.w, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t ix = t % d.w, iy = (t / d.w) % d.h, p = t / (d.w * d.h);
    int64_t y0, y1, x0, x1;
    covering(iy, d.kh, d.sh, d.ph, d.oh, y0, y1);
    covering(ix, d.kw, d.sw, d.pw, d.ow, x0, x1);
    const int32_t me = static_cast<int32_t>(iy * d.w + ix);
    const int64_t ob = p * d.oh * d.ow;
    float acc = 0.f;
    for (int64_t oy = y0; oy <= y1; ++oy)
      for (int64_t ox = x0; ox <= x1; ++ox) {
        const int64_t o = ob + oy * d.ow + ox;
        if (argmax[o] == me) acc += gy[o];
      }
    gx[t] = acc;
  }
}

__global__ void max_scatter_kernel(const float* gy, const int32_t* argmax, int64_t planes, int64_t hw, int64_t ohw,
                                   float* gx) {
  const int64_t n = planes * ohw, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int32_t a = argmax[t];
    if (a >= 0 && a < hw) atomicAdd(&gx[(t / ohw) * hw + a], gy[t]);
  }
}

__global__ void max_gather_kernel(const float* src, const int32_t* argmax, int64_t planes, int64_t hw, int64_t ohw,
                                  float* out) {
  const int64_t n = planes * ohw, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int32_t a = argmax[t];
    out[t] = (a >= 0 && a < hw) ? src[(t / ohw) * hw + a] : __int_as_float(0x7fc00000);
  }
}

__global__ void avg_forward_kernel(PoolDims d, const float* x, float* out) {
  const int64_t n = d.planes * d.oh * d.ow, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const float inv = 1.f / static_cast<float>(d.kh * d.kw);
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t ox = t % d.ow, oy = (t / d.ow) % d.oh, p = t / (d.ow * d.oh);
    const float* plane = x + p * d.h * d.w;
    float acc = 0.f;
    for (int ky = 0; ky < d.kh; ++ky) {
      const int64_t iy = oy * d.sh - d.ph + ky;
      if (iy < 0 || iy >= d.h) continue;
      for (int kx = 0; kx < d.kw; ++kx) {
        const int64_t ix = ox * d.sw - d.pw + kx;
        if (ix >= 0 && ix < d.w) acc += plane[iy * d.w + ix] * inv;
      }
    }
    out[t] = acc;
  }
}

__global__ void avg_backward_kernel(PoolDims d, const float* gy, float* gx) {
  const int64_t n = d.planes * d.h * d.w, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const float inv = 1.f / static_cast<float>(d.kh * d.kw);
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t ix = t % d.w, iy = (t / d.w) % d.h, p = t / (d.w * d.h);
    int64_t y0, y1, x0, x1;
    covering(iy, d.kh, d.sh, d.ph, d.oh, y0, y1);
    covering(ix, d.kw, d.sw, d.pw, d.ow, x0, x1);
    const float* g = gy + p * d.oh * d.ow;
    float acc = 0.f;
    for (int64_t oy = y0; oy <= y1; ++oy)
      for (int64_t ox = x0; ox <= x1; ++ox) acc += g[oy * d.ow + ox] * inv;
    gx[t] = acc;
  }
}

__device__ __forceinline__ int64_t adaptive_start(int64_t i, int64_t size, int64_t out) { return (i * size) / out; }
__device__ __forceinline__ int64_t adaptive_end(int64_t i, int64_t size, int64_t out) {
  return ((i + 1) * size + out - 1) / out;
}

__global__ void adaptive_forward_kernel(const float* x, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                        float* out) {
  const int64_t n = planes * oh * ow, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t ox = t % ow, oy = (t / ow) % oh, p = t / (ow * oh);
    const int64_t y0 = adaptive_start(oy, h, oh), y1 = adaptive_end(oy, h, oh);
    const int64_t x0 = adaptive_start(ox, w, ow), x1 = adaptive_end(ox, w, ow);
    const float scale = 1.f / static_cast<float>((y1 - y0) * (x1 - x0));
    const float* plane = x + p * h * w;
    float acc = 0.f;
    for (int64_t iy = y0; iy < y1; ++iy)
      for (int64_t ix = x0; ix < x1; ++ix) acc += plane[iy * w + ix] * scale;
    out[t] = acc;
  }
}

__global__ void adaptive_backward_kernel(const float* gy, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                         float* gx) {
  const int64_t n = planes * h * w, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t ix = t % w, iy = (t / w) % h, p = t / (w * h);
    // Windows are monotone in the output index; [floor(i out / size), ceil((i + 1) out / size))
    // holds every output whose window contains input i (checked exactly below).
    const int64_t oy0 = (iy * oh) / h, oy1 = ((iy + 1) * oh + h - 1) / h;
    const int64_t ox0 = (ix * ow) / w, ox1 = ((ix + 1) * ow + w - 1) / w;
    const float* g = gy + p * oh * ow;
    float acc = 0.f;
    for (int64_t oy = oy0; oy < oy1 && oy < oh; ++oy) {
      const int64_t y0 = adaptive_start(oy, h, oh), y1 = adaptive_end(oy, h, oh);
      if (iy < y0 || iy >= y1) continue;
      for (int64_t ox = ox0; ox < ox1 && ox < ow; ++ox) {
        const int64_t x0 = adaptive_start(ox, w, ow), x1 = adaptive_end(ox, w, ow);
        if (ix < x0 || ix >= x1) continue;
        acc += g[oy * ow + ox] * (1.f / static_cast<float>((y1 - y0) * (x1 - x0)));
      }
    }
    gx[t] = acc;
  }
}

}  // namespace

void max_pool2d_forward(const ::pai::Pool2dShape& s, const float* x, float* out, int32_t* argmax) {
  const PoolDims d = dims_of(s);
  const int64_t n = d.planes * d.oh * d.ow;
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, max_forward_kernel)(d, x, out, argmax);
  check_launch("maxPool2dForward");
}

void max_pool2d_backward(const ::pai::Pool2dShape& s, const float* gy, const int32_t* argmax, float* gx) {
  const PoolDims d = dims_of(s);
  const int64_t n = d.planes * d.h * d.w;
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, max_backward_kernel)(d, gy, argmax, gx);
  check_launch("maxPool2dBackward");
}

void max_pool2d_backward_scatter(const float* gy, const int32_t* argmax, int64_t planes, int64_t hw, int64_t ohw,
                                 float* gx) {
  if (planes * hw <= 0) return;
  fill_bytes(gx, 0, static_cast<size_t>(planes * hw) * sizeof(float));
  if (ohw <= 0) return;
  PAI_LAUNCH(grid_for(planes * ohw, kThreads), kThreads, 0, max_scatter_kernel)(gy, argmax, planes, hw, ohw, gx);
  check_launch("maxPool2dBackward");
}

void max_pool2d_gather(const float* src, const int32_t* argmax, int64_t planes, int64_t hw, int64_t ohw, float* out) {
  const int64_t n = planes * ohw;
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, max_gather_kernel)(src, argmax, planes, hw, ohw, out);
  check_launch("maxPool2dGather");
}

void avg_pool2d_forward(const ::pai::Pool2dShape& s, const float* x, float* out) {
  const PoolDims d = dims_of(s);
  const int64_t n = d.planes * d.oh * d.ow;
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, avg_forward_kernel)(d, x, out);
  check_launch("avgPool2dForward");
}

void avg_pool2d_backward(const ::pai::Pool2dShape& s, const float* gy, float* gx) {
  const PoolDims d = dims_of(s);
  const int64_t n = d.planes * d.h * d.w;
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, avg_backward_kernel)(d, gy, gx);
  check_launch("avgPool2dBackward");
}

void adaptive_avg_pool2d_forward(const float* x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                 float* out) {
  const int64_t total = n * c * oh * ow;
  if (total <= 0) return;
  PAI_LAUNCH(grid_for(total, kThreads), kThreads, 0, adaptive_forward_kernel)(x, n * c, h, w, oh, ow, out);
  check_launch("adaptiveAvgPool2dForward");
}

void adaptive_avg_pool2d_backward(const float* gy, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                                  float* gx) {
  const int64_t total = n * c * h * w;
  if (total <= 0) return;
  PAI_LAUNCH(grid_for(total, kThreads), kThreads, 0, adaptive_backward_kernel)(gy, n * c, h, w, oh, ow, gx);
  check_launch("adaptiveAvgPool2dBackward");
}

}  // namespace pai::cuda
