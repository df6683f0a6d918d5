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
#include "pai/cpu_features.h"
#include "pai/parallel.h"

namespace pai::conv_detail {
namespace {

struct TileShape {
  int64_t rows, pitch;  // per phase and channel
  int64_t phase_size() const { return rows * pitch; }
};

// Copies the padded input rows of output rows [oy0, oy0 + t.rows - ...) of all channels of
// one image into the phase tiles ([sh][sw][c][rows][pitch], 0 outside the image) and zeroes
// `slack` floats after them.
void build_tile(const PatchShape& s, const float* x, int64_t oy0, const TileShape& t,
                int64_t slack, float* tile) {
  const int64_t phases = s.sh * s.sw;
  const bool avx512 = active_isa() == Isa::Avx512;
  for (int64_t py = 0; py < s.sh; ++py) {
    for (int64_t ci = 0; ci < s.c; ++ci) {
      for (int64_t r = 0; r < t.rows; ++r) {
        // Row r of every column phase px: zero it, then deal the input row out to the
        // phases (X = ix + pw goes to phase X mod sw, column X / sw).
        float* d[16];
        const int64_t iy_check = s.sh * (oy0 + r) + py - s.ph;
        const bool vector_copy = avx512 && s.sw <= 2 && iy_check >= 0 && iy_check < s.h;
        for (int64_t px = 0; px < s.sw; ++px) {
          d[px] = tile + (((py * s.sw + px) * s.c + ci) * t.rows + r) * t.pitch;
          if (!vector_copy) std::memset(d[px], 0, sizeof(float) * t.pitch);
        }
        const int64_t iy = s.sh * (oy0 + r) + py - s.ph;
        if (iy < 0 || iy >= s.h) continue;
        const float* row = x + (ci * s.h + iy) * s.w;
        if (avx512 && s.sw <= 2) {  // masked vector copies: no per-element work
          if (s.sw == 1) pad_row_avx512(row, s.w, s.pw, d[0], t.pitch);
          else pad_row_pairs_avx512(row, s.w, s.pw, d[0], d[1], t.pitch);
          continue;
        }
        if (s.sw == 1) {
          std::memcpy(d[0] + s.pw, row, sizeof(float) * s.w);
          continue;
        }
        int64_t px = s.pw % s.sw, cx = s.pw / s.sw;
        for (int64_t ix = 0; ix < s.w && cx < t.pitch; ++ix) {
          d[px][cx] = row[ix];
          if (++px == s.sw) {
            px = 0;
            ++cx;
          }
        }
      }
    }
  }
  std::memset(tile + phases * s.c * t.phase_size(), 0, sizeof(float) * slack);
}

}  // namespace

bool run_padded(const LoweredConv& lc) {
  const PatchShape& ps = lc.patch;
  TileShape ts;
  ts.pitch = (ps.w + 2 * ps.pw + ps.sw - 1) / ps.sw;
  if (ps.ow < 8 || 8 * (ts.pitch - ps.ow) > ts.pitch || ps.sw > 16) return false;
  const MicroKernel& mk = micro_kernel();
  const int64_t taps = ps.taps(), kc_max = reduction_block(taps);
  // Bands of about 8 panels of output rows.
  const int64_t band = std::max<int64_t>(1, std::min(ps.oh, (8 * mk.nr + ts.pitch / 2) / ts.pitch));
  const int64_t bands = (ps.oh + band - 1) / band;
  ts.rows = band + ps.dh * (ps.kh - 1) / ps.sh;
  const int64_t width = round_up(band * ts.pitch, mk.nr);  // product columns
  if (8 * width > 9 * band * ps.ow) return false;  // more than 1/8 of the products wasted
  const int64_t slack = width - band * ts.pitch + ps.dw * (ps.kw - 1) / ps.sw + mk.nr;
  const int64_t tile_size = ps.sh * ps.sw * ps.c * ts.phase_size() + slack;
  const int64_t items = lc.groups * lc.n * bands;
  const int64_t slots = std::min<int64_t>(num_threads(), items);

  // Tile offset of every tap, the same for all bands.
  std::vector<int64_t> offsets(taps);
  for (int64_t k = 0; k < taps; ++k) {
    const int64_t area = ps.kh * ps.kw, ci = k / area, ky = (k % area) / ps.kw, kx = k % ps.kw;
    const int64_t phase = ((ky * ps.dh) % ps.sh) * ps.sw + (kx * ps.dw) % ps.sw;
    offsets[k] = (phase * ps.c + ci) * ts.phase_size() + (ky * ps.dh / ps.sh) * ts.pitch +
                 kx * ps.dw / ps.sw;
  }
  // Workspace 0 holds the packed weights; each slot gets three more.
  std::vector<float*> tiles, bbuf, cbuf;
  for (int64_t s = 0; s < slots; ++s) {
    const int i = 1 + 3 * static_cast<int>(s);
    tiles.push_back(workspace(i, tile_size));
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
        const int64_t g = item / (lc.n * bands), b = (item / bands) % lc.n;
        const int64_t oy0 = (item % bands) * band, oy1 = std::min(ps.oh, oy0 + band);
        build_tile(ps, lc.x + b * ps.image_stride + g * ps.c * ps.h * ps.w, oy0, ts, slack, tile_mem);
        const float* ag = lc.a_packed + g * lc.a_group_stride;
        const int64_t cols = (oy1 - oy0) * ts.pitch;
        for (int64_t j0 = 0; j0 < cols; j0 += mk.nr) {
          Tile panel;
          panel.c = cp + j0;
          panel.ldc = width;
          panel.rows = lc.m;
          panel.cols = std::min<int64_t>(mk.nr, cols - j0);
          panel.bias = lc.bias ? lc.bias + g * lc.m : nullptr;
          for (int64_t k0 = 0; k0 < taps; k0 += kc_max) {
            const int64_t kc = std::min(kc_max, taps - k0);
            pack_shifted(tile_mem + j0, offsets.data() + k0, kc, mk.nr, bp);
            gemm_block(mk, kc, ag + k0 * mk.mr, taps * mk.mr, bp, panel, k0 > 0);
          }
        }
        for (int64_t oc = 0; oc < lc.m; ++oc) {
          float* dst = lc.out + (b * out_channels + g * lc.m + oc) * plane;
          for (int64_t oy = oy0; oy < oy1; ++oy)
            std::memcpy(dst + oy * ps.ow, cp + oc * width + (oy - oy0) * ts.pitch, sizeof(float) * ps.ow);
        }
      }
    }
  });
  return true;
}

}  // namespace pai::conv_detail
