// DeviceBuffer: the JavaScript handle of device memory. An allocation from the caching
// allocator is shared by every view of it (a parameter arena and its per-layer views);
// it returns to the allocator when the last view is disposed or garbage-collected.
// V8 is told about the bytes (napi_adjust_external_memory) so that GC pressure reflects
// device memory held by unreachable handles.
#pragma once
#include <napi.h>

#include <cstddef>
#include <memory>

namespace pai::cuda::binding {

struct Allocation {
  Allocation(napi_env env, size_t bytes);
  ~Allocation();
  Allocation(const Allocation&) = delete;
  Allocation& operator=(const Allocation&) = delete;
  napi_env env;
  void* ptr = nullptr;
  size_t granted = 0;
};

class DeviceBuffer : public Napi::ObjectWrap<DeviceBuffer> {
 public:
  // Registers the class on exports (as `DeviceBuffer`) and keeps its constructor per env.
  static void Init(Napi::Env env, Napi::Object exports);
  // A new handle over [offset, offset + bytes) of `alloc`.
  static Napi::Object Create(Napi::Env env, std::shared_ptr<Allocation> alloc, size_t offset, size_t bytes);
  // The DeviceBuffer in v, or null when v is not one.
  static DeviceBuffer* From(Napi::Env env, const Napi::Value& v);

  explicit DeviceBuffer(const Napi::CallbackInfo& info);

  bool disposed() const { return !alloc_; }
  size_t byte_length() const { return bytes_; }
  // Device address of the first byte (the buffer must not be disposed).
  char* data() const { return static_cast<char*>(alloc_->ptr) + offset_; }

 private:
  Napi::Value ByteLength(const Napi::CallbackInfo& info);
  Napi::Value Disposed(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value View(const Napi::CallbackInfo& info);

  std::shared_ptr<Allocation> alloc_;
  size_t offset_ = 0, bytes_ = 0;
};

}  // namespace pai::cuda::binding
