// Devices, memory and copies: info, init, upload, download, copy, fill, zero,
// synchronize, memoryStats, emptyCache, setTf32.
#include <algorithm>
#include <string>

#include "cuda/runtime.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

// Never throws: the loader calls it to decide whether CUDA is usable.
Napi::Value Info(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "info", 0);
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  std::string why;
  auto devices = list_devices(&why);
  Napi::Array list = Napi::Array::New(env, devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("name", devices[i].name);
    d.Set("memory", static_cast<double>(devices[i].memory));
    d.Set("computeCapability", std::to_string(devices[i].major) + "." + std::to_string(devices[i].minor));
    d.Set("multiprocessors", devices[i].multiprocessors);
    list.Set(static_cast<uint32_t>(i), d);
  }
  o.Set("devices", list);
  o.Set("error", devices.empty() ? Napi::Value(Napi::String::New(env, why)) : env.Null());
  o.Set("runtimeVersion", runtime_version());
  o.Set("driverVersion", driver_version());
  o.Set("device", device_ordinal());
  o.Set("tf32", tf32_enabled());
  o.Set("emulated", emulated());
  return o;
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "init", 1);
  ensure_context(static_cast<int>(args.integer(0, "device", 0, 1023)));
  return info.Env().Undefined();
}

// Raw bytes of any typed array or DataView argument.
struct HostBytes {
  char* data;
  size_t bytes;
};
HostBytes host_bytes(const DeviceArgs& args, const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    return {static_cast<char*>(t.ArrayBuffer().Data()) + t.ByteOffset(), t.ByteLength()};
  }
  if (v.IsDataView()) {
    Napi::DataView d = v.As<Napi::DataView>();
    return {static_cast<char*>(d.ArrayBuffer().Data()) + d.ByteOffset(), d.ByteLength()};
  }
  args.type_error(i, name, "must be a typed array");
}

Napi::Value Upload(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "upload", 3);
  DeviceBuffer* dst = args.buffer(0, "dst");
  HostBytes src = host_bytes(args, info, 1, "src");
  const int64_t off = args.integer(2, "dstByteOffset", 0, static_cast<int64_t>(dst->byte_length()));
  if (src.bytes > dst->byte_length() - static_cast<size_t>(off))
    args.range_error("src", "has " + std::to_string(src.bytes) + " bytes, more than the " +
                                std::to_string(dst->byte_length() - off) + " left in dst after dstByteOffset");
  upload(dst->data() + off, src.data, src.bytes);
  return info.Env().Undefined();
}

Napi::Value Download(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "download", 3);
  DeviceBuffer* src = args.buffer(0, "src");
  HostBytes dst = host_bytes(args, info, 1, "dst");
  const int64_t off = args.integer(2, "srcByteOffset", 0, static_cast<int64_t>(src->byte_length()));
  if (dst.bytes > src->byte_length() - static_cast<size_t>(off))
    args.range_error("dst", "has " + std::to_string(dst.bytes) + " bytes, more than the " +
                                std::to_string(src->byte_length() - off) + " left in src after srcByteOffset");
  download(dst.data, src->data() + off, dst.bytes);
  return info.Env().Undefined();
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "copy", 5);
  DeviceBuffer* dst = args.buffer(0, "dst");
  const int64_t doff = args.integer(1, "dstByteOffset", 0, static_cast<int64_t>(dst->byte_length()));
  DeviceBuffer* src = args.buffer(2, "src");
  const int64_t soff = args.integer(3, "srcByteOffset", 0, static_cast<int64_t>(src->byte_length()));
  const int64_t bytes = args.integer(4, "byteLength", 0,
                                     std::min<int64_t>(dst->byte_length() - doff, src->byte_length() - soff));
  copy_device(dst->data() + doff, src->data() + soff, static_cast<size_t>(bytes));
  return info.Env().Undefined();
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "fill", 2);
  const int64_t n = args.device_length<float>(0, "dst");
  float* dst = args.device<float>(0, "dst", n);
  fill_float(dst, static_cast<float>(args.number(1, "value")), n);
  return info.Env().Undefined();
}

Napi::Value Zero(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "zero", 1);
  DeviceBuffer* dst = args.buffer(0, "dst");
  fill_bytes(dst->data(), 0, dst->byte_length());
  return info.Env().Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "synchronize", 0);
  synchronize("synchronize");
  return info.Env().Undefined();
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "memoryStats", 0);
  const AllocatorStats s = allocator_stats();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("inUse", static_cast<double>(s.in_use));
  o.Set("cached", static_cast<double>(s.cached));
  o.Set("peak", static_cast<double>(s.peak));
  o.Set("reserved", static_cast<double>(s.reserved));
  o.Set("deviceMallocs", static_cast<double>(s.device_mallocs));
  o.Set("cacheHits", static_cast<double>(s.cache_hits));
  return o;
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "emptyCache", 0);
  empty_cache();
  return info.Env().Undefined();
}

Napi::Value SetTf32(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "setTf32", 1);
  set_tf32(args.boolean(0, "enabled"));
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_runtime) {
  using namespace pai::cuda::binding;
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("upload", Napi::Function::New(env, Upload));
  exports.Set("download", Napi::Function::New(env, Download));
  exports.Set("copy", Napi::Function::New(env, Copy));
  exports.Set("fill", Napi::Function::New(env, Fill));
  exports.Set("zero", Napi::Function::New(env, Zero));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize));
  exports.Set("memoryStats", Napi::Function::New(env, MemoryStats));
  exports.Set("emptyCache", Napi::Function::New(env, EmptyCache));
  exports.Set("setTf32", Napi::Function::New(env, SetTf32));
}
