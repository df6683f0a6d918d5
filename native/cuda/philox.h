// Counter-based random numbers on the GPU: the same Philox-4x32-10 stream as the CPU and
// reference backends for the same seed and offset (native/BINDINGS.md).
#pragma once
#include <cstdint>

namespace pai::cuda {

/** out[i] = U(offset + i), uniform in (0, 1), rounded once to float32. */
void philox_uniform(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, float* out, int64_t n);

/** out[i] = mean + std * N(offset + i) by Box-Muller, all in float64 without fused
 *  multiply-adds, rounded once to float32. */
void philox_normal(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, double mean, double std, float* out,
                   int64_t n);

}  // namespace pai::cuda
