// The CUDA runtime as the rest of the project sees it: devices, the one stream, copies,
// the caching allocator and the TF32 switch. Plain C++ (no CUDA headers), so the binding
// compiles with the host compiler alone. Every failure throws pai::cuda::Error with a
// message that names the kernel or call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace pai::cuda {

/** A CUDA failure; the message names the kernel or runtime call. */
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** Device memory exhausted, after the allocator's cache was emptied and the request retried. */
class OutOfMemory : public Error {
 public:
  using Error::Error;
};

/** One visible GPU. memory in bytes; compute capability major.minor. */
struct DeviceInfo {
  std::string name;
  size_t memory = 0;
  int major = 0, minor = 0;
  int multiprocessors = 0;
};

/** Visible devices; when there are none, *why says why (no driver, no device, ...). */
std::vector<DeviceInfo> list_devices(std::string* why);
/** CUDA runtime version this addon was built with, e.g. 13000. */
int runtime_version();
/** Driver version, or 0 when no driver is installed. */
int driver_version();

/** True when this build runs the kernels on the CPU emulator (native/cuda/test/emu). */
bool emulated();

/** Selects device `ordinal` and creates the stream, once; later calls must agree. */
void ensure_context(int ordinal = 0);
/** The device in use, or -1 before ensure_context(). */
int device_ordinal();
/** Waits for the stream; an asynchronous fault becomes an Error naming `what`. */
void synchronize(const char* what);

/** Whether GEMM and convolution use TF32 tensor cores (off by default: exact fp32). */
void set_tf32(bool on);
bool tf32_enabled();

/** Host to device, ordered on the stream; returns without waiting for the GPU. */
void upload(void* dst_device, const void* src_host, size_t bytes);
/** Device to host; waits for the stream (the one synchronizing copy). */
void download(void* dst_host, const void* src_device, size_t bytes);
/** Device to device, on the stream. */
void copy_device(void* dst, const void* src, size_t bytes);
/** Sets `bytes` bytes to `value` on the stream. */
void fill_bytes(void* dst, int value, size_t bytes);
/** Sets n float32 to value on the stream. */
void fill_float(float* dst, float value, int64_t n);

/** Allocator counters, in bytes (block counts where named). */
struct AllocatorStats {
  size_t in_use = 0;     // handed out and not yet released
  size_t cached = 0;     // held in the free lists for reuse
  size_t peak = 0;       // highest in_use so far
  size_t reserved = 0;   // obtained from cudaMalloc (in_use + cached)
  uint64_t device_mallocs = 0;  // cudaMalloc calls (cache misses)
  uint64_t cache_hits = 0;
};

/**
 * A device block of at least `bytes` from the caching allocator (size classes with free
 * lists; cudaMalloc only on a miss). *granted receives the class size, which must be
 * passed back to device_release. Out of memory: frees every cached block, retries once,
 * then throws OutOfMemory.
 */
void* device_malloc(size_t bytes, size_t* granted);
/** Returns a block to its free list. Safe while kernels on the stream still use it,
 *  since every later user is ordered after them on the same stream. */
void device_release(void* ptr, size_t granted);
/** cudaFree of every cached block. */
void empty_cache();
AllocatorStats allocator_stats();

/** Scratch device memory for one kernel call (split-K partials, histograms). */
class Workspace {
 public:
  explicit Workspace(size_t bytes);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  void* get() const { return ptr_; }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_ = nullptr;
  size_t granted_ = 0;
};

}  // namespace pai::cuda
