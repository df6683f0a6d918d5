// Internal: the packed matrix-product engine shared by the convolution kernels. Unlike
// pai::sgemm, it takes operands already packed by the caller, so each convolution packs
// straight from its own layout (im2col rows, transposed or flipped weights, gradient rows)
// with no intermediate matrix, and the weight mask is applied during packing.
#pragma once
#include <cstdint>

namespace pai::conv_detail {

// Register-blocked product of an mr x kc panel by a kc x nr panel:
//   c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0) + sum_p a[p * mr + i] * b[p * nr + j].
struct MicroKernel {
  int mr, nr;
  void (*run)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
};

// The micro-kernel of the active ISA path.
const MicroKernel& micro_kernel();
MicroKernel micro_kernel_avx2();
MicroKernel micro_kernel_avx512();

// Length of the reduction blocks for a reduction of length k: even blocks that keep a
// B panel in L1.
int64_t reduction_block(int64_t k);

// c (+)= A B over one reduction block of length kc: m_panels A panels ([kc][mr] at
// a + i * a_panel_stride) times n_panels B panels (packed back to back, [kc][nr] each).
// c is row-major with ldc, mr * m_panels rows and nr * n_panels columns.
void gemm_block(const MicroKernel& mk, int64_t kc, int64_t m_panels, const float* a,
                int64_t a_panel_stride, int64_t n_panels, const float* b, float* c, int64_t ldc,
                bool accumulate);

// Packs a row-major [m x k] matrix (leading dimension ld), times mask if non-null (same
// layout), into ceil(m / mr) panels [k][mr]; rows past m are 0.
void pack_rows(const float* src, const float* mask, int64_t m, int64_t k, int64_t ld, int mr,
               float* dst);

// Packs the transpose of a row-major [k x m] matrix (leading dimension ld), times mask:
// panel i holds dst[(i * k + p) * mr + r] = src[p * ld + i * mr + r]; columns past m are 0.
void pack_columns(const float* src, const float* mask, int64_t m, int64_t k, int64_t ld, int mr,
                  float* dst);

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

}  // namespace pai::conv_detail
