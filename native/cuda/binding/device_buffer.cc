// DeviceBuffer (see device_buffer.h).
#include "device_buffer.h"

#include <string>

#include "args.h"
#include "cuda/runtime.h"

namespace pai::cuda::binding {
namespace {

struct ClassData {
  Napi::FunctionReference ctor;
};

// What Create() hands the constructor through a napi External (unforgeable from JS).
struct Pending {
  std::shared_ptr<Allocation> alloc;
  size_t offset, bytes;
};

constexpr int64_t kMaxBytes = int64_t{1} << 46;

}  // namespace

Allocation::Allocation(napi_env e, size_t bytes) : env(e) {
  ptr = device_malloc(bytes > 0 ? bytes : 1, &granted);
  int64_t total = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(granted), &total);
}

Allocation::~Allocation() {
  device_release(ptr, granted);
  int64_t total = 0;
  napi_adjust_external_memory(env, -static_cast<int64_t>(granted), &total);
}

void DeviceBuffer::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function fn = DefineClass(env, "DeviceBuffer",
                                  {InstanceAccessor<&DeviceBuffer::ByteLength>("byteLength"),
                                   InstanceAccessor<&DeviceBuffer::Disposed>("disposed"),
                                   InstanceMethod<&DeviceBuffer::Dispose>("dispose"),
                                   InstanceMethod<&DeviceBuffer::View>("view")});
  auto* data = new ClassData;
  data->ctor = Napi::Persistent(fn);
  env.SetInstanceData<ClassData>(data);
  exports.Set("DeviceBuffer", fn);
}

Napi::Object DeviceBuffer::Create(Napi::Env env, std::shared_ptr<Allocation> alloc, size_t offset, size_t bytes) {
  Pending pending{std::move(alloc), offset, bytes};
  return env.GetInstanceData<ClassData>()->ctor.New({Napi::External<Pending>::New(env, &pending)});
}

DeviceBuffer* DeviceBuffer::From(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) return nullptr;
  Napi::Object o = v.As<Napi::Object>();
  if (!o.InstanceOf(env.GetInstanceData<ClassData>()->ctor.Value())) return nullptr;
  return DeviceBuffer::Unwrap(o);
}

DeviceBuffer::DeviceBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceBuffer>(info) {
  if (info.Length() == 1 && info[0].IsExternal()) {
    Pending* p = info[0].As<Napi::External<Pending>>().Data();
    alloc_ = p->alloc;
    offset_ = p->offset;
    bytes_ = p->bytes;
    return;
  }
  pai::binding::Args args(info, "DeviceBuffer", 1);
  bytes_ = static_cast<size_t>(args.integer(0, "byteLength", 0, kMaxBytes));
  alloc_ = std::make_shared<Allocation>(info.Env(), bytes_);
}

Napi::Value DeviceBuffer::ByteLength(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(bytes_));
}

Napi::Value DeviceBuffer::Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !alloc_); }

Napi::Value DeviceBuffer::Dispose(const Napi::CallbackInfo& info) {
  alloc_.reset();
  return info.Env().Undefined();
}

Napi::Value DeviceBuffer::View(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "DeviceBuffer.view", 2);
  if (!alloc_) throw Napi::Error::New(info.Env(), "DeviceBuffer.view: the buffer is disposed");
  const int64_t off = args.integer(0, "byteOffset", 0, static_cast<int64_t>(bytes_));
  const int64_t len = args.integer(1, "byteLength", 0, static_cast<int64_t>(bytes_) - off);
  return Create(info.Env(), alloc_, offset_ + static_cast<size_t>(off), static_cast<size_t>(len));
}

}  // namespace pai::cuda::binding
