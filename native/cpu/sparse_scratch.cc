// Per-thread scratch buffers of the compressed-layer drivers (see sparse_engine.h).
#include <cstdlib>
#include <new>

#include "sparse_engine.h"

namespace pai::sparse_detail {
namespace {

struct Slots {
  static constexpr int kCount = 2;
  float* p[kCount] = {};
  int64_t cap[kCount] = {};
  ~Slots() {
    for (float* q : p) std::free(q);
  }
};

thread_local Slots t_slots;

}  // namespace

float* scratch(int slot, int64_t floats) {
  Slots& s = t_slots;
  if (floats > s.cap[slot]) {
    std::free(s.p[slot]);
    s.p[slot] = nullptr;
    s.cap[slot] = 0;
    const int64_t n = round_up(floats, 16);
    float* q = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(n) * sizeof(float)));
    if (!q) throw std::bad_alloc();
    s.p[slot] = q;
    s.cap[slot] = n;
  }
  return s.p[slot];
}

}  // namespace pai::sparse_detail
