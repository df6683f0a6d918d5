// 2-D convolution on the GPU with the semantics of pai/conv.h (NCHW activations, OIHW
// weights, stride, zero padding, dilation, groups, an optional fused 0/1 weight mask),
// as implicit GEMM: patches are gathered while tiles load, never materialized.
#pragma once

#include "pai/conv.h"

namespace pai::cuda {

/** out = conv(x, weight * mask) + bias; mask and bias may be null; device pointers. */
void conv2d_forward(const ::pai::Conv2dShape& s, const float* x, const float* weight, const float* mask,
                    const float* bias, float* out);

/** gx = d(sum(gy * out)) / dx for out = conv(x, weight * mask). */
void conv2d_grad_input(const ::pai::Conv2dShape& s, const float* gy, const float* weight, const float* mask,
                       float* gx);

/** gw = (d(sum(gy * out)) / dweight) * mask, summed over the batch; masked entries are 0. */
void conv2d_grad_weight(const ::pai::Conv2dShape& s, const float* x, const float* gy, const float* mask,
                        float* gw);

}  // namespace pai::cuda
