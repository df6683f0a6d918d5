// Batch normalization fused with the ReLU that follows it (training mode), and ReLU's
// gradient from its output, over float32 buffers. x is viewed as [n, c, hw] as in
// pai/batchnorm.h. The fused forward saves no mask: the backward recomputes the
// pre-activation from x and the saved statistics, bit for bit as the forward computed it.
#pragma once
#include <cstdint>

namespace pai {

// gx[i] = out[i] > 0 ? gy[i] : 0 for i < n (ReLU's gradient read off its output; a NaN
// output passes no gradient). gx may alias gy.
void relu_backward(const float* gy, const float* out, float* gx, int64_t n);

// out = max(y, 0) with y = ((x - mean) - mean_lo) * (gamma invstd) + beta, the biased batch
// variance and invstd = 1 / sqrt(var + eps). Writes mean [c] (float), mean_lo [c] (the
// batch mean minus the float mean, so x - mean stays exact for data far from 0) and invstd
// [c] for the backward. gamma / beta may be null (1 and 0).
//
// row_moments (or null) holds the moments of x's rows as its producer computed them while
// writing x (pai::sparse_conv2d_forward): [0, n c) the mean of row r = b c + ch, [n c, 2 n c)
// its sum of squared deviations from that mean (batchnorm_detail's row_moments). Given them,
// the statistics are merged from the rows without a pass over x.
//
// zero_in [c] (or null): zero_in[ch] != 0 promises that every element of channel ch of x
// is +0 or -0 (say a compressed convolution's output row whose survivors all read zero
// channels). Those channels are not read: their output is the constant the kernels give at
// x = +0 (relu(beta) when gamma is finite). zero_out [c] (or null) receives 1 for the
// channels of zero_in whose output is all +0 (the next layer's zero_in), 0 for the others.
void batch_norm_relu_train_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                                   const float* gamma, const float* beta, float eps, float* out,
                                   float* mean, float* mean_lo, float* invstd,
                                   const double* row_moments = nullptr,
                                   const uint8_t* zero_in = nullptr, uint8_t* zero_out = nullptr);

// Gradient of batch_norm_relu_train_forward: with g = y > 0 ? gy : 0 (y recomputed from x),
// xhat = ((x - mean) - mean_lo) invstd and m = n hw, gx = gamma invstd (g - sum(g) / m -
// xhat sum(g xhat) / m), ggamma = sum(g xhat), gbeta = sum(g) per channel. ggamma / gbeta
// may be null; gamma / beta must be what the forward was given. gx_sum (or null) receives
// the per-channel sums of the gx written (the bias gradient of a convolution feeding x),
// summed row by row while each row is in cache. zero_in (or null) as given to the forward:
// a zero channel whose ReLU is closed at x = +0 passes no gradient, so its sums are 0 and
// its gx is written as zeros, neither gy nor x read.
void batch_norm_relu_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                              const float* mean, const float* mean_lo, const float* invstd,
                              const float* gamma, const float* beta, float* gx, float* ggamma,
                              float* gbeta, float* gx_sum = nullptr,
                              const uint8_t* zero_in = nullptr);

// Training-mode batch norm, ReLU and 2x2 / stride-2 max pooling (h and w even): out
// [n, c, h/2, w/2] = the maximum of max(y, 0) over each window (NaN if the window has
// one), y as in batch_norm_relu_train_forward, whose statistics it writes (row_moments,
// zero_in and zero_out likewise). The full-size activation is not written.
void batch_norm_relu_max_pool_train_forward(const float* x, int64_t n, int64_t c, int64_t h,
                                            int64_t w, const float* gamma, const float* beta,
                                            float eps, float* out, float* mean, float* mean_lo,
                                            float* invstd, const double* row_moments = nullptr,
                                            const uint8_t* zero_in = nullptr,
                                            uint8_t* zero_out = nullptr);

// Its gradient from gy [n, c, h/2, w/2]: each window's winner (max pooling's: first
// largest in row-major order, a NaN before numbers), recomputed from x, receives gy where
// its y > 0; then as batch_norm_relu_backward (zero_in too). gx is [n, c, h, w].
void batch_norm_relu_max_pool_backward(const float* gy, const float* x, int64_t n, int64_t c,
                                       int64_t h, int64_t w, const float* mean,
                                       const float* mean_lo, const float* invstd,
                                       const float* gamma, const float* beta, float* gx,
                                       float* ggamma, float* gbeta, float* gx_sum = nullptr,
                                       const uint8_t* zero_in = nullptr);

}  // namespace pai
