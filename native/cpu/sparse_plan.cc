// Per-call tables of the compressed-layer drivers (see sparse_plan.h).
#include "sparse_plan.h"

#include <algorithm>

#include "pai/parallel.h"

namespace pai::sparse_detail {

std::vector<int64_t> survivor_offsets(const Grid& g, const SparsePattern& w) {
  std::vector<int64_t> off(static_cast<size_t>(w.nnz));
  const int64_t kw = g.s.kw;
  parallel_for(0, w.rows, 64, [&](int64_t r0, int64_t r1) {
    for (int64_t o = r0; o < r1; ++o) {
      const int64_t c0 = (o / g.og) * g.cg;
      for (int64_t j = w.row_ptr[o]; j < w.row_ptr[o + 1]; ++j) {
        const int64_t col = w.col_idx[j], tap = col % g.kk;
        const int64_t i = tap / kw, jj = tap % kw;
        off[j] = g.plane_of(c0 + col / g.kk, i, jj) * g.xp_stride + g.shift_of(i, jj);
      }
    }
  });
  return off;
}

std::vector<int64_t> balanced_rows(const SparsePattern& w, int64_t parts) {
  parts = std::max<int64_t>(1, std::min(parts, w.rows));
  std::vector<int64_t> bounds(parts + 1, w.rows);
  bounds[0] = 0;
  const double total = static_cast<double>(w.nnz + w.rows);
  int64_t r = 0;
  for (int64_t p = 1; p < parts; ++p) {
    const double target = total * p / parts;
    while (r < w.rows && static_cast<double>(w.row_ptr[r] + r) < target) ++r;
    bounds[p] = std::max(r, bounds[p - 1]);
  }
  return bounds;
}

int64_t chunk_positions(const Grid& g, int64_t rows_touched, int64_t block) {
  constexpr int64_t kCacheFloats = 256 * 1024;  // about 1 MiB of a core's L2
  const int64_t fit = kCacheFloats / std::max<int64_t>(1, rows_touched) / block * block;
  return std::min(std::max(block, fit), round_up(g.m, block));
}

}  // namespace pai::sparse_detail
