// Internal: column-shifted copies of an image's source planes, read by the direct path of
// compressed convolutions (sparse_direct.cc) on planes of 8+ vectors, and by its weight
// gradient on planes of 4-7 (several images' copies per call).
#pragma once
#include <cstdint>
#include <vector>

#include "pai/conv.h"
#include "pai/sparse.h"
#include "sparse_engine.h"

namespace pai::sparse_detail {

// Column-shifted copies of one image's source planes, for planes of 8+ vectors: copy j
// holds every channel's plane shifted by col[j] columns, with ph zero rows above and below
// and zeros where the shift leaves the row, so that each survivor reads a contiguous,
// aligned run with no lane masks (with masks, a tap's shifted read splits cache lines and
// costs a mask load per vector). Survivor offsets (off) then index the copies.
struct ShiftedCopies {
  int64_t channels = 0, h = 0, w = 0, ph = 0;
  std::vector<int64_t> col;  // [kw]: column shift of copy j
  std::vector<int64_t> off;  // [entries]: copy, channel and row of each survivor's read
  int64_t plane() const { return (h + 2 * ph) * w; }
  int64_t copy() const { return channels * plane(); }
  int64_t floats() const { return static_cast<int64_t>(col.size()) * copy() + kMaxBlock; }

  // dst[j][ch][r][c] = src[ch][r - ph][c + col[j]], 0 outside the plane.
  void build(const float* src, float* dst) const;
};

// Whether a layer's source planes go through ShiftedCopies: planes of 8+ vectors whose
// copies (kw of them per image and thread) still fit in L2 beside the output, output rows
// that are the input's (stride 1, same size: 2 ph = (kh - 1) dh), and enough survivors
// per copied plane to repay the copying: both scale with the plane, the copies with kw
// sources, the kernels with the entries. Measured at batch 128 (ms, copies against
// masked): 64 -> 64 on 32x32 at 10% (19 entries per copied plane) forward 12.1 / 13.9,
// weight gradient 12.7 / 16.7; at 3% (5.7) forward 7.3 / 5.5; at 0.1% forward 5.7 / 2.3;
// 128 -> 128 on 16x16 at 3% (11.4) forward 4.8 / 4.2, at 10% (38) 9.7 / 12.4.
bool use_copies(const Conv2dShape& s, int64_t vectors, int64_t sources, int64_t entries);

// Whether the weight gradient on planes of 4-7 vectors reads the input through
// ShiftedCopies, several images per call (see direct_grad_weight).
bool use_small_copies(const Conv2dShape& s, int64_t vectors, int64_t sources, int64_t rows, int64_t entries);

// The copies of the input planes, offsets in CSR order: tap (i, j) of output pixel q
// reads copy j (shifted j dw - pw columns) at q + i dh w.
ShiftedCopies input_copies(const Conv2dShape& s, const SparsePattern& w);

}  // namespace pai::sparse_detail
