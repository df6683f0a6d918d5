// Per-call tables of the compressed-layer drivers (see sparse_plan.h).
#include "sparse_plan.h"

#include <algorithm>

#include "pai/parallel.h"

namespace pai::sparse_detail {

void survivor_offsets(const Grid& g, const SparsePattern& w, int64_t* off) {
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
  std::vector<std::vector<float>> copies(static_cast<size_t>(std::max<int64_t>(parts - 1, 0)));
  parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      float* acc = out;
      if (p > 0) {
        copies[p - 1].assign(static_cast<size_t>(n), 0.f);
        acc = copies[p - 1].data();
      }
      fn(items * p / parts, items * (p + 1) / parts, acc);
    }
  });
  parallel_for(0, n, 1 << 14, [&](int64_t i0, int64_t i1) {
    for (const std::vector<float>& c : copies)
      for (int64_t i = i0; i < i1; ++i) out[i] += c[i];
  });
}

int64_t chunk_positions(const Grid& g, int64_t rows_touched, int64_t block) {
  constexpr int64_t kCacheFloats = 256 * 1024;  // about 1 MiB of a core's L2
  const int64_t fit = kCacheFloats / std::max<int64_t>(1, rows_touched) / block * block;
  return std::min(std::max(block, fit), round_up(g.m, block));
}

}  // namespace pai::sparse_detail
