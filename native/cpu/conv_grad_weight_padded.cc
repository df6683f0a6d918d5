// Weight gradient through padded tiles: for stride-1-like maps at least 8 wide (see
// conv_padded.cc), the patches of a band are shifted rows of one zero-padded tile, so the
// pixel-major B panels come from register transposes of tile rows directly, with no
// im2col copy; gy is packed at the tile's pitch with zeros in the padding columns, which
// makes those positions contribute nothing.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_gemm.h"
#include "conv_lowering.h"
#include "conv_padded_tile.h"
#include "pai/parallel.h"

namespace pai::conv_detail {
namespace {

constexpr int64_t kPixelBlock = 128;  // reduction length per product block

// A panels of gy for band positions [f0, f0 + len) (output row oy0 + f / pitch, column
// f mod pitch, 0 past ow): dst[(i * len + l) * mr + r] = gy[ch0 + i*mr + r] at f0 + l.
void pack_gradient_band(const float* gy_image, int64_t plane, int64_t ow, int64_t pitch,
                        int64_t oy0, int64_t m, int64_t f0, int64_t len, int mr, float* dst) {
  const int64_t panels = (m + mr - 1) / mr;
  std::memset(dst, 0, sizeof(float) * panels * len * mr);
  for (int64_t i = 0; i < panels; ++i) {
    const int64_t rows = std::min<int64_t>(mr, m - i * mr);
    float* d = dst + i * len * mr;
    for (int64_t r = f0 / pitch; r * pitch < f0 + len; ++r) {
      const int64_t fa = std::max(f0, r * pitch), fb = std::min(f0 + len, r * pitch + ow);
      if (fa >= fb) continue;
      transpose_pack(gy_image + i * mr * plane + (oy0 + r) * ow + (fa - r * pitch), plane, rows,
                     fb - fa, mr, d + (fa - f0) * mr);
    }
  }
}

}  // namespace

bool grad_weight_padded(const Conv2dShape& s, const float* x, const float* gy, const float* mask,
                        float* gw) {
  const PatchShape ps = patch_of(s);
  PaddedTile pt;
  const MicroKernel& mk = micro_kernel();
  if (!pt.plan(ps, 8 * mk.nr, 0)) return false;
  const int64_t og = s.o / s.groups, taps = ps.taps(), plane = ps.pixels();
  const int64_t m_panels = (og + mk.mr - 1) / mk.mr;
  const int64_t weights = s.o * taps, len = kPixelBlock;
  const int64_t items = s.groups * s.n * pt.bands;
  const int64_t slots = std::min<int64_t>(num_threads(), items);
  std::vector<int64_t> offsets(taps);
  pt.tap_offsets(ps, offsets.data());

  // Slot 0 accumulates straight into gw; the others into partial copies summed at the end.
  std::vector<float*> partial, tiles, apack, bpack;
  for (int64_t t = 0; t < slots; ++t) {
    const int i = 4 * static_cast<int>(t);
    partial.push_back(t == 0 ? gw : workspace(i, weights));
    tiles.push_back(workspace(i + 1, pt.size));
    apack.push_back(workspace(i + 2, m_panels * mk.mr * len));
    bpack.push_back(workspace(i + 3, mk.nr * len));
  }
  parallel_for(0, slots, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      std::memset(partial[t], 0, sizeof(float) * weights);
      for (int64_t item = items * t / slots; item < items * (t + 1) / slots; ++item) {
        const int64_t g = item / (s.n * pt.bands), b = (item / pt.bands) % s.n;
        const int64_t oy0 = (item % pt.bands) * pt.band, oy1 = std::min(ps.oh, oy0 + pt.band);
        pt.build(ps, x + b * ps.image_stride + g * ps.c * s.h * s.w, oy0, tiles[t]);
        const float* gy_image = gy + (b * s.o + g * og) * plane;
        float* cg = partial[t] + g * og * taps;
        const int64_t cols = (oy1 - oy0) * pt.pitch;
        // Even reduction blocks of at most `len` (a short last block would cost a full
        // load and store of every C tile for little work).
        const int64_t step = (cols + (cols + len - 1) / len - 1) / ((cols + len - 1) / len);
        for (int64_t f0 = 0; f0 < cols; f0 += step) {
          const int64_t n = std::min(step, cols - f0);
          pack_gradient_band(gy_image, plane, ps.ow, pt.pitch, oy0, og, f0, n, mk.mr, apack[t]);
          for (int64_t k0 = 0; k0 < taps; k0 += mk.nr) {
            const int64_t kn = std::min<int64_t>(mk.nr, taps - k0);
            transpose_pack_rows(tiles[t] + f0, offsets.data() + k0, kn, n, mk.nr, bpack[t]);
            Tile tile;
            tile.c = cg + k0;
            tile.ldc = taps;
            tile.rows = og;
            tile.cols = kn;
            gemm_block(mk, n, apack[t], n * mk.mr, bpack[t], tile, true);
          }
        }
      }
    }
  });
  sum_partials(partial, weights, mask, gw);
  return true;
}

}  // namespace pai::conv_detail
