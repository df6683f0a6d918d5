// Patch extraction for convolution as a matrix product (im2col) and its adjoint (col2im).
// Rows are taps k = (ci * kh + ky) * kw + kx of one group's channels; columns are output
// pixels of the whole batch, q = (b * oh + oy) * ow + ox, so that a block of columns may
// span several small images (well-shaped products even for 2x2 feature maps).
#pragma once
#include <cstdint>

namespace pai {

// Geometry of the patches of one convolution group.
struct PatchShape {
  int64_t c = 1, h = 1, w = 1;        // channels of the group, input plane
  int64_t kh = 1, kw = 1;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  int64_t oh = 1, ow = 1;             // output plane
  int64_t image_stride = 1;           // elements between consecutive images of x
  int64_t taps() const { return c * kh * kw; }
  int64_t pixels() const { return oh * ow; }
};

// Where element (k, q) of a block of columns [q0, q1) and taps [k0, k1) is stored: with
// (j, t) = divmod(q - q0, panel_width), at col[j * panel_stride + (k - k0) * row_stride + t].
// Panels of width nr ([kc][nr] each) feed a micro-kernel directly; a plain row-major block
// is a single panel.
struct ColumnLayout {
  int64_t row_stride, panel_width, panel_stride;
  // Row-major [k1 - k0][ld], ld >= q1 - q0.
  static ColumnLayout rows(int64_t ld) { return {ld, ld, 0}; }
  // Panels [ceil((q1 - q0) / width)][k1 - k0][width].
  static ColumnLayout panels(int64_t width, int64_t taps) { return {width, width, width * taps}; }
};

// Element (k, q) = x at tap k of output pixel q (0 in the padding), for k in [k0, k1),
// q in [q0, q1); the columns after q1 up to the end of the last panel are set to 0.
// x points at the group's first channel of image 0.
void im2col(const PatchShape& s, const float* x, int64_t k0, int64_t k1, int64_t q0, int64_t q1,
            float* col, const ColumnLayout& layout);

// The adjoint: gx at tap k of pixel q += element (k, q). Not thread-safe for two calls that
// touch the same images.
void col2im_add(const PatchShape& s, const float* col, const ColumnLayout& layout, int64_t k0,
                int64_t k1, int64_t q0, int64_t q1, float* gx);

// The source offset of every (kernel tap, column) of a block of columns, tabulated once and
// reused for every channel: im2col by gathers, for maps too narrow for row copies (few
// pixels per row) and for strided convolutions.
class PatchOffsets {
 public:
  static constexpr int64_t kCapacity = 4096;  // kh * kw * columns (rounded up to 16)

  // Tabulates columns [q0, q1) of s; false when they do not fit (then use im2col).
  bool build(const PatchShape& s, int64_t q0, int64_t q1);
  // Same result as im2col(s, x, k0, k1, q0 + j0, q0 + j1, col, layout) for columns
  // [j0, j1) of the built block [q0, q1); j0 a multiple of 16.
  void gather(const float* x, int64_t k0, int64_t k1, int64_t j0, int64_t j1, float* col,
              const ColumnLayout& layout) const;

  // Table access for the ISA-specific gathers.
  const int32_t* offsets(int64_t tap) const { return offsets_ + tap * padded_; }
  const uint16_t* valid(int64_t tap) const { return valid_ + tap * (padded_ / 16); }
  int64_t columns() const { return columns_; }
  const PatchShape& shape() const { return shape_; }
  int64_t first_image() const { return first_image_; }

 private:
  PatchShape shape_;
  int64_t columns_ = 0, padded_ = 0, first_image_ = 0;
  int32_t offsets_[kCapacity];  // relative to image first_image_; 0 where invalid
  uint16_t valid_[kCapacity / 16];
};

}  // namespace pai
