// 2-D convolution on raw buffers: activations NCHW, weights OIHW (PyTorch layouts).
// Forward, input gradient and weight gradient, with stride, zero padding, dilation and
// groups (depthwise included). An optional 0/1 mask with the weight's layout is fused in:
// multiplied into the weights while they are packed, and into the weight gradient as it
// is written, so a masked layer never needs a separate masking pass.
#pragma once
#include <cstdint>

namespace pai {

// Shapes of one convolution. Input [n, c, h, w], weight [o, c / groups, kh, kw],
// output [n, o, out_h(), out_w()].
struct Conv2dShape {
  int64_t n = 1, c = 1, h = 1, w = 1;
  int64_t o = 1, kh = 1, kw = 1;
  int64_t sh = 1, sw = 1;  // stride
  int64_t ph = 0, pw = 0;  // zero padding on each side
  int64_t dh = 1, dw = 1;  // dilation
  int64_t groups = 1;

  // floor((h + 2 ph - dh (kh - 1) - 1) / sh) + 1, or 0 when the dilated kernel does not
  // fit in the padded input.
  int64_t out_h() const { return extent(h + 2 * ph - dh * (kh - 1) - 1, sh); }
  int64_t out_w() const { return extent(w + 2 * pw - dw * (kw - 1) - 1, sw); }
  int64_t x_size() const { return n * c * h * w; }
  int64_t weight_size() const { return o * (c / groups) * kh * kw; }
  int64_t out_size() const { return n * o * out_h() * out_w(); }
  // True when every size is positive, c and o divide by groups and the output is non-empty.
  bool valid() const;

 private:
  static int64_t extent(int64_t span, int64_t stride) { return span < 0 ? 0 : span / stride + 1; }
};

// out = conv(x, weight * mask) + bias. mask and bias may be null. out is fully written.
void conv2d_forward(const Conv2dShape& s, const float* x, const float* weight, const float* mask,
                    const float* bias, float* out);

// gx = d(sum(gy * out)) / dx for out = conv(x, weight * mask). gx is fully written.
void conv2d_grad_input(const Conv2dShape& s, const float* gy, const float* weight,
                       const float* mask, float* gx);

// gw = (d(sum(gy * out)) / dweight) * mask, summed over the batch. gw is fully written;
// masked entries are exactly 0.
void conv2d_grad_weight(const Conv2dShape& s, const float* x, const float* gy, const float* mask,
                        float* gw);

}  // namespace pai
