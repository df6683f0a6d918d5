// 2-D max and average pooling on NCHW float32 buffers (no dilation, floor output size),
// and PyTorch's adaptive average pooling.
#pragma once
#include <cstdint>

namespace pai {

// x [n, c, h, w] -> out [n, c, out_h(), out_w()], window kh x kw, stride, padding.
struct Pool2dShape {
  int64_t n = 1, c = 1, h = 1, w = 1;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
  // floor((h + 2 ph - kh) / sh) + 1, or 0 when the window does not fit.
  int64_t out_h() const { return h + 2 * ph < kh ? 0 : (h + 2 * ph - kh) / sh + 1; }
  int64_t out_w() const { return w + 2 * pw < kw ? 0 : (w + 2 * pw - kw) / sw + 1; }
};

// out = max over each window (padding is -inf), argmax = flat index of the maximum in its
// (h, w) plane: the first on ties, the first NaN if any (as PyTorch).
void max_pool2d_forward(const Pool2dShape& s, const float* x, float* out, int32_t* argmax);

// gx = 0, then gx[plane, argmax[i]] += gy[i]. Returns false (gx incomplete) if an argmax
// lies outside [0, h w); such entries are skipped.
bool max_pool2d_backward(const float* gy, const int32_t* argmax, int64_t n, int64_t c, int64_t h,
                         int64_t w, int64_t oh, int64_t ow, float* gx);

// out[i] = src[plane, argmax[i]]: the adjoint of the backward (double backward of max
// pooling). Returns false if an argmax is out of range (that entry is set to NaN).
bool max_pool2d_gather(const float* src, const int32_t* argmax, int64_t n, int64_t c, int64_t h,
                       int64_t w, int64_t oh, int64_t ow, float* out);

// Window mean with zero padding counted (divisor kh * kw, count_include_pad = true).
void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* out);
void avg_pool2d_backward(const Pool2dShape& s, const float* gy, float* gx);

// Adaptive average pooling to [oh, ow]: output row i averages input rows
// [floor(i h / oh), ceil((i + 1) h / oh)), likewise for columns.
void adaptive_avg_pool2d_forward(const float* x, int64_t n, int64_t c, int64_t h, int64_t w,
                                 int64_t oh, int64_t ow, float* out);
void adaptive_avg_pool2d_backward(const float* gy, int64_t n, int64_t c, int64_t h, int64_t w,
                                  int64_t oh, int64_t ow, float* gx);

}  // namespace pai
