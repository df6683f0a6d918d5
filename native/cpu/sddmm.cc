// Weight gradient of compressed layers at the survivors only (a sampled dense-dense
// product): each survivor's gradient is one dot product between its output channel's
// packed gradient and its shifted input plane, over batch x grid.
#include <algorithm>
#include <vector>

#include "pai/parallel.h"
#include "pai/sparse.h"
#include "sparse_engine.h"
#include "sparse_plan.h"

namespace pai {
namespace {
using namespace sparse_detail;

void grad_weight(const Grid& g, const SparsePattern& w, const float* x, const float* gy,
                 float* gvalues) {
  const BlockKernels& k = active_kernels();
  std::fill(gvalues, gvalues + w.nnz, 0.f);
  if (w.nnz == 0) return;
  float* xp = scratch(0, g.xp_size);
  float* gp = scratch(1, g.g_size);
  pack_input(g, x, xp);
  pack_output_grad(g, gy, gp);
  const std::vector<int64_t> off = survivor_offsets(g, w);
  const std::vector<int64_t> bounds = balanced_rows(w, 4 * num_threads());
  const int64_t granule = 2 * k.width;  // dots works on pairs of vectors
  const int64_t chunk = chunk_positions(g, g.planes, granule);
  const int64_t m_end = round_up(g.m, granule);  // the tail beyond m is zero in gp
  int64_t widest = 0;
  for (int64_t o = 0; o < w.rows; ++o) widest = std::max<int64_t>(widest, w.row_ptr[o + 1] - w.row_ptr[o]);
  parallel_for(0, static_cast<int64_t>(bounds.size()) - 1, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> part(static_cast<size_t>(widest));
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t m0 = 0; m0 < m_end; m0 += chunk) {
        const int64_t len = std::min(chunk, m_end - m0);
        for (int64_t o = bounds[b]; o < bounds[b + 1]; ++o) {
          const int64_t j0 = w.row_ptr[o], count = w.row_ptr[o + 1] - j0;
          if (count == 0) continue;
          k.dots(gp + o * g.g_stride + g.g_front + m0, len, xp + m0, off.data() + j0,
                 count, part.data());
          for (int64_t j = 0; j < count; ++j) gvalues[j0 + j] += part[j];
        }
      }
  });
}

}  // namespace

void sparse_conv2d_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                               const float* gy, float* gvalues) {
  grad_weight(Grid(s), w, x, gy, gvalues);
}

void sparse_linear_grad_weight(const SparsePattern& w, const float* x, const float* gy,
                               int64_t batch, float* gvalues) {
  Conv2dShape s;
  s.n = batch;
  s.c = w.cols;
  s.o = w.rows;
  grad_weight(Grid(s), w, x, gy, gvalues);
}

}  // namespace pai
