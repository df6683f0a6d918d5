// A small test harness for the CUDA-vs-CPU program: cases register themselves, inputs
// are fresh random numbers from a seed that is printed (PAI_TEST_SEED repeats a run), and
// comparisons report the worst element.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cuda/runtime.h"

namespace pai::cuda::test {

struct Case {
  std::string name;
  std::function<void()> run;
};
std::vector<Case>& cases();
struct Register {
  Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

// Thrown by the checks below; the runner prints it and counts the case as failed.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::mt19937_64& rng();
std::vector<float> random_floats(size_t n, float lo = -1.f, float hi = 1.f);
// 0/1 floats with P(1) = density.
std::vector<float> random_mask(size_t n, double density);
int64_t random_int(int64_t lo, int64_t hi);  // inclusive

// Compares got against want with |got - want| <= atol + rtol * |want|; NaN must match NaN.
void expect_close(const char* what, const std::vector<float>& got, const std::vector<float>& want,
                  double rtol, double atol);
// |got - want| <= tol * scale[i] (scale: e.g. sum |a||b| of a dot product, so that the
// bound follows the rounding error of any summation order).
void expect_scaled(const char* what, const std::vector<float>& got, const std::vector<float>& want,
                   const std::vector<float>& scale, double tol);
void expect_equal_bits(const char* what, const std::vector<float>& got, const std::vector<float>& want);
template <typename T>
void expect_equal(const char* what, const std::vector<T>& got, const std::vector<T>& want) {
  if (got.size() != want.size())
    throw Failure(std::string(what) + ": size " + std::to_string(got.size()) + " vs " + std::to_string(want.size()));
  for (size_t i = 0; i < got.size(); ++i)
    if (!(got[i] == want[i]))
      throw Failure(std::string(what) + ": element " + std::to_string(i) + " is " + std::to_string(got[i]) +
                    ", expected " + std::to_string(want[i]));
}
void expect(bool ok, const std::string& what);

// A device allocation for tests, freed on scope exit.
template <typename T>
class DeviceArray {
 public:
  explicit DeviceArray(size_t n) : n_(n) {
    ptr_ = static_cast<T*>(device_malloc(n * sizeof(T) + 1, &granted_));
  }
  explicit DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) { copy_from(host); }
  ~DeviceArray() { device_release(ptr_, granted_); }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  T* get() const { return ptr_; }
  size_t size() const { return n_; }
  void copy_from(const std::vector<T>& host) { upload(ptr_, host.data(), host.size() * sizeof(T)); }
  std::vector<T> to_host() const {
    std::vector<T> h(n_);
    download(h.data(), ptr_, n_ * sizeof(T));
    return h;
  }

 private:
  T* ptr_ = nullptr;
  size_t n_ = 0, granted_ = 0;
};

// Fills a device array with a NaN pattern, so that an output the kernel forgets to write
// is caught.
template <typename T>
void poison(DeviceArray<T>& a) {
  fill_bytes(a.get(), 0xff, a.size() * sizeof(T));
}

}  // namespace pai::cuda::test

#define PAI_CUDA_TEST_CONCAT2(a, b) a##b
#define PAI_CUDA_TEST_CONCAT(a, b) PAI_CUDA_TEST_CONCAT2(a, b)
// PAI_CUDA_TEST(sgemm_shapes) { ... } registers a case.
#define PAI_CUDA_TEST(name)                                                             \
  static void pai_cuda_test_##name();                                                   \
  static ::pai::cuda::test::Register PAI_CUDA_TEST_CONCAT(pai_cuda_test_reg_, name)(    \
      #name, &pai_cuda_test_##name);                                                    \
  static void pai_cuda_test_##name()
