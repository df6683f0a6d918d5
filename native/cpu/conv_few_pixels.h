// Internal: convolutions whose output has few pixels over the whole batch (n * oh * ow at
// most 64), such as the last layers of a VGG at batch 1 (SynFlow's all-ones input).
// There the products are matrix-vector-like: bound by streaming the weights once (forward,
// input gradient) or writing the weight gradient once, or by the multiply-adds themselves
// on a block held in L1. The general path packs the weights (a second full copy) and pads
// the short reduction of the weight gradient to a whole block; these kernels read the
// weights in place, the mask multiplied in as they are loaded, over a small patch matrix
// (col[k][q], or its transpose colT[q][k]) kept in cache.
#pragma once
#include <cstdint>

#include "pai/conv.h"

namespace pai::conv_detail {

// Largest batch-pixel count (n * oh * ow) of the forward's taps-across-lanes kernel;
// from there to kLanePixels the forward puts the pixels across the lanes
// (conv_pixel_lanes_avx512.cc), which wastes fewer lanes.
constexpr int64_t kFewPixels = 8;
constexpr int64_t kLanePixels = 64;
// Largest batch-pixel count of the input and weight gradients: past the VGG 2x2 and 4x4
// maps, their products stay compute-bound on the 8x8 ones too (a block of weights or
// patches held in L1).
constexpr int64_t kGradPixels = 64;
// Batch pixels per register block of the input-gradient kernel; its gy rows are padded
// to a multiple of this.
constexpr int64_t kGatherPixels = 4;

// Each returns false, doing nothing, where the shape or the ISA does not suit (the caller
// then runs the general path); otherwise it computes exactly what the conv2d_* entry does.
bool few_pixels_forward(const Conv2dShape& s, const float* x, const float* weight,
                        const float* mask, const float* bias, float* out);
bool few_pixels_grad_input(const Conv2dShape& s, const float* gy, const float* weight,
                           const float* mask, float* gx);
bool few_pixels_grad_weight(const Conv2dShape& s, const float* x, const float* gy,
                            const float* mask, float* gw);

// AVX-512 kernels over one group, with row-major operands: w and m are [rows][taps],
// colT and dcolT are [p][taps], gy_rows is [rows][p]; m may be null.
// y[r * p + q] = sum_k (w * m)[r][k] colT[q * ldc + k], for r < rows.
void few_rows_dot_avx512(const float* w, const float* m, int64_t taps, int64_t rows,
                         const float* colT, int64_t ldc, int64_t p, float* y);
// y[r * ldc + q] = sum_k (w * m)[r][k] col[k * ldc + q] for r < rows and q < ldc; ldc
// is a multiple of 16 up to 64; col and y are 64-byte aligned.
void lanes_forward_avx512(const float* w, const float* m, int64_t taps, int64_t rows,
                          const float* col, int64_t ldc, float* y);
// Weight rows per register block of lanes_forward_avx512 at that ldc.
int64_t lanes_rows_per_block(int64_t ldc);
// dcolT[q][k] = sum_r gy_rows[r][q] (w * m)[r][k], for k in [k0, k1), q < p; here
// gy_rows is [rows][round_up(p, kGatherPixels)], zero past p.
void few_taps_gather_avx512(const float* w, const float* m, int64_t taps, int64_t rows,
                            const float* gy_rows, int64_t p, int64_t k0, int64_t k1,
                            float* dcolT);
// gw[r][k] = sum_q gy_rows[r][q] colT[q * ldc + k], times m[r][k] (exactly 0 where m is
// 0); gw and m are [rows][taps]. With `stream`, gw is written with streaming stores
// (bypassing the caches) where it is aligned to allow them.
void few_outer_avx512(const float* gy_rows, int64_t p, const float* colT, int64_t ldc,
                      int64_t taps, const float* m, int64_t rows, float* gw, bool stream);

}  // namespace pai::conv_detail
