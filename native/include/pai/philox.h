// Philox-4x32-10 counter-based RNG (Salmon et al., SC 2011), bit-identical to the
// reference lib/backend/reference/philox.ts and to the CUDA kernels. The definition of
// U(p) and N(p) is in native/BINDINGS.md; the block function is inline here so that the
// CUDA build can share it.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define PAI_HOST_DEVICE __host__ __device__
#else
#define PAI_HOST_DEVICE
#endif

namespace pai {

// Encrypts ctr[0..3] under key[0..1] with 10 rounds; writes four uint32 words to out.
PAI_HOST_DEVICE inline void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                                          uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0;
    const uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// The block of counter index b: philox([lo32(b), hi32(b), 0, 0], key).
PAI_HOST_DEVICE inline void philox_block(uint64_t b, uint32_t seed_lo, uint32_t seed_hi,
                                         uint32_t out[4]) {
  const uint32_t ctr[4] = {static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32), 0u, 0u};
  const uint32_t key[2] = {seed_lo, seed_hi};
  philox4x32_10(ctr, key, out);
}

// ((x >> 8) + 0.5) * 2^-24: exact in float64, in (0, 1).
PAI_HOST_DEVICE inline double philox_unit(uint32_t x) {
  return (static_cast<double>(x >> 8) + 0.5) * (1.0 / 16777216.0);
}

// out[i] = U(offset + i) rounded to float32 (nearest-even), for i in [0, n). Threaded.
void philox_uniform(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, float* out, int64_t n);

// out[i] = float32(mean + std * N(offset + i)), N by Box-Muller in float64 without fused
// multiply-add, rounded once. Threaded.
void philox_normal(uint32_t seed_lo, uint32_t seed_hi, uint64_t offset, double mean, double std,
                   float* out, int64_t n);

}  // namespace pai
