// Per-call tables of the compressed-layer drivers (see sparse_plan.h).
#include "sparse_plan.h"

#include <algorithm>
#include <vector>

#include "pai/parallel.h"

namespace pai::sparse_detail {

void survivor_offsets(const Grid& g, const SparsePattern& w, int64_t* off) {
  // Divisions per column, not per survivor: a column's offset within its group's planes,
  // plus the group's first plane.
  std::vector<int64_t> column(static_cast<size_t>(w.cols));
  for (int64_t col = 0; col < w.cols; ++col) {
    const int64_t tap = col % g.kk, i = tap / g.s.kw, jj = tap % g.s.kw;
    column[col] = g.plane_of(col / g.kk, i, jj) * g.xp_stride + g.shift_of(i, jj);
  }
  parallel_for(0, w.rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t o = r0; o < r1; ++o) {
      const int64_t group = (o / g.og) * g.cg * g.phases * g.xp_stride;
      for (int64_t j = w.row_ptr[o]; j < w.row_ptr[o + 1]; ++j) off[j] = group + column[w.col_idx[j]];
    }
  });
}

void sum_over_items(int64_t items, int64_t n, float* out,
                    const std::function<void(int64_t, int64_t, float*)>& fn,
                    int64_t rows, const std::function<void(int64_t, int64_t)>& fn_rows) {
  constexpr int64_t kParts = 4;
  constexpr int64_t kMaxCopyBytes = int64_t(64) << 20;
  const int64_t parts = std::min(kParts, items);
  if (parts > 1 && (parts - 1) * n * int64_t(sizeof(float)) > kMaxCopyBytes) {
    parallel_for(0, rows, 1, fn_rows);
    return;
  }
  // The private copies live in reused scratch memory (no page faults per call).
  float* copies = scratch<float>(kPartials, std::max<int64_t>(parts - 1, 0) * n);
  parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      float* acc = out;
      if (p > 0) {
        acc = copies + (p - 1) * n;
        std::fill(acc, acc + n, 0.f);
      }
      fn(items * p / parts, items * (p + 1) / parts, acc);
    }
  });
  parallel_for(0, n, 1 << 14, [&](int64_t i0, int64_t i1) {
    for (int64_t c = 0; c + 1 < parts; ++c)
      for (int64_t i = i0; i < i1; ++i) out[i] += copies[c * n + i];
  });
}

int64_t chunk_positions(const Grid& g, int64_t rows_touched, int64_t block) {
  constexpr int64_t kCacheFloats = 256 * 1024;  // about 1 MiB of a core's L2
  const int64_t fit = kCacheFloats / std::max<int64_t>(1, rows_touched) / block * block;
  return std::min(std::max(block, fit), round_up(g.m, block));
}

}  // namespace pai::sparse_detail
