#include "sparse_shifted.h"

#include <algorithm>

namespace pai::sparse_detail {

void ShiftedCopies::build(const float* src, float* dst) const {
  const int64_t pl = plane();
  for (size_t j = 0; j < col.size(); ++j) {
    const int64_t sj = col[j];
    const int64_t c0 = std::max<int64_t>(0, -sj), c1 = std::min(w, w - sj);  // columns reading inside
    for (int64_t ch = 0; ch < channels; ++ch) {
      float* d = dst + static_cast<int64_t>(j) * copy() + ch * pl;
      const float* sp = src + ch * h * w;
      std::fill(d, d + ph * w, 0.f);
      for (int64_t r = 0; r < h; ++r) {
        float* row = d + (r + ph) * w;
        if (c1 <= c0) {
          std::fill(row, row + w, 0.f);
          continue;
        }
        std::fill(row, row + c0, 0.f);
        std::copy(sp + r * w + c0 + sj, sp + r * w + c1 + sj, row + c0);
        std::fill(row + c1, row + w, 0.f);
      }
      std::fill(d + (h + ph) * w, d + pl, 0.f);
    }
  }
  std::fill(dst + static_cast<int64_t>(col.size()) * copy(), dst + floats(), 0.f);
}

namespace {

// Output rows that are the input's (stride 1, same size: 2 ph = (kh - 1) dh), and one
// image's copies within 1 MB.
bool copies_apply(const Conv2dShape& s, int64_t sources) {
  constexpr int64_t kMaxBytes = int64_t(1) << 20;
  return 2 * s.ph == (s.kh - 1) * s.dh &&
         s.kw * sources * (s.h + 2 * s.ph) * s.w * static_cast<int64_t>(sizeof(float)) <= kMaxBytes;
}

}  // namespace

bool use_copies(const Conv2dShape& s, int64_t vectors, int64_t sources, int64_t entries) {
  constexpr int64_t kMinEntriesPerCopy = 16;
  return vectors >= 8 && entries >= kMinEntriesPerCopy * s.kw * sources && copies_apply(s, sources);
}

bool use_small_copies(const Conv2dShape& s, int64_t vectors, int64_t sources, int64_t rows, int64_t entries) {
  // Measured on VGG's 8x8 layers at batch 128 (weight gradient, copies against masked):
  // at 10% (76 entries per copied plane, 115-229 per row) 0.85-0.87; at 5% (38 per copied
  // plane) 0.97-1.0; at 3% up to 1.14.
  constexpr int64_t kPerRow = 100, kPerCopy = 64;
  return vectors >= 4 && vectors < 8 && entries >= kPerRow * rows && entries >= kPerCopy * s.kw * sources &&
         copies_apply(s, sources);
}

ShiftedCopies input_copies(const Conv2dShape& s, const SparsePattern& w) {
  ShiftedCopies copies{s.c, s.h, s.w, s.ph, std::vector<int64_t>(s.kw), std::vector<int64_t>(w.nnz)};
  for (int64_t j = 0; j < s.kw; ++j) copies.col[j] = j * s.dw - s.pw;
  const int64_t kk = s.kh * s.kw, cg = s.c / s.groups, og = s.o / s.groups;
  for (int64_t o = 0; o < s.o; ++o)
    for (int64_t e = w.row_ptr[o]; e < w.row_ptr[o + 1]; ++e) {
      const int64_t col = w.col_idx[e], t = col % kk;
      copies.off[e] = (t % s.kw) * copies.copy() + ((o / og) * cg + col / kk) * copies.plane() + (t / s.kw) * s.dh * s.w;
    }
  return copies;
}

}  // namespace pai::sparse_detail
