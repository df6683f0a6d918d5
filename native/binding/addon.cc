// The CPU addon's entry point: runs every registered binding family.
#include <napi.h>

#include "registry.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto fn : pai::binding::registry()) fn(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(pai_cpu, Init)
