// Internal to the selection kernels: the order-preserving map from float scores to
// uint32 keys, and the ISA-specific classification pass.
#pragma once
#include <cstdint>
#include <cstring>

namespace pai::select_detail {

// Unsigned order of keys == numeric order of scores, with -0 mapped onto +0 so that
// the two compare equal (and tie by index) as they do in the reference.
inline uint32_t score_key(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  if ((b & 0x7fffffffu) == 0) b = 0;
  return b ^ (static_cast<uint32_t>(static_cast<int32_t>(b) >> 31) | 0x80000000u);
}

inline float key_score(uint32_t key) {
  const uint32_t b = (key & 0x80000000u) ? (key ^ 0x80000000u) : ~key;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

inline bool is_nan(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return (b & 0x7fffffffu) > 0x7f800000u;
}

// Outcome of classifying one contiguous chunk against the key band [lo, hi].
struct Classified {
  int64_t above = 0;       // keys > hi (mask set to 1)
  int64_t candidates = 0;  // keys in [lo, hi] (mask set to 0, local index recorded)
  int64_t nan_index = -1;  // first NaN in the chunk (local index), or -1
};

// Key of -Infinity, the score of entries that may not be kept (pruned weights); keys
// above it are live.
constexpr uint32_t kNegInfKey = 0x007fffffu;

// One pass over scores[0, len): mask[i] = key > hi ? 1 : 0, and the local indices of
// keys in [lo, hi] appended to cand while fewer than cap are stored (candidates keeps
// counting past cap, which the caller reads as overflow). When `drop` is not null,
// drop[i] = +0 for the live entries below the band (key in (kNegInfKey, lo)), which are
// dropped for sure; only those entries are stored. len < 2^31.
using ClassifyFn = Classified (*)(const float* scores, int64_t len, uint32_t lo, uint32_t hi,
                                  float* mask, uint32_t* cand, int64_t cap, float* drop);

Classified classify_baseline(const float* scores, int64_t len, uint32_t lo, uint32_t hi,
                             float* mask, uint32_t* cand, int64_t cap, float* drop);
Classified classify_avx2(const float* scores, int64_t len, uint32_t lo, uint32_t hi,
                         float* mask, uint32_t* cand, int64_t cap, float* drop);
Classified classify_avx512(const float* scores, int64_t len, uint32_t lo, uint32_t hi,
                           float* mask, uint32_t* cand, int64_t cap, float* drop);

}  // namespace pai::select_detail
