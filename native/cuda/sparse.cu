// Compressed layers. Linear: one thread per (batch row, output) walks its CSR row (forward)
// or CSC column (input gradient), gathering from the batch row of activations, which the
// block shares through L1; the weight gradient is an SDDMM, a warp per weight row. Conv:
// direct sparse convolution, a block per output channel and a run of (image, pixel) pairs
// walking the channel's survivors; the input gradient walks the CSC columns of each tap; the
// weight gradient is one block-wide dot product per survivor.
#include "cuda/block_reduce.cuh"
#include "cuda/sparse.h"

namespace pai::cuda {
namespace {

constexpr int kThreads = 256;

// A compressed matrix walked by rows of the walk: CSR (pos null) or CSC (pos = CSR position).
struct Walk {
  int rows;       // rows of the walk
  int64_t width;  // valid range of idx entries (the other dimension)
  int64_t nnz;
  const int32_t* ptr;
  const int32_t* idx;
  const int32_t* pos;
};

__device__ __forceinline__ void walk_range(const Walk& w, int r, int64_t& k0, int64_t& k1) {
  k0 = w.ptr[r];
  k1 = w.ptr[r + 1];
  if (k0 < 0) k0 = 0;
  if (k1 > w.nnz) k1 = w.nnz;
}

// out[b, r] = sum over the walk's row r of values[pos] in[b, idx] (+ bias[r]).
__global__ void spmm_rows_kernel(Walk w, const float* values, const float* in, int64_t in_dim, int64_t batch,
                                 const float* bias, float* out) {
  const int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= w.rows) return;
  int64_t k0, k1;
  walk_range(w, r, k0, k1);
  for (int64_t b = blockIdx.y; b < batch; b += gridDim.y) {
    const float* row = in + b * in_dim;
    float acc = 0.f;
    for (int64_t k = k0; k < k1; ++k) {
      const int32_t c = w.idx[k];
      const int64_t v = w.pos ? w.pos[k] : k;
      if (c >= 0 && c < w.width && v >= 0 && v < w.nnz) acc += values[v] * row[c];
    }
    out[b * w.rows + r] = bias ? acc + bias[r] : acc;
  }
}

// gvalues[k] = sum_b gy[b, r] x[b, col(k)] for the survivors k of row r: a warp per row.
__global__ void sddmm_kernel(Walk w, const float* x, int64_t in_dim, const float* gy, int64_t batch, float* gvalues) {
  const int lane = threadIdx.x % 32;
  const int r = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  if (r >= w.rows) return;
  int64_t k0, k1;
  walk_range(w, r, k0, k1);
  for (int64_t k = k0 + lane; k < k1; k += 32) {
    const int32_t c = w.idx[k];
    float acc = 0.f;
    if (c >= 0 && c < w.width)
      for (int64_t b = 0; b < batch; ++b) acc += gy[b * w.rows + r] * x[b * in_dim + c];
    gvalues[k] = acc;
  }
}

// dense[r, col(k)] = values[k] over the survivors k of row r: a warp per row.
__global__ void scatter_rows_kernel(Walk w, const float* values, float* dense) {
  const int lane = threadIdx.x % 32;
  const int r = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  if (r >= w.rows) return;
  int64_t k0, k1;
  walk_range(w, r, k0, k1);
  for (int64_t k = k0 + lane; k < k1; k += 32) {
    const int32_t c = w.idx[k];
    if (c >= 0 && c < w.width) dense[static_cast<int64_t>(r) * w.width + c] = values[k];
  }
}

struct SparseConv {
  int n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, cg, og;
  FastDiv taps, kwd, ohw, owd, hw, wd, shd, swd;
};

SparseConv sparse_conv_of(const ::pai::Conv2dShape& s) {
  SparseConv d;
  d.n = static_cast<int>(s.n), d.c = static_cast<int>(s.c), d.h = static_cast<int>(s.h), d.w = static_cast<int>(s.w);
  d.o = static_cast<int>(s.o), d.kh = static_cast<int>(s.kh), d.kw = static_cast<int>(s.kw);
  d.oh = static_cast<int>(s.out_h()), d.ow = static_cast<int>(s.out_w());
  d.sh = static_cast<int>(s.sh), d.sw = static_cast<int>(s.sw), d.ph = static_cast<int>(s.ph), d.pw = static_cast<int>(s.pw);
  d.dh = static_cast<int>(s.dh), d.dw = static_cast<int>(s.dw);
  d.cg = static_cast<int>(s.c / s.groups), d.og = static_cast<int>(s.o / s.groups);
  d.taps = FastDiv(d.kh * d.kw), d.kwd = FastDiv(d.kw), d.ohw = FastDiv(d.oh * d.ow), d.owd = FastDiv(d.ow);
  d.hw = FastDiv(d.h * d.w), d.wd = FastDiv(d.w), d.shd = FastDiv(d.sh), d.swd = FastDiv(d.sw);
  return d;
}

__global__ void sparse_conv_forward_kernel(SparseConv d, Walk wk, const float* values, const float* x, const float* bias,
                                           float* y) {
  const int oc = blockIdx.y;
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<int64_t>(d.n) * d.oh * d.ow) return;
  uint32_t img, pix, oy, ox;
  d.ohw.divmod(static_cast<uint32_t>(t), img, pix);
  d.owd.divmod(pix, oy, ox);
  const int g = oc / d.og;
  const float* xb = x + (static_cast<int64_t>(img) * d.c + static_cast<int64_t>(g) * d.cg) * d.h * d.w;
  int64_t k0, k1;
  walk_range(wk, oc, k0, k1);
  float acc = 0.f;
  for (int64_t k = k0; k < k1; ++k) {
    const int32_t col = wk.idx[k];
    if (col < 0 || col >= wk.width) continue;
    uint32_t ch, tap, r, s;
    d.taps.divmod(static_cast<uint32_t>(col), ch, tap);
    d.kwd.divmod(tap, r, s);
    const int iy = static_cast<int>(oy) * d.sh - d.ph + static_cast<int>(r) * d.dh;
    const int ix = static_cast<int>(ox) * d.sw - d.pw + static_cast<int>(s) * d.dw;
    if (iy >= 0 && iy < d.h && ix >= 0 && ix < d.w) acc += values[k] * xb[(static_cast<int64_t>(ch) * d.h + iy) * d.w + ix];
  }
  y[(static_cast<int64_t>(img) * d.o + oc) * d.oh * d.ow + pix] = bias ? acc + bias[oc] : acc;
}

// Walk = CSC of the weight: walk rows are weight columns (c, r, s), idx = output channel.
__global__ void sparse_conv_grad_input_kernel(SparseConv d, Walk wk, const float* values, const float* gy, float* gx) {
  const int ci = blockIdx.y;
  const int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t >= static_cast<int64_t>(d.n) * d.h * d.w) return;
  uint32_t img, pix, iy, ix;
  d.hw.divmod(static_cast<uint32_t>(t), img, pix);
  d.wd.divmod(pix, iy, ix);
  const int g = ci / d.cg, c = ci % d.cg;
  const float* gb = gy + static_cast<int64_t>(img) * d.o * d.oh * d.ow;
  float acc = 0.f;
  for (int r = 0; r < d.kh; ++r) {
    const int ty = static_cast<int>(iy) + d.ph - r * d.dh;
    if (ty < 0) continue;
    uint32_t oy, ry;
    d.shd.divmod(static_cast<uint32_t>(ty), oy, ry);
    if (ry != 0 || oy >= static_cast<uint32_t>(d.oh)) continue;
    for (int s = 0; s < d.kw; ++s) {
      const int tx = static_cast<int>(ix) + d.pw - s * d.dw;
      if (tx < 0) continue;
      uint32_t ox, rx;
      d.swd.divmod(static_cast<uint32_t>(tx), ox, rx);
      if (rx != 0 || ox >= static_cast<uint32_t>(d.ow)) continue;
      int64_t k0, k1;
      walk_range(wk, (c * d.kh + r) * d.kw + s, k0, k1);
      for (int64_t k = k0; k < k1; ++k) {
        const int32_t o = wk.idx[k], v = wk.pos[k];
        // A column (c, r, s) lists survivors of every group; only this group's rows feed ci.
        if (o >= 0 && o < wk.width && v >= 0 && v < wk.nnz && o / d.og == g)
          acc += values[v] * gb[(static_cast<int64_t>(o) * d.oh + oy) * d.ow + ox];
      }
    }
  }
  gx[(static_cast<int64_t>(img) * d.c + ci) * d.h * d.w + pix] = acc;
}

// One block per survivor k (row o found by binary search in the CSR row pointers).
__global__ void sparse_conv_grad_weight_kernel(SparseConv d, Walk wk, const float* x, const float* gy, float* gvalues) {
  __shared__ double scratch[32];
  const int64_t pairs = static_cast<int64_t>(d.n) * d.oh * d.ow;
  for (int64_t k = blockIdx.x; k < wk.nnz; k += gridDim.x) {
    int lo = 0, hi = wk.rows;  // the last row r with ptr[r] <= k
    while (hi - lo > 1) {
      const int mid = (lo + hi) / 2;
      if (wk.ptr[mid] <= k) lo = mid;
      else hi = mid;
    }
    const int oc = lo, col = wk.idx[k];
    double acc = 0.0;
    if (col >= 0 && col < wk.width) {
      uint32_t ch, tap, r, s;
      d.taps.divmod(static_cast<uint32_t>(col), ch, tap);
      d.kwd.divmod(tap, r, s);
      const int g = oc / d.og;
      const int64_t xc = (static_cast<int64_t>(g) * d.cg + ch) * d.h * d.w;
      float part = 0.f;
      for (int64_t t = threadIdx.x; t < pairs; t += blockDim.x) {
        uint32_t img, pix, oy, ox;
        d.ohw.divmod(static_cast<uint32_t>(t), img, pix);
        d.owd.divmod(pix, oy, ox);
        const int iy = static_cast<int>(oy) * d.sh - d.ph + static_cast<int>(r) * d.dh;
        const int ix = static_cast<int>(ox) * d.sw - d.pw + static_cast<int>(s) * d.dw;
        if (iy >= 0 && iy < d.h && ix >= 0 && ix < d.w)
          part += gy[(static_cast<int64_t>(img) * d.o + oc) * d.oh * d.ow + pix] *
                  x[static_cast<int64_t>(img) * d.c * d.h * d.w + xc + static_cast<int64_t>(iy) * d.w + ix];
      }
      acc = part;
    }
    acc = block_sum(acc, scratch);
    if (threadIdx.x == 0) gvalues[k] = static_cast<float>(acc);
  }
}

Walk csr_of(const ::pai::SparsePattern& p) {
  return {static_cast<int>(p.rows), p.cols, p.nnz, p.row_ptr, p.col_idx, nullptr};
}
Walk csc_of(const ::pai::SparsePattern& p) {
  return {static_cast<int>(p.cols), p.rows, p.nnz, p.col_ptr, p.csc_row, p.csc_pos};
}

void check_pattern(const ::pai::SparsePattern& p, const char* name) {
  if (p.rows >= (int64_t{1} << 31) || p.cols >= (int64_t{1} << 31) || p.nnz >= (int64_t{1} << 31))
    throw Error(std::string("pai_cuda: ") + name + ": the pattern must have fewer than 2^31 rows, columns and survivors");
}

unsigned batch_grid(int64_t batch) { return static_cast<unsigned>(batch < 65535 ? (batch > 0 ? batch : 1) : 65535); }

}  // namespace

void sparse_linear_forward(const ::pai::SparsePattern& w, const float* values, const float* x, int64_t batch,
                           const float* bias, float* y) {
  check_pattern(w, "sparseLinearForward");
  if (batch <= 0 || w.rows <= 0) return;
  const dim3 grid(static_cast<unsigned>(ceil_div(w.rows, kThreads)), batch_grid(batch));
  PAI_LAUNCH(grid, kThreads, 0, spmm_rows_kernel)(csr_of(w), values, x, w.cols, batch, bias, y);
  check_launch("sparseLinearForward");
}

void sparse_linear_grad_input(const ::pai::SparsePattern& w, const float* values, const float* gy, int64_t batch,
                              float* gx) {
  check_pattern(w, "sparseLinearGradInput");
  if (batch <= 0 || w.cols <= 0) return;
  const dim3 grid(static_cast<unsigned>(ceil_div(w.cols, kThreads)), batch_grid(batch));
  PAI_LAUNCH(grid, kThreads, 0, spmm_rows_kernel)(csc_of(w), values, gy, w.rows, batch, nullptr, gx);
  check_launch("sparseLinearGradInput");
}

void sparse_linear_grad_weight(const ::pai::SparsePattern& w, const float* x, const float* gy, int64_t batch,
                               float* gvalues) {
  check_pattern(w, "sparseLinearGradWeight");
  if (w.nnz <= 0 || w.rows <= 0) return;
  PAI_LAUNCH(static_cast<unsigned>(ceil_div(w.rows, kThreads / 32)), kThreads, 0, sddmm_kernel)(csr_of(w), x, w.cols,
                                                                                                gy, batch, gvalues);
  check_launch("sparseLinearGradWeight");
}

void sparse_scatter(const ::pai::SparsePattern& w, const float* values, float* dense) {
  check_pattern(w, "sparseScatter");
  if (w.nnz <= 0 || w.rows <= 0) return;
  PAI_LAUNCH(static_cast<unsigned>(ceil_div(w.rows, kThreads / 32)), kThreads, 0, scatter_rows_kernel)(csr_of(w), values,
                                                                                                      dense);
  check_launch("sparseScatter");
}

void sparse_conv2d_forward(const ::pai::Conv2dShape& s, const ::pai::SparsePattern& w, const float* values,
                           const float* x, const float* bias, float* y) {
  check_pattern(w, "sparseConv2dForward");
  const int64_t pairs = s.n * s.out_h() * s.out_w();
  if (pairs <= 0 || s.o <= 0) return;
  if (pairs >= (int64_t{1} << 31) || s.o > 65535) throw Error("pai_cuda: sparseConv2dForward: shape too large");
  const dim3 grid(static_cast<unsigned>(ceil_div(pairs, kThreads)), static_cast<unsigned>(s.o));
  PAI_LAUNCH(grid, kThreads, 0, sparse_conv_forward_kernel)(sparse_conv_of(s), csr_of(w), values, x, bias, y);
  check_launch("sparseConv2dForward");
}

void sparse_conv2d_grad_input(const ::pai::Conv2dShape& s, const ::pai::SparsePattern& w, const float* values,
                              const float* gy, float* gx) {
  check_pattern(w, "sparseConv2dGradInput");
  const int64_t pairs = s.n * s.h * s.w;
  if (pairs <= 0 || s.c <= 0) return;
  if (pairs >= (int64_t{1} << 31) || s.c > 65535) throw Error("pai_cuda: sparseConv2dGradInput: shape too large");
  const dim3 grid(static_cast<unsigned>(ceil_div(pairs, kThreads)), static_cast<unsigned>(s.c));
  PAI_LAUNCH(grid, kThreads, 0, sparse_conv_grad_input_kernel)(sparse_conv_of(s), csc_of(w), values, gy, gx);
  check_launch("sparseConv2dGradInput");
}

void sparse_conv2d_grad_weight(const ::pai::Conv2dShape& s, const ::pai::SparsePattern& w, const float* x,
                               const float* gy, float* gvalues) {
  check_pattern(w, "sparseConv2dGradWeight");
  if (w.nnz <= 0) return;
  if (s.n * s.out_h() * s.out_w() >= (int64_t{1} << 31)) throw Error("pai_cuda: sparseConv2dGradWeight: shape too large");
  const unsigned blocks = static_cast<unsigned>(w.nnz < 65535 * 64 ? w.nnz : 65535 * 64);
  PAI_LAUNCH(blocks, kThreads, 0, sparse_conv_grad_weight_kernel)(sparse_conv_of(s), csr_of(w), x, gy, gvalues);
  check_launch("sparseConv2dGradWeight");
}

}  // namespace pai::cuda
