// Internal: the per-ISA row loops of pooling (source in pool_loops.h).
#pragma once
#include <cstdint>

namespace pai::pool_detail {

struct PoolKernels {
  // One output row of 2x2, stride-2 max pooling without padding: out[ox] and its flat
  // index (top-left index of row r0 is `base`, input row width w) for ox < ow.
  void (*max2x2_row)(const float* r0, const float* r1, int64_t ow, int64_t base, int64_t w,
                     float* out, int32_t* argmax);
};

const PoolKernels& pool_kernels();  // for the active ISA
extern const PoolKernels kPoolBaseline, kPoolAvx2, kPoolAvx512;

}  // namespace pai::pool_detail
