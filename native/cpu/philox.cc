// Philox uniform and normal fills, split across the pool on block boundaries so that each
// chunk computes whole blocks (only the ends of the range use part of a block).
#include "pai/philox.h"

#include <cmath>

#include "pai/parallel.h"

namespace pai {
namespace {

// Enough work per chunk that waking a worker pays off (about 10 us of Philox rounds).
constexpr int64_t kUniformGrain = 1 << 14;
constexpr int64_t kNormalGrain = 1 << 11;

// This file is compiled for baseline x86-64 (no FMA), so `mean + std * z` and the
// Box-Muller products round after each operation, as in float64 JavaScript.
inline float box_muller(uint32_t a, uint32_t b, double mean, double std) {
  const double two_pi = 2.0 * 3.14159265358979323846;
  const double z = std::sqrt(-2.0 * std::log(philox_unit(a))) * std::cos(two_pi * philox_unit(b));
  return static_cast<float>(mean + std * z);
}

}  // namespace

void philox_uniform(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, float* out, int64_t n) {
  if (n <= 0) return;
  parallel_for(0, n, kUniformGrain, [&](int64_t i0, int64_t i1) {
    uint32_t w[4];
    int64_t i = i0;
    while (i < i1) {
      const uint64_t p = offset + static_cast<uint64_t>(i);
      philox_block(p >> 2, seed_lo, seed_hi, w);
      for (unsigned j = static_cast<unsigned>(p & 3); j < 4 && i < i1; ++j, ++i)
        out[i] = static_cast<float>(philox_unit(w[j]));
    }
  });
}

void philox_normal(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, double mean, double std,
                   float* out, int64_t n) {
  if (n <= 0) return;
  parallel_for(0, n, kNormalGrain, [&](int64_t i0, int64_t i1) {
    uint32_t w[4];
    int64_t i = i0;
    while (i < i1) {
      const uint64_t p = offset + static_cast<uint64_t>(i);
      philox_block(p >> 1, seed_lo, seed_hi, w);
      for (unsigned j = static_cast<unsigned>(p & 1) * 2; j < 4 && i < i1; j += 2, ++i)
        out[i] = box_muller(w[j], w[j + 1], mean, std);
    }
  });
}

}  // namespace pai
