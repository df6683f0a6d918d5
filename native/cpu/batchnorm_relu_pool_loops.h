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
using vec::lanes_sum;
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

// One step: columns [j, j + 2 kLanes) of rows r0 and r1 (count valid columns).
struct Step {
  vf d[2][2];   // centred input, [row][half]
  vf y[2][2];   // pre-activation
  vi take_odd[2];  // per window and row: the odd column wins the row pair
  vi take_row1;    // per window: row 1's winner wins
  vf best;         // the window's maximum of max(y, 0)
  vf best_y, best_d;

  Step(const float* r0, const float* r1, int64_t count, const PlaneAffine& p, const Shuffles& s) {
    const float* rows[2] = {r0, r1};
    vf win[2], win_y[2], win_d[2];
    for (int r = 0; r < 2; ++r) {
      for (int half = 0; half < 2; ++half) {
        const vf x = load_upto(rows[r] + half * kLanes, count - half * kLanes);
        d[r][half] = (x - p.mu_hi) - p.mu_lo;
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

// Window rows per step. A plane narrower than a step would fill only w of its columns, the
// rest through scalar partial loads (VGG's 8x8 and 16x16 maps: a quarter or half of the
// lanes), so up to 2 kLanes / w window rows go through one step: their even input rows side
// by side as the step's row 0, their odd rows as its row 1. Windows never straddle input
// rows (w is even), and come out in the pooled plane's row-major order.
inline int64_t window_rows_per_step(int64_t h, int64_t w) {
  if (w >= kStep) return 1;
  const int64_t fit = kStep / w;
  return fit < h / 2 ? fit : h / 2;
}

// Input rows 2 (oy + i) + r, i < rows, side by side in row[r]; zeros after them.
struct Gathered {
  alignas(64) float row[2][kStep];
  void load(const float* x, int64_t w, int64_t oy, int64_t rows) {
    for (int r = 0; r < 2; ++r) {
      for (int64_t i = 0; i < rows; ++i) {
        const float* src = x + (2 * (oy + i) + r) * w;
        for (int64_t j = 0; j < w; ++j) row[r][i * w + j] = src[j];
      }
      for (int64_t j = rows * w; j < kStep; ++j) row[r][j] = 0.f;
    }
  }
};

// Runs step(r0, r1, count, at, windows, oy, j, rows) over the plane: rows r0 and r1 of count
// columns whose windows are the pooled plane's [at, at + windows). On wide planes (rows 0)
// r0 and r1 are input rows 2 oy and 2 oy + 1 from column j; on narrow ones they are a
// Gathered of `rows` window rows from oy.
template <class F>
void for_each_step(const float* x, int64_t h, int64_t w, F step) {
  const int64_t ow = w / 2, m = window_rows_per_step(h, w);
  if (m == 1) {
    for (int64_t oy = 0; oy < h / 2; ++oy) {
      const float* r0 = x + 2 * oy * w;
      for (int64_t j = 0; j < w; j += kStep) step(r0 + j, r0 + w + j, w - j, oy * ow + j / 2, (w - j) / 2, oy, j, int64_t{0});
    }
    return;
  }
  Gathered g;
  for (int64_t oy = 0; oy < h / 2; oy += m) {
    const int64_t rows = m < h / 2 - oy ? m : h / 2 - oy;
    g.load(x, w, oy, rows);
    step(g.row[0], g.row[1], kStep, oy * ow, rows * ow, oy, int64_t{0}, rows);
  }
}

void normalize_relu_pool(const float* x, const PlaneRun& run, int64_t h, int64_t w, float* out) {
  const Shuffles s;
  const int64_t hw = h * w;
  for (int64_t i = 0; i < run.planes; ++i) {
    const PlaneAffine& p = run.affine[(run.ch0 + i) % run.c];
    float* o = out + i * (hw / 4);
    for_each_step(x + i * hw, h, w, [&](const float* r0, const float* r1, int64_t count, int64_t at, int64_t windows, int64_t, int64_t, int64_t) {
      const Step st(r0, r1, count, p, s);
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
    for_each_step(x + i * hw, h, w, [&](const float* r0, const float* r1, int64_t count, int64_t at, int64_t windows, int64_t, int64_t, int64_t) {
      const Step st(r0, r1, count, p, s);
      // Zero-padded gy past the plane's windows contributes nothing.
      const vf g = keep_if(st.best_y > 0.f, load_upto(gyi + at, windows));
      ag += g;
      agd += g * st.best_d;
      if ((in_block += kLanes) >= kBlock) {
        for (int l = 0; l < kLanes; ++l) tg += ag[l], tgd += agd[l];
        ag = vf{};
        agd = vf{};
        in_block = 0;
      }
    });
    for (int l = 0; l < kLanes; ++l) tg += ag[l], tgd += agd[l];
    sg[i] += tg;
    sgd[i] += tgd;
  }
}

void pooled_combine(const float* gy, const float* x, const PlaneRun& run, int64_t h, int64_t w,
                    const float* ca, const float* cb, const float* cc, float* gx_base, double* gx_sums) {
  const Shuffles s;
  const int64_t hw = h * w;
  alignas(64) float gathered[2][kStep];
  for (int64_t q = 0; q < run.planes; ++q) {
    const int64_t ch = (run.ch0 + q) % run.c;
    const PlaneAffine& p = run.affine[ch];
    const float a = ca[ch], b = cb[ch], c = cc[ch];
    const float* gyi = gy + q * (hw / 4);
    float* gx = gx_base + q * hw;
    double* gx_sum = gx_sums ? gx_sums + q : nullptr;
    double total = 0.0;
    for_each_step(x + q * hw, h, w, [&](const float* r0, const float* r1, int64_t count, int64_t at, int64_t windows, int64_t oy, int64_t j, int64_t rows) {
      const Step st(r0, r1, count, p, s);
      const vf ag = a * keep_if(st.best_y > 0.f, load_upto(gyi + at, windows));
      vf part = {};
      for (int r = 0; r < 2; ++r) {
        // The window's gradient goes to its winning element: this row's, if the row won,
        // at the even or odd column as the row pair decided; back to column order.
        const vf mine = keep_if(r ? st.take_row1 : ~st.take_row1, ag);
        const vf odd = keep_if(st.take_odd[r], mine), even = keep_if(~st.take_odd[r], mine);
        for (int half = 0; half < 2; ++half) {
          const vf v = __builtin_shuffle(even, odd, half ? s.hi : s.lo) + (b * st.d[r][half] + c);
          const int64_t valid = (rows == 0 ? count : rows * w) - half * kLanes;
          if (rows == 0) store_upto(gx + (2 * oy + r) * w + j + half * kLanes, v, valid);
          else vec::store(gathered[r] + half * kLanes, v);
          // Columns past the valid ones hold a padding column's b d + c: not summed.
          if (gx_sum && valid > 0) {
            if (valid >= kLanes) part += v;
            else {
              alignas(64) float tmp[kLanes];
              vec::store(tmp, v);
              for (int64_t l = 0; l < valid; ++l) total += tmp[l];
            }
          }
        }
        for (int64_t i = 0; i < rows; ++i) {
          float* dst = gx + (2 * (oy + i) + r) * w;
          for (int64_t col = 0; col < w; ++col) dst[col] = gathered[r][i * w + col];
        }
      }
      if (gx_sum) total += lanes_sum(part);
    });
    if (gx_sum) *gx_sum += total;
  }
}

}  // namespace

const BatchNormReluPoolKernels PAI_BATCHNORM_RELU_POOL_TABLE{normalize_relu_pool,
                                                            pooled_gradient_sums, pooled_combine};

}  // namespace pai::batchnorm_relu_detail
