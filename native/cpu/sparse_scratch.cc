// Per-thread scratch buffers of the compressed-layer drivers (see sparse_engine.h).
#include <cstdlib>
#include <new>

#include "sparse_engine.h"

namespace pai::sparse_detail {
namespace {

struct Slots {
  static constexpr int kCount = 8;
  void* p[kCount] = {};
  int64_t cap[kCount] = {};
  ~Slots() {
    for (void* q : p) std::free(q);
  }
};

thread_local Slots t_slots;

}  // namespace

void* scratch_bytes(int slot, int64_t bytes) {
  Slots& s = t_slots;
  if (bytes > s.cap[slot]) {
    std::free(s.p[slot]);
    s.p[slot] = nullptr;
    s.cap[slot] = 0;
    const int64_t n = round_up(bytes, 64);
    void* q = std::aligned_alloc(64, static_cast<size_t>(n));
    if (!q) throw std::bad_alloc();
    s.p[slot] = q;
    s.cap[slot] = n;
  }
  return s.p[slot];
}

}  // namespace pai::sparse_detail
