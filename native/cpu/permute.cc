// Axis permutation (a strided copy). Dimensions are collapsed first; if the innermost
// output dim is contiguous in x this is a batch of row copies, otherwise a batch of 2-D
// transposes done in square tiles so both sides stay in cache.
#include <algorithm>
#include <cstring>

#include "pai/cpu_features.h"
#include "pai/elementwise.h"
#include "pai/parallel.h"

namespace pai {
namespace permute_detail {
// dst[c * dst_stride + r] = src[r * src_stride + c] for r < rows, c < cols.
void transpose_avx512(const float* src, int64_t src_stride, int64_t rows, int64_t cols,
                      float* dst, int64_t dst_stride);
}  // namespace permute_detail

namespace {

constexpr int kMaxRank = 64;
// Tile of the 2-D transposes: 8 strided lines per side stay within one L1 set's ways
// even for power-of-two strides, and 64 contiguous elements fill whole lines.
constexpr int64_t kTileStrided = 8, kTileContiguous = 64;
constexpr int64_t kGrain = 1 << 15;

// Offset in x of the outer index `i` over the dims in `order` (last fastest).
int64_t offset_of(int64_t i, const int* order, int count, const int64_t* size, const int64_t* stride) {
  int64_t off = 0;
  for (int t = count - 1; t >= 0; --t) {
    const int d = order[t];
    off += (i % size[d]) * stride[d];
    i /= size[d];
  }
  return off;
}

}  // namespace

void permute(const float* x, const int64_t* shape, const int* perm, int rank, float* out) {
  int64_t in_stride[kMaxRank];
  int64_t total = 1;
  for (int d = rank - 1; d >= 0; --d) {
    in_stride[d] = total;
    total *= shape[d];
  }
  if (total == 0) return;
  // Output dims with their x strides, collapsed.
  int64_t size[kMaxRank], src[kMaxRank];
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = shape[perm[d]], s = in_stride[perm[d]];
    if (n == 1) continue;
    if (r > 0 && src[r - 1] == s * n) {
      size[r - 1] *= n;
      src[r - 1] = s;
    } else {
      size[r] = n;
      src[r] = s;
      ++r;
    }
  }
  if (r == 0) {
    out[0] = x[0];
    return;
  }
  int64_t dst[kMaxRank];
  int64_t acc = 1;
  for (int d = r - 1; d >= 0; --d) {
    dst[d] = acc;
    acc *= size[d];
  }
  int order[kMaxRank];
  if (src[r - 1] == 1) {
    const int64_t inner = size[r - 1], rows = total / inner;
    for (int d = 0; d < r - 1; ++d) order[d] = d;
    parallel_for(0, rows, std::max<int64_t>(1, kGrain / inner), [&](int64_t r0, int64_t r1) {
      for (int64_t row = r0; row < r1; ++row)
        std::memcpy(out + row * inner, x + offset_of(row, order, r - 1, size, src),
                    sizeof(float) * inner);
    });
    return;
  }
  // The output dim j that is contiguous in x, and the last output dim: tile the two.
  int j = 0;
  while (j < r - 1 && src[j] != 1) ++j;
  if (src[j] != 1) {  // no contiguous dim: cannot happen for a dense x, kept for safety
    for (int d = 0; d < r; ++d) order[d] = d;
    parallel_for(0, total, kGrain, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) out[i] = x[offset_of(i, order, r, size, src)];
    });
    return;
  }
  int count = 0;
  for (int d = 0; d < r - 1; ++d)
    if (d != j) order[count++] = d;
  const int last = r - 1;
  const bool avx512 = active_isa() == Isa::Avx512;
  // Tiles: kTileContiguous along j (contiguous in x) by kTileStrided along `last`
  // (contiguous in out), so reads and writes both touch few lines per tile.
  const int64_t tiles_j = (size[j] + kTileContiguous - 1) / kTileContiguous;
  const int64_t batches = total / (size[j] * size[last]);
  parallel_for(0, batches * tiles_j, std::max<int64_t>(1, kGrain / (kTileContiguous * size[last])),
               [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const int64_t batch = i / tiles_j, j0 = (i % tiles_j) * kTileContiguous;
      const int64_t j1 = std::min(size[j], j0 + kTileContiguous);
      const int64_t xs = offset_of(batch, order, count, size, src);
      const int64_t os = offset_of(batch, order, count, size, dst);
      if (avx512) {
        permute_detail::transpose_avx512(x + xs + j0, src[last], size[last], j1 - j0,
                                         out + os + j0 * dst[j], dst[j]);
        continue;
      }
      for (int64_t l0 = 0; l0 < size[last]; l0 += kTileStrided) {
        const int64_t l1 = std::min(size[last], l0 + kTileStrided);
        for (int64_t a = j0; a < j1; ++a)
          for (int64_t b = l0; b < l1; ++b) out[os + a * dst[j] + b] = x[xs + a + b * src[last]];
      }
    }
  });
}

}  // namespace pai
