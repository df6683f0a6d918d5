// Compressed-layer forward (SpMM) and input gradient (transposed SpMM) for linear and
// convolution layers: each survivor adds one contiguous axpy over the packed planes.
#include <algorithm>
#include <vector>

#include "pai/parallel.h"
#include "pai/sparse.h"
#include "sparse_batch_minor.h"
#include "sparse_direct.h"
#include "sparse_engine.h"
#include "sparse_linear.h"
#include "sparse_plan.h"
#include "sparse_tiled.h"

namespace pai {
namespace {
using namespace sparse_detail;

// Tasks = position chunks x ranges of channel groups, enough to keep every thread busy.
// The linear layout handles 16 channels together, so that its outputs (rows of the
// [batch, features] result) are written 16 contiguous floats at a time.
struct Split {
  int64_t chunk, chunks, group, groups, ranges;
  Split(const Grid& g, int64_t rows_touched, int64_t channels, int64_t block) {
    chunk = chunk_positions(g, rows_touched, block);
    chunks = (g.m + chunk - 1) / chunk;
    group = g.rows_are_images ? 16 : 1;
    groups = (channels + group - 1) / group;
    const int64_t want = 4 * num_threads();
    ranges = std::min(groups, std::max<int64_t>(1, (want + chunks - 1) / chunks));
  }
};

// Runs fn(m0, len, channel0, count, tile) for every block of positions and group of
// channels, where fn computes `count` channels' blocks into tile rows of kMaxBlock floats.
template <typename Compute, typename Write>
void for_each_block(const Grid& g, const Split& sp, int64_t channels, int64_t block,
                    Compute compute, Write write) {
  parallel_for(0, sp.chunks * sp.ranges, 1, [&](int64_t t0, int64_t t1) {
    alignas(64) float tile[16 * kMaxBlock];
    static_assert(kMaxBlock % 8 == 0, "tile rows stay aligned");
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t ch = t / sp.ranges, rg = t % sp.ranges;
      const int64_t u0 = sp.groups * rg / sp.ranges, u1 = sp.groups * (rg + 1) / sp.ranges;
      const int64_t m_begin = ch * sp.chunk, m_end = std::min(g.m, m_begin + sp.chunk);
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t c0 = u * sp.group, count = std::min(sp.group, channels - c0);
        for (int64_t m0 = m_begin; m0 < m_end; m0 += block) {
          for (int64_t r = 0; r < count; ++r) compute(c0 + r, m0, tile + r * kMaxBlock);
          write(m0, std::min(block, m_end - m0), c0, count, tile);
        }
      }
    }
  });
}

// Rows [m0, m0 + len) of a [positions, ld] matrix, columns [c0, c0 + count), from tile
// rows (one per column, bias added in place), by a register transpose.
void write_rows(const BlockKernels& k, float* tile, int64_t m0, int64_t len, int64_t c0,
                int64_t count, const float* bias, int64_t ld, float* out) {
  if (bias)
    for (int64_t r = 0; r < count; ++r)
      for (int64_t i = 0; i < len; ++i) tile[r * kMaxBlock + i] += bias[c0 + r];
  k.transpose(tile, count, len, kMaxBlock, out + m0 * ld + c0, ld);
}

void forward(const Grid& g, const SparsePattern& w, const float* values, const float* x,
             const float* bias, float* y) {
  const BlockKernels& k = active_kernels();
  float* xp = scratch<float>(kPackedInput, g.xp_size);
  pack_input(g, x, xp);
  int64_t* off = scratch<int64_t>(kOffsets, w.nnz);
  survivor_offsets(g, w, off);
  const BlockChoice bc = choose_block(k, g.planes);
  const Split sp(g, g.planes, g.s.o, bc.block);
  auto compute = [&](int64_t o, int64_t m0, float* acc) {
    const int64_t j0 = w.row_ptr[o], count = w.row_ptr[o + 1] - j0;
    if (count > 0) bc.accumulate(xp + m0, off + j0, values + j0, count, acc, false);
    else std::fill(acc, acc + bc.block, 0.f);
  };
  for_each_block(g, sp, g.s.o, bc.block, compute,
                 [&](int64_t m0, int64_t len, int64_t o0, int64_t count, float* tile) {
                   if (g.rows_are_images) {
                     write_rows(k, tile, m0, len, o0, count, bias, g.s.o, y);
                   } else {
                     write_output(g, tile, m0, len, o0, bias ? bias[o0] : 0.f, y);
                   }
                 });
}

// Survivors grouped by the input plane they read in the forward pass, as offsets into the
// packed output gradient (row o, shifted back by the tap) and their values; off and val
// live in scratch memory.
struct PlaneEntries {
  std::vector<int64_t> ptr;
  int64_t* off = nullptr;
  float* val = nullptr;
};

PlaneEntries plane_entries(const Grid& g, const SparsePattern& w, const float* values) {
  PlaneEntries e;
  if (g.kk == 1 && g.phases == 1 && g.s.groups == 1) {
    // One plane per column: the CSC order is already grouped by plane.
    e.ptr.assign(w.col_ptr, w.col_ptr + w.cols + 1);
    e.off = scratch<int64_t>(kOffsets, w.nnz);
    e.val = scratch<float>(kValues, w.nnz);
    parallel_for(0, w.nnz, 1 << 14, [&](int64_t q0, int64_t q1) {
      for (int64_t q = q0; q < q1; ++q) {
        e.off[q] = w.csc_row[q] * g.g_stride + g.g_front;
        e.val[q] = values[w.csc_pos[q]];
      }
    });
    return e;
  }
  e.ptr.assign(g.planes + 1, 0);
  const int64_t kw = g.s.kw, c = g.s.c;
  // Visits the survivors of input channel ch (global) that belong to its group.
  auto visit = [&](int64_t ch, auto&& fn) {
    const int64_t grp = ch / g.cg, cl = ch % g.cg;
    for (int64_t col = cl * g.kk; col < (cl + 1) * g.kk; ++col) {
      const int64_t tap = col % g.kk, i = tap / kw, jj = tap % kw;
      const int64_t p = g.plane_of(ch, i, jj), shift = g.shift_of(i, jj);
      for (int64_t q = w.col_ptr[col]; q < w.col_ptr[col + 1]; ++q) {
        const int64_t o = w.csc_row[q];
        if (g.s.groups == 1 || o / g.og == grp) fn(p, o * g.g_stride + g.g_front - shift, values[w.csc_pos[q]]);
      }
    }
  };
  std::vector<int64_t> count(g.planes, 0);
  parallel_for(0, c, 16, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) visit(ch, [&](int64_t p, int64_t, float) { ++count[p]; });
  });
  for (int64_t p = 0; p < g.planes; ++p) e.ptr[p + 1] = e.ptr[p] + count[p];
  e.off = scratch<int64_t>(kOffsets, e.ptr[g.planes]);
  e.val = scratch<float>(kValues, e.ptr[g.planes]);
  parallel_for(0, c, 16, [&](int64_t c0, int64_t c1) {
    std::vector<int64_t> at(g.phases);
    for (int64_t ch = c0; ch < c1; ++ch) {
      std::copy(e.ptr.begin() + ch * g.phases, e.ptr.begin() + (ch + 1) * g.phases, at.begin());
      visit(ch, [&](int64_t p, int64_t off, float v) {
        const int64_t q = at[p - ch * g.phases]++;
        e.off[q] = off;
        e.val[q] = v;
      });
    }
  });
  return e;
}

void grad_input(const Grid& g, const SparsePattern& w, const float* values, const float* gy,
                float* gx) {
  const BlockKernels& k = active_kernels();
  float* gp = scratch<float>(kPackedGrad, g.g_size);
  pack_output_grad(g, gy, gp);
  const PlaneEntries e = plane_entries(g, w, values);
  const BlockChoice bc = choose_block(k, g.s.o);
  const Split sp(g, g.s.o, g.planes, bc.block);
  auto compute = [&](int64_t p, int64_t m0, float* acc) {
    const int64_t q0 = e.ptr[p], count = e.ptr[p + 1] - q0;
    if (count > 0) bc.accumulate(gp + m0, e.off + q0, e.val + q0, count, acc, false);
    else std::fill(acc, acc + bc.block, 0.f);
  };
  for_each_block(g, sp, g.planes, bc.block, compute,
                 [&](int64_t m0, int64_t len, int64_t p0, int64_t count, float* tile) {
                   if (g.rows_are_images) {
                     write_rows(k, tile, m0, len, p0, count, nullptr, g.s.c, gx);
                   } else {
                     for (int64_t r = 0; r < count; ++r)
                       write_input_grad(g, tile + r * kMaxBlock, m0, len, p0 + r, gx);
                   }
                 });
}

}  // namespace

bool sparse_conv2d_forward(const Conv2dShape& s, const SparsePattern& w, const float* values,
                           const float* x, const float* bias, float* y, double* row_moments) {
  if (sparse_detail::batch_minor_eligible(s)) {
    sparse_detail::batch_minor_forward(s, w, values, x, bias, y);
    return false;
  }
  if (sparse_detail::tiled_eligible(s, w)) return sparse_detail::tiled_forward(s, w, values, x, bias, y, row_moments);
  if (sparse_detail::direct_eligible(s)) {
    return sparse_detail::direct_forward(s, w, values, x, bias, y, row_moments);
  }
  forward(sparse_detail::Grid(s), w, values, x, bias, y);
  return false;
}

void sparse_conv2d_grad_input(const Conv2dShape& s, const SparsePattern& w,
                              const float* values, const float* gy, float* gx) {
  if (sparse_detail::batch_minor_eligible(s)) sparse_detail::batch_minor_grad_input(s, w, values, gy, gx);
  else if (sparse_detail::tiled_eligible(s, w)) sparse_detail::tiled_grad_input(s, w, values, gy, gx);
  else if (sparse_detail::direct_eligible(s)) sparse_detail::direct_grad_input(s, w, values, gy, gx);
  else grad_input(sparse_detail::Grid(s), w, values, gy, gx);
}

void sparse_linear_forward(const SparsePattern& w, const float* values, const float* x,
                           int64_t batch, const float* bias, float* y) {
  sparse_detail::linear_forward(w, values, x, batch, bias, y);
}

void sparse_linear_grad_input(const SparsePattern& w, const float* values, const float* gy,
                              int64_t batch, float* gx) {
  sparse_detail::linear_grad_input(w, values, gy, batch, gx);
}

}  // namespace pai
