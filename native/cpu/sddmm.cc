// Weight gradient of compressed layers at the survivors only (a sampled dense-dense
// product): each survivor's gradient is one dot product between its output channel's
// packed gradient and its shifted input plane, over batch x grid.
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

void grad_weight(const Grid& g, const SparsePattern& w, const float* x, const float* gy,
                 float* gvalues) {
  const BlockKernels& k = active_kernels();
  std::fill(gvalues, gvalues + w.nnz, 0.f);
  if (w.nnz == 0) return;
  float* xp = scratch<float>(kPackedInput, g.xp_size);
  float* gp = scratch<float>(kPackedGrad, g.g_size);
  pack_input(g, x, xp);
  pack_output_grad(g, gy, gp);
  int64_t* off = scratch<int64_t>(kOffsets, w.nnz);
  survivor_offsets(g, w, off);
  const int64_t granule = 2 * k.width;  // dots works on pairs of vectors
  const int64_t chunk = chunk_positions(g, g.planes, granule);
  const int64_t m_end = round_up(g.m, granule);  // the tail beyond m is zero in gp
  const int64_t chunks = (m_end + chunk - 1) / chunk;
  // Rows [o0, o1) of position chunks [c0, c1) into acc (indexed like gvalues).
  auto rows_of_chunks = [&](int64_t c0, int64_t c1, int64_t o0, int64_t o1, float* acc) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t m0 = c * chunk, len = std::min(chunk, m_end - m0);
      for (int64_t o = o0; o < o1; ++o) {
        const int64_t j0 = w.row_ptr[o], count = w.row_ptr[o + 1] - j0;
        if (count > 0) k.dots(gp + o * g.g_stride + g.g_front + m0, len, xp + m0, off + j0, count, acc + j0);
      }
    }
  };
  sum_over_items(
      chunks, w.nnz, gvalues, [&](int64_t c0, int64_t c1, float* acc) { rows_of_chunks(c0, c1, 0, w.rows, acc); },
      w.rows, [&](int64_t o0, int64_t o1) { rows_of_chunks(0, chunks, o0, o1, gvalues); });
}

}  // namespace

void sparse_conv2d_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                               const float* gy, float* gvalues) {
  if (batch_minor_eligible(s)) batch_minor_grad_weight(s, w, x, gy, gvalues);
  else if (tiled_eligible(s, w)) tiled_grad_weight(s, w, x, gy, gvalues);
  else if (direct_eligible(s)) direct_grad_weight(s, w, x, gy, gvalues);
  else grad_weight(Grid(s), w, x, gy, gvalues);
}

void sparse_linear_grad_weight(const SparsePattern& w, const float* x, const float* gy,
                               int64_t batch, float* gvalues) {
  linear_grad_weight(w, x, gy, batch, gvalues);
}

}  // namespace pai
