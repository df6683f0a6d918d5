// Each binding file registers its functions at static-init time, so adding a kernel
// family means adding one file: no central list to edit.
//   PAI_BINDING(gemm) { exports.Set("sgemm", Napi::Function::New(env, Sgemm)); }
#pragma once
#include <napi.h>

#include <vector>

namespace pai::binding {

using InitFn = void (*)(Napi::Env env, Napi::Object exports);

inline std::vector<InitFn>& registry() {
  static std::vector<InitFn> fns;
  return fns;
}

struct Registrar {
  explicit Registrar(InitFn fn) { registry().push_back(fn); }
};

}  // namespace pai::binding

#define PAI_BINDING(name)                                                       \
  static void pai_binding_init_##name(Napi::Env env, Napi::Object exports);     \
  static ::pai::binding::Registrar pai_binding_registrar_##name(                \
      &pai_binding_init_##name);                                                \
  static void pai_binding_init_##name(Napi::Env env, Napi::Object exports)
