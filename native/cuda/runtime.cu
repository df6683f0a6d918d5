// Devices, the process stream, launch checks and host<->device copies.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "cuda/launch.cuh"

namespace pai::cuda {
namespace {

std::mutex g_context_mu;
int g_device = -1;
cudaStream_t g_stream = nullptr;
bool g_tf32 = false;

bool sync_every_launch() {
  static const bool on = [] {
    const char* e = std::getenv("PAI_CUDA_SYNC");
    return e && e[0] && e[0] != '0';
  }();
  return on;
}

std::string describe(cudaError_t e) {
  std::string s = std::string(cudaGetErrorString(e)) + " (" + cudaGetErrorName(e) + ")";
  switch (e) {
    case cudaSuccess:
    case cudaErrorInvalidValue:
    case cudaErrorMemoryAllocation:
    case cudaErrorInvalidConfiguration:
      return s;
    default:
      // Faults are sticky: the context is lost and any later call reports the same error.
      return s + "; if this is a fault the CUDA context is now unusable and the process must be "
                 "restarted (set PAI_CUDA_SYNC=1 to find the kernel that faulted)";
  }
}

// Pinned staging ring for uploads: cudaMemcpyAsync from pageable memory waits for the
// stream, so uploads copy through these slots instead and return at once.
constexpr size_t kSlotBytes = size_t{4} << 20;
constexpr int kSlots = 8;
struct StagingSlot {
  void* host = nullptr;
  cudaEvent_t done = nullptr;
};
std::mutex g_staging_mu;
StagingSlot g_slots[kSlots];
int g_next_slot = 0;

__global__ void fill_float_kernel(float* __restrict__ dst, float value, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
    dst[i] = value;
}

}  // namespace

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    (void)cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    if (e == cudaErrorMemoryAllocation)
      throw OutOfMemory(std::string("pai_cuda: ") + what + ": " + describe(e));
    throw Error(std::string("pai_cuda: ") + what + ": " + describe(e));
  }
}

void check_launch(const char* kernel) {
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw Error(std::string("pai_cuda: kernel ") + kernel + " failed to launch: " + describe(e));
  if (sync_every_launch()) {
    e = cudaStreamSynchronize(g_stream);
    if (e != cudaSuccess) throw Error(std::string("pai_cuda: kernel ") + kernel + " failed: " + describe(e));
  }
}

cudaStream_t stream() { return g_stream; }

int multiprocessors() {
  static int count = [] {
    int v = 0;
    if (cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, device_ordinal() < 0 ? 0 : device_ordinal()) !=
        cudaSuccess) {
      (void)cudaGetLastError();
      v = 1;
    }
    return v > 0 ? v : 1;
  }();
  return count;
}

std::vector<DeviceInfo> list_devices(std::string* why) {
  std::vector<DeviceInfo> out;
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    (void)cudaGetLastError();
    if (why) {
      if (e == cudaErrorInsufficientDriver && driver_version() == 0)
        *why = "no NVIDIA driver was found (libcuda.so.1 is missing): install the NVIDIA driver to use the GPU";
      else if (e == cudaErrorInsufficientDriver)
        *why = "the NVIDIA driver is older than this build's CUDA runtime (" + std::to_string(runtime_version()) +
               "): update the driver";
      else if (e == cudaErrorNoDevice || n == 0)
        *why = "no CUDA device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
      else
        *why = std::string("cudaGetDeviceCount failed: ") + describe(e);
    }
    return out;
  }
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
      (void)cudaGetLastError();
      continue;
    }
    DeviceInfo d;
    d.name = p.name;
    d.memory = p.totalGlobalMem;
    d.major = p.major;
    d.minor = p.minor;
    d.multiprocessors = p.multiProcessorCount;
    out.push_back(d);
  }
  return out;
}

bool emulated() {
#ifdef PAI_CUDA_EMU
  return true;
#else
  return false;
#endif
}

int runtime_version() {
  int v = 0;
  if (cudaRuntimeGetVersion(&v) != cudaSuccess) (void)cudaGetLastError();
  return v;
}

int driver_version() {
  int v = 0;
  if (cudaDriverGetVersion(&v) != cudaSuccess) (void)cudaGetLastError();
  return v;
}

void ensure_context(int ordinal) {
  std::lock_guard<std::mutex> lock(g_context_mu);
  if (g_device >= 0) {
    if (ordinal != g_device)
      throw Error("pai_cuda: the CUDA context already uses device " + std::to_string(g_device) +
                  "; one process drives one device");
    return;
  }
  std::string why;
  auto devs = list_devices(&why);
  if (devs.empty()) throw Error("pai_cuda: CUDA is not available: " + why);
  if (ordinal < 0 || ordinal >= static_cast<int>(devs.size()))
    throw Error("pai_cuda: device " + std::to_string(ordinal) + " does not exist (" +
                std::to_string(devs.size()) + " visible)");
  if (devs[ordinal].major < 8)
    throw Error("pai_cuda: " + devs[ordinal].name + " has compute capability " + std::to_string(devs[ordinal].major) +
                "." + std::to_string(devs[ordinal].minor) + "; this build needs 8.0 or newer (Ampere, Ada, Hopper)");
  check(cudaSetDevice(ordinal), "cudaSetDevice");
  cudaStream_t s = nullptr;
  check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  g_stream = s;
  g_device = ordinal;
}

int device_ordinal() {
  std::lock_guard<std::mutex> lock(g_context_mu);
  return g_device;
}

void synchronize(const char* what) {
  if (g_device < 0) return;
  cudaError_t e = cudaStreamSynchronize(g_stream);
  if (e != cudaSuccess) throw Error(std::string("pai_cuda: ") + what + ": a kernel failed: " + describe(e));
}

void set_tf32(bool on) { g_tf32 = on; }
bool tf32_enabled() { return g_tf32; }

void upload(void* dst, const void* src, size_t bytes) {
  std::lock_guard<std::mutex> lock(g_staging_mu);
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
  while (bytes > 0) {
    StagingSlot& slot = g_slots[g_next_slot];
    g_next_slot = (g_next_slot + 1) % kSlots;
    if (!slot.host) {
      check(cudaHostAlloc(&slot.host, kSlotBytes, cudaHostAllocDefault), "cudaHostAlloc (upload staging)");
      check(cudaEventCreateWithFlags(&slot.done, cudaEventDisableTiming), "cudaEventCreate");
    } else {
      check(cudaEventSynchronize(slot.done), "upload");  // the slot's previous copy has left
    }
    const size_t chunk = bytes < kSlotBytes ? bytes : kSlotBytes;
    std::memcpy(slot.host, s, chunk);
    check(cudaMemcpyAsync(d, slot.host, chunk, cudaMemcpyHostToDevice, g_stream), "upload");
    check(cudaEventRecord(slot.done, g_stream), "upload");
    d += chunk;
    s += chunk;
    bytes -= chunk;
  }
}

void download(void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, g_stream), "download");
  cudaError_t e = cudaStreamSynchronize(g_stream);
  if (e != cudaSuccess) throw Error(std::string("pai_cuda: download: a kernel failed: ") + describe(e));
}

void copy_device(void* dst, const void* src, size_t bytes) {
  if (bytes == 0 || dst == src) return;
  check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, g_stream), "copy");
}

void fill_bytes(void* dst, int value, size_t bytes) {
  if (bytes == 0) return;
  check(cudaMemsetAsync(dst, value, bytes, g_stream), "fill");
}

void fill_float(float* dst, float value, int64_t n) {
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, 256, 4096), 256, 0, fill_float_kernel)(dst, value, n);
  check_launch("fill");
}

}  // namespace pai::cuda
