// What every kernel file includes: the CUDA headers (or the emulator's, when the kernels
// are compiled as C++ for checking without a GPU), the process stream, and the launch
// macro whose failures become exceptions that name the kernel.
#pragma once

#ifdef PAI_CUDA_EMU
#include "test/emu/cuda_emu.h"
#else
#include <cuda_pipeline_primitives.h>
#include <cuda_runtime.h>
#include <mma.h>
#endif

#include <cstdint>

#include "cuda/runtime.h"

namespace pai::cuda {

// The one stream this process's kernels, copies and frees are ordered on (created by
// ensure_context()).
cudaStream_t stream();

// Throws Error("<kernel>: ...") if the launch just made failed; with PAI_CUDA_SYNC=1 it
// also waits for the kernel so that a fault is pinned on the kernel that caused it.
void check_launch(const char* kernel);

// Streaming multiprocessors of the device in use (cached), for sizing grids.
int multiprocessors();

// Throws Error("<what>: <cuda error>") unless e is cudaSuccess.
void check(cudaError_t e, const char* what);

// Blocks of `threads` covering n items, capped so the grid stays within the x limit
// (kernels loop with a grid stride).
inline unsigned grid_for(int64_t n, int threads, int64_t cap = 65535LL * 32) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > cap) b = cap;
  return static_cast<unsigned>(b);
}

__host__ __device__ inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
__host__ __device__ inline int imin(int a, int b) { return a < b ? a : b; }
__host__ __device__ inline int imax(int a, int b) { return a > b ? a : b; }

// Division by a divisor fixed at launch via multiply-high and shift (Granlund-Montgomery),
// for the index arithmetic of implicit GEMM; valid for 0 <= n < 2^31 and 1 <= d < 2^31.
struct FastDiv {
  uint32_t d = 1, mul = 0, shift = 0;
  FastDiv() = default;
  explicit FastDiv(uint32_t divisor) : d(divisor) {
    shift = 0;
    while ((1u << shift) < d) ++shift;
    // mul = floor(2^32 * (2^shift - d) / d) + 1
    const uint64_t one = 1;
    mul = static_cast<uint32_t>(((one << 32) * ((one << shift) - d)) / d + 1);
  }
  __host__ __device__ inline uint32_t div(uint32_t n) const {
#if defined(__CUDA_ARCH__)
    uint32_t t = __umulhi(n, mul);
#else
    uint32_t t = static_cast<uint32_t>((static_cast<uint64_t>(n) * mul) >> 32);
#endif
    return (t + n) >> shift;
  }
  __host__ __device__ inline void divmod(uint32_t n, uint32_t& q, uint32_t& r) const {
    q = div(n);
    r = n - q * d;
  }
};

}  // namespace pai::cuda

// PAI_LAUNCH(grid, block, smem_bytes, kernel)(args...): the kernel goes last so that a
// template instance with commas in its arguments needs no parentheses.
#ifdef PAI_CUDA_EMU
#define PAI_LAUNCH(grid, block, smem, ...) ::emu::launcher((grid), (block), (smem), __VA_ARGS__)
#define PAI_DYNAMIC_SMEM(type, name) type* name = static_cast<type*>(::emu::dynamic_smem())
#else
#define PAI_LAUNCH(grid, block, smem, ...) __VA_ARGS__<<<(grid), (block), (smem), ::pai::cuda::stream()>>>
#define PAI_DYNAMIC_SMEM(type, name) \
  extern __shared__ __align__(16) unsigned char pai_dynamic_smem_[]; \
  type* name = reinterpret_cast<type*>(pai_dynamic_smem_)
#endif
