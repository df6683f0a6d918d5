// Argument validation for the CUDA bindings: pai::binding::Args plus DeviceBuffer
// arguments, checked for type, disposal, alignment and length (in elements of T) with a
// TypeError/RangeError that names the function and the argument.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "args.h"
#include "device_buffer.h"

namespace pai::cuda::binding {

class DeviceArgs : public pai::binding::Args {
 public:
  DeviceArgs(const Napi::CallbackInfo& info, const char* fn, size_t count)
      : Args(info, fn, count), info_(info) {}

  DeviceBuffer* buffer(size_t i, const char* name) const {
    DeviceBuffer* b = DeviceBuffer::From(info_.Env(), info_[i]);
    if (!b) type_error(i, name, "must be a DeviceBuffer");
    if (b->disposed()) type_error(i, name, "is a disposed DeviceBuffer");
    return b;
  }

  // Elements of T that DeviceBuffer argument i holds.
  template <typename T>
  int64_t device_length(size_t i, const char* name) const {
    return static_cast<int64_t>(buffer(i, name)->byte_length() / sizeof(T));
  }

  // Device pointer of DeviceBuffer argument i, which must hold at least min_len T's.
  template <typename T>
  T* device(size_t i, const char* name, int64_t min_len) const {
    DeviceBuffer* b = buffer(i, name);
    const int64_t len = static_cast<int64_t>(b->byte_length() / sizeof(T));
    if (len < min_len)
      range_error(name, "has " + std::to_string(len) + " elements, needs at least " + std::to_string(min_len));
    if (reinterpret_cast<uintptr_t>(b->data()) % sizeof(T) != 0)
      range_error(name, "starts at a byte offset that is not a multiple of " + std::to_string(sizeof(T)));
    return reinterpret_cast<T*>(b->data());
  }

  // As device(), but null/undefined gives nullptr.
  template <typename T>
  T* device_or_null(size_t i, const char* name, int64_t min_len) const {
    return is_null(i) ? nullptr : device<T>(i, name, min_len);
  }

  // A DeviceBuffer argument whose element count must equal n exactly.
  template <typename T>
  T* device_exact(size_t i, const char* name, int64_t n) const {
    const int64_t len = device_length<T>(i, name);
    if (len != n)
      range_error(name, "has " + std::to_string(len) + " elements, expected " + std::to_string(n));
    return device<T>(i, name, n);
  }

 private:
  const Napi::CallbackInfo& info_;
};

}  // namespace pai::cuda::binding
