// The three convolution products as GEMM-engine problems (batches = groups):
//   forward      out[o, (img,p)]    = sum_(c,r,s)   w[o, (c,r,s)]  x_patch[(c,r,s), (img,p)]
//   grad input   gx[c, (img,y,x)]   = sum_(o,r,s)   w[o, c, r, s]  gy at the output pixel
//                                                   that tap (r, s) of (y, x) came from
//   grad weight  gw[o, (c,r,s)]     = sum_(img,p)   gy[img, o, p]  x_patch[(c,r,s), (img,p)]
// Index decompositions use FastDiv; each thread decomposes its fixed A row / B column
// once (RowCtx / ColCtx) and only the k index per element.
#include <string>

#include "cuda/conv.h"
#include "cuda/gemm_core.cuh"

namespace pai::cuda {
namespace {

struct ConvDims {
  int n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, cg, og;
  FastDiv taps_div;  // kh * kw
  FastDiv kw_div;    // kw
  FastDiv ohw_div;   // oh * ow
  FastDiv ow_div;    // ow
  FastDiv hw_div;    // h * w
  FastDiv w_div;     // w
  FastDiv sh_div, sw_div;

  explicit ConvDims(const ::pai::Conv2dShape& s) {
    n = static_cast<int>(s.n);
    c = static_cast<int>(s.c);
    h = static_cast<int>(s.h);
    w = static_cast<int>(s.w);
    o = static_cast<int>(s.o);
    kh = static_cast<int>(s.kh);
    kw = static_cast<int>(s.kw);
    oh = static_cast<int>(s.out_h());
    ow = static_cast<int>(s.out_w());
    sh = static_cast<int>(s.sh);
    sw = static_cast<int>(s.sw);
    ph = static_cast<int>(s.ph);
    pw = static_cast<int>(s.pw);
    dh = static_cast<int>(s.dh);
    dw = static_cast<int>(s.dw);
    cg = static_cast<int>(s.c / s.groups);
    og = static_cast<int>(s.o / s.groups);
    taps_div = FastDiv(kh * kw);
    kw_div = FastDiv(kw);
    ohw_div = FastDiv(oh * ow);
    ow_div = FastDiv(ow);
    hw_div = FastDiv(h * w);
    w_div = FastDiv(w);
    sh_div = FastDiv(sh);
    sw_div = FastDiv(sw);
  }
  __host__ __device__ int taps() const { return kh * kw; }
};

struct ConvForward : GemmShape {
  ConvDims d;
  const float* x;
  const float* wt;
  const float* mask;
  const float* bias;
  float* out;
  explicit ConvForward(const ::pai::Conv2dShape& s) : d(s) {}

  struct RowCtx {
    int64_t off;  // start of weight row (g og + o)
  };
  struct ColCtx {
    int64_t base;  // x[img, g cg, 0, 0]
    int iy0, ix0;  // top-left input pixel of the window
  };
  __device__ RowCtx a_row(int z, int m) const {
    return {(static_cast<int64_t>(z) * d.og + m) * (static_cast<int64_t>(d.cg) * d.taps())};
  }
  __device__ float a_at(const RowCtx& r, int, int k) const {
    const float v = __ldg(wt + r.off + k);
    return mask ? v * __ldg(mask + r.off + k) : v;
  }
  __device__ ColCtx b_col(int z, int col) const {
    uint32_t img, pix, oy, ox;
    d.ohw_div.divmod(col, img, pix);
    d.ow_div.divmod(pix, oy, ox);
    return {(static_cast<int64_t>(img) * d.c + static_cast<int64_t>(z) * d.cg) * d.h * d.w,
            static_cast<int>(oy) * d.sh - d.ph, static_cast<int>(ox) * d.sw - d.pw};
  }
  __device__ float b_at(const ColCtx& cc, int, int k) const {
    uint32_t ch, tap, r, s;
    d.taps_div.divmod(k, ch, tap);
    d.kw_div.divmod(tap, r, s);
    const int iy = cc.iy0 + static_cast<int>(r) * d.dh, ix = cc.ix0 + static_cast<int>(s) * d.dw;
    if (static_cast<unsigned>(iy) >= static_cast<unsigned>(d.h) || static_cast<unsigned>(ix) >= static_cast<unsigned>(d.w))
      return 0.f;
    return __ldg(x + cc.base + (static_cast<int64_t>(ch) * d.h + iy) * d.w + ix);
  }
  __device__ void store(int z, int m, int col, float v) const {
    uint32_t img, pix;
    d.ohw_div.divmod(col, img, pix);
    const int oc = z * d.og + m;
    out[(static_cast<int64_t>(img) * d.o + oc) * d.oh * d.ow + pix] = bias ? v + __ldg(bias + oc) : v;
  }
};

struct ConvGradInput : GemmShape {
  ConvDims d;
  const float* gy;
  const float* wt;
  const float* mask;
  float* gx;
  explicit ConvGradInput(const ::pai::Conv2dShape& s) : d(s) {}

  struct RowCtx {
    int c;
  };
  struct ColCtx {
    int64_t base;  // gy[img, g og, 0, 0]
    int ty0, tx0;  // input pixel + padding
  };
  __device__ RowCtx a_row(int, int m) const { return {m}; }
  __device__ float a_at(const RowCtx& r, int z, int k) const {
    uint32_t o, tap;
    d.taps_div.divmod(k, o, tap);
    const int64_t i = ((static_cast<int64_t>(z) * d.og + o) * d.cg + r.c) * d.taps() + tap;
    const float v = __ldg(wt + i);
    return mask ? v * __ldg(mask + i) : v;
  }
  __device__ ColCtx b_col(int z, int col) const {
    uint32_t img, pix, iy, ix;
    d.hw_div.divmod(col, img, pix);
    d.w_div.divmod(pix, iy, ix);
    return {(static_cast<int64_t>(img) * d.o + static_cast<int64_t>(z) * d.og) * d.oh * d.ow,
            static_cast<int>(iy) + d.ph, static_cast<int>(ix) + d.pw};
  }
  __device__ float b_at(const ColCtx& cc, int, int k) const {
    uint32_t o, tap, r, s;
    d.taps_div.divmod(k, o, tap);
    d.kw_div.divmod(tap, r, s);
    // Output pixel (oy, ox) reads input (oy sh - ph + r dh, ...); invert for this tap.
    const int ty = cc.ty0 - static_cast<int>(r) * d.dh, tx = cc.tx0 - static_cast<int>(s) * d.dw;
    if (ty < 0 || tx < 0) return 0.f;
    uint32_t oy, ry, ox, rx;
    d.sh_div.divmod(ty, oy, ry);
    d.sw_div.divmod(tx, ox, rx);
    if (ry != 0 || rx != 0 || oy >= static_cast<uint32_t>(d.oh) || ox >= static_cast<uint32_t>(d.ow)) return 0.f;
    return __ldg(gy + cc.base + (static_cast<int64_t>(o) * d.oh + oy) * d.ow + ox);
  }
  __device__ void store(int z, int m, int col, float v) const {
    uint32_t img, pix;
    d.hw_div.divmod(col, img, pix);
    gx[(static_cast<int64_t>(img) * d.c + static_cast<int64_t>(z) * d.cg + m) * d.h * d.w + pix] = v;
  }
};

struct ConvGradWeight : GemmShape {
  ConvDims d;
  const float* x;
  const float* gy;
  const float* mask;
  float* gw;
  explicit ConvGradWeight(const ::pai::Conv2dShape& s) : d(s) {}

  struct RowCtx {
    int64_t off;  // gy[0, g og + o, 0, 0]
  };
  struct ColCtx {
    int64_t coff;    // x[0, g cg + ch, 0, 0]
    int roff, soff;  // r dh - ph, s dw - pw
  };
  __device__ RowCtx a_row(int z, int m) const {
    return {(static_cast<int64_t>(z) * d.og + m) * d.oh * d.ow};
  }
  __device__ float a_at(const RowCtx& r, int, int k) const {
    uint32_t img, pix;
    d.ohw_div.divmod(k, img, pix);
    return __ldg(gy + static_cast<int64_t>(img) * d.o * d.oh * d.ow + r.off + pix);
  }
  __device__ ColCtx b_col(int z, int col) const {
    uint32_t ch, tap, r, s;
    d.taps_div.divmod(col, ch, tap);
    d.kw_div.divmod(tap, r, s);
    return {(static_cast<int64_t>(z) * d.cg + ch) * d.h * d.w, static_cast<int>(r) * d.dh - d.ph,
            static_cast<int>(s) * d.dw - d.pw};
  }
  __device__ float b_at(const ColCtx& cc, int, int k) const {
    uint32_t img, pix, oy, ox;
    d.ohw_div.divmod(k, img, pix);
    d.ow_div.divmod(pix, oy, ox);
    const int iy = static_cast<int>(oy) * d.sh + cc.roff, ix = static_cast<int>(ox) * d.sw + cc.soff;
    if (static_cast<unsigned>(iy) >= static_cast<unsigned>(d.h) || static_cast<unsigned>(ix) >= static_cast<unsigned>(d.w))
      return 0.f;
    return __ldg(x + static_cast<int64_t>(img) * d.c * d.h * d.w + cc.coff + static_cast<int64_t>(iy) * d.w + ix);
  }
  __device__ void store(int z, int m, int col, float v) const {
    const int64_t i = (static_cast<int64_t>(z) * d.og + m) * (static_cast<int64_t>(d.cg) * d.taps()) + col;
    gw[i] = mask ? v * __ldg(mask + i) : v;
  }
};

void check_shape(const ::pai::Conv2dShape& s, const char* name) {
  const int64_t limit = (int64_t{1} << 31) - 1;
  if (!s.valid()) throw Error(std::string("pai_cuda: ") + name + ": invalid convolution shape");
  if (s.n * s.out_h() * s.out_w() > limit || s.n * s.h * s.w > limit || s.c * s.kh * s.kw > limit ||
      s.o * s.kh * s.kw > limit || s.groups > 65535)
    throw Error(std::string("pai_cuda: ") + name + ": shape too large (batch x pixels must stay below 2^31)");
}

}  // namespace

void conv2d_forward(const ::pai::Conv2dShape& s, const float* x, const float* weight, const float* mask,
                    const float* bias, float* out) {
  check_shape(s, "conv2dForward");
  ConvForward p(s);
  p.m = p.d.og;
  p.n = static_cast<int>(s.n * s.out_h() * s.out_w());
  p.k = p.d.cg * p.d.taps();
  p.batches = static_cast<int>(s.groups);
  p.a_m_major = false;
  p.b_n_major = true;
  p.x = x;
  p.wt = weight;
  p.mask = mask;
  p.bias = bias;
  p.out = out;
  run_gemm(p, /*allow_split=*/false, "conv2dForward");
}

void conv2d_grad_input(const ::pai::Conv2dShape& s, const float* gy, const float* weight, const float* mask,
                       float* gx) {
  check_shape(s, "conv2dGradInput");
  ConvGradInput p(s);
  p.m = p.d.cg;
  p.n = static_cast<int>(s.n * s.h * s.w);
  p.k = p.d.og * p.d.taps();
  p.batches = static_cast<int>(s.groups);
  p.a_m_major = false;
  p.b_n_major = true;
  p.gy = gy;
  p.wt = weight;
  p.mask = mask;
  p.gx = gx;
  run_gemm(p, /*allow_split=*/false, "conv2dGradInput");
}

void conv2d_grad_weight(const ::pai::Conv2dShape& s, const float* x, const float* gy, const float* mask,
                        float* gw) {
  check_shape(s, "conv2dGradWeight");
  ConvGradWeight p(s);
  p.m = p.d.og;
  p.n = p.d.cg * p.d.taps();
  p.k = static_cast<int>(s.n * s.out_h() * s.out_w());
  p.batches = static_cast<int>(s.groups);
  p.a_m_major = false;
  p.b_n_major = false;
  p.x = x;
  p.gy = gy;
  p.mask = mask;
  p.gw = gw;
  run_gemm(p, /*allow_split=*/true, "conv2dGradWeight");
}

}  // namespace pai::cuda
