// Internal: the direct path of compressed convolutions (stride 1, output the size of the
// input: VGG's and ResNet's 3x3 and 1x1 layers). It reads and writes the NCHW tensors in
// place, with no packed copy; see DirectKernels in sparse_engine.h.
#pragma once
#include "pai/conv.h"
#include "pai/sparse.h"

namespace pai::sparse_detail {

// Whether a convolution can take the direct path.
bool direct_eligible(const Conv2dShape& s);

// row_moments (or null) receives the moments of y's rows, as pai::sparse_conv2d_forward says,
// where batch norm walks y by rows (long planes); returns whether it wrote them.
bool direct_forward(const Conv2dShape& s, const SparsePattern& w, const float* values,
                    const float* x, const float* bias, float* y, double* row_moments = nullptr);
void direct_grad_input(const Conv2dShape& s, const SparsePattern& w, const float* values,
                       const float* gy, float* gx);
void direct_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                        const float* gy, float* gvalues);

}  // namespace pai::sparse_detail
