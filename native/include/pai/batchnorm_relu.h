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
void batch_norm_relu_train_forward(const float* x, int64_t n, int64_t c, int64_t hw,
                                   const float* gamma, const float* beta, float eps, float* out,
                                   float* mean, float* mean_lo, float* invstd,
                                   const double* row_moments = nullptr);

// Gradient of batch_norm_relu_train_forward: with g = y > 0 ? gy : 0 (y recomputed from x),
// xhat = ((x - mean) - mean_lo) invstd and m = n hw, gx = gamma invstd (g - sum(g) / m -
// xhat sum(g xhat) / m), ggamma = sum(g xhat), gbeta = sum(g) per channel. ggamma / gbeta
// may be null; gamma / beta must be what the forward was given. gx_sum (or null) receives
// the per-channel sums of the gx written (the bias gradient of a convolution feeding x),
// summed row by row while each row is in cache.
void batch_norm_relu_backward(const float* gy, const float* x, int64_t n, int64_t c, int64_t hw,
                              const float* mean, const float* mean_lo, const float* invstd,
                              const float* gamma, const float* beta, float* gx, float* ggamma,
                              float* gbeta, float* gx_sum = nullptr);

// Training-mode batch norm, ReLU and 2x2 / stride-2 max pooling (h and w even): out
// [n, c, h/2, w/2] = the maximum of max(y, 0) over each window (NaN if the window has
// one), y as in batch_norm_relu_train_forward, whose statistics it writes (row_moments
// likewise). The full-size activation is not written.
void batch_norm_relu_max_pool_train_forward(const float* x, int64_t n, int64_t c, int64_t h,
                                            int64_t w, const float* gamma, const float* beta,
                                            float eps, float* out, float* mean, float* mean_lo,
                                            float* invstd, const double* row_moments = nullptr);

// Its gradient from gy [n, c, h/2, w/2]: each window's winner (max pooling's: first
// largest in row-major order, a NaN before numbers), recomputed from x, receives gy where
// its y > 0; then as batch_norm_relu_backward. gx is [n, c, h, w].
void batch_norm_relu_max_pool_backward(const float* gy, const float* x, int64_t n, int64_t c,
                                       int64_t h, int64_t w, const float* mean,
                                       const float* mean_lo, const float* invstd,
                                       const float* gamma, const float* beta, float* gx,
                                       float* ggamma, float* gbeta, float* gx_sum = nullptr);

}  // namespace pai
