// Internal: batch norm + ReLU + 2x2 max-pool plane loops, compiled once per ISA path.
// Define PAI_VEC_BYTES and PAI_BATCHNORM_RELU_POOL_TABLE before including. Each step
// takes 2 kLanes columns of two input rows (zero-padded past w) and yields kLanes windows:
// the rows are split into even and odd columns by lane shuffles, the maximum taken
// across each row pair first and then across the rows, which is max pooling's row-major
// first-maximum order.
#include <cstdint>

#include "batchnorm_relu_pool_kernels.h"
#include "elementwise_math.h"

namespace pai::batchnorm_relu_detail {
namespace {

using vec::kLanes;
using vec::tree_sum;
using vec::vf;
using vec::vi;

constexpr int64_t kBlock = 2048;  // windows summed in float, then double

inline vf load_upto(const float* p, int64_t count) {
  if (count >= kLanes) return vec::load(p);
  float tmp[kLanes] = {};
  for (int64_t j = 0; j < count; ++j) tmp[j] = p[j];
  return vec::load(tmp);
}

inline void store_upto(float* p, vf v, int64_t count) {
  if (count >= kLanes) {
    vec::store(p, v);
    return;
  }
  float tmp[kLanes];
  vec::store(tmp, v);
  for (int64_t j = 0; j < count; ++j) p[j] = tmp[j];
}

inline vf keep_if(vi mask, vf v) { return vec::as_float(mask & vec::as_int(v)); }
inline vf relu_of(vf y) { return keep_if(~(y <= 0.f), y); }

// Lane index vectors for __builtin_shuffle over the pair (a, b) of 2 kLanes lanes.
struct Shuffles {
  vi even, odd, lo, hi;
  Shuffles() {
    for (int j = 0; j < kLanes; ++j) {
      even[j] = 2 * j;
      odd[j] = 2 * j + 1;
      lo[j] = (j % 2 ? kLanes : 0) + j / 2;  // interleave the first halves of (a, b)
      hi[j] = (j % 2 ? kLanes : 0) + kLanes / 2 + j / 2;
    }
  }
};

// Whether the later candidate v replaces the earlier best: larger, or a NaN over a number.
inline vi replaces(vf v, vf best) { return (v > best) | ((v != v) & (best == best)); }

// One step from its four input vectors in[row][half] (row 0 and row 1 of its windows, two
// kLanes columns each; zero past the plane).
struct Step {
  vf d[2][2];   // centred input, [row][half]
  vf y[2][2];   // pre-activation
  vi take_odd[2];  // per window and row: the odd column wins the row pair
  vi take_row1;    // per window: row 1's winner wins
  vf best;         // the window's maximum of max(y, 0)
  vf best_y, best_d;

  Step(const vf (&in)[2][2], const PlaneAffine& p, const Shuffles& s) {
    vf win[2], win_y[2], win_d[2];
    for (int r = 0; r < 2; ++r) {
      for (int half = 0; half < 2; ++half) {
        d[r][half] = (in[r][half] - p.mu_hi) - p.mu_lo;
        vf prod = d[r][half] * p.scale;
        __asm__("" : "+x"(prod));  // no FMA contraction: the backward must get these bits
        y[r][half] = prod + p.shift;
      }
      const vf ye = __builtin_shuffle(y[r][0], y[r][1], s.even), yo = __builtin_shuffle(y[r][0], y[r][1], s.odd);
      const vf de = __builtin_shuffle(d[r][0], d[r][1], s.even), dodd = __builtin_shuffle(d[r][0], d[r][1], s.odd);
      const vf re = relu_of(ye), ro = relu_of(yo);
      take_odd[r] = replaces(ro, re);
      win[r] = vec::select(take_odd[r], ro, re);
      win_y[r] = vec::select(take_odd[r], yo, ye);
      win_d[r] = vec::select(take_odd[r], dodd, de);
    }
    take_row1 = replaces(win[1], win[0]);
    best = vec::select(take_row1, win[1], win[0]);
    best_y = vec::select(take_row1, win_y[1], win_y[0]);
    best_d = vec::select(take_row1, win_d[1], win_d[0]);
  }
};

constexpr int64_t kStep = 2 * kLanes;  // input columns per step

// Window rows per step. A plane narrower than a step would fill only w of its columns, so
// up to 2 kLanes / w window rows go through one step: their even input rows side by side
// as the step's row 0, their odd rows as its row 1. Windows never straddle input rows (w is
// even), and come out in the pooled plane's row-major order.
inline int64_t window_rows_per_step(int64_t h, int64_t w) {
  if (w >= kStep) return 1;
  const int64_t fit = kStep / w;
  return fit < h / 2 ? fit : h / 2;
}

// A vector of type T (a whole, half or quarter vector) at p, unaligned.
template <class T>
inline T load_part(const float* p) {
  T v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
inline void store_part(float* p, T v) {
  __builtin_memcpy(p, &v, sizeof v);
}

#if PAI_VEC_BYTES >= 32
// Half vectors, for planes half a vector wide (VGG's 8x8 maps on AVX-512): two input rows
// make a vector with one load each, not through a gather.
typedef float vh __attribute__((vector_size(PAI_VEC_BYTES / 2)));
#if PAI_VEC_BYTES == 64
inline vf join(vh a, vh b) { return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
inline vh low_half(vf v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7); }
inline vh high_half(vf v) { return __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15); }
#else
inline vf join(vh a, vh b) { return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7); }
inline vh low_half(vf v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3); }
inline vh high_half(vf v) { return __builtin_shufflevector(v, v, 4, 5, 6, 7); }
#endif
constexpr bool kHalfRows = true;
#else
constexpr bool kHalfRows = false;
#endif
#if PAI_VEC_BYTES == 64
// Quarter vectors, for planes a quarter of a vector wide (VGG's 4x4 maps on AVX-512).
typedef float vq __attribute__((vector_size(PAI_VEC_BYTES / 4)));
inline vh join_quarters(vq a, vq b) { return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7); }
inline vq low_quarter(vh v) { return __builtin_shufflevector(v, v, 0, 1, 2, 3); }
inline vq high_quarter(vh v) { return __builtin_shufflevector(v, v, 4, 5, 6, 7); }
constexpr bool kQuarterRows = true;
#else
constexpr bool kQuarterRows = false;
#endif

// How a plane's input columns map onto the steps' lanes (the forward's and backward's
// steps visit the same lanes, so the backward writes gx where the forward read x):
//   Wide: w >= kStep. A step is input rows 2 oy and 2 oy + 1 from column j.
//   Rows: w == kLanes. Each half is one input row (window rows oy and oy + 1).
//   Pairs: w == kLanes / 2. Each half is two input rows side by side, each a half-vector
//     load (window rows oy .. oy + 3).
//   Quads: w == kLanes / 4 (AVX-512 only). Each half is four input rows, each a quarter-
//     vector load (window rows oy .. oy + 7).
//   Gathered: any other narrow width, element by element.
enum class Layout { Wide, Rows, Pairs, Quads, Gathered };

inline Layout layout_of(int64_t w) {
  if (w >= kStep) return Layout::Wide;
  if (w == kLanes) return Layout::Rows;
  if (kHalfRows && 2 * w == kLanes) return Layout::Pairs;
  if (kQuarterRows && 4 * w == kLanes) return Layout::Quads;
  return Layout::Gathered;
}

// One step's place in a plane: where lanes (r, half) live, so that a vector of them can be
// loaded from x and stored into gx.
struct Place {
  Layout layout;
  int64_t w, oy, j, count, rows;  // Wide: columns [j, j + count) valid; else `rows` window rows from oy

  // How many lanes of a half (either row) lie inside the plane: a prefix of the vector.
  int64_t valid(int half) const {
    const int64_t v = (layout == Layout::Wide ? count : rows * w) - half * kLanes;
    return v < 0 ? 0 : v > kLanes ? kLanes : v;
  }
  // The input row of row r of the step's window row window_row (from oy).
  int64_t row_of(int r, int64_t window_row) const { return 2 * (oy + window_row) + r; }

  vf load(const float* plane, int r, int half) const {
    switch (layout) {
      case Layout::Wide: return load_upto(plane + row_of(r, 0) * w + j + half * kLanes, count - half * kLanes);
      case Layout::Rows: return half < rows ? vec::load(plane + row_of(r, half) * w) : vf{};
#if PAI_VEC_BYTES >= 32
      case Layout::Pairs: {
        const int64_t i = 2 * half;
        if (i >= rows) return vf{};
        const vh a = load_part<vh>(plane + row_of(r, i) * w);
        return join(a, i + 1 < rows ? load_part<vh>(plane + row_of(r, i + 1) * w) : vh{});
      }
#endif
#if PAI_VEC_BYTES == 64
      case Layout::Quads: {
        const int64_t i = 4 * half;
        if (i >= rows) return vf{};
        vq q[4];
        for (int k = 0; k < 4; ++k) q[k] = i + k < rows ? load_part<vq>(plane + row_of(r, i + k) * w) : vq{};
        return join(join_quarters(q[0], q[1]), join_quarters(q[2], q[3]));
      }
#endif
      default: {
        alignas(64) float tmp[kLanes] = {};
        for (int64_t l = 0; l < valid(half); ++l) {
          const int64_t col = half * kLanes + l;
          tmp[l] = plane[row_of(r, col / w) * w + col % w];
        }
        return vec::load(tmp);
      }
    }
  }

  void store(float* plane, int r, int half, vf v) const {
    switch (layout) {
      case Layout::Wide: store_upto(plane + row_of(r, 0) * w + j + half * kLanes, v, count - half * kLanes); return;
      case Layout::Rows:
        if (half < rows) vec::store(plane + row_of(r, half) * w, v);
        return;
#if PAI_VEC_BYTES >= 32
      case Layout::Pairs: {
        const int64_t i = 2 * half;
        if (i < rows) store_part(plane + row_of(r, i) * w, low_half(v));
        if (i + 1 < rows) store_part(plane + row_of(r, i + 1) * w, high_half(v));
        return;
      }
#endif
#if PAI_VEC_BYTES == 64
      case Layout::Quads: {
        const int64_t i = 4 * half;
        const vh part[2] = {low_half(v), high_half(v)};
        for (int k = 0; k < 4 && i + k < rows; ++k)
          store_part(plane + row_of(r, i + k) * w, k % 2 ? high_quarter(part[k / 2]) : low_quarter(part[k / 2]));
        return;
      }
#endif
      default: {
        alignas(64) float tmp[kLanes];
        vec::store(tmp, v);
        for (int64_t l = 0; l < valid(half); ++l) {
          const int64_t col = half * kLanes + l;
          plane[row_of(r, col / w) * w + col % w] = tmp[l];
        }
      }
    }
  }
};

// Runs step(in, at, windows, place) over the plane x [h, w]: in[r][half] the step's input
// vectors, whose windows are the pooled plane's [at, at + windows).
template <class F>
void for_each_step(const float* x, int64_t h, int64_t w, F step) {
  const Layout layout = layout_of(w);
  const int64_t ow = w / 2, m = window_rows_per_step(h, w);
  auto run = [&](const Place& place, int64_t at, int64_t windows) {
    const vf in[2][2] = {{place.load(x, 0, 0), place.load(x, 0, 1)}, {place.load(x, 1, 0), place.load(x, 1, 1)}};
    step(in, at, windows, place);
  };
  if (layout == Layout::Wide) {
    for (int64_t oy = 0; oy < h / 2; ++oy)
      for (int64_t j = 0; j < w; j += kStep) run(Place{layout, w, oy, j, w - j, 1}, oy * ow + j / 2, (w - j) / 2);
    return;
  }
  for (int64_t oy = 0; oy < h / 2; oy += m) {
    const int64_t rows = m < h / 2 - oy ? m : h / 2 - oy;
    run(Place{layout, w, oy, 0, 0, rows}, oy * ow, rows * ow);
  }
}

// Lanes [0, valid) of v, the others 0.
inline vf prefix(vf v, int64_t valid, const vi& lane) { return keep_if(lane < static_cast<int32_t>(valid), v); }

void normalize_relu_pool(const float* x, const PlaneRun& run, int64_t h, int64_t w, float* out) {
  const Shuffles s;
  const int64_t hw = h * w;
  for (int64_t i = 0; i < run.planes; ++i) {
    const PlaneAffine& p = run.affine[(run.ch0 + i) % run.c];
    float* o = out + i * (hw / 4);
    for_each_step(x + i * hw, h, w, [&](const vf (&in)[2][2], int64_t at, int64_t windows, const Place&) {
      const Step st(in, p, s);
      store_upto(o + at, st.best, windows);
    });
  }
}

void pooled_gradient_sums(const float* gy, const float* x, const PlaneRun& run, int64_t h, int64_t w,
                          double* sg, double* sgd) {
  const Shuffles s;
  const int64_t hw = h * w;
  for (int64_t i = 0; i < run.planes; ++i) {
    const PlaneAffine& p = run.affine[(run.ch0 + i) % run.c];
    const float* gyi = gy + i * (hw / 4);
    double tg = 0.0, tgd = 0.0;
    vf ag = {}, agd = {};
    int64_t in_block = 0;
    for_each_step(x + i * hw, h, w, [&](const vf (&in)[2][2], int64_t at, int64_t windows, const Place&) {
      const Step st(in, p, s);
      // Zero-padded gy past the plane's windows contributes nothing.
      const vf g = keep_if(st.best_y > 0.f, load_upto(gyi + at, windows));
      ag += g;
      agd += g * st.best_d;
      if ((in_block += kLanes) >= kBlock) {
        tg += tree_sum(ag);
        tgd += tree_sum(agd);
        ag = vf{};
        agd = vf{};
        in_block = 0;
      }
    });
    sg[i] += tg + tree_sum(ag);
    sgd[i] += tgd + tree_sum(agd);
  }
}

void pooled_combine(const float* gy, const float* x, const PlaneRun& run, int64_t h, int64_t w,
                    const float* ca, const float* cb, const float* cc, float* gx_base, double* gx_sums) {
  const Shuffles s;
  vi lane;
  for (int l = 0; l < kLanes; ++l) lane[l] = l;
  const int64_t hw = h * w;
  for (int64_t q = 0; q < run.planes; ++q) {
    const int64_t ch = (run.ch0 + q) % run.c;
    const PlaneAffine& p = run.affine[ch];
    const float a = ca[ch], b = cb[ch], c = cc[ch];
    const float* gyi = gy + q * (hw / 4);
    float* gx = gx_base + q * hw;
    double total = 0.0;
    vf part = {};
    int64_t in_block = 0;
    for_each_step(x + q * hw, h, w, [&](const vf (&in)[2][2], int64_t at, int64_t windows, const Place& place) {
      const Step st(in, p, s);
      const vf ag = a * keep_if(st.best_y > 0.f, load_upto(gyi + at, windows));
      for (int r = 0; r < 2; ++r) {
        // The window's gradient goes to its winning element: this row's, if the row won,
        // at the even or odd column as the row pair decided; back to column order.
        const vf mine = keep_if(r ? st.take_row1 : ~st.take_row1, ag);
        const vf odd = keep_if(st.take_odd[r], mine), even = keep_if(~st.take_odd[r], mine);
        for (int half = 0; half < 2; ++half) {
          const vf v = __builtin_shuffle(even, odd, half ? s.hi : s.lo) + (b * st.d[r][half] + c);
          place.store(gx, r, half, v);
          // Lanes past the valid ones hold a padding column's b d + c: not summed.
          if (gx_sums) {
            const int64_t valid = place.valid(half);
            part += valid == kLanes ? v : prefix(v, valid, lane);
          }
        }
      }
      if (gx_sums && (in_block += 4 * kLanes) >= kBlock) {
        total += tree_sum(part);
        part = vf{};
        in_block = 0;
      }
    });
    if (gx_sums) gx_sums[q] += total + tree_sum(part);
  }
}

}  // namespace

const BatchNormReluPoolKernels PAI_BATCHNORM_RELU_POOL_TABLE{normalize_relu_pool,
                                                            pooled_gradient_sums, pooled_combine};

}  // namespace pai::batchnorm_relu_detail
