// Row-major iteration over a shape with per-operand strides, for broadcasting and strided
// copies. The host merges dimensions that every operand walks contiguously (and drops
// size-1 ones), so the device decomposes a flat index over at most kMaxStridedRank dims
// with FastDiv.
#pragma once

#include <string>

#include "cuda/launch.cuh"

namespace pai::cuda {

constexpr int kMaxStridedRank = 8;

template <int K>
struct StridedIndex {
  int rank = 0;
  uint32_t total = 0;
  FastDiv dim[kMaxStridedRank];  // dim[d] = extent of merged dimension d
  int64_t stride[K][kMaxStridedRank];
  int64_t base[K];

  __device__ __forceinline__ void offsets(uint32_t idx, int64_t (&off)[K]) const {
#pragma unroll
    for (int k = 0; k < K; ++k) off[k] = base[k];
#pragma unroll
    for (int d = kMaxStridedRank - 1; d >= 0; --d) {
      if (d >= rank) continue;
      uint32_t coord = idx;
      if (d > 0) {
        uint32_t q;
        dim[d].divmod(idx, q, coord);
        idx = q;
      }
#pragma unroll
      for (int k = 0; k < K; ++k) off[k] += static_cast<int64_t>(coord) * stride[k][d];
    }
  }
};

// Builds the index for `shape` (rank dims) and K stride arrays; bases are the operands'
// starting offsets. Throws Error naming `what` when more than 2^31 - 1 elements or more than
// kMaxStridedRank dimensions remain after merging.
template <int K>
StridedIndex<K> make_strided_index(const int64_t* shape, int rank, const int64_t* const (&strides)[K],
                                   const int64_t (&bases)[K], const char* what) {
  StridedIndex<K> ix;
  int64_t ext[64];
  int64_t st[K][64];
  int r = 0;
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) {
    total *= shape[d];
    if (shape[d] == 1) continue;
    bool merge = r > 0;
    for (int k = 0; k < K && merge; ++k) merge = st[k][r - 1] == strides[k][d] * shape[d];
    if (merge) {
      ext[r - 1] *= shape[d];
      for (int k = 0; k < K; ++k) st[k][r - 1] = strides[k][d];
    } else {
      ext[r] = shape[d];
      for (int k = 0; k < K; ++k) st[k][r] = strides[k][d];
      ++r;
    }
  }
  if (total >= (int64_t{1} << 31))
    throw Error(std::string("pai_cuda: ") + what + ": more than 2^31 - 1 elements in one strided call");
  if (r > kMaxStridedRank)
    throw Error(std::string("pai_cuda: ") + what + ": more than " + std::to_string(kMaxStridedRank) +
                " dimensions remain after merging contiguous ones");
  ix.rank = r;
  ix.total = static_cast<uint32_t>(total);
  for (int d = 0; d < kMaxStridedRank; ++d) {
    ix.dim[d] = FastDiv(d < r ? static_cast<uint32_t>(ext[d]) : 1u);
    for (int k = 0; k < K; ++k) ix.stride[k][d] = d < r ? st[k][d] : 0;
  }
  for (int k = 0; k < K; ++k) ix.base[k] = bases[k];
  return ix;
}

// Row-major contiguous strides of shape.
inline void contiguous_strides(const int64_t* shape, int rank, int64_t* out) {
  int64_t acc = 1;
  for (int d = rank - 1; d >= 0; --d) {
    out[d] = acc;
    acc *= shape[d];
  }
}

}  // namespace pai::cuda
