// Internal to the compressed linear layer. The batch is cut into chunks of a few dozen
// rows; a chunk of the operand read at random (x in the forward pass and the weight
// gradient, the output gradient in the input gradient) is transposed once into a
// batch-minor copy that stays in the core's L2 cache, so that each survivor reads one
// contiguous run of the chunk's rows. The operand read in order (the output gradient of the
// weight gradient) and the result (y, gx) are transposed a tile of `width` features at a
// time, in L1, so no pass over a whole activation is made besides reading it and writing
// the result. The products are then bound by moving each survivor's run from L2 to L1.
#pragma once
#include <cstddef>
#include <cstdint>

#include "pai/sparse.h"

namespace pai::sparse_detail {

// Kernels of one ISA path. NV is the number of vectors per chunk row: a chunk covers
// NV * width batch rows, and entry NV - 1 of spmm / sddmm is its instantiation.
struct LinearKernels {
  static constexpr int kMaxNv = 8;
  int64_t width = 4;   // floats per vector
  int64_t max_nv = 1;  // widest chunk (in vectors) of this path
  // dst[c * ld + b] = src[b * lds + c] for b < rows, c < cols; dst[c * ld + b] = 0 for
  // rows <= b < ld. ld is a multiple of width.
  void (*pack)(const float* src, int64_t rows, int64_t cols, int64_t lds, float* dst,
               int64_t ld) = nullptr;
  // For r in [r0, r1) and b < b_len: out[b * ldo + r] = (bias ? bias[r] : 0) +
  // sum_{j in [ptr[r], ptr[r + 1])} vals[j] * xt[idx[j] * NV * width + b].
  using Spmm = void (*)(const int32_t* ptr, const int32_t* idx, const float* vals,
                        const float* bias, int64_t r0, int64_t r1, const float* xt,
                        int64_t b_len, float* out, int64_t ldo);
  // For r in [r0, r1) and j in [ptr[r], ptr[r + 1]): gv[j] (= if overwrite, else +=)
  // sum_{b < b_len} g[b * ldg + r] * xt[idx[j] * NV * width + b]; xt's lanes at b >= b_len
  // are zero.
  using Sddmm = void (*)(const int32_t* ptr, const int32_t* idx, int64_t r0, int64_t r1,
                         const float* g, int64_t ldg, int64_t b_len, const float* xt,
                         bool overwrite, float* gv);
  Spmm spmm[kMaxNv] = {};
  Sddmm sddmm[kMaxNv] = {};
};
// The first index i >= 0 at which &p[i] is aligned to a vector of `width` floats, modulo
// width, when every row of a matrix with row stride ld shares that alignment; 0 otherwise.
inline int64_t vector_phase(const float* p, int64_t ld, int64_t width) {
  if (ld % width != 0) return 0;
  const int64_t at = static_cast<int64_t>(reinterpret_cast<uintptr_t>(p) / sizeof(float));
  return (width - at % width) % width;
}

extern const LinearKernels kLinearBaseline, kLinearAvx2, kLinearAvx512;

// The compressed linear layer's passes, as declared in pai/sparse.h.
void linear_forward(const SparsePattern& w, const float* values, const float* x, int64_t batch,
                    const float* bias, float* y);
void linear_grad_input(const SparsePattern& w, const float* values, const float* gy,
                       int64_t batch, float* gx);
void linear_grad_weight(const SparsePattern& w, const float* x, const float* gy, int64_t batch,
                        float* gvalues);

}  // namespace pai::sparse_detail
