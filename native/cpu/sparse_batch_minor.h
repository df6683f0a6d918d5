// Internal: the batch-minor path of compressed convolutions, for layers whose output planes
// are tiny (VGG's 2x2 layers on CIFAR). There a plane is shorter than a vector, so
// the plane-major paths leave most lanes idle or masked. Here the batch is the vector
// dimension instead: the input is packed as [c][padded row][padded column][images], so a
// survivor's contribution to one output pixel is one full-width axpy over the images.
#pragma once
#include "pai/conv.h"
#include "pai/sparse.h"

namespace pai::sparse_detail {

// Whether a convolution takes the batch-minor path: small output planes and a batch that
// fills whole vectors.
bool batch_minor_eligible(const Conv2dShape& s);

void batch_minor_forward(const Conv2dShape& s, const SparsePattern& w, const float* values,
                         const float* x, const float* bias, float* y);
void batch_minor_grad_input(const Conv2dShape& s, const SparsePattern& w, const float* values,
                            const float* gy, float* gx);
void batch_minor_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                             const float* gy, float* gvalues);

}  // namespace pai::sparse_detail
