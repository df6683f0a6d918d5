// Internal: the packed matrix-product engine shared by the convolution kernels. Unlike
// pai::sgemm, it takes operands already packed by the caller, so each convolution packs
// straight from its own layout (im2col rows, transposed or flipped weights, gradient rows)
// with no intermediate matrix, and the weight mask is applied during packing.
#pragma once
#include <cstdint>

namespace pai::conv_detail {

// Register-blocked product of an mr x kc panel by a kc x nr panel, into the first `rows`
// rows and `cols` columns of a tile of c (row stride ldc), the rest left untouched:
//   c[i * ldc + j] = (accumulate ? c[i * ldc + j] : bias ? bias[i] : 0)
//                    + sum_p a[p * mr + i] * b[p * nr + j].
// Full tiles (rows = mr, cols = nr) take the fast path; edges use masked loads and stores,
// so tiles can be written straight into an output tensor.
struct MicroKernel {
  int mr, nr;
  void (*run)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
              int rows, int cols, const float* bias);
};

// The micro-kernel of the active ISA path.
const MicroKernel& micro_kernel();
MicroKernel micro_kernel_avx2();
MicroKernel micro_kernel_avx512();

// Length of the reduction blocks for a reduction of length k: even blocks that keep a
// B panel in L1.
int64_t reduction_block(int64_t k);

// Where gemm_block writes: rows x cols of c (row stride ldc), plus an optional bias per
// row added when accumulate is false.
struct Tile {
  float* c;
  int64_t ldc, rows, cols;
  const float* bias = nullptr;
};

// tile (+)= A B over one reduction block of length kc: the A panels ([kc][mr] at
// a + i * a_panel_stride) covering tile.rows times the B panels (packed back to back,
// [kc][nr] each) covering tile.cols.
void gemm_block(const MicroKernel& mk, int64_t kc, const float* a, int64_t a_panel_stride,
                const float* b, const Tile& tile, bool accumulate);

// Packs a row-major [m x k] matrix (leading dimension ld), times mask if non-null (same
// layout), into ceil(m / mr) panels [k][mr]; rows past m are 0.
void pack_rows(const float* src, const float* mask, int64_t m, int64_t k, int64_t ld, int mr,
               float* dst);

// Packs the transpose of a row-major [k x m] matrix (leading dimension ld), times mask:
// panel i holds dst[(i * k + p) * mr + r] = src[p * ld + i * mr + r]; columns past m are 0.
void pack_columns(const float* src, const float* mask, int64_t m, int64_t k, int64_t ld, int mr,
                  float* dst);

// dst[l * width + t] = t < rows ? src[t * ld + l] : 0, for l < len and t < width: a block
// of rows turned pixel-major, as the weight-gradient product needs both operands.
void transpose_pack(const float* src, int64_t ld, int64_t rows, int64_t len, int64_t width,
                    float* dst);
void transpose_pack_avx512(const float* src, int64_t ld, int64_t rows, int64_t len,
                           int64_t width, float* dst);
// The same with row t at src + offsets[t] (shifted rows of a padded tile).
void transpose_pack_rows(const float* src, const int64_t* offsets, int64_t rows, int64_t len,
                         int64_t width, float* dst);
void transpose_pack_rows_avx512(const float* src, const int64_t* offsets, int64_t rows,
                                int64_t len, int64_t width, float* dst);

// B panel of shifted rows: dst[p * width + t] = src[offsets[p] + t], p < kc, t < width.
void pack_shifted(const float* src, const int64_t* offsets, int64_t kc, int width, float* dst);
void pack_shifted_avx512(const float* src, const int64_t* offsets, int64_t kc, int width,
                         float* dst);
void pack_shifted_avx2(const float* src, const int64_t* offsets, int64_t kc, int width,
                       float* dst);

// One zero-padded tile row: dst[X] = row[X - pw] where 0 <= X - pw < w, else 0, X < pitch.
void pad_row_avx512(const float* row, int64_t w, int64_t pw, float* dst, int64_t pitch);
// The same split into the two column phases of stride 2: d0[cx] = padded(2 cx),
// d1[cx] = padded(2 cx + 1), cx < pitch.
void pad_row_pairs_avx512(const float* row, int64_t w, int64_t pw, float* d0, float* d1,
                          int64_t pitch);

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

}  // namespace pai::conv_detail
