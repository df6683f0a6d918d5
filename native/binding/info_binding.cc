// Runtime facts and switches: ISA path, thread count.
#include "args.h"
#include "pai/cpu_features.h"
#include "pai/parallel.h"
#include "registry.h"

namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "info", 0);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", pai::isa_name(pai::active_isa()));
  o.Set("detectedIsa", pai::isa_name(pai::detected_isa()));
  o.Set("threads", pai::num_threads());
  return o;
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "setIsa", 1);
  std::string name = args.string(0, "isa");
  pai::Isa isa;
  if (!pai::parse_isa(name.c_str(), &isa))
    args.range_error("isa", "must be 'baseline', 'avx2' or 'avx512', got '" + name + "'");
  if (!pai::set_isa(isa))
    args.range_error("isa", "'" + name + "' is not supported by this CPU (best: " +
                                std::string(pai::isa_name(pai::detected_isa())) + ")");
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "setNumThreads", 1);
  pai::set_num_threads(static_cast<int>(args.integer(0, "threads", 1, 1024)));
  return info.Env().Undefined();
}

// The byte address of an ArrayBuffer's data modulo 64 (0 for an empty or detached one), so
// that the host allocator can place large arrays on cache-line boundaries: a vector load
// that straddles two lines costs about two.
Napi::Value AddressMod64(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "addressMod64", 1);
  if (!info[0].IsArrayBuffer()) args.type_error(0, "buffer", "must be an ArrayBuffer");
  const auto address = reinterpret_cast<uintptr_t>(info[0].As<Napi::ArrayBuffer>().Data());
  return Napi::Number::New(info.Env(), static_cast<double>(address % 64));
}

}  // namespace

PAI_BINDING(info) {
  exports.Set("addressMod64", Napi::Function::New(env, AddressMod64));
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
}
