// The direct path of compressed convolutions (see sparse_direct.h). A plane of h x w
// pixels is ceil(h w / width) vectors; tap (i, j) of a survivor reads the input plane
// shifted by (i dh - ph) w + (j dw - pw) under that tap's lane masks.
#include "sparse_direct.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "batchnorm_kernels.h"
#include "batchnorm_relu_kernels.h"
#include "pai/parallel.h"
#include "sparse_engine.h"
#include "sparse_plan.h"
#include "sparse_shifted.h"

namespace pai::sparse_detail {
namespace {

// Lane masks and shifts of every tap for one plane size.
struct DirectPlan {
  int64_t plane = 0;   // h * w
  int64_t vectors = 0;  // ceil(plane / width)
  int64_t width = 0;
  std::vector<int64_t> shift;         // [kk]
  std::vector<uint16_t> fwd, bwd;     // [kk][vectors]: output lanes reading inside / input lanes fed
};

DirectPlan make_plan(const Conv2dShape& s, int64_t width) {
  DirectPlan p;
  p.plane = s.h * s.w;
  p.width = width;
  p.vectors = (p.plane + width - 1) / width;
  const int64_t kk = s.kh * s.kw;
  p.shift.resize(kk);
  p.fwd.assign(kk * p.vectors, 0);
  p.bwd.assign(kk * p.vectors, 0);
  for (int64_t i = 0; i < s.kh; ++i)
    for (int64_t j = 0; j < s.kw; ++j) {
      const int64_t t = i * s.kw + j, di = i * s.dh - s.ph, dj = j * s.dw - s.pw;
      p.shift[t] = di * s.w + dj;
      for (int64_t q = 0; q < p.plane; ++q) {
        const int64_t r = q / s.w, c = q % s.w;
        const uint16_t bit = static_cast<uint16_t>(1u << (q % width));
        // Output pixel q reads input (r + di, c + dj); input pixel q feeds output (r - di, c - dj).
        if (r + di >= 0 && r + di < s.h && c + dj >= 0 && c + dj < s.w) p.fwd[t * p.vectors + q / width] |= bit;
        if (r - di >= 0 && r - di < s.h && c - dj >= 0 && c - dj < s.w) p.bwd[t * p.vectors + q / width] |= bit;
      }
    }
  return p;
}

// Runs fn(v0, k) over the vectors of a plane in blocks of 1 << k vectors, widest first.
template <typename F>
void for_each_vector_block(int64_t vectors, F fn) {
  for (int64_t v0 = 0; v0 < vectors;) {
    const int64_t left = std::min<int64_t>(8, vectors - v0);
    const int k = left >= 8 ? 3 : left >= 4 ? 2 : left >= 2 ? 1 : 0;
    fn(v0, k);
    v0 += int64_t(1) << k;
  }
}

// Blocks of source channels (input channels forward, output channels for the input
// gradient). On small planes a survivor reads one or a few vectors of each of several
// images, and an output row's survivors reach across every source channel: the images'
// source planes then stream from L2 once per output row. Blocking the source channels
// so that one block of the images' planes stays in L1 across all output rows (each row
// adding its block's survivors onto the partial sums in out) costs a reload of the
// partial sums per block, so blocks are only as many as keep about 32 survivors per row
// and block (measured on VGG's 4x4 and 8x8 layers; the weight gradient's dot products,
// which keep no partial sums, gained nothing from blocking and do not block).
struct SourceBlocks {
  int64_t count = 1;     // blocks
  int64_t channels = 0;  // source channels per block (all of them when count == 1)
  int64_t images = 8;    // images of a task group
};

int leading_block(int64_t vectors) { return vectors >= 8 ? 3 : vectors >= 4 ? 2 : vectors >= 2 ? 1 : 0; }

SourceBlocks source_blocks(const DirectPlan& p, int64_t sources, int64_t entries, int64_t rows) {
  SourceBlocks b;
  b.channels = sources;
  if (p.vectors >= 8 || sources <= 1 || rows <= 0) return b;
  constexpr int64_t kL1Bytes = 32 * 1024, kMinPerBlock = 32;
  const int64_t images = int64_t(8) >> leading_block(p.vectors);
  const int64_t per_channel = images * p.vectors * p.width * static_cast<int64_t>(sizeof(float));
  const int64_t fit = std::max<int64_t>(1, kL1Bytes / per_channel);
  const int64_t by_cache = (sources + fit - 1) / fit;
  const int64_t by_density = std::max<int64_t>(1, entries / (rows * kMinPerBlock));
  const int64_t count = std::min(by_cache, by_density);
  if (count <= 1) return b;
  b.channels = (sources + count - 1) / count;
  b.count = (sources + b.channels - 1) / b.channels;
  b.images = images;
  return b;
}

// Entries of block 0 over all channels.
template <typename Range>
int64_t range_entries(Range range, int64_t channels) {
  int64_t total = 0;
  for (int64_t ch = 0; ch < channels; ++ch) total += range(ch, int64_t{0}).second;
  return total;
}

// Every plane [img][ch] of out ([n][channels][plane]): init(ch) plus, for each source
// block b < blocks.count, ch's entries [first, first + count) = range(ch, b), vals * the
// masked src planes of the image (src images image_stride apart; offs relative to an
// image's start). Tasks are groups of images times channel ranges, so that the kernels
// can take several images at once; within a task, the source blocks go outermost (the
// images, on planes of 8+ vectors with 16+ entries per channel).
// done(img0, img1, ch) runs once ch's planes of images [img0, img1) are final, while they
// are still in cache.
template <typename Range, typename Init, typename Done>
void direct_planes(const BlockKernels& k, const DirectPlan& p, const SourceBlocks& blocks, int64_t n,
                   int64_t channels, const float* src, int64_t image_stride, const int64_t* offs,
                   const int32_t* taps, const float* vals, const uint16_t* masks, Range range,
                   Init init, Done done, float* out, const ShiftedCopies* copies = nullptr) {
  // Planes of 8+ vectors with 16+ entries per channel go one image at a time (below).
  // With fewer, most calls only write a block of init, and that order cost more (64 -> 64
  // on 32x32 at 0.1%: forward 1.95 against 1.39 ms).
  const bool image_outer = p.vectors >= 8 && (copies || range_entries(range, channels) >= 16 * channels);
  constexpr int64_t kImages = 8;
  const int64_t group = blocks.images;
  const int64_t groups = (n + group - 1) / group;
  const int64_t ranges = std::min(channels, std::max<int64_t>(1, (4 * num_threads() + groups - 1) / groups));
  const int64_t out_image = channels * p.plane;
  parallel_for(0, groups * ranges, 1, [&](int64_t t0, int64_t t1) {
    alignas(64) float tile[8 * 16];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t img0 = (t / ranges) * group, img1 = std::min(n, img0 + group);
      const int64_t rg = t % ranges;
      const int64_t ch0 = channels * rg / ranges, ch1 = channels * (rg + 1) / ranges;
      if (image_outer) {
        // Planes of 8+ vectors go one image at a time, a block of 8 vectors of every
        // channel in turn: the image's source planes (256 KB on VGG's 32x32 layers) stay in
        // L2 across the channels. Channel-outer, each channel swept all the group's images,
        // about 2 MB of sources plus 2 MB of outputs, which spilled to L3 (batch 128 at 10%,
        // 64 -> 64 on 32x32: forward 17.0 -> 14.0 ms, input gradient 17.9 -> 15.1 ms).
        float* shifted = copies ? scratch<float>(kTaskLocal, copies->floats()) : nullptr;
        for (int64_t img = img0; img < img1; ++img) {
          if (copies) copies->build(src + img * image_stride, shifted);
          for_each_vector_block(p.vectors, [&](int64_t v0, int kb) {
            const int64_t nv = int64_t(1) << kb;
            const int64_t first = v0 * p.width, len = std::min(nv * p.width, p.plane - first);
            const bool whole = len == nv * p.width;
            for (int64_t ch = ch0; ch < ch1; ++ch) {
              const std::pair<int64_t, int64_t> entries = range(ch, 0);
              const int64_t j0 = entries.first, count = entries.second;
              float* dst = out + img * out_image + ch * p.plane + first;
              if (copies) {
                // Blocks of 2, 4 or 8 vectors (a last single vector through a block of 2).
                const int kc = kb == 0 ? 0 : kb - 1;
                const int64_t block = (int64_t(2) << kc) * p.width;
                float* to = whole && block == len ? dst : tile;
                const float b = init(ch);
                if (b != 0.f) std::fill(to, to + block, b);
                k.accumulate[kc](shifted + first, copies->off.data() + j0, vals + j0, count, to, b != 0.f);
                if (to == tile) std::copy(tile, tile + len, dst);
                continue;
              }
              k.direct.accumulate_one[kb](src + img * image_stride + first, image_stride, offs + j0, taps + j0,
                                          vals + j0, count, masks + v0, p.vectors, init(ch), false,
                                          whole ? dst : tile, nv * p.width);
              if (!whole) std::copy(tile, tile + len, dst);
            }
          });
          for (int64_t ch = ch0; ch < ch1; ++ch) done(img, img + 1, ch);
        }
        continue;
      }
      for (int64_t blk = 0; blk < blocks.count; ++blk) {
        const bool add = blk > 0;
        for (int64_t ch = ch0; ch < ch1; ++ch) {
          // Not a structured binding: C++17 does not let lambdas capture those.
          const std::pair<int64_t, int64_t> entries = range(ch, blk);
          const int64_t j0 = entries.first, count = entries.second;
          if (add && count == 0) continue;
          const float b = init(ch);
          for_each_vector_block(p.vectors, [&](int64_t v0, int kb) {
            const int64_t nv = int64_t(1) << kb, batch = kImages >> kb;
            const int64_t first = v0 * p.width, len = std::min(nv * p.width, p.plane - first);
            // Whole blocks go straight into out; the plane's ragged last block through a tile.
            const bool whole = len == nv * p.width;
            for (int64_t img = img0; img < img1;) {
              const int64_t imgs = img1 - img >= batch ? batch : 1;
              const DirectKernels::DirectAccumulate f = imgs == 1 ? k.direct.accumulate_one[kb]
                                                        : blocks.count > 1 ? k.direct.accumulate_blocked[kb]
                                                                           : k.direct.accumulate[kb];
              float* dst = out + img * out_image + ch * p.plane + first;
              if (!whole && add)
                for (int64_t i = 0; i < imgs; ++i) std::copy(dst + i * out_image, dst + i * out_image + len, tile + i * nv * p.width);
              f(src + img * image_stride + first, image_stride, offs + j0, taps + j0, vals + j0, count,
                masks + v0, p.vectors, b, add, whole ? dst : tile, whole ? out_image : nv * p.width);
              if (!whole)
                for (int64_t i = 0; i < imgs; ++i) std::copy(tile + i * nv * p.width, tile + i * nv * p.width + len, dst + i * out_image);
              img += imgs;
            }
          });
          if (blk == blocks.count - 1) done(img0, img1, ch);
        }
      }
    }
  });
}

// Survivor offsets (input channel plane + tap shift, relative to one image) and taps, CSR order.
void survivor_taps(const Conv2dShape& s, const SparsePattern& w, const DirectPlan& p,
                   int64_t* off, int32_t* tap) {
  const int64_t kk = s.kh * s.kw, cg = s.c / s.groups, og = s.o / s.groups;
  // Divisions per column, not per survivor.
  std::vector<int64_t> column(static_cast<size_t>(w.cols));
  std::vector<int32_t> column_tap(static_cast<size_t>(w.cols));
  for (int64_t col = 0; col < w.cols; ++col) {
    column[col] = (col / kk) * p.plane + p.shift[col % kk];
    column_tap[col] = static_cast<int32_t>(col % kk);
  }
  parallel_for(0, w.rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t o = r0; o < r1; ++o) {
      const int64_t group = (o / og) * cg * p.plane;
      for (int64_t j = w.row_ptr[o]; j < w.row_ptr[o + 1]; ++j) {
        off[j] = group + column[w.col_idx[j]];
        tap[j] = column_tap[w.col_idx[j]];
      }
    }
  });
}

// Where row o's survivors of source block b start: starts[o * (count + 1) + b], columns
// ascending so that a block of input channels is a run of each row (empty when count == 1).
std::vector<int64_t> row_block_starts(const Conv2dShape& s, const SparsePattern& w, const SourceBlocks& blocks) {
  std::vector<int64_t> starts(blocks.count > 1 ? s.o * (blocks.count + 1) : 0);
  if (blocks.count == 1) return starts;
  const int64_t kk = s.kh * s.kw, cg = s.c / s.groups;
  parallel_for(0, s.o, 64, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      const int32_t* row = w.col_idx + w.row_ptr[o];
      const int32_t* end = w.col_idx + w.row_ptr[o + 1];
      for (int64_t b = 0; b <= blocks.count; ++b)
        starts[o * (blocks.count + 1) + b] = std::lower_bound(row, end, std::min(b * blocks.channels, cg) * kk) - w.col_idx;
    }
  });
  return starts;
}

}  // namespace

bool direct_eligible(const Conv2dShape& s) {
  return s.sh == 1 && s.sw == 1 && s.out_h() == s.h && s.out_w() == s.w;
}

bool direct_forward(const Conv2dShape& s, const SparsePattern& w, const float* values,
                    const float* x, const float* bias, float* y, double* row_moments) {
  // The planes whose moments batch norm itself would take row by row (a vector or more):
  // shorter ones it sums as spans, cheaper than a call per plane here.
  if (!batchnorm_relu_detail::moments_by_row(s.o, s.h * s.w)) row_moments = nullptr;
  const BlockKernels& k = active_kernels();
  const DirectPlan p = make_plan(s, k.width);
  int64_t* off = scratch<int64_t>(kOffsets, w.nnz);
  int32_t* tap = scratch<int32_t>(kTaps, w.nnz);
  survivor_taps(s, w, p, off, tap);
  const SourceBlocks blocks = source_blocks(p, s.c / s.groups, w.nnz, s.o);
  const std::vector<int64_t> starts = row_block_starts(s, w, blocks);
  const bool shifted = use_copies(s, p.vectors, s.c, w.nnz);
  const ShiftedCopies copies = shifted ? input_copies(s, w) : ShiftedCopies{};
  direct_planes(
      k, p, blocks, s.n, s.o, x, s.c * p.plane, off, tap, values, p.fwd.data(),
      [&](int64_t o, int64_t b) {
        if (blocks.count == 1) return std::pair<int64_t, int64_t>(w.row_ptr[o], w.row_ptr[o + 1] - w.row_ptr[o]);
        const int64_t* at = starts.data() + o * (blocks.count + 1) + b;
        return std::pair<int64_t, int64_t>(at[0], at[1] - at[0]);
      },
      [&](int64_t o) { return bias ? bias[o] : 0.f; },
      [&](int64_t img0, int64_t img1, int64_t o) {
        if (!row_moments) return;
        const auto& bn = batchnorm_detail::batchnorm_kernels();
        double* m2 = row_moments + s.n * s.o;
        for (int64_t img = img0; img < img1; ++img) {
          const int64_t r = img * s.o + o;
          bn.row_moments(y + r * p.plane, p.plane, row_moments + r, m2 + r);
        }
      },
      y, shifted ? &copies : nullptr);
  return row_moments != nullptr;
}

void direct_grad_input(const Conv2dShape& s, const SparsePattern& w, const float* values,
                       const float* gy, float* gx) {
  const BlockKernels& k = active_kernels();
  const DirectPlan p = make_plan(s, k.width);
  const int64_t kk = s.kh * s.kw, cg = s.c / s.groups, og = s.o / s.groups;
  const SourceBlocks blocks = source_blocks(p, og, w.nnz, s.c);
  // Survivors feeding each input channel: (output plane - tap shift, tap, value), by block
  // of output channels (local to the group), then tap, then output channel.
  std::vector<int64_t> ptr(s.c + 1, 0);
  auto visit = [&](int64_t ch, auto&& fn) {
    const int64_t grp = ch / cg, cl = ch % cg;
    for (int64_t b = 0; b < blocks.count; ++b) {
      const int64_t lo = grp * og + b * blocks.channels, hi = grp * og + std::min(og, (b + 1) * blocks.channels);
      for (int64_t t = 0; t < kk; ++t) {
        const int64_t col = cl * kk + t;
        // Rows ascend within a column: the block is a run of it.
        const int32_t* first = w.csc_row + w.col_ptr[col];
        const int32_t* last = w.csc_row + w.col_ptr[col + 1];
        const int32_t* from = blocks.count == 1 && s.groups == 1 ? first : std::lower_bound(first, last, lo);
        for (const int32_t* r = from; r < last && *r < hi; ++r) fn(b, t, *r, r - w.csc_row);
      }
    }
  };
  // Entries of input channel ch in block b start at starts[ch * (count + 1) + b].
  std::vector<int64_t> starts(s.c * (blocks.count + 1), 0);
  parallel_for(0, s.c, 16, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      int64_t* at = starts.data() + ch * (blocks.count + 1);
      visit(ch, [&](int64_t b, int64_t, int64_t, int64_t) { ++at[b + 1]; });
      for (int64_t b = 0; b < blocks.count; ++b) at[b + 1] += at[b];
      ptr[ch + 1] = at[blocks.count];
    }
  });
  for (int64_t ch = 0; ch < s.c; ++ch) ptr[ch + 1] += ptr[ch];
  int64_t* off = scratch<int64_t>(kOffsets, ptr[s.c]);
  int32_t* tap = scratch<int32_t>(kTaps, ptr[s.c]);
  float* val = scratch<float>(kValues, ptr[s.c]);
  ShiftedCopies copies;
  const bool shifted = use_copies(s, p.vectors, s.o, w.nnz);
  if (shifted) {
    copies = {s.o, s.h, s.w, s.ph, std::vector<int64_t>(s.kw), std::vector<int64_t>(ptr[s.c])};
    for (int64_t j = 0; j < s.kw; ++j) copies.col[j] = -(j * s.dw - s.pw);
  }
  parallel_for(0, s.c, 16, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      int64_t e = ptr[ch];
      visit(ch, [&](int64_t, int64_t t, int64_t o, int64_t q) {
        off[e] = o * p.plane - p.shift[t];
        tap[e] = static_cast<int32_t>(t);
        val[e] = values[w.csc_pos[q]];
        // Input pixel q gets tap (i, j) of output pixel q - shift: copy j of gy, shifted
        // -(j dw - pw) columns, at q + (kh - 1 - i) dh w.
        if (shifted) copies.off[e] = (t % s.kw) * copies.copy() + o * copies.plane() + (s.kh - 1 - t / s.kw) * s.dh * s.w;
        ++e;
      });
    }
  });
  direct_planes(
      k, p, blocks, s.n, s.c, gy, s.o * p.plane, off, tap, val, p.bwd.data(),
      [&](int64_t ch, int64_t b) {
        const int64_t* at = starts.data() + ch * (blocks.count + 1) + b;
        return std::pair<int64_t, int64_t>(ptr[ch] + at[0], at[1] - at[0]);
      },
      [](int64_t) { return 0.f; }, [](int64_t, int64_t, int64_t) {}, gx, shifted ? &copies : nullptr);
}

void direct_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                        const float* gy, float* gvalues) {
  const BlockKernels& k = active_kernels();
  std::fill(gvalues, gvalues + w.nnz, 0.f);
  if (w.nnz == 0) return;
  const DirectPlan p = make_plan(s, k.width);
  int64_t* off = scratch<int64_t>(kOffsets, w.nnz);
  int32_t* tap = scratch<int32_t>(kTaps, w.nnz);
  survivor_taps(s, w, p, off, tap);
  // Images go through the kernel several at a time on small planes, so that each
  // survivor's reduction is shared by about 32 vectors of work.
  const int64_t per_call = std::max<int64_t>(1, std::min<int64_t>(8, 32 / p.vectors));
  const int64_t padded = p.vectors * p.width;
  // Planes of whole vectors are read in place; others are copied, zero-padded, per call.
  const bool in_place = padded == p.plane;
  // Planes of whole pairs of vectors (the plain dot kernel's steps) read the input through
  // its column-shifted copies, one image at a time.
  const bool shifted = use_copies(s, p.vectors, s.c, w.nnz) && p.plane % (2 * p.width) == 0;
  // Planes of 4 to 7 whole vectors: several images' copies per call, dotted by the
  // unmasked direct kernel in whole chunks of its 8 / vectors images (as many as keep the
  // copies within about 1.5 MB of L2).
  const bool small_shifted = !shifted && in_place && use_small_copies(s, p.vectors, s.c, s.o, w.nnz);
  const ShiftedCopies copies = shifted || small_shifted ? input_copies(s, w) : ShiftedCopies{};
  int64_t copies_per_call = 0;
  if (small_shifted) {
    const int64_t chunk = std::max<int64_t>(1, 8 / p.vectors);
    const int64_t fit = (int64_t(3) << 19) / (copies.floats() * static_cast<int64_t>(sizeof(float)));
    copies_per_call = std::min(per_call, std::max(chunk, fit / chunk * chunk));
  }
  // Images [i0, i1) and rows [o0, o1) into acc (indexed like gvalues).
  auto images_rows = [&](int64_t i0, int64_t i1, int64_t o0, int64_t o1, float* acc) {
    if (shifted) {
      float* xs = scratch<float>(kTaskLocal, copies.floats());
      for (int64_t img = i0; img < i1; ++img) {
        copies.build(x + img * s.c * p.plane, xs);
        for (int64_t o = o0; o < o1; ++o) {
          const int64_t j0 = w.row_ptr[o], count = w.row_ptr[o + 1] - j0;
          if (count > 0) k.dots(gy + (img * s.o + o) * p.plane, p.plane, xs, copies.off.data() + j0, count, acc + j0);
        }
      }
      return;
    }
    if (small_shifted) {
      float* xs = scratch<float>(kTaskLocal, copies_per_call * copies.floats());
      for (int64_t img = i0; img < i1; img += copies_per_call) {
        const int64_t nimg = std::min(copies_per_call, i1 - img);
        for (int64_t b = 0; b < nimg; ++b) copies.build(x + (img + b) * s.c * p.plane, xs + b * copies.floats());
        for (int64_t o = o0; o < o1; ++o) {
          const int64_t j0 = w.row_ptr[o], count = w.row_ptr[o + 1] - j0;
          if (count > 0)
            k.direct.dots_plain(gy + (img * s.o + o) * p.plane, s.o * p.plane, p.vectors, nimg, copies.floats(), xs,
                                copies.off.data() + j0, nullptr, count, nullptr, 0, acc + j0);
        }
      }
      return;
    }
    // The output-gradient planes of the images in a call, each zero-padded to whole vectors.
    std::vector<float> g(in_place ? 0 : static_cast<size_t>(per_call * padded), 0.f);
    for (int64_t img = i0; img < i1; img += per_call) {
      const int64_t nimg = std::min(per_call, i1 - img);
      const float* xi = x + img * s.c * p.plane;
      for (int64_t o = o0; o < o1; ++o) {
        const int64_t j0 = w.row_ptr[o], count = w.row_ptr[o + 1] - j0;
        if (count == 0) continue;
        const float* go = gy + (img * s.o + o) * p.plane;
        if (!in_place)
          for (int64_t b = 0; b < nimg; ++b) std::copy(go + b * s.o * p.plane, go + b * s.o * p.plane + p.plane, g.begin() + b * padded);
        k.direct.dots(in_place ? go : g.data(), in_place ? s.o * p.plane : padded, p.vectors, nimg, s.c * p.plane, xi,
                      off + j0, tap + j0, count, p.fwd.data(), p.vectors, acc + j0);
      }
    }
  };
  sum_over_items(
      s.n, w.nnz, gvalues, [&](int64_t i0, int64_t i1, float* acc) { images_rows(i0, i1, 0, w.rows, acc); },
      w.rows, [&](int64_t o0, int64_t o1) { images_rows(0, s.n, o0, o1, gvalues); });
}

}  // namespace pai::sparse_detail
