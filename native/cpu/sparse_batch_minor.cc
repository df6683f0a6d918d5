// The batch-minor path of compressed convolutions (see sparse_batch_minor.h). Packed
// tensors are [channel][row][column][npad] with the images last, npad = the batch rounded
// up to two vectors (the extra lanes are zeros). Output pixel (p, q) of a survivor
// (c, i, j) reads input row p sh + i dh - ph, column q sw + j dw - pw when that lies inside
// the image. Survivors are grouped by tap (per row forward, per CSC column backward), so a
// pixel reads only the groups whose tap lies inside the image and padding costs nothing
// (on a 2x2 plane with a 3x3 kernel, over half of the taps fall outside). The forward pass
// is the engine's register-blocked accumulate over the images, one call per tap group
// adding onto the pixel's sums (offsets shifted by the tap, no list built per pixel); the
// input gradient the same on the output gradient; the weight gradient the dots kernel over
// each pixel's concatenated groups.
#include "sparse_batch_minor.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "pai/parallel.h"
#include "sparse_engine.h"

namespace pai::sparse_detail {
namespace {

// Output planes up to this many pixels take the batch-minor path. Measured on VGG-16's
// CIFAR layers: 2x2 planes run 3-5x faster than on the direct path, while 4x4 planes
// (one full vector there) are faster on the direct path, whose per-image working set
// stays in cache.
constexpr int64_t kMaxPixels = 4;

struct Layout {
  int64_t oh, ow, pixels;  // output plane
  int64_t npad;            // images rounded up to two vectors
  int64_t cg, og, kk;
};

Layout make_layout(const Conv2dShape& s, int64_t width) {
  Layout l;
  l.oh = s.out_h();
  l.ow = s.out_w();
  l.pixels = l.oh * l.ow;
  l.npad = round_up(s.n, 2 * width);
  l.cg = s.c / s.groups;
  l.og = s.o / s.groups;
  l.kk = s.kh * s.kw;
  return l;
}

// dst[ch][pix][b] = src[b][ch][pix] for an [n][channels][plane] source, zeros in the lanes
// past n: one transpose of the [n][channels plane] matrix, in register tiles (a scalar
// copy per element read each image's row 16 bytes at a time, 8 KB apart, and took a
// fifth of the time of VGG's 2x2 layers).
void pack_images_last(const float* src, int64_t n, int64_t channels, int64_t plane, int64_t npad, float* dst) {
  const int64_t cols = channels * plane;
  transpose(src, n, cols, cols, dst, npad);
  if (npad > n)
    parallel_for(0, cols, 1024, [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) std::fill(dst + k * npad + n, dst + (k + 1) * npad, 0.f);
    });
}

// Channels written back to NCHW at once: enough for whole cache lines of each image's row
// (16 floats), fewer where that would leave threads without work.
int64_t channels_per_group(int64_t channels, int64_t plane) {
  const int64_t line = std::max<int64_t>(1, 16 / plane);
  return std::max<int64_t>(1, std::min(line, channels / (2 * num_threads())));
}

// fill(ch, planes) writes channel ch's planes as [pixel][npad] (images last) into a
// task-local buffer; each group of channels_per_group channels then goes back to NCHW dst
// [n][channels][plane] by one transpose (one channel at a time, each image's row took a
// scalar strided copy).
template <typename Fill>
void by_channel_groups(const BlockKernels& k, int64_t n, int64_t npad, int64_t channels, int64_t plane, float* dst,
                       Fill fill) {
  const int64_t per = channels_per_group(channels, plane), groups = (channels + per - 1) / per;
  parallel_for(0, groups, 1, [&](int64_t g0, int64_t g1) {
    float* local = scratch<float>(kTaskLocal, per * plane * npad);
    for (int64_t gi = g0; gi < g1; ++gi) {
      const int64_t first = gi * per, last = std::min(channels, first + per);
      for (int64_t ch = first; ch < last; ++ch) fill(ch, local + (ch - first) * plane * npad);
      k.transpose(local, (last - first) * plane, n, npad, dst + first * plane, channels * plane);
    }
  });
}

// Calls fn(first, level) over [0, npad) in blocks of (2 << level) vectors, widest first.
template <typename F>
void for_each_block(const BlockKernels& k, int64_t npad, F fn) {
  for (int64_t c0 = 0; c0 < npad;) {
    const int64_t left = npad - c0;
    const int level = left >= 8 * k.width ? 2 : left >= 4 * k.width ? 1 : 0;
    fn(c0, level);
    c0 += (int64_t(2) << level) * k.width;
  }
}

// Whether tap t of output pixel (p, q) reads inside the image; if so, *pixel is the input
// pixel it reads (row-major).
bool tap_reads_inside(const Conv2dShape& s, int64_t p, int64_t q, int64_t t, int64_t* pixel) {
  const int64_t r = p * s.sh + (t / s.kw) * s.dh - s.ph, c = q * s.sw + (t % s.kw) * s.dw - s.pw;
  if (r < 0 || r >= s.h || c < 0 || c >= s.w) return false;
  *pixel = r * s.w + c;
  return true;
}

// The survivors of each row grouped by kernel tap (counting sort, once per call): whether a
// tap reads inside the image depends only on the tap and the output pixel, so a pixel's
// list is a concatenation of whole tap groups, with no test per survivor.
// The per-survivor arrays live in the calling thread's scratch (slots kOffsets and kTaps):
// fresh vectors of this size cost page faults on every call.
struct TapGroups {
  std::vector<int64_t> ptr;  // [rows * kk + 1]: group (o, tap) is [ptr[o kk + tap], ptr[o kk + tap + 1])
  int64_t* channel;          // packed offset of the survivor's input channel, grouped order
  int64_t* pos;              // the survivor's CSR position, grouped order
};

TapGroups tap_groups(const Conv2dShape& s, const Layout& l, const SparsePattern& w) {
  TapGroups g;
  g.ptr.assign(static_cast<size_t>(w.rows * l.kk + 1), 0);
  g.channel = scratch<int64_t>(kOffsets, w.nnz);
  g.pos = scratch<int64_t>(kTaps, w.nnz);
  // Divisions per column, not per survivor: each column's tap and input-channel offset.
  std::vector<int32_t> column_tap(static_cast<size_t>(w.cols));
  std::vector<int64_t> column_channel(static_cast<size_t>(w.cols));
  for (int64_t col = 0; col < w.cols; ++col) {
    column_tap[col] = static_cast<int32_t>(col % l.kk);
    column_channel[col] = (col / l.kk) * s.h * s.w * l.npad;
  }
  parallel_for(0, w.rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t o = r0; o < r1; ++o) {
      int64_t* count = g.ptr.data() + o * l.kk + 1;
      for (int64_t j = w.row_ptr[o]; j < w.row_ptr[o + 1]; ++j) ++count[column_tap[w.col_idx[j]]];
    }
  });
  for (size_t i = 1; i < g.ptr.size(); ++i) g.ptr[i] += g.ptr[i - 1];
  parallel_for(0, w.rows, 64, [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> next(static_cast<size_t>(l.kk));
    for (int64_t o = r0; o < r1; ++o) {
      std::copy(g.ptr.begin() + o * l.kk, g.ptr.begin() + (o + 1) * l.kk, next.begin());
      const int64_t first_channel = (o / l.og) * l.cg * s.h * s.w * l.npad;
      for (int64_t j = w.row_ptr[o]; j < w.row_ptr[o + 1]; ++j) {
        const int32_t col = w.col_idx[j];
        const int64_t e = next[column_tap[col]]++;
        g.channel[e] = first_channel + column_channel[col];
        g.pos[e] = j;
      }
    }
  });
  return g;
}

}  // namespace

bool batch_minor_eligible(const Conv2dShape& s) {
  return s.out_h() * s.out_w() <= kMaxPixels && s.n >= 16;
}

void batch_minor_forward(const Conv2dShape& s, const SparsePattern& w, const float* values,
                         const float* x, const float* bias, float* y) {
  const BlockKernels& k = active_kernels();
  const Layout l = make_layout(s, k.width);
  float* xb = scratch<float>(kPackedInput, s.c * s.h * s.w * l.npad);
  pack_images_last(x, s.n, s.c, s.h * s.w, l.npad, xb);
  const TapGroups taps = tap_groups(s, l, w);
  // The values in tap-group order, once per call.
  float* vals = scratch<float>(kValues, w.nnz);
  parallel_for(0, w.nnz, 1 << 14, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) vals[e] = values[taps.pos[e]];
  });
  by_channel_groups(k, s.n, l.npad, s.o, l.pixels, y, [&](int64_t o, float* planes) {
    for (int64_t p = 0; p < l.oh; ++p)
      for (int64_t q = 0; q < l.ow; ++q) {
        // Each tap group that reads inside the image adds onto the pixel's sums, its
        // offsets shifted by the tap's input pixel: no list is built per pixel.
        float* out = planes + (p * l.ow + q) * l.npad;
        bool onto = false;
        for (int64_t t = 0; t < l.kk; ++t) {
          int64_t pixel;
          if (!tap_reads_inside(s, p, q, t, &pixel)) continue;
          const int64_t e0 = taps.ptr[o * l.kk + t], count = taps.ptr[o * l.kk + t + 1] - e0;
          if (count == 0) continue;
          const float* base = xb + pixel * l.npad;
          for_each_block(k, l.npad, [&](int64_t b0, int level) {
            k.accumulate[level](base + b0, taps.channel + e0, vals + e0, count, out + b0, onto);
          });
          onto = true;
        }
        if (!onto) std::fill(out, out + l.npad, 0.f);
      }
    if (bias != nullptr && bias[o] != 0.f)
      for (int64_t i = 0; i < l.pixels * l.npad; ++i) planes[i] += bias[o];
  });
}

void batch_minor_grad_input(const Conv2dShape& s, const SparsePattern& w, const float* values,
                            const float* gy, float* gx) {
  const BlockKernels& k = active_kernels();
  const Layout l = make_layout(s, k.width);
  float* gb = scratch<float>(kPackedGrad, s.o * l.pixels * l.npad);
  pack_images_last(gy, s.n, s.o, l.pixels, l.npad, gb);
  const int64_t plane = s.h * s.w;
  // Per CSC entry, once per call: the packed offset of its output channel, and its value.
  int64_t* row_off = scratch<int64_t>(kOffsets, w.nnz);
  float* vals = scratch<float>(kValues, w.nnz);
  parallel_for(0, w.nnz, 1 << 14, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) {
      row_off[e] = w.csc_row[e] * l.pixels * l.npad;
      vals[e] = values[w.csc_pos[e]];
    }
  });
  by_channel_groups(k, s.n, l.npad, s.c, plane, gx, [&](int64_t ch, float* planes) {
    const int64_t grp = ch / l.cg, cl = ch % l.cg;
    // A column's entries of this group's output channels: all of them without groups,
    // else the run of rows [grp og, (grp + 1) og) (rows ascend within a column).
    auto entries = [&](int64_t col) {
      const int32_t* first = w.csc_row + w.col_ptr[col];
      const int32_t* last = w.csc_row + w.col_ptr[col + 1];
      if (s.groups > 1) {
        first = std::lower_bound(first, last, static_cast<int32_t>(grp * l.og));
        last = std::lower_bound(first, last, static_cast<int32_t>((grp + 1) * l.og));
      }
      return std::pair<int64_t, int64_t>(first - w.csc_row, last - first);
    };
    for (int64_t r = 0; r < s.h; ++r)
      for (int64_t col = 0; col < s.w; ++col) {
        // Every (survivor, output pixel) that reads input pixel (r, col) of this channel:
        // per tap, the column's entries, shifted to that output pixel.
        float* out = planes + (r * s.w + col) * l.npad;
        bool onto = false;
        for (int64_t t = 0; t < l.kk; ++t) {
          const int64_t np = r + s.ph - (t / s.kw) * s.dh, nq = col + s.pw - (t % s.kw) * s.dw;
          if (np < 0 || nq < 0 || np % s.sh || nq % s.sw) continue;
          const int64_t p = np / s.sh, q = nq / s.sw;
          if (p >= l.oh || q >= l.ow) continue;
          const std::pair<int64_t, int64_t> run = entries(cl * l.kk + t);
          const int64_t e0 = run.first, count = run.second;
          if (count == 0) continue;
          const float* base = gb + (p * l.ow + q) * l.npad;
          const int64_t* offs = row_off + e0;
          const float* v = vals + e0;
          for_each_block(k, l.npad, [&](int64_t b0, int level) { k.accumulate[level](base + b0, offs, v, count, out + b0, onto); });
          onto = true;
        }
        if (!onto) std::fill(out, out + l.npad, 0.f);
      }
  });
}

void batch_minor_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                             const float* gy, float* gvalues) {
  const BlockKernels& k = active_kernels();
  if (w.nnz == 0) return;
  const Layout l = make_layout(s, k.width);
  float* xb = scratch<float>(kPackedInput, s.c * s.h * s.w * l.npad);
  pack_images_last(x, s.n, s.c, s.h * s.w, l.npad, xb);
  float* gb = scratch<float>(kPackedGrad, s.o * l.pixels * l.npad);
  pack_images_last(gy, s.n, s.o, l.pixels, l.npad, gb);
  const TapGroups taps = tap_groups(s, l, w);
  // The sums in tap-group order (a row's groups are its own, so rows do not share them).
  float* sums = scratch<float>(kValues, w.nnz);
  // Each row's sums in a fixed order on one thread: the result does not depend on threads.
  parallel_for(0, s.o, 1, [&](int64_t o0, int64_t o1) {
    std::vector<int64_t> offs, inside(static_cast<size_t>(l.kk));
    std::vector<float> part;
    for (int64_t o = o0; o < o1; ++o) {
      const int64_t* ptr = taps.ptr.data() + o * l.kk;
      std::fill(sums + ptr[0], sums + ptr[l.kk], 0.f);
      offs.resize(static_cast<size_t>(ptr[l.kk] - ptr[0]));
      part.resize(offs.size());
      for (int64_t p = 0; p < l.oh; ++p)
        for (int64_t q = 0; q < l.ow; ++q) {
          // The pixel's list: the tap groups that read inside the image, in tap order.
          int64_t n = 0, taps_inside = 0;
          for (int64_t t = 0; t < l.kk; ++t) {
            int64_t pixel;
            if (!tap_reads_inside(s, p, q, t, &pixel)) continue;
            inside[taps_inside++] = t;
            for (int64_t e = ptr[t]; e < ptr[t + 1]; ++e) offs[n++] = taps.channel[e] + pixel * l.npad;
          }
          std::fill(part.begin(), part.begin() + n, 0.f);
          k.dots(gb + (o * l.pixels + p * l.ow + q) * l.npad, l.npad, xb, offs.data(), n, part.data());
          // Back onto the groups' sums, in the same order.
          int64_t at = 0;
          for (int64_t i = 0; i < taps_inside; ++i)
            for (int64_t e = ptr[inside[i]]; e < ptr[inside[i] + 1]; ++e) sums[e] += part[at++];
        }
    }
  });
  // Every survivor is in exactly one group: this writes all of gvalues.
  parallel_for(0, w.nnz, 1 << 14, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) gvalues[taps.pos[e]] = sums[e];
  });
}

}  // namespace pai::sparse_detail
