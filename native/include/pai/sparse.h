// Compressed sparse layers: only the surviving weights are stored and computed with, so
// that forward, input gradient and weight gradient each cost about nnz x (batch x output
// pixels). The pattern is fixed at pruning time and built once; the values array is the
// layer's parameter (its gradient and optimizer state have nnz entries). Stride-1
// convolutions whose output has the input's size read the NCHW tensors in place; other
// shapes and linear layers go through a packed copy of the activations. Scratch memory (up
// to about the activations' size) is kept per calling thread between calls.
#pragma once
#include <cstdint>

#include "pai/conv.h"

namespace pai {

// The surviving entries of a weight viewed as a [rows, cols] matrix: a linear weight
// [out, in], or a convolution weight [o, c / groups * kh * kw] (column = (c * kh + i) * kw + j).
// CSR with ascending columns in each row, plus its transpose as positions into the CSR
// arrays (so that values stay one array in CSR order).
struct SparsePattern {
  int64_t rows = 0, cols = 0, nnz = 0;
  const int32_t* row_ptr = nullptr;  // [rows + 1]
  const int32_t* col_idx = nullptr;  // [nnz]
  const int32_t* col_ptr = nullptr;  // [cols + 1]
  const int32_t* csc_row = nullptr;  // [nnz] row of each entry, in column order
  const int32_t* csc_pos = nullptr;  // [nnz] CSR position of each entry, in column order
};

// Linear layer, x [batch, in], y [batch, out], weight [out, in] = pattern with values[nnz].
// y = x W^T + bias (bias may be null).
void sparse_linear_forward(const SparsePattern& w, const float* values, const float* x,
                           int64_t batch, const float* bias, float* y);
// gx = gy W.
void sparse_linear_grad_input(const SparsePattern& w, const float* values, const float* gy,
                              int64_t batch, float* gx);
// gvalues[j] = sum_b gy[b, row(j)] x[b, col(j)]: the weight gradient at the survivors only.
void sparse_linear_grad_weight(const SparsePattern& w, const float* x, const float* gy,
                               int64_t batch, float* gvalues);

// Convolution with a compressed weight: s describes the dense layer (weight
// [o, c / groups, kh, kw]); the pattern has rows = o, cols = c / groups * kh * kw.
// Stride, padding, dilation and groups as in pai/conv.h. Outputs are fully written.
//
// The forward can also hand a batch norm of y its statistics (see pai/batchnorm_relu.h):
// given row_moments [2 n o], the paths that write y plane by plane (stride 1, output the
// input's size, planes of 64 pixels or more) take each (image, channel) plane's mean and
// sum of squared deviations while it is in cache, and return true; the others leave
// row_moments untouched and return false.
bool sparse_conv2d_forward(const Conv2dShape& s, const SparsePattern& w, const float* values,
                           const float* x, const float* bias, float* y,
                           double* row_moments = nullptr);
void sparse_conv2d_grad_input(const Conv2dShape& s, const SparsePattern& w,
                              const float* values, const float* gy, float* gx);
void sparse_conv2d_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                               const float* gy, float* gvalues);

}  // namespace pai
