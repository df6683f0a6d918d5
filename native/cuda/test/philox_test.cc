// Philox fills must equal the CPU kernels bit for bit (native/BINDINGS.md).
#include <cstring>

#include "check.h"
#include "cuda/philox.h"
#include "pai/philox.h"

namespace pai::cuda::test {
namespace {

void compare_uniform(uint32_t lo, uint32_t hi, uint64_t offset, int64_t n) {
  DeviceArray<float> d(n);
  poison(d);
  philox_uniform(lo, hi, offset, d.get(), n);
  std::vector<float> want(n);
  ::pai::philox_uniform(lo, hi, offset, want.data(), n);
  expect_equal_bits("philoxUniform", d.to_host(), want);
}

void compare_normal(uint32_t lo, uint32_t hi, uint64_t offset, double mean, double std, int64_t n) {
  DeviceArray<float> d(n);
  poison(d);
  philox_normal(lo, hi, offset, mean, std, d.get(), n);
  std::vector<float> want(n);
  ::pai::philox_normal(lo, hi, offset, mean, std, want.data(), n);
  // CUDA's float64 log and cos are within an ulp or two of glibc's; after rounding to
  // float32 that can differ only when a value falls within ~2^-29 of a rounding boundary.
  expect_equal_bits("philoxNormal", d.to_host(), want);
}

}  // namespace

PAI_CUDA_TEST(philox_known_answer) {
  // Random123's known-answer vector for Philox-4x32-10, counter 0, key 0.
  uint32_t out[4];
  ::pai::philox_block(0, 0, 0, out);
  expect(out[0] == 0x6627e8d5u && out[1] == 0xe169c58du && out[2] == 0xbc57ac4cu && out[3] == 0x9b00dbd8u,
         "philox_block(0, key 0) differs from the Random123 known answer");
}

PAI_CUDA_TEST(philox_uniform) {
  for (int64_t n : {1, 3, 4, 97, 4099}) {
    const uint64_t offset = static_cast<uint64_t>(random_int(0, 1000));
    compare_uniform(static_cast<uint32_t>(random_int(0, 0xffffffffll)),
                    static_cast<uint32_t>(random_int(0, 0xffffffffll)), offset, n);
  }
  compare_uniform(7, 9, (uint64_t{1} << 52) + 3, 11);  // counters past 2^32 use the high word
}

PAI_CUDA_TEST(philox_normal) {
  for (int64_t n : {1, 2, 5, 331, 10007}) {
    const uint64_t offset = static_cast<uint64_t>(random_int(0, 1000));
    compare_normal(static_cast<uint32_t>(random_int(0, 0xffffffffll)), 3, offset, 0.0, 1.0, n);
  }
  compare_normal(1, 2, 5, 0.25, 0.01, 257);
  compare_normal(1, 2, (uint64_t{1} << 40) + 1, -3.0, 2.5, 33);
}

}  // namespace pai::cuda::test
