// Input gradient of a convolution. With stride 1 (and padding at most the dilated kernel
// extent) it is itself a forward convolution of gy with the weights flipped and
// transposed per group, so it reuses the forward product path unchanged. Otherwise the
// patch gradients W^T gy are formed block by block and scattered back with col2im.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_few_pixels.h"
#include "conv_gemm.h"
#include "conv_lowering.h"
#include "pai/conv.h"
#include "pai/parallel.h"

namespace pai {
namespace conv_detail {
namespace {

// A_g[ci, (oc, ky, kx)] = weight[g*og + oc, ci, kh-1-ky, kw-1-kx] * mask, packed in mr panels.
// The weights are read in order; each lands in its (panel, tap, lane) slot.
void pack_flipped(const Conv2dShape& s, const float* weight, const float* mask, int mr,
                  float* dst, int64_t group_stride) {
  const int64_t cg = s.c / s.groups, og = s.o / s.groups, area = s.kh * s.kw;
  const int64_t taps = og * area, panels = (cg + mr - 1) / mr;
  for (int64_t g = 0; g < s.groups; ++g) {
    float* dg = dst + g * group_stride;
    // lanes past cg in the last panel stay 0
    std::fill(dg + (panels - 1) * taps * mr, dg + panels * taps * mr, 0.f);
    for (int64_t oc = 0; oc < og; ++oc) {
      for (int64_t ci = 0; ci < cg; ++ci) {
        const int64_t wi = ((g * og + oc) * cg + ci) * area;
        float* d = dg + (ci / mr) * taps * mr + oc * area * mr + ci % mr;
        for (int64_t t = 0; t < area; ++t)
          d[(area - 1 - t) * mr] = mask ? weight[wi + t] * mask[wi + t] : weight[wi + t];
      }
    }
  }
}

void grad_input_as_forward(const Conv2dShape& s, const float* gy, const float* weight,
                           const float* mask, float* gx) {
  const MicroKernel& mk = micro_kernel();
  LoweredConv lc;
  PatchShape& p = lc.patch;
  p.c = s.o / s.groups;
  p.h = s.out_h();
  p.w = s.out_w();
  p.kh = s.kh;
  p.kw = s.kw;
  p.ph = s.dh * (s.kh - 1) - s.ph;
  p.pw = s.dw * (s.kw - 1) - s.pw;
  p.dh = s.dh;
  p.dw = s.dw;
  p.oh = s.h;
  p.ow = s.w;
  p.image_stride = s.o * p.h * p.w;
  lc.n = s.n;
  lc.groups = s.groups;
  lc.m = s.c / s.groups;
  lc.a_group_stride = (lc.m + mk.mr - 1) / mk.mr * mk.mr * p.taps();
  float* packed = workspace(0, lc.a_group_stride * s.groups);
  pack_flipped(s, weight, mask, mk.mr, packed, lc.a_group_stride);
  lc.x = gy;
  lc.a_packed = packed;
  lc.out = gx;
  run_lowered(lc);
}

// B panels of gy for batch pixels [q0, q1) and channels [c0, c0 + kc) of group g:
// panel j holds dst[(j * kc + k) * nr + t] = gy[b, g*og + c0 + k, p] for q = q0 + j*nr + t.
void pack_gradient_panels(const float* gy, int64_t plane, int64_t channels, int64_t ch0,
                          int64_t kc, int64_t q0, int64_t q1, int nr, float* dst) {
  const int64_t panels = (q1 - q0 + nr - 1) / nr;
  for (int64_t j = 0; j < panels; ++j) {
    float* d = dst + j * kc * nr;
    const int64_t qa = q0 + j * nr, qb = std::min(q1, qa + nr);
    for (int64_t k = 0; k < kc; ++k) {
      float* dk = d + k * nr;
      for (int64_t q = qa; q < qb;) {
        const int64_t b = q / plane, p = q % plane, len = std::min(plane - p, qb - q);
        std::memcpy(dk + (q - qa), gy + (b * channels + ch0 + k) * plane + p, sizeof(float) * len);
        q += len;
      }
      std::memset(dk + (qb - qa), 0, sizeof(float) * (nr - (qb - qa)));
    }
  }
}

void grad_input_by_col2im(const Conv2dShape& s, const float* gy, const float* weight,
                          const float* mask, float* gx) {
  const MicroKernel& mk = micro_kernel();
  const PatchShape ps = patch_of(s);
  const int64_t cg = ps.c, og = s.o / s.groups, taps = ps.taps(), plane = ps.pixels();
  const int64_t m_panels = (taps + mk.mr - 1) / mk.mr;
  const int64_t group_stride = m_panels * mk.mr * og;
  float* packed = workspace(0, group_stride * s.groups);
  for (int64_t g = 0; g < s.groups; ++g)
    pack_columns(weight + g * og * taps, mask ? mask + g * og * taps : nullptr, taps, og, taps,
                 mk.mr, packed + g * group_stride);

  const int64_t block = 8 * mk.nr, kc_max = reduction_block(og);
  const int64_t slots = std::min<int64_t>(num_threads(), s.n);
  std::vector<float*> bbuf, cbuf;
  for (int64_t t = 0; t < slots; ++t) {
    bbuf.push_back(workspace(1 + 2 * static_cast<int>(t), kc_max * block));
    cbuf.push_back(workspace(2 + 2 * static_cast<int>(t), taps * block));
  }
  // Each slot owns whole images, so the col2im scatter never races.
  parallel_for(0, slots, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* bp = bbuf[t];
      float* cp = cbuf[t];
      const int64_t b0 = s.n * t / slots, b1 = s.n * (t + 1) / slots;
      std::fill(gx + b0 * ps.image_stride, gx + b1 * ps.image_stride, 0.f);
      for (int64_t g = 0; g < s.groups; ++g) {
        const float* ag = packed + g * group_stride;
        for (int64_t q0 = b0 * plane; q0 < b1 * plane; q0 += block) {
          const int64_t q1 = std::min(b1 * plane, q0 + block);
          Tile tile;
          tile.c = cp;
          tile.ldc = block;
          tile.rows = taps;
          tile.cols = q1 - q0;
          for (int64_t k0 = 0; k0 < og; k0 += kc_max) {
            const int64_t kc = std::min(kc_max, og - k0);
            pack_gradient_panels(gy, plane, s.o, g * og + k0, kc, q0, q1, mk.nr, bp);
            gemm_block(mk, kc, ag + k0 * mk.mr, og * mk.mr, bp, tile, k0 > 0);
          }
          col2im_add(ps, cp, ColumnLayout::rows(block), 0, taps, q0, q1, gx + g * cg * s.h * s.w);
        }
      }
    }
  });
}

}  // namespace
}  // namespace conv_detail

void conv2d_grad_input(const Conv2dShape& s, const float* gy, const float* weight,
                       const float* mask, float* gx) {
  using namespace conv_detail;
  if (s.c == s.groups) {
    depthwise_grad_input(s, gy, weight, mask, gx);
  } else if (few_pixels_grad_input(s, gy, weight, mask, gx)) {
    return;
  } else if (s.sh == 1 && s.sw == 1 && s.ph <= s.dh * (s.kh - 1) && s.pw <= s.dw * (s.kw - 1) &&
             s.c / s.groups >= micro_kernel().mr) {
    // (With fewer input channels than a panel has rows, most of each tile would be
    // padding; the col2im product has one row per tap instead.)
    grad_input_as_forward(s, gy, weight, mask, gx);
  } else {
    grad_input_by_col2im(s, gy, weight, mask, gx);
  }
}

}  // namespace pai
