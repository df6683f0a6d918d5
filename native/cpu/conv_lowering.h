// Internal: convolution lowered to packed products, shared by forward, input-gradient
// and weight-gradient drivers.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "pai/conv.h"
#include "pai/im2col.h"

namespace pai::conv_detail {

// A forward-shaped convolution: out[b, g*m + oc, p] = bias[g*m + oc] +
// sum_k A_g[oc, k] * patches_g(x)[k, q]. Also serves the input gradient of stride-1
// convolutions (a forward convolution of gy with flipped, transposed weights).
struct LoweredConv {
  PatchShape patch;             // one group's patches; patch.c = input channels per group
  int64_t n = 1, groups = 1;
  int64_t m = 1;                // output channels per group
  const float* x = nullptr;     // input, [n, groups * patch.c, h, w]
  const float* a_packed = nullptr;  // per group: pack_rows of A_g [m x taps]
  int64_t a_group_stride = 0;
  const float* bias = nullptr;  // [groups * m] or null
  float* out = nullptr;         // [n, groups * m, oh, ow]
};

void run_lowered(const LoweredConv& lc);

// The path of run_lowered for maps at least 8 pixels wide: each item copies a band of
// input rows into zero-padded tiles (one per stride phase) once, after which every tap of
// a B panel is one contiguous copy from a tile (output rows are computed at the tile's
// pitch and the few padding columns dropped when the tile is written out). Returns false,
// doing nothing, when the shape does not suit it.
bool run_padded(const LoweredConv& lc);

// The weight gradient through padded tiles (conv_grad_weight_padded.cc): false, doing
// nothing, when the shape does not suit them.
bool grad_weight_padded(const Conv2dShape& s, const float* x, const float* gy, const float* mask,
                        float* gw);

// gw = (sum of the slots' partial gradients, partial[0] being gw itself) * mask.
void sum_partials(const std::vector<float*>& partial, int64_t weights, const float* mask, float* gw);

// Depthwise-style convolutions (one input channel per group) as direct loops.
void depthwise_forward(const Conv2dShape& s, const float* x, const float* weight,
                       const float* mask, const float* bias, float* out);
void depthwise_grad_input(const Conv2dShape& s, const float* gy, const float* weight,
                          const float* mask, float* gx);
void depthwise_grad_weight(const Conv2dShape& s, const float* x, const float* gy,
                           const float* mask, float* gw);

PatchShape patch_of(const Conv2dShape& s);

// 64-byte aligned scratch memory, uninitialized.
class Scratch {
 public:
  explicit Scratch(int64_t floats)
      : p_(static_cast<float*>(std::aligned_alloc(64, bytes(floats)))) {
    if (!p_) throw std::bad_alloc();
  }
  ~Scratch() { std::free(p_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* get() const { return p_; }

 private:
  static size_t bytes(int64_t floats) {
    return static_cast<size_t>((floats * 4 + 63) / 64 * 64 + 64);
  }
  float* p_;
};

// Scratch buffers kept per calling thread and reused across calls (they only grow), so a
// training step does not pay page faults on fresh multi-megabyte allocations. Buffer
// `index` of one call is handed to one pool thread; the calling thread allocates them all
// before the parallel region, so an allocation failure throws there.
float* workspace(int index, int64_t floats);

}  // namespace pai::conv_detail

