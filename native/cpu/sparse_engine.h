// Internal to the compressed-layer kernels. Linear and convolution layers share one
// engine: the input is laid out as "planes", one per input channel and stride phase,
// each holding every image's zero-padded phase grid back to back. A surviving weight
// (c, i, j) then reads its plane at a constant offset, so its whole contribution to an
// output channel is one contiguous axpy over (batch x grid), vectorized and register-
// blocked; the gradients are the same scheme on the output gradient. A linear layer is
// the 1x1 case on 1x1 images (its planes are the input transposed).
#pragma once
#include <cstdint>
#include <type_traits>

#include "pai/conv.h"
#include "pai/sparse.h"

namespace pai::sparse_detail {

// Widest block (floats) of any ISA path; buffers are padded for it.
constexpr int64_t kMaxBlock = 128;

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Geometry of the plane layout for one layer shape.
struct Grid {
  Conv2dShape s;
  int64_t oh = 1, ow = 1;
  int64_t cg = 1, og = 1;      // input / output channels per group
  int64_t kk = 1;              // kh * kw
  int64_t phases = 1;          // sh * sw
  int64_t hq = 1, wq = 1;      // phase grid: ceil((h + 2 ph) / sh) x ceil((w + 2 pw) / sw)
  int64_t hw = 1;              // hq * wq
  int64_t m = 1;               // n * hw: positions per plane
  int64_t planes = 1;          // c * phases
  int64_t max_shift = 0;       // largest in-plane offset of a kernel tap
  int64_t xp_stride = 0, xp_size = 0;                // input planes
  int64_t g_front = 0, g_stride = 0, g_size = 0;     // output-gradient rows (front-padded)
  bool rows_are_images = false;  // 1x1 images, no padding, stride 1: the linear layout

  explicit Grid(const Conv2dShape& shape);
  // Plane of input channel c (global) for kernel tap (i, j), and the in-plane offset.
  int64_t plane_of(int64_t c, int64_t i, int64_t j) const {
    return c * phases + ((i * s.dh) % s.sh) * s.sw + (j * s.dw) % s.sw;
  }
  int64_t shift_of(int64_t i, int64_t j) const {
    return ((i * s.dh) / s.sh) * wq + (j * s.dw) / s.sw;
  }
};

// dst[c * ldd + r] = src[r * lds + c] for r < rows, c < cols (single-threaded).
using TransposeFn = void (*)(const float* src, int64_t rows, int64_t cols, int64_t lds,
                             float* dst, int64_t ldd);

// Kernels of the direct path: stride-1 convolutions whose output has the input's size read
// the NCHW planes in place, a survivor's tap being a constant shift of the flattened
// plane; per-tap lane masks (bit l of masks[tap * mstride + i] for lane l of vector i)
// zero the lanes whose tap falls outside the image, so no padded copy is needed.
struct DirectKernels {
  // accumulate[k]: nv = 1 << k vectors of nimg = 8 >> k images at once (so that small
  // planes still fill eight accumulators); accumulate_one[k]: nv = 1 << k vectors of one
  // image. For image b < nimg: out[b * out_stride + [0, nv * width)) = start + sum_j vals[j] *
  // masked(base + b * image_stride + offs[j] + [0, nv * width)), where start is out's own
  // values when onto is set (a later block of source channels), else init.
  using DirectAccumulate = void (*)(const float* base, int64_t image_stride, const int64_t* offs,
                                    const int32_t* taps, const float* vals, int64_t count,
                                    const uint16_t* masks, int64_t mstride, float init, bool onto,
                                    float* out, int64_t out_stride);
  DirectAccumulate accumulate[4] = {};
  // accumulate without prefetching the survivor after next: for sources blocked to stay in
  // L1 (SourceBlocks), where the prefetches only take load slots (VGG's 8x8 and 4x4 layers
  // at 10%: forward and input gradient 8-16% faster; unblocked, at 1%, 10% slower).
  DirectAccumulate accumulate_blocked[4] = {};
  DirectAccumulate accumulate_one[4] = {};
  // out[j] += sum over images b < nimg and vectors i < nv of g[b][i] *
  // masked(base + b * image_stride + offs[j] + i * width) for j < count; image b's nv full
  // vectors of g start at g + b * g_stride. Several images per call amortize the final
  // reduction on small planes.
  using DirectDots = void (*)(const float* g, int64_t g_stride, int64_t nv, int64_t nimg, int64_t image_stride,
                              const float* base, const int64_t* offs, const int32_t* taps, int64_t count,
                              const uint16_t* masks, int64_t mstride, float* out);
  DirectDots dots = nullptr;
  // dots without lane masks (taps and masks unused): sources read through ShiftedCopies.
  DirectDots dots_plain = nullptr;
};

// Register-blocked inner kernels of one ISA path.
struct BlockKernels {
  int64_t width = 4;  // floats per vector
  // accumulate[k] works on blocks of (2 << k) vectors: out[0, block) = (onto ? out[0,
  // block) : 0) + sum_j vals[j] * base[offs[j] + [0, block)).
  void (*accumulate[3])(const float* base, const int64_t* offs, const float* vals,
                        int64_t count, float* out, bool onto) = {};
  // out[j] += sum_{i < len} g[i] * base[offs[j] + i] for j < count; len a multiple of
  // 2 vectors.
  void (*dots)(const float* g, int64_t len, const float* base, const int64_t* offs,
               int64_t count, float* out) = nullptr;
  TransposeFn transpose = nullptr;
  DirectKernels direct;
};
extern const BlockKernels kBaselineKernels, kAvx2Kernels, kAvx512Kernels;
const BlockKernels& active_kernels();

// The block kernel to use when `rows_touched` packed rows are read per block: the widest
// block (most accumulators) whose rows still fit in a core's L2 cache.
struct BlockChoice {
  int64_t block;
  void (*accumulate)(const float*, const int64_t*, const float*, int64_t, float*, bool);
};
BlockChoice choose_block(const BlockKernels& k, int64_t rows_touched);

// Transposes in parallel with the active ISA's kernel (see TransposeFn).
void transpose(const float* src, int64_t rows, int64_t cols, int64_t lds, float* dst,
               int64_t ldd);

// Layout passes (sparse_layout.cc), threaded.
// xp[planes * xp_stride + tail] <- x [n, c, h, w] (zero padding, phase split).
void pack_input(const Grid& g, const float* x, float* xp);
// gp[o * g_stride + g_front + pos] <- gy [n, o, oh, ow] on the phase grid, zeros elsewhere.
void pack_output_grad(const Grid& g, const float* gy, float* gp);
// Writes acc[0, len) for positions [m0, m0 + len) of output channel o into y (+ bias).
void write_output(const Grid& g, const float* acc, int64_t m0, int64_t len, int64_t o,
                  float bias, float* y);
// Writes acc[0, len) for positions [m0, m0 + len) of input plane p into gx.
void write_input_grad(const Grid& g, const float* acc, int64_t m0, int64_t len, int64_t p,
                      float* gx);

// Scratch buffers of the calling thread, 64-byte aligned and uninitialized. A slot keeps
// its largest allocation, so repeated calls (a training loop) pay no allocation or page
// faults.
enum ScratchSlot : int { kPackedInput = 0, kPackedGrad = 1, kOffsets = 2, kValues = 3, kTaps = 4, kPartials = 5, kTaskLocal = 6, kTaskSums = 7 };
void* scratch_bytes(int slot, int64_t bytes);
template <typename T>
T* scratch(ScratchSlot slot, int64_t count) {
  return static_cast<T*>(scratch_bytes(slot, count * static_cast<int64_t>(sizeof(T))));
}

}  // namespace pai::sparse_detail
