// Internal: zero-padded input tiles by stride phase (see conv_padded.cc for the idea),
// shared by the forward / input-gradient path and the weight-gradient path.
#pragma once
#include <cstdint>

#include "pai/im2col.h"

namespace pai::conv_detail {

// A band of `band` output rows of one image: padded input pixel (Y, X) of the band is in
// phase (Y mod sh, X mod sw) at row Y / sh - band start, column X / sw; phases are
// [sh][sw][c][rows][pitch]. Output pixel (oy, ox) of the band is position
// f = (oy - oy0) pitch + ox, and tap k reads tile[offset(k) + f].
struct PaddedTile {
  int64_t band = 0, bands = 0;  // output rows per band, bands per image
  int64_t rows = 0, pitch = 0;  // of each phase and channel
  int64_t slack = 0;            // zeroed floats after the phases, for reads past the end
  int64_t size = 0;             // floats of one tile, slack included

  // Bands of about `columns` positions; `extra` more floats of slack. False (use im2col)
  // when the map is narrower than 8 or more than 1/8 of each row would be padding.
  bool plan(const PatchShape& s, int64_t columns, int64_t extra);
  // Copies the band starting at output row oy0 of one image (x: its group's first channel).
  void build(const PatchShape& s, const float* x, int64_t oy0, float* tile) const;
  // offset(k) for every tap k of s.
  void tap_offsets(const PatchShape& s, int64_t* offsets) const;
};

}  // namespace pai::conv_detail
