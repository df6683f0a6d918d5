// The tiled path of compressed convolutions (see sparse_tiled.h), AVX-512.
//
// Packed block: [channel][hp = h + 2][wp = w + 2][16 images], one per block of 16 images,
// the border zero. Output tile q is rows [q r, (q + 1) r) of the plane, r = 16 / w, every
// column; its pixel P sits at disp(P) = ((P / w) wp + P % w) 16 floats from the tile's
// origin. Forward, survivor (c, i, j) of output channel o adds vals * packed input at
// c cs + (i wp + j) 16 past the origin of tile q (padded row q r + i); the input gradient
// reads the packed output gradient at o cs + ((2 - i) wp + 2 - j) 16 for the same tile of
// input channel c.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "batchnorm_kernels.h"
#include "batchnorm_relu_kernels.h"
#include "pai/parallel.h"
#include "permute_transpose.h"
#include "sparse_engine.h"
#include "sparse_tiled.h"
#include "sum16_avx512.h"

namespace pai::sparse_detail {
namespace {

using permute_detail::transpose16;

constexpr int64_t kLanes = 16;      // images per block
constexpr int64_t kTile = 16;       // output pixels per register tile

template <int W>
struct Geo {
  static constexpr int64_t wp = W + 2;
  static constexpr int64_t rows = kTile / W;  // plane rows per tile
  static constexpr int64_t disp(int p) { return ((p / W) * wp + p % W) * kLanes; }
  int64_t h, hp, cs, tiles;
  explicit Geo(int64_t height) : h(height), hp(height + 2), cs((height + 2) * wp * kLanes), tiles(height / rows) {}
  int64_t tile_origin(int64_t q) const { return q * rows * wp * kLanes; }
  int64_t tap(int64_t i, int64_t j) const { return (i * wp + j) * kLanes; }
  // Offset in a packed block of weight column col = (input channel, tap): where its reads
  // start past a tile's origin.
  int64_t column(int64_t col) const { return (col / 9) * cs + tap((col % 9) / 3, col % 3); }
};

// Blocks of images, and ranges of channels per block so that every thread has work.
struct Tasks {
  int64_t blocks, ranges;
  Tasks(int64_t n, int64_t channels) : blocks((n + kLanes - 1) / kLanes) {
    ranges = std::min<int64_t>(channels, std::max<int64_t>(1, (2 * num_threads() + blocks - 1) / blocks));
  }
  int64_t images(int64_t n, int64_t nb) const { return std::min(kLanes, n - nb * kLanes); }
};

// r[i] = the 16 floats at src + i * stride for i < count, zeros after.
inline void load_rows(const float* src, int64_t stride, int64_t count, __m512 r[16]) {
  for (int64_t i = 0; i < 16; ++i) r[i] = i < count ? _mm512_loadu_ps(src + i * stride) : _mm512_setzero_ps();
}

// Packs images [img0, img0 + 16) of an NCHW tensor (channels x the plane) into dst as
// [channel][hp][wp][16], lanes past n zero.
template <int W>
void pack_block(const Geo<W>& g, const float* src, int64_t n, int64_t channels, int64_t img0, float* dst) {
  const int64_t plane = g.h * W, imgs = std::min(kLanes, n - img0);
  const int64_t row = Geo<W>::wp * kLanes;
  for (int64_t ch = 0; ch < channels; ++ch) {
    float* d = dst + ch * g.cs;
    std::memset(d, 0, sizeof(float) * row);
    std::memset(d + (g.hp - 1) * row, 0, sizeof(float) * row);
    for (int64_t r = 1; r <= g.h; ++r) {
      _mm512_store_ps(d + r * row, _mm512_setzero_ps());
      _mm512_store_ps(d + r * row + (Geo<W>::wp - 1) * kLanes, _mm512_setzero_ps());
    }
    const float* s = src + (img0 * channels + ch) * plane;
    for (int64_t q = 0; q < g.tiles; ++q) {
      __m512 r[16];
      load_rows(s + q * kTile, channels * plane, imgs, r);
      transpose16(r);
      float* o = d + g.tile_origin(q) + row + kLanes;  // padded (q rows + 1, 1)
      for (int p = 0; p < 16; ++p) _mm512_store_ps(o + Geo<W>::disp(p), r[p]);
    }
  }
}

// acc[P] += sum_j vals[j] * base[offs[j] + disp(P)] for the 16 pixels of a tile.
template <int W, int... Ps>
inline void tile_sums(const float* base, const int64_t* offs, const float* vals, int64_t count, __m512* acc,
                      std::integer_sequence<int, Ps...>) {
  for (int64_t j = 0; j < count; ++j) {
    const float* p = base + offs[j];
    const __m512 v = _mm512_set1_ps(vals[j]);
    ((acc[Ps] = _mm512_fmadd_ps(v, _mm512_load_ps(p + Geo<W>::disp(Ps)), acc[Ps])), ...);
  }
}

// Survivors of each output channel (forward: output channels; input gradient: input
// channels) grouped by block of source channels, so that a block's packed sources stay in
// L1 across every output channel: unblocked, each FMA's load missed L1 (VGG's 512 -> 512
// 4x4 layer at 10%: the packed block is 1.2 MB). Group (ch, b) is entries
// [ptr[ch blocks + b], ptr[ch blocks + b + 1]).
struct Entries {
  int64_t blocks = 1, per_block = 0;  // source channels per block
  int64_t* ptr = nullptr;
  int64_t* offs = nullptr;
  float* vals = nullptr;
};

// As many blocks as keep one tile's rows of a block's sources within about 64 KB (L1 and
// then L2 lines; 32 KB measured slower), but no more than leave about 16 survivors per
// channel and block: each block costs a reload and store of the channel's partial sums.
// VGG's 512 -> 512 4x4 layer at 10%, one thread: forward 17.4 -> 13.5 ms, input gradient
// 19.7 -> 13.8 ms against one block.
inline int64_t source_blocks(int64_t slab, int64_t sources, int64_t channels, int64_t nnz) {
  constexpr int64_t kCacheBytes = 64 * 1024, kMinPerBlock = 16;
  const int64_t fit = std::max<int64_t>(1, kCacheBytes / slab);
  const int64_t by_cache = (sources + fit - 1) / fit;
  const int64_t by_density = std::max<int64_t>(1, nnz / (channels * kMinPerBlock));
  return std::max<int64_t>(1, std::min(by_cache, by_density));
}

// each(ch, fn) calls fn(source, offset, value) for ch's entries; counting sort by block.
template <typename Each>
Entries group_entries(int64_t channels, int64_t sources, int64_t nnz, int64_t blocks, Each each) {
  Entries e;
  e.blocks = blocks;
  e.per_block = (sources + blocks - 1) / blocks;
  e.ptr = scratch<int64_t>(kTaps, channels * blocks + 1);
  e.offs = scratch<int64_t>(kOffsets, nnz);
  e.vals = scratch<float>(kValues, nnz);
  std::fill(e.ptr, e.ptr + channels * blocks + 1, 0);
  parallel_for(0, channels, 16, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) each(ch, [&](int64_t src, int64_t, float) { ++e.ptr[ch * blocks + src / e.per_block + 1]; });
  });
  for (int64_t i = 0; i < channels * blocks; ++i) e.ptr[i + 1] += e.ptr[i];
  parallel_for(0, channels, 16, [&](int64_t c0, int64_t c1) {
    std::vector<int64_t> next(static_cast<size_t>(blocks));
    for (int64_t ch = c0; ch < c1; ++ch) {
      std::copy(e.ptr + ch * blocks, e.ptr + (ch + 1) * blocks, next.begin());
      each(ch, [&](int64_t src, int64_t off, float v) {
        const int64_t at = next[src / e.per_block]++;
        e.offs[at] = off;
        e.vals[at] = v;
      });
    }
  });
  return e;
}

// The bytes of a source channel that one tile reads: its rows of the packed planes.
template <int W>
int64_t tile_slab() {
  return (Geo<W>::rows + 2) * Geo<W>::wp * kLanes * static_cast<int64_t>(sizeof(float));
}

// For each plane [img][ch] of out (NCHW, `channels` channels of the plane): init[ch] (or
// 0) plus the tile sums of ch's entries over the packed source block, the source packed
// from src's `sources` channels. With row_moments (see pai/sparse.h), also each plane's
// moments once its block of images is written, while it is in cache.
template <int W>
void tiled_sums(const Geo<W>& g, int64_t n, const float* src, int64_t sources, int64_t channels,
                const Entries& e, const float* init, float* out, double* row_moments = nullptr) {
  const Tasks t(n, channels);
  const int64_t plane = g.h * W;
  parallel_for(0, t.blocks * t.ranges, 1, [&](int64_t t0, int64_t t1) {
    float* packed = scratch<float>(kTaskLocal, sources * g.cs);
    int64_t have = -1;
    for (int64_t task = t0; task < t1; ++task) {
      const int64_t nb = task / t.ranges, rg = task % t.ranges;
      if (have != nb) {
        pack_block(g, src, n, sources, nb * kLanes, packed);
        have = nb;
      }
      const int64_t imgs = t.images(n, nb);
      const int64_t ch0 = channels * rg / t.ranges, ch1 = channels * (rg + 1) / t.ranges;
      // Partial sums between source blocks, [ch - ch0][tile][pixel][image].
      float* part = e.blocks > 1 ? scratch<float>(kTaskSums, (ch1 - ch0) * g.tiles * kTile * kLanes) : nullptr;
      for (int64_t b = 0; b < e.blocks; ++b) {
        const bool last = b == e.blocks - 1;
        for (int64_t q = 0; q < g.tiles; ++q)
          for (int64_t ch = ch0; ch < ch1; ++ch) {
            const int64_t e0 = e.ptr[ch * e.blocks + b], count = e.ptr[ch * e.blocks + b + 1] - e0;
            float* pt = part ? part + ((ch - ch0) * g.tiles + q) * kTile * kLanes : nullptr;
            __m512 acc[16];
            if (b == 0) {
              const __m512 start = _mm512_set1_ps(init ? init[ch] : 0.f);
              for (int p = 0; p < 16; ++p) acc[p] = start;
            } else {
              for (int p = 0; p < 16; ++p) acc[p] = _mm512_load_ps(pt + p * kLanes);
            }
            tile_sums<W>(packed + g.tile_origin(q), e.offs + e0, e.vals + e0, count, acc,
                         std::make_integer_sequence<int, 16>());
            if (!last) {
              for (int p = 0; p < 16; ++p) _mm512_store_ps(pt + p * kLanes, acc[p]);
              continue;
            }
            transpose16(acc);  // acc[i]: image i's 16 pixels of the tile
            float* dst = out + (nb * kLanes * channels + ch) * plane + q * kTile;
            for (int64_t i = 0; i < imgs; ++i) _mm512_storeu_ps(dst + i * channels * plane, acc[i]);
          }
      }
      if (row_moments) {
        const auto& bn = batchnorm_detail::batchnorm_kernels();
        double* m2 = row_moments + n * channels;
        for (int64_t ch = ch0; ch < ch1; ++ch) {
          const int64_t r = nb * kLanes * channels + ch;
          bn.row_moments_rows(out + r * plane, imgs, channels * plane, plane, row_moments + r, m2 + r, channels);
        }
      }
    }
  });
}

template <int W>
void forward_w(const Conv2dShape& s, const SparsePattern& w, const float* values, const float* x,
               const float* bias, float* y, double* row_moments) {
  const Geo<W> g(s.h);
  const Entries e = group_entries(s.o, s.c, w.nnz, source_blocks(tile_slab<W>(), s.c, s.o, w.nnz), [&](int64_t o, auto fn) {
    for (int64_t j = w.row_ptr[o]; j < w.row_ptr[o + 1]; ++j) {
      fn(w.col_idx[j] / 9, g.column(w.col_idx[j]), values[j]);
    }
  });
  tiled_sums(g, s.n, x, s.c, s.o, e, bias, y, row_moments);
}

template <int W>
void grad_input_w(const Conv2dShape& s, const SparsePattern& w, const float* values, const float* gy, float* gx) {
  const Geo<W> g(s.h);
  // An input channel's entries are its 9 consecutive CSC columns; the tap flipped.
  const Entries e = group_entries(s.c, s.o, w.nnz, source_blocks(tile_slab<W>(), s.o, s.c, w.nnz), [&](int64_t c, auto fn) {
    for (int64_t t = 0; t < 9; ++t) {
      const int64_t col = c * 9 + t, flipped = g.tap(2 - t / 3, 2 - t % 3);
      for (int64_t k = w.col_ptr[col]; k < w.col_ptr[col + 1]; ++k)
        fn(w.csc_row[k], w.csc_row[k] * g.cs + flipped, values[w.csc_pos[k]]);
    }
  });
  tiled_sums(g, s.n, gy, s.o, s.c, e, nullptr, gx);
}

// out[k] = sum over the tiles and pixels of gt (16 images each) * base[offs[k] + tile + disp],
// for the up to 16 survivors k < count (lanes past count repeat the last survivor and are
// not stored).
template <int W, int... Ps>
inline void dot_group(const Geo<W>& g, const float* gt, const float* base, const int64_t* offs, int64_t count,
                      float* out, std::integer_sequence<int, Ps...>) {
  __m512 acc[16];
  for (int half = 0; half < 2; ++half) {
    if (half * 8 >= count) {
      for (int k = 0; k < 8; ++k) acc[half * 8 + k] = _mm512_setzero_ps();
      continue;
    }
    const float* p[8];
    for (int k = 0; k < 8; ++k) p[k] = base + offs[std::min<int64_t>(half * 8 + k, count - 1)];
    // Two chains per survivor (even and odd pixels), sixteen in all.
    __m512 a[16];
    for (int k = 0; k < 16; ++k) a[k] = _mm512_setzero_ps();
    for (int64_t q = 0; q < g.tiles; ++q) {
      const int64_t origin = g.tile_origin(q);
      const float* gq = gt + q * kTile * kLanes;
      auto pixel = [&](auto pc) {
        constexpr int P = decltype(pc)::value;
        const __m512 gv = _mm512_load_ps(gq + P * kLanes);
        for (int k = 0; k < 8; ++k)
          a[(P & 1) * 8 + k] = _mm512_fmadd_ps(gv, _mm512_load_ps(p[k] + origin + Geo<W>::disp(P)), a[(P & 1) * 8 + k]);
      };
      (pixel(std::integral_constant<int, Ps>{}), ...);
    }
    for (int k = 0; k < 8; ++k) acc[half * 8 + k] = _mm512_add_ps(a[k], a[8 + k]);
  }
  const __mmask16 live = static_cast<__mmask16>(count >= 16 ? 0xFFFF : (1u << count) - 1);
  _mm512_mask_storeu_ps(out, live, sum16(acc));
}

template <int W>
void grad_weight_w(const Conv2dShape& s, const SparsePattern& w, const float* x, const float* gy, float* gvalues) {
  if (w.nnz == 0) return;
  const Geo<W> g(s.h);
  const int64_t plane = s.h * W;
  int64_t* offs = scratch<int64_t>(kOffsets, w.nnz);
  parallel_for(0, w.rows, 16, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t j = w.row_ptr[o]; j < w.row_ptr[o + 1]; ++j) offs[j] = g.column(w.col_idx[j]);
  });
  const Tasks t(s.n, s.o);
  // Each image block's sums apart, added in block order after: no dependence on threads.
  float* partial = scratch<float>(kPartials, t.blocks * w.nnz);
  parallel_for(0, t.blocks * t.ranges, 1, [&](int64_t t0, int64_t t1) {
    float* packed = scratch<float>(kTaskLocal, s.c * g.cs);
    int64_t have = -1;
    for (int64_t task = t0; task < t1; ++task) {
      const int64_t nb = task / t.ranges, rg = task % t.ranges;
      if (have != nb) {
        pack_block(g, x, s.n, s.c, nb * kLanes, packed);
        have = nb;
      }
      const int64_t imgs = t.images(s.n, nb);
      const int64_t o0 = s.o * rg / t.ranges, o1 = s.o * (rg + 1) / t.ranges;
      // The range's output gradients, [o - o0][pixel][image] for every tile.
      const int64_t tile_floats = g.tiles * kTile * kLanes;
      float* gt = scratch<float>(kTaskSums, (o1 - o0) * tile_floats);
      for (int64_t o = o0; o < o1; ++o) {
        const float* src = gy + (nb * kLanes * s.o + o) * plane;
        for (int64_t q = 0; q < g.tiles; ++q) {
          __m512 r[16];
          load_rows(src + q * kTile, s.o * plane, imgs, r);
          transpose16(r);
          float* d = gt + (o - o0) * tile_floats + q * kTile * kLanes;
          for (int p = 0; p < 16; ++p) _mm512_store_ps(d + p * kLanes, r[p]);
        }
      }
      // Not blocked by input channels as the forward is: the dots keep no partial sums in
      // memory, and blocks measured no faster (whole groups of 16 matter more).
      for (int64_t o = o0; o < o1; ++o) {
        const int64_t j0 = w.row_ptr[o], j1 = w.row_ptr[o + 1];
        for (int64_t j = j0; j < j1; j += 16)
          dot_group(g, gt + (o - o0) * tile_floats, packed, offs + j, std::min<int64_t>(16, j1 - j),
                    partial + nb * w.nnz + j, std::make_integer_sequence<int, 16>());
      }
    }
  });
  parallel_for(0, w.nnz, 1 << 14, [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {
      float sum = 0.f;
      for (int64_t nb = 0; nb < t.blocks; ++nb) sum += partial[nb * w.nnz + j];
      gvalues[j] = sum;
    }
  });
}

}  // namespace

bool tiled_forward(const Conv2dShape& s, const SparsePattern& w, const float* values, const float* x,
                   const float* bias, float* y, double* row_moments) {
  // As the direct path: only the planes whose moments batch norm takes row by row.
  if (!batchnorm_relu_detail::moments_by_row(s.o, s.h * s.w)) row_moments = nullptr;
  if (s.w == 4) forward_w<4>(s, w, values, x, bias, y, row_moments);
  else forward_w<8>(s, w, values, x, bias, y, row_moments);
  return row_moments != nullptr;
}

void tiled_grad_input(const Conv2dShape& s, const SparsePattern& w, const float* values, const float* gy,
                      float* gx) {
  if (s.w == 4) grad_input_w<4>(s, w, values, gy, gx);
  else grad_input_w<8>(s, w, values, gy, gx);
}

void tiled_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x, const float* gy,
                       float* gvalues) {
  if (s.w == 4) grad_weight_w<4>(s, w, x, gy, gvalues);
  else grad_weight_w<8>(s, w, x, gy, gvalues);
}

}  // namespace pai::sparse_detail
