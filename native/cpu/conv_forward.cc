// Convolution forward as a packed product: weights packed once per call (mask fused),
// patches packed per block of batch pixels straight from NCHW, products into a
// cache-resident tile that is then written out with the bias.
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

bool Conv2dShape::valid() const {
  return n > 0 && c > 0 && h > 0 && w > 0 && o > 0 && kh > 0 && kw > 0 && sh > 0 && sw > 0 &&
         ph >= 0 && pw >= 0 && dh > 0 && dw > 0 && groups > 0 && c % groups == 0 &&
         o % groups == 0 && out_h() > 0 && out_w() > 0;
}

namespace conv_detail {

PatchShape patch_of(const Conv2dShape& s) {
  PatchShape p;
  p.c = s.c / s.groups;
  p.h = s.h;
  p.w = s.w;
  p.kh = s.kh;
  p.kw = s.kw;
  p.sh = s.sh;
  p.sw = s.sw;
  p.ph = s.ph;
  p.pw = s.pw;
  p.dh = s.dh;
  p.dw = s.dw;
  p.oh = s.out_h();
  p.ow = s.out_w();
  p.image_stride = s.c * s.h * s.w;
  return p;
}

namespace {

// Number of pixel blocks (per group) of about 8 B panels each, a multiple of the thread
// count when the groups alone do not balance the threads.
int64_t pixel_blocks(int64_t pixels, int64_t groups, int nr) {
  const int64_t threads = num_threads();
  int64_t blocks = std::max<int64_t>(1, (pixels + 8 * nr - 1) / (8 * nr));
  if (groups % threads != 0) blocks = round_up(blocks, threads);
  return std::min(blocks, std::max<int64_t>(1, pixels / nr));
}

}  // namespace

void run_lowered(const LoweredConv& lc) {
  const MicroKernel& mk = micro_kernel();
  const PatchShape& ps = lc.patch;
  const int64_t taps = ps.taps(), plane = ps.pixels(), pixels = lc.n * plane;
  const int64_t kc_max = reduction_block(taps);
  const int64_t out_channels = lc.groups * lc.m;
  if (taps > 64 && run_padded(lc)) return;
  // With a short reduction the products are cheap next to moving the output, so blocks
  // stay inside one image and tiles are written straight into `out`. Otherwise blocks
  // may span images (well-shaped products for small maps) and go through a tile buffer.
  const bool direct = taps <= 64 && plane >= 4 * mk.nr;
  // Block i covers pixels [start(i), start(i + 1)), starts on panel boundaries, so that
  // blocks differ by at most one panel and the threads get even shares.
  int64_t block, blocks, per_image = 1;
  if (direct) {
    const int64_t per_plane = (plane + 8 * mk.nr - 1) / (8 * mk.nr);
    block = round_up((plane + per_plane - 1) / per_plane, mk.nr);
    per_image = (plane + block - 1) / block;
    blocks = lc.n * per_image;
  } else {
    blocks = pixel_blocks(pixels, lc.groups, mk.nr);
    block = round_up((pixels + blocks - 1) / blocks, mk.nr) + mk.nr;  // largest block
  }
  auto start = [&](int64_t i) {
    return i >= blocks ? pixels : pixels * i / blocks / mk.nr * mk.nr;
  };
  const int64_t items = blocks * lc.groups;
  const int64_t slots = std::min<int64_t>(num_threads(), items);

  // Workspace 0 holds the packed weights; each slot gets two more.
  std::vector<float*> bbuf, cbuf;
  for (int64_t s = 0; s < slots; ++s) {
    bbuf.push_back(workspace(1 + 2 * static_cast<int>(s), kc_max * mk.nr));
    cbuf.push_back(direct ? nullptr : workspace(2 + 2 * static_cast<int>(s), lc.m * block));
  }

  // Narrow maps (a few pixels per row) and strided convolutions gather their patches
  // through a per-panel offset table instead of copying row runs.
  const bool use_offsets = ps.ow < 8 || ps.sw != 1;
  std::vector<std::unique_ptr<PatchOffsets>> tables(use_offsets ? slots : 0);
  for (auto& t : tables) t = std::make_unique<PatchOffsets>();
  parallel_for(0, slots, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t slot = s0; slot < s1; ++slot) {
      PatchOffsets* offsets = use_offsets ? tables[slot].get() : nullptr;
      float* bp = bbuf[slot];
      float* cp = cbuf[slot];
      for (int64_t item = items * slot / slots; item < items * (slot + 1) / slots; ++item) {
        const int64_t g = item / blocks, blk = item % blocks;
        int64_t q0, q1;
        if (direct) {
          const int64_t b = blk / per_image;
          q0 = b * plane + (blk % per_image) * block;
          q1 = std::min((b + 1) * plane, q0 + block);
        } else {
          q0 = start(blk);
          q1 = start(blk + 1);
        }
        const float* xg = lc.x + g * ps.c * ps.h * ps.w;
        const float* ag = lc.a_packed + g * lc.a_group_stride;
        Tile tile;
        tile.rows = lc.m;
        tile.cols = q1 - q0;
        tile.bias = lc.bias ? lc.bias + g * lc.m : nullptr;
        if (direct) {
          const int64_t b = q0 / plane;
          tile.c = lc.out + (b * out_channels + g * lc.m) * plane + (q0 - b * plane);
          tile.ldc = plane;
        } else {
          tile.c = cp;
          tile.ldc = block;
        }
        // Reduction blocks outer, so that a block of A (kc x m) stays in L2 across the
        // block's panels; one B panel at a time, consumed by every A panel while it is
        // still in L1.
        const bool gathered = use_offsets && offsets->build(ps, q0, q1);
        for (int64_t k0 = 0; k0 < taps; k0 += kc_max) {
          const int64_t kc = std::min(kc_max, taps - k0);
          const ColumnLayout lay = ColumnLayout::panels(mk.nr, kc);
          for (int64_t j0 = 0; j0 < q1 - q0; j0 += mk.nr) {
            const int64_t cols = std::min<int64_t>(mk.nr, q1 - q0 - j0);
            if (gathered) offsets->gather(xg, k0, k0 + kc, j0, j0 + cols, bp, lay);
            else im2col(ps, xg, k0, k0 + kc, q0 + j0, q0 + j0 + cols, bp, lay);
            Tile panel = tile;
            panel.c = tile.c + j0;
            panel.cols = cols;
            gemm_block(mk, kc, ag + k0 * mk.mr, taps * mk.mr, bp, panel, k0 > 0);
          }
        }
        if (direct) continue;
        // Scatter the tile to NCHW, one image segment at a time.
        for (int64_t qa = q0; qa < q1;) {
          const int64_t b = qa / plane, p0 = qa % plane;
          const int64_t len = std::min(plane - p0, q1 - qa);
          for (int64_t oc = 0; oc < lc.m; ++oc) {
            const float* src = cp + oc * block + (qa - q0);
            float* dst = lc.out + (b * out_channels + g * lc.m + oc) * plane + p0;
            std::memcpy(dst, src, sizeof(float) * len);
          }
          qa += len;
        }
      }
    }
  });
}

}  // namespace conv_detail

void conv2d_forward(const Conv2dShape& s, const float* x, const float* weight, const float* mask,
                    const float* bias, float* out) {
  using namespace conv_detail;
  if (s.c == s.groups) {
    depthwise_forward(s, x, weight, mask, bias, out);
    return;
  }
  if (few_pixels_forward(s, x, weight, mask, bias, out)) return;
  const MicroKernel& mk = micro_kernel();
  LoweredConv lc;
  lc.patch = patch_of(s);
  lc.n = s.n;
  lc.groups = s.groups;
  lc.m = s.o / s.groups;
  const int64_t taps = lc.patch.taps();
  lc.a_group_stride = (lc.m + mk.mr - 1) / mk.mr * mk.mr * taps;
  float* packed = workspace(0, lc.a_group_stride * s.groups);
  for (int64_t g = 0; g < s.groups; ++g)
    pack_rows(weight + g * lc.m * taps, mask ? mask + g * lc.m * taps : nullptr, lc.m, taps, taps,
              mk.mr, packed + g * lc.a_group_stride);
  lc.x = x;
  lc.a_packed = packed;
  lc.bias = bias;
  lc.out = out;
  run_lowered(lc);
}

}  // namespace pai
