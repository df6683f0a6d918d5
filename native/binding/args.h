// Argument validation for binding shims. Every failure throws a JavaScript TypeError or
// RangeError that names the function and the argument; nothing here can abort.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace pai::binding {

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn, size_t count)
      : info_(info), fn_(fn) {
    if (info.Length() != count)
      throw Napi::TypeError::New(info.Env(), std::string(fn) + ": expected " +
                                                 std::to_string(count) + " arguments, got " +
                                                 std::to_string(info.Length()));
  }

  // A function whose last (max - min) arguments are optional.
  Args(const Napi::CallbackInfo& info, const char* fn, size_t min, size_t max)
      : info_(info), fn_(fn) {
    if (info.Length() < min || info.Length() > max)
      throw Napi::TypeError::New(info.Env(), std::string(fn) + ": expected " +
                                                 std::to_string(min) + " to " + std::to_string(max) +
                                                 " arguments, got " + std::to_string(info.Length()));
  }

  Napi::Env env() const { return info_.Env(); }

  [[noreturn]] void type_error(size_t i, const char* name, const std::string& what) const {
    throw Napi::TypeError::New(info_.Env(), std::string(fn_) + ": argument " +
                                                std::to_string(i) + " '" + name + "' " + what);
  }
  [[noreturn]] void range_error(const char* name, const std::string& what) const {
    throw Napi::RangeError::New(info_.Env(), std::string(fn_) + ": '" + name + "' " + what);
  }

  // An integer-valued number in [lo, hi].
  int64_t integer(size_t i, const char* name, int64_t lo = 0, int64_t hi = INT64_MAX / 4) const {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) type_error(i, name, "must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d)) type_error(i, name, "must be an integer");
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
      range_error(name, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "], got " + std::to_string(static_cast<int64_t>(d)));
    return static_cast<int64_t>(d);
  }

  double number(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) type_error(i, name, "must be a number");
    return v.As<Napi::Number>().DoubleValue();
  }

  bool boolean(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsBoolean()) type_error(i, name, "must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }

  std::string string(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsString()) type_error(i, name, "must be a string");
    return v.As<Napi::String>().Utf8Value();
  }

  bool is_null(size_t i) const { return info_[i].IsNull() || info_[i].IsUndefined(); }

  // A typed array of element type T with at least min_len elements.
  template <typename T>
  T* array(size_t i, const char* name, int64_t min_len) const {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray()) type_error(i, name, std::string("must be a ") + kind<T>());
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != type<T>()) type_error(i, name, std::string("must be a ") + kind<T>());
    const int64_t len = static_cast<int64_t>(ta.ElementLength());
    if (len < min_len)
      range_error(name, "has " + std::to_string(len) + " elements, needs at least " +
                            std::to_string(min_len));
    return reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
  }

  // Length in elements of a typed array argument (validated as type T).
  template <typename T>
  int64_t length(size_t i, const char* name) const {
    array<T>(i, name, 0);
    return static_cast<int64_t>(info_[i].As<Napi::TypedArray>().ElementLength());
  }

 private:
  template <typename T> static napi_typedarray_type type();
  template <typename T> static const char* kind();
  const Napi::CallbackInfo& info_;
  const char* fn_;
};

template <> inline napi_typedarray_type Args::type<float>() { return napi_float32_array; }
template <> inline napi_typedarray_type Args::type<double>() { return napi_float64_array; }
template <> inline napi_typedarray_type Args::type<int32_t>() { return napi_int32_array; }
template <> inline napi_typedarray_type Args::type<uint32_t>() { return napi_uint32_array; }
template <> inline napi_typedarray_type Args::type<uint8_t>() { return napi_uint8_array; }
template <> inline const char* Args::kind<float>() { return "Float32Array"; }
template <> inline const char* Args::kind<double>() { return "Float64Array"; }
template <> inline const char* Args::kind<int32_t>() { return "Int32Array"; }
template <> inline const char* Args::kind<uint32_t>() { return "Uint32Array"; }
template <> inline const char* Args::kind<uint8_t>() { return "Uint8Array"; }

}  // namespace pai::binding
