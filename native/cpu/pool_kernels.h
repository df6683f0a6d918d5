// Internal: the per-ISA row loops of pooling (source in pool_loops.h).
#pragma once
#include <cstdint>

namespace pai::pool_detail {

struct PoolKernels {
  // One output row of 2x2, stride-2 max pooling without padding: out[ox] and its flat
  // index (top-left index of row r0 is `base`, input row width w) for ox < ow.
  void (*max2x2_row)(const float* r0, const float* r1, int64_t ow, int64_t base, int64_t w,
                     float* out, int32_t* argmax);
  // The same pooling over narrow planes taken as one stream (see narrow_planes in pool.cc):
  // outputs [first, first + count) of a tensor of planes h x w, w a divisor of 16, h even,
  // and the plane h w a divisor or a multiple of 64; first is a multiple of 16, so a block
  // of 16 outputs reads the 64 input floats from 4 first on, whole row pairs. x, out and
  // argmax point at the tensor's start; indices are plane-relative, as max2x2_row gives.
  void (*max2x2_narrow)(const float* x, int64_t first, int64_t count, int64_t w, int64_t plane, float* out,
                        int32_t* argmax);
};

// The portable max2x2_narrow (the baseline and AVX2 tables).
void max2x2_narrow_scalar(const float* x, int64_t first, int64_t count, int64_t w, int64_t plane, float* out,
                          int32_t* argmax);

const PoolKernels& pool_kernels();  // for the active ISA
extern const PoolKernels kPoolBaseline, kPoolAvx2, kPoolAvx512;

}  // namespace pai::pool_detail
