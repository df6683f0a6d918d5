// Dispatch of the tiled path (see sparse_tiled.h); its kernels are in sparse_tiled_avx512.cc.
#include "pai/cpu_features.h"
#include "sparse_tiled.h"

namespace pai::sparse_detail {

bool tiled_eligible(const Conv2dShape& s, const SparsePattern& w) {
  if (active_isa() != Isa::Avx512) return false;
  if (s.kh != 3 || s.kw != 3 || s.sh != 1 || s.sw != 1 || s.ph != 1 || s.pw != 1 || s.dh != 1 || s.dw != 1 ||
      s.groups != 1)
    return false;
  if (s.w != 4 && s.w != 8) return false;
  if ((s.h * s.w) % 16 != 0 || s.h * s.w > 64 || s.n < 16) return false;
  // Packing a block of images costs about as much as 16 survivors per row (measured on
  // VGG's 4x4 and 8x8 layers at 0.3% and 1% density against the direct path), and the
  // input gradient's rows are the input channels.
  constexpr int64_t kMinPerRow = 16;
  return w.nnz >= kMinPerRow * s.o && w.nnz >= kMinPerRow * s.c;
}

}  // namespace pai::sparse_detail
