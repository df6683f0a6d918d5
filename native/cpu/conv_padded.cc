// The padded-tile path of convolutions on maps at least 8 pixels wide. im2col of such maps
// costs bounds logic per row segment and tap; here a band of input rows is copied once
// into a zero-padded tile, split by stride phase: padded pixel (Y, X) goes to phase
// (Y mod sh, X mod sw) at (Y / sh, X / sw), each phase of pitch P = ceil((w + 2 pw) / sw).
// Output pixel (oy, ox) of the band is column f = (oy - oy0) P + ox of the product, and
// tap (ci, ky, kx) reads phase (ky dh mod sh, kx dw mod sw) shifted by (ky dh / sh,
// kx dw / sw): a contiguous tile range for any stride. The P - ow columns per row that
// land in the padding, and those rounding the band up to whole panels, are computed and
// dropped (at most 1/8 of the work, which is why narrow maps do not take this path).
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_gemm.h"
#include "conv_lowering.h"
#include "conv_padded_tile.h"
#include "pai/cpu_features.h"
#include "pai/parallel.h"

namespace pai::conv_detail {

bool PaddedTile::plan(const PatchShape& s, int64_t columns, int64_t extra) {
  pitch = (s.w + 2 * s.pw + s.sw - 1) / s.sw;
  if (s.ow < 8 || 8 * (pitch - s.ow) > pitch || s.sw > 16) return false;
  band = std::max<int64_t>(1, std::min(s.oh, (columns + pitch / 2) / pitch));
  bands = (s.oh + band - 1) / band;
  rows = band + s.dh * (s.kh - 1) / s.sh;
  slack = s.dw * (s.kw - 1) / s.sw + extra;
  size = s.sh * s.sw * s.c * rows * pitch + slack;
  return true;
}

void PaddedTile::tap_offsets(const PatchShape& s, int64_t* offsets) const {
  const int64_t area = s.kh * s.kw;
  for (int64_t k = 0; k < s.taps(); ++k) {
    const int64_t ci = k / area, ky = (k % area) / s.kw, kx = k % s.kw;
    const int64_t phase = ((ky * s.dh) % s.sh) * s.sw + (kx * s.dw) % s.sw;
    offsets[k] = (phase * s.c + ci) * rows * pitch + (ky * s.dh / s.sh) * pitch + kx * s.dw / s.sw;
  }
}

void PaddedTile::build(const PatchShape& s, const float* x, int64_t oy0, float* tile) const {
  const bool avx512 = active_isa() == Isa::Avx512;
  for (int64_t py = 0; py < s.sh; ++py) {
    for (int64_t ci = 0; ci < s.c; ++ci) {
      for (int64_t r = 0; r < rows; ++r) {
        // Row r of every column phase px: padded input X = ix + pw goes to phase X mod sw,
        // column X / sw.
        const int64_t iy = s.sh * (oy0 + r) + py - s.ph;
        const bool inside = iy >= 0 && iy < s.h;
        const bool vector_copy = avx512 && s.sw <= 2 && inside;
        float* d[16];
        for (int64_t px = 0; px < s.sw; ++px) {
          d[px] = tile + (((py * s.sw + px) * s.c + ci) * rows + r) * pitch;
          if (!vector_copy) std::memset(d[px], 0, sizeof(float) * pitch);
        }
        if (!inside) continue;
        const float* row = x + (ci * s.h + iy) * s.w;
        if (vector_copy) {  // masked vector copies: no per-element work
          if (s.sw == 1) pad_row_avx512(row, s.w, s.pw, d[0], pitch);
          else pad_row_pairs_avx512(row, s.w, s.pw, d[0], d[1], pitch);
        } else if (s.sw == 1) {
          std::memcpy(d[0] + s.pw, row, sizeof(float) * s.w);
        } else {
          int64_t px = s.pw % s.sw, cx = s.pw / s.sw;
          for (int64_t ix = 0; ix < s.w && cx < pitch; ++ix) {
            d[px][cx] = row[ix];
            if (++px == s.sw) {
              px = 0;
              ++cx;
            }
          }
        }
      }
    }
  }
  std::memset(tile + size - slack, 0, sizeof(float) * slack);
}

bool run_padded(const LoweredConv& lc) {
  const PatchShape& ps = lc.patch;
  const MicroKernel& mk = micro_kernel();
  PaddedTile pt;
  if (!pt.plan(ps, 8 * mk.nr, 0)) return false;
  const int64_t width = round_up(pt.band * pt.pitch, mk.nr);  // product columns
  if (8 * width > 9 * pt.band * ps.ow) return false;  // more than 1/8 of the products wasted
  pt.plan(ps, 8 * mk.nr, width - pt.band * pt.pitch + mk.nr);  // slack for the last panel
  const int64_t taps = ps.taps(), kc_max = reduction_block(taps);
  const int64_t items = lc.groups * lc.n * pt.bands;
  const int64_t slots = std::min<int64_t>(num_threads(), items);
  std::vector<int64_t> offsets(taps);
  pt.tap_offsets(ps, offsets.data());
  // Workspace 0 holds the packed weights; each slot gets three more.
  std::vector<float*> tiles, bbuf, cbuf;
  for (int64_t s = 0; s < slots; ++s) {
    const int i = 1 + 3 * static_cast<int>(s);
    tiles.push_back(workspace(i, pt.size));
    bbuf.push_back(workspace(i + 1, kc_max * mk.nr));
    cbuf.push_back(workspace(i + 2, lc.m * width));
  }
  const int64_t out_channels = lc.groups * lc.m, plane = ps.oh * ps.ow;
  parallel_for(0, slots, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t slot = s0; slot < s1; ++slot) {
      float* tile_mem = tiles[slot];
      float* bp = bbuf[slot];
      float* cp = cbuf[slot];
      for (int64_t item = items * slot / slots; item < items * (slot + 1) / slots; ++item) {
        const int64_t g = item / (lc.n * pt.bands), b = (item / pt.bands) % lc.n;
        const int64_t oy0 = (item % pt.bands) * pt.band, oy1 = std::min(ps.oh, oy0 + pt.band);
        pt.build(ps, lc.x + b * ps.image_stride + g * ps.c * ps.h * ps.w, oy0, tile_mem);
        const float* ag = lc.a_packed + g * lc.a_group_stride;
        const int64_t cols = (oy1 - oy0) * pt.pitch;
        // Reduction blocks outer (a block of A stays in L2 across the band's panels), one
        // B panel at a time (consumed from L1 by every A panel).
        for (int64_t k0 = 0; k0 < taps; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, taps - k0);
          for (int64_t j0 = 0; j0 < cols; j0 += mk.nr) {
            Tile panel;
            panel.c = cp + j0;
            panel.ldc = width;
            panel.rows = lc.m;
            panel.cols = std::min<int64_t>(mk.nr, cols - j0);
            panel.bias = lc.bias ? lc.bias + g * lc.m : nullptr;
            pack_shifted(tile_mem + j0, offsets.data() + k0, kc, mk.nr, bp);
            gemm_block(mk, kc, ag + k0 * mk.mr, taps * mk.mr, bp, panel, k0 > 0);
          }
        }
        for (int64_t oc = 0; oc < lc.m; ++oc) {
          float* dst = lc.out + (b * out_channels + g * lc.m + oc) * plane;
          for (int64_t oy = oy0; oy < oy1; ++oy)
            std::memcpy(dst + oy * ps.ow, cp + oc * width + (oy - oy0) * pt.pitch, sizeof(float) * ps.ow);
        }
      }
    }
  });
  return true;
}

}  // namespace pai::conv_detail
