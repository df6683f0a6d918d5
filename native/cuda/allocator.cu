// The caching device allocator: requests are rounded up to size classes (four per power
// of two, so at most 25% is wasted), and released blocks wait in per-class free lists for
// the next request of that class. cudaMalloc runs only on a miss and cudaFree only when
// the cache is emptied, since both are slow and cudaFree synchronizes the device.
#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/launch.cuh"

namespace pai::cuda {
namespace {

constexpr size_t kMinClass = 512;

size_t size_class(size_t bytes) {
  if (bytes <= kMinClass) return kMinClass;
  size_t p = 1;
  while ((p << 1) <= bytes) p <<= 1;  // largest power of two <= bytes
  const size_t step = p >= (size_t{64} << 20) ? p / 8 : p / 4;
  return (bytes + step - 1) / step * step;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  AllocatorStats stats;
};

Cache& cache() {
  // Never destroyed: at process exit the driver reclaims device memory, and freeing from a
  // static destructor could run after the CUDA runtime has shut down.
  static Cache* c = new Cache;
  return *c;
}

void free_cached_locked(Cache& c) {
  for (auto& kv : c.free_lists) {
    for (void* p : kv.second) {
      cudaFree(p);
      c.stats.cached -= kv.first;
      c.stats.reserved -= kv.first;
    }
    kv.second.clear();
  }
  (void)cudaGetLastError();
}

std::string mib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

}  // namespace

void* device_malloc(size_t bytes, size_t* granted) {
  ensure_context();
  Cache& c = cache();
  const size_t cls = size_class(bytes);
  std::lock_guard<std::mutex> lock(c.mu);
  auto& list = c.free_lists[cls];
  if (!list.empty()) {
    void* p = list.back();
    list.pop_back();
    c.stats.cached -= cls;
    c.stats.in_use += cls;
    if (c.stats.in_use > c.stats.peak) c.stats.peak = c.stats.in_use;
    ++c.stats.cache_hits;
    *granted = cls;
    return p;
  }
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, cls);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    free_cached_locked(c);
    e = cudaMalloc(&p, cls);
  }
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) (void)cudaGetLastError();
    const std::string msg =
        "pai_cuda: out of GPU memory allocating " + mib(cls) + " (tensors hold " + mib(c.stats.in_use) +
        ", device has " + mib(free_b) + " free of " + mib(total_b) + ", after emptying the cache). " +
        "Free tensors with dispose() or tidy(), or use a smaller batch";
    if (e == cudaErrorMemoryAllocation) throw OutOfMemory(msg);
    check(e, "cudaMalloc");
  }
  ++c.stats.device_mallocs;
  c.stats.reserved += cls;
  c.stats.in_use += cls;
  if (c.stats.in_use > c.stats.peak) c.stats.peak = c.stats.in_use;
  *granted = cls;
  return p;
}

void device_release(void* ptr, size_t granted) {
  if (!ptr) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.free_lists[granted].push_back(ptr);
  c.stats.in_use -= granted;
  c.stats.cached += granted;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  free_cached_locked(c);
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

Workspace::Workspace(size_t bytes) {
  if (bytes > 0) ptr_ = device_malloc(bytes, &granted_);
}

Workspace::~Workspace() { device_release(ptr_, granted_); }

}  // namespace pai::cuda
