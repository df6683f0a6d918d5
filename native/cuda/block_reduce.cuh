// Warp and block reductions with shuffles: sums in float64 and (value, index) maxima with
// the reference backend's order (the first NaN wins, then the largest value, then the
// lowest index). Every thread of the block must call the block versions.
#pragma once

#include "cuda/launch.cuh"

namespace pai::cuda {

__device__ __forceinline__ double warp_sum(double v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); the result is valid in
// every thread. `scratch` holds 32 doubles of shared memory.
__device__ __forceinline__ double block_sum(double v, double* scratch) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  v = warp_sum(v);
  __syncthreads();  // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  double t = lane < warps ? scratch[lane] : 0.0;
  return warp_sum(t);
}

// True when (v, i) should replace (bv, bi) as the maximum.
__device__ __forceinline__ bool max_better(float v, int i, float bv, int bi) {
  if (v != v) return bv == bv || i < bi;
  if (bv != bv) return false;
  return v > bv || (v == bv && i < bi);
}

__device__ __forceinline__ void warp_max(float& v, int& i) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) {
    const float ov = __shfl_xor_sync(0xffffffffu, v, o);
    const int oi = __shfl_xor_sync(0xffffffffu, i, o);
    if (max_better(ov, oi, v, i)) v = ov, i = oi;
  }
}

// Block maximum of (v, i); valid in every thread. Scratch: 32 floats and 32 ints.
__device__ __forceinline__ void block_max(float& v, int& i, float* sv, int* si) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  warp_max(v, i);
  __syncthreads();
  if (lane == 0) sv[warp] = v, si[warp] = i;
  __syncthreads();
  v = lane < warps ? sv[lane] : -__int_as_float(0x7f800000);
  i = lane < warps ? si[lane] : 0x7fffffff;
  warp_max(v, i);
}

}  // namespace pai::cuda
