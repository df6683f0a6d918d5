// Axis reductions over a [outer, len, inner] view. With inner == 1 each output is one
// contiguous row sum (split across threads when there are few, long rows); otherwise rows
// of x are added column-wise into double accumulators, a block of columns at a time.
#include <algorithm>
#include <vector>

#include "elementwise_kernels.h"
#include "pai/elementwise.h"
#include "pai/parallel.h"

namespace pai {
namespace {

constexpr int64_t kGrain = 1 << 15;
constexpr int64_t kColumns = 512;  // column block of the inner > 1 paths (fits L1 as doubles)

void sum_rows(const float* x, int64_t outer, int64_t len, float* out) {
  const auto& k = elementwise_detail::elementwise_kernels();
  const int64_t threads = num_threads();
  if (outer >= threads || len < 4 * kGrain) {
    const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(len, 1));
    parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) out[o] = static_cast<float>(k.sum(x + o * len, len));
    });
    return;
  }
  // Few long rows: split every row into pieces and add the partial sums in order.
  const int64_t pieces = threads * 4, piece = (len + pieces - 1) / pieces;
  std::vector<double> partial(outer * pieces, 0.0);
  parallel_for(0, outer * pieces, 1, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t o = i / pieces, p0 = (i % pieces) * piece, p1 = std::min(len, p0 + piece);
      if (p0 < p1) partial[i] = k.sum(x + o * len + p0, p1 - p0);
    }
  });
  for (int64_t o = 0; o < outer; ++o) {
    double t = 0.0;
    for (int64_t p = 0; p < pieces; ++p) t += partial[o * pieces + p];
    out[o] = static_cast<float>(t);
  }
}

}  // namespace

void reduce_sum(const float* x, int64_t outer, int64_t len, int64_t inner, float* out) {
  if (outer <= 0 || inner <= 0) return;
  if (inner == 1) return sum_rows(x, outer, len, out);
  const auto& k = elementwise_detail::elementwise_kernels();
  const int64_t blocks = (inner + kColumns - 1) / kColumns;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(len * kColumns, 1));
  parallel_for(0, outer * blocks, grain, [&](int64_t i0, int64_t i1) {
    double acc[kColumns];
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t o = i / blocks, c0 = (i % blocks) * kColumns;
      const int64_t n = std::min(kColumns, inner - c0);
      std::fill(acc, acc + n, 0.0);
      const float* base = x + o * len * inner + c0;
      for (int64_t r = 0; r < len; ++r) k.accumulate(base + r * inner, acc, n);
      for (int64_t c = 0; c < n; ++c) out[o * inner + c0 + c] = static_cast<float>(acc[c]);
    }
  });
}

void reduce_max(const float* x, int64_t outer, int64_t len, int64_t inner, float* values,
                int32_t* index) {
  if (outer <= 0 || inner <= 0 || len <= 0) return;
  if (inner == 1) {
    const int64_t grain = std::max<int64_t>(1, kGrain / len);
    parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const float* row = x + o * len;
        float best = row[0];
        int64_t arg = 0;
        for (int64_t r = 1; r < len && best == best; ++r) {
          if (row[r] > best || row[r] != row[r]) {
            best = row[r];
            arg = r;
          }
        }
        values[o] = best;
        index[o] = static_cast<int32_t>(arg);
      }
    });
    return;
  }
  const auto& k = elementwise_detail::elementwise_kernels();
  const int64_t blocks = (inner + kColumns - 1) / kColumns;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(len * kColumns, 1));
  parallel_for(0, outer * blocks, grain, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t o = i / blocks, c0 = (i % blocks) * kColumns;
      const int64_t n = std::min(kColumns, inner - c0);
      const float* base = x + o * len * inner + c0;
      float* best = values + o * inner + c0;
      int32_t* arg = index + o * inner + c0;
      std::copy(base, base + n, best);
      std::fill(arg, arg + n, 0);
      for (int64_t r = 1; r < len; ++r) k.max_update(base + r * inner, best, arg, static_cast<int32_t>(r), n);
    }
  });
}

}  // namespace pai
