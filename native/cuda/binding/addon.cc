// The CUDA addon's entry point: the DeviceBuffer class, then every registered binding
// family (the same PAI_BINDING registry as the CPU addon; each .node has its own).
#include <napi.h>

#include "device_buffer.h"
#include "registry.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  pai::cuda::binding::DeviceBuffer::Init(env, exports);
  for (auto fn : pai::binding::registry()) fn(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(pai_cuda, Init)
