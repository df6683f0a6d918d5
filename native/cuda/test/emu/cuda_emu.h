// A CUDA emulator for checking kernel logic on a machine without a GPU. The kernels of
// native/cuda/*.cu compile unchanged as C++ when PAI_CUDA_EMU is defined: every CUDA
// thread of a block becomes a fiber, __syncthreads and warp intrinsics are barriers over
// those fibers, and __shared__ variables are statics (blocks run one at a time).
//
// Fibers run until they block, which is the worst schedule for a missing barrier: a
// thread reads shared memory before any other thread of the block has written it, so
// such races change the result instead of hiding. A barrier that not every live thread
// reaches (divergence) is reported and aborts. Launch limits (threads per block, grid
// dimensions, dynamic shared memory above 48 KiB without opt-in) are checked like the
// driver does. Not modelled: timing, memory coalescing, register pressure.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <tuple>
#include <utility>

#define PAI_EMU_HD

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

// ---- vector types ---------------------------------------------------------------------
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 { unsigned x, y, z; };
struct alignas(8) float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct alignas(16) double2 { double x, y; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }

extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;
constexpr int warpSize = 32;

// ---- runtime API (the subset native/cuda uses) ----------------------------------------
enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorLaunchFailure = 719,
};
using cudaStream_t = struct EmuStream*;
using cudaEvent_t = struct EmuEvent*;
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16, cudaDevAttrMaxSharedMemoryPerBlockOptin = 97 };
constexpr unsigned cudaStreamNonBlocking = 1;
constexpr unsigned cudaEventDefault = 0;
constexpr unsigned cudaEventDisableTiming = 2;
constexpr unsigned cudaHostAllocDefault = 0;
struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int major, minor;
  int multiProcessorCount;
  size_t sharedMemPerBlockOptin;
  int memoryBusWidth;
  int l2CacheSize;
};

const char* cudaGetErrorString(cudaError_t e);
const char* cudaGetErrorName(cudaError_t e);
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
cudaError_t cudaGetDeviceCount(int* n);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device);
cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr a, int device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaDriverGetVersion(int* v);
cudaError_t cudaRuntimeGetVersion(int* v);
cudaError_t cudaMalloc(void** p, size_t bytes);
cudaError_t cudaFree(void* p);
cudaError_t cudaHostAlloc(void** p, size_t bytes, unsigned flags);
cudaError_t cudaFreeHost(void* p);
cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t s = nullptr);
cudaError_t cudaMemcpy2DAsync(void* dst, size_t dpitch, const void* src, size_t spitch,
                              size_t width, size_t height, cudaMemcpyKind kind,
                              cudaStream_t s = nullptr);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t s = nullptr);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t s);
cudaError_t cudaStreamSynchronize(cudaStream_t s);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaEventCreate(cudaEvent_t* e);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned flags);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventQuery(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b);
cudaError_t cudaEventDestroy(cudaEvent_t e);

namespace emu {
cudaError_t func_set_attribute(const void* fn, cudaFuncAttribute attr, int value);
// Records e for cudaGetLastError and returns it.
cudaError_t set_last_error(cudaError_t e);
// The opt-in dynamic shared memory limit per block (as on sm_90).
constexpr size_t kOptinSmemBytes = 227 * 1024;
}
template <typename F>
cudaError_t cudaFuncSetAttribute(F* fn, cudaFuncAttribute attr, int value) {
  return emu::func_set_attribute(reinterpret_cast<const void*>(fn), attr, value);
}

// ---- the fiber scheduler --------------------------------------------------------------
namespace emu {

// Runs body once per thread of every block of the grid; false (with cudaGetLastError set)
// when the configuration is one the driver would refuse.
bool launch(const void* fn, dim3 grid, dim3 block, size_t smem, const std::function<void()>& body);
void* dynamic_smem();
[[noreturn]] void fail(const char* what);
void sync_block();
int sync_block_count(int pred);
void sync_warp();
// Exchanges one 64-bit word with the lanes of the calling warp; returns lane src's word.
uint64_t warp_exchange(uint64_t mine, int src_lane);
// Gathers one predicate bit from every lane of the warp.
unsigned warp_ballot(int pred);
int lane_id();

template <typename... P>
struct Launcher {
  void (*fn)(P...);
  dim3 grid, block;
  size_t smem;
  template <typename... A>
  void operator()(A&&... args) const {
    auto bound = std::make_tuple(static_cast<P>(std::forward<A>(args))...);
    auto f = fn;
    launch(reinterpret_cast<const void*>(fn), grid, block, smem,
           [f, &bound]() { std::apply(f, bound); });
  }
};
template <typename... P>
Launcher<P...> launcher(dim3 grid, dim3 block, size_t smem, void (*fn)(P...)) {
  return Launcher<P...>{fn, grid, block, smem};
}

// cp.async groups, queued per thread and performed at the wait (a read before the wait
// sees stale shared memory, as it may on the device).
void pipeline_copy(void* dst, const void* src, size_t bytes, size_t zfill);
void pipeline_commit();
void pipeline_wait_prior(int n);

template <typename T>
uint64_t to_word(T v) {
  static_assert(sizeof(T) <= 8, "shuffle of a type wider than 64 bits");
  uint64_t w = 0;
  std::memcpy(&w, &v, sizeof(T));
  return w;
}
template <typename T>
T from_word(uint64_t w) {
  T v;
  std::memcpy(&v, &w, sizeof(T));
  return v;
}
}  // namespace emu

// ---- device intrinsics -----------------------------------------------------------------
inline void __syncthreads() { emu::sync_block(); }
inline int __syncthreads_count(int p) { return emu::sync_block_count(p); }
inline int __syncthreads_or(int p) { return emu::sync_block_count(p) != 0; }
inline int __syncthreads_and(int p) { return emu::sync_block_count(p) == static_cast<int>(blockDim.x * blockDim.y * blockDim.z); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::sync_warp(); }
inline void __threadfence() {}
inline void __threadfence_block() {}
inline unsigned __activemask() { return 0xffffffffu; }

template <typename T>
T __shfl_sync(unsigned, T v, int src, int width = 32) {
  int lane = emu::lane_id();
  int s = (lane & ~(width - 1)) + (src & (width - 1));
  return emu::from_word<T>(emu::warp_exchange(emu::to_word(v), s));
}
template <typename T>
T __shfl_xor_sync(unsigned, T v, int mask, int width = 32) {
  int lane = emu::lane_id();
  int s = lane ^ mask;
  if ((s & ~(width - 1)) != (lane & ~(width - 1))) s = lane;
  return emu::from_word<T>(emu::warp_exchange(emu::to_word(v), s));
}
template <typename T>
T __shfl_down_sync(unsigned, T v, unsigned delta, int width = 32) {
  int lane = emu::lane_id();
  int s = ((lane & (width - 1)) + static_cast<int>(delta) < width) ? lane + static_cast<int>(delta) : lane;
  return emu::from_word<T>(emu::warp_exchange(emu::to_word(v), s));
}
template <typename T>
T __shfl_up_sync(unsigned, T v, unsigned delta, int width = 32) {
  int lane = emu::lane_id();
  int s = ((lane & (width - 1)) >= static_cast<int>(delta)) ? lane - static_cast<int>(delta) : lane;
  return emu::from_word<T>(emu::warp_exchange(emu::to_word(v), s));
}
inline unsigned __ballot_sync(unsigned, int p) { return emu::warp_ballot(p); }
inline int __any_sync(unsigned, int p) { return emu::warp_ballot(p) != 0; }
inline int __all_sync(unsigned, int p) { return emu::warp_ballot(!p) == 0; }

// Fibers never interleave inside a call, so plain read-modify-write is atomic here.
template <typename T> T atomicAdd(T* p, T v) { T o = *p; *p = o + v; return o; }
template <typename T> T atomicMax(T* p, T v) { T o = *p; *p = o > v ? o : v; return o; }
template <typename T> T atomicMin(T* p, T v) { T o = *p; *p = o < v ? o : v; return o; }
template <typename T> T atomicExch(T* p, T v) { T o = *p; *p = v; return o; }
template <typename T> T atomicOr(T* p, T v) { T o = *p; *p = o | v; return o; }
template <typename T> T atomicCAS(T* p, T cmp, T v) { T o = *p; if (o == cmp) *p = v; return o; }

inline float __int_as_float(int v) { float f; std::memcpy(&f, &v, 4); return f; }
inline int __float_as_int(float f) { int v; std::memcpy(&v, &f, 4); return v; }
inline float __uint_as_float(unsigned v) { float f; std::memcpy(&f, &v, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned v; std::memcpy(&v, &f, 4); return v; }
inline long long __double_as_longlong(double d) { long long v; std::memcpy(&v, &d, 8); return v; }
inline double __longlong_as_double(long long v) { double d; std::memcpy(&d, &v, 8); return d; }
inline unsigned __umulhi(unsigned a, unsigned b) { return static_cast<unsigned>((static_cast<uint64_t>(a) * b) >> 32); }
inline int __clz(int v) { return v == 0 ? 32 : __builtin_clz(static_cast<unsigned>(v)); }
inline int __clzll(long long v) { return v == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(v)); }
inline int __popc(unsigned v) { return __builtin_popcount(v); }
inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }
inline int __ffs(int v) { return __builtin_ffs(v); }
inline unsigned __brev(unsigned v) {
  unsigned r = 0;
  for (int i = 0; i < 32; ++i) r |= ((v >> i) & 1u) << (31 - i);
  return r;
}
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : x); }
template <typename T> T __ldg(const T* p) { return *p; }
inline int __float2int_rn(float x) { return static_cast<int>(std::nearbyint(x)); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }

// ---- cuda_pipeline_primitives.h -------------------------------------------------------
inline void __pipeline_memcpy_async(void* dst, const void* src, size_t size, size_t zfill = 0) {
  emu::pipeline_copy(dst, src, size, zfill);
}
inline void __pipeline_commit() { emu::pipeline_commit(); }
inline void __pipeline_wait_prior(size_t n) { emu::pipeline_wait_prior(static_cast<int>(n)); }

#include "wmma_emu.h"
