// Weight gradient of a convolution: gw_g = gy_g P_g^T, a product whose reduction runs over
// the batch pixels. Both operands are packed pixel-major (gy transposed into mr panels,
// patches transposed into nr panels) block by block; each thread accumulates into its own
// copy of gw, and the final sum over threads applies the mask.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "conv_few_pixels.h"
#include "conv_gemm.h"
#include "conv_lowering.h"
#include "pai/conv.h"
#include "pai/parallel.h"

namespace pai {
namespace conv_detail {
namespace {

constexpr int64_t kPixelBlock = 128;  // reduction length per product block
constexpr int64_t kTapPanels = 1;     // B panels formed per im2col block

// dst[(i * len + l) * mr + r] = gy[b, ch0 + i*mr + r, p] for pixel q0 + l; 0 past m rows
// or past q1.
void pack_gradient_transposed(const float* gy, int64_t plane, int64_t channels, int64_t ch0,
                              int64_t m, int64_t q0, int64_t q1, int64_t len, int mr, float* dst) {
  const int64_t panels = (m + mr - 1) / mr;
  for (int64_t i = 0; i < panels; ++i) {
    float* d = dst + i * len * mr;
    const int64_t rows = std::min<int64_t>(mr, m - i * mr);
    for (int64_t q = q0; q < q1;) {
      const int64_t b = q / plane, p = q % plane, run = std::min(plane - p, q1 - q);
      transpose_pack(gy + (b * channels + ch0 + i * mr) * plane + p, plane, rows, run, mr,
                     d + (q - q0) * mr);
      q += run;
    }
    std::memset(d + (q1 - q0) * mr, 0, sizeof(float) * (len - (q1 - q0)) * mr);
  }
}

// B panels from an im2col block col [rows][ld]: dst[(j * len + l) * nr + t] = col[j*nr + t][l],
// 0 past `rows`.
void transpose_panels(const float* col, int64_t rows, int64_t ld, int64_t len, int64_t panels,
                      int nr, float* dst) {
  for (int64_t j = 0; j < panels; ++j)
    transpose_pack(col + j * nr * ld, ld, std::min<int64_t>(nr, rows - j * nr), len, nr,
                   dst + j * len * nr);
}

}  // namespace

void sum_partials(const std::vector<float*>& partial, int64_t weights, const float* mask, float* gw) {
  const int64_t slots = static_cast<int64_t>(partial.size());
  if (slots == 1 && !mask) return;
  parallel_for(0, weights, 8192, [&](int64_t i0, int64_t i1) {
    for (int64_t t = 1; t < slots; ++t) {
      const float* p = partial[t];
      for (int64_t i = i0; i < i1; ++i) gw[i] += p[i];
    }
    if (mask)
      for (int64_t i = i0; i < i1; ++i) gw[i] = mask[i] != 0.f ? gw[i] * mask[i] : 0.f;
  });
}

}  // namespace conv_detail

void conv2d_grad_weight(const Conv2dShape& s, const float* x, const float* gy, const float* mask,
                        float* gw) {
  using namespace conv_detail;
  if (s.c == s.groups) {
    depthwise_grad_weight(s, x, gy, mask, gw);
    return;
  }
  if (few_pixels_grad_weight(s, x, gy, mask, gw)) return;
  if (grad_weight_padded(s, x, gy, mask, gw)) return;
  const MicroKernel& mk = micro_kernel();
  const PatchShape ps = patch_of(s);
  const int64_t og = s.o / s.groups, taps = ps.taps(), plane = ps.pixels();
  const int64_t pixels = s.n * plane;
  const int64_t m_panels = (og + mk.mr - 1) / mk.mr, n_panels = (taps + mk.nr - 1) / mk.nr;
  const int64_t weights = s.o * taps;
  const int64_t len = kPixelBlock;
  const int64_t chunks = (pixels + len - 1) / len, items = chunks * s.groups;
  const int64_t slots = std::min<int64_t>(num_threads(), items);

  // Slot 0 accumulates straight into gw; the others into partial copies summed at the end.
  std::vector<float*> partial, apack, col, bpack;
  for (int64_t t = 0; t < slots; ++t) {
    const int i = 4 * static_cast<int>(t);
    partial.push_back(t == 0 ? gw : workspace(i, weights));
    apack.push_back(workspace(i + 1, m_panels * mk.mr * len));
    col.push_back(workspace(i + 2, kTapPanels * mk.nr * len));
    bpack.push_back(workspace(i + 3, kTapPanels * mk.nr * len));
  }
  // As in the forward: narrow maps and strided convolutions gather through offset tables.
  const bool use_offsets = ps.ow < 8 || ps.sw != 1;
  std::vector<std::unique_ptr<PatchOffsets>> tables(use_offsets ? slots : 0);
  for (auto& tb : tables) tb = std::make_unique<PatchOffsets>();
  parallel_for(0, slots, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* cp = partial[t];
      std::memset(cp, 0, sizeof(float) * weights);
      for (int64_t item = items * t / slots; item < items * (t + 1) / slots; ++item) {
        const int64_t g = item / chunks;
        const int64_t q0 = (item % chunks) * len, q1 = std::min(pixels, q0 + len);
        const float* xg = x + g * ps.c * s.h * s.w;
        float* cg = cp + g * og * taps;
        pack_gradient_transposed(gy, plane, s.o, g * og, og, q0, q1, len, mk.mr, apack[t]);
        const bool gathered = use_offsets && tables[t]->build(ps, q0, q1);
        for (int64_t j0 = 0; j0 < n_panels; j0 += kTapPanels) {
          const int64_t jn = std::min(kTapPanels, n_panels - j0);
          const int64_t k0 = j0 * mk.nr, k1 = std::min(taps, (j0 + jn) * mk.nr);
          if (gathered) tables[t]->gather(xg, k0, k1, 0, q1 - q0, col[t], ColumnLayout::rows(len));
          else im2col(ps, xg, k0, k1, q0, q1, col[t], ColumnLayout::rows(len));
          transpose_panels(col[t], k1 - k0, len, len, jn, mk.nr, bpack[t]);
          Tile tile;
          tile.c = cg + k0;
          tile.ldc = taps;
          tile.rows = og;
          tile.cols = k1 - k0;
          gemm_block(mk, len, apack[t], len * mk.mr, bpack[t], tile, true);
        }
      }
    }
  });
  sum_partials(partial, weights, mask, gw);
}

}  // namespace pai
