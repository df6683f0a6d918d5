// Internal: the tiled path of compressed convolutions, for VGG's and ResNet's 3x3 layers
// on small planes (4 or 8 pixels wide, up to 64 pixels) on AVX-512.
//
// There the direct path (sparse_direct.h) reads each survivor's tap as a shifted, masked
// load of a plane that is only one to four vectors long: the loads straddle cache lines and
// most of the work is masks and addressing (about 0.6 FMA per cycle). Here the images are
// the vector lanes instead. A block of 16 images is packed once per call as
// [channel][padded row][padded column][16 images], the zero border making every tap of
// every pixel a plain aligned load. Sixteen output pixels (whole rows of the plane) are a
// register tile of 16 accumulators: per survivor one offset load, one broadcast and 16
// FMAs whose displacements are compile-time constants. The input gradient is the same
// kernel over the padded output gradient with the taps flipped; the weight gradient keeps
// an output channel's gradient tile in L1 and takes 16 survivors' dot products at once.
// Results do not depend on the thread count.
#pragma once
#include "pai/conv.h"
#include "pai/sparse.h"

namespace pai::sparse_detail {

// Whether a convolution takes the tiled path: AVX-512 active, a 3x3 kernel with stride 1,
// padding 1, no dilation or groups; planes 4 or 8 pixels wide, whole 16-pixel tiles, up to
// 64 pixels; a batch of 16 or more; and 16 or more survivors per output and per input
// channel on average, which pays for packing.
bool tiled_eligible(const Conv2dShape& s, const SparsePattern& w);

// The three kernels (AVX-512 only: call them only where tiled_eligible holds). The forward
// takes row_moments (or null) and returns whether it wrote them, as direct_forward.
bool tiled_forward(const Conv2dShape& s, const SparsePattern& w, const float* values,
                   const float* x, const float* bias, float* y, double* row_moments = nullptr);
void tiled_grad_input(const Conv2dShape& s, const SparsePattern& w, const float* values,
                      const float* gy, float* gx);
void tiled_grad_weight(const Conv2dShape& s, const SparsePattern& w, const float* x,
                       const float* gy, float* gvalues);

}  // namespace pai::sparse_detail
