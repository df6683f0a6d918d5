// Philox uniform and normal fills: one thread per Philox block, which yields four
// uniforms or two normals.
#include "cuda/launch.cuh"
#include "cuda/philox.h"
#include "pai/philox.h"

namespace pai::cuda {
namespace {

__global__ void philox_uniform_kernel(uint32_t k0, uint32_t k1, uint64_t offset, float* __restrict__ out,
                                      int64_t n) {
  const uint64_t first_block = offset / 4;
  const uint64_t last_block = (offset + n - 1) / 4;
  const uint64_t blocks = last_block - first_block + 1;
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t j = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < blocks; j += stride) {
    const uint64_t b = first_block + j;
    uint32_t w[4];
    ::pai::philox_block(b, k0, k1, w);
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const uint64_t p = 4 * b + q;
      if (p >= offset && p < offset + static_cast<uint64_t>(n))
        out[p - offset] = static_cast<float>(::pai::philox_unit(w[q]));
    }
  }
}

__global__ void philox_normal_kernel(uint32_t k0, uint32_t k1, uint64_t offset, double mean, double std,
                                     float* __restrict__ out, int64_t n) {
  const double two_pi = 6.283185307179586;  // 2 * Math.PI
  const uint64_t first_block = offset / 2;
  const uint64_t last_block = (offset + n - 1) / 2;
  const uint64_t blocks = last_block - first_block + 1;
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  for (uint64_t j = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < blocks; j += stride) {
    const uint64_t b = first_block + j;
    uint32_t w[4];
    ::pai::philox_block(b, k0, k1, w);
#pragma unroll
    for (int q = 0; q < 2; ++q) {
      const uint64_t p = 2 * b + q;
      if (p >= offset && p < offset + static_cast<uint64_t>(n)) {
        const double u1 = ::pai::philox_unit(w[2 * q]);
        const double u2 = ::pai::philox_unit(w[2 * q + 1]);
        // __dmul_rn/__dadd_rn forbid the fused multiply-adds the reference cannot make.
        const double z = __dmul_rn(sqrt(-2.0 * log(u1)), cos(__dmul_rn(two_pi, u2)));
        out[p - offset] = static_cast<float>(__dadd_rn(mean, __dmul_rn(std, z)));
      }
    }
  }
}

}  // namespace

void philox_uniform(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, float* out, int64_t n) {
  if (n <= 0) return;
  const int64_t blocks = (static_cast<int64_t>((offset + n - 1) / 4 - offset / 4)) + 1;
  PAI_LAUNCH(grid_for(blocks, 256), 256, 0, philox_uniform_kernel)(seed_lo, seed_hi, offset, out, n);
  check_launch("philoxUniform");
}

void philox_normal(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, double mean, double std, float* out,
                   int64_t n) {
  if (n <= 0) return;
  const int64_t blocks = (static_cast<int64_t>((offset + n - 1) / 2 - offset / 2)) + 1;
  PAI_LAUNCH(grid_for(blocks, 256), 256, 0, philox_normal_kernel)(seed_lo, seed_hi, offset, mean, std, out, n);
  check_launch("philoxNormal");
}

}  // namespace pai::cuda
