// Dispatch and data movement of the few-pixel convolutions (see conv_few_pixels.h): the
// patch matrix of a group (im2col's col[k][q] or its transpose colT[q][k]), gy regrouped
// as [channel][q], and the scatter of results back to NCHW (col2im). The products run in the AVX-512 kernels, split over
// the pool by weight rows (forward, weight gradient) or by taps (input gradient), so no
// thread ever writes another's outputs.
#include "conv_few_pixels.h"

#include <algorithm>
#include <cstring>

#include "conv_gemm.h"
#include "conv_lowering.h"
#include "pai/cpu_features.h"
#include "pai/parallel.h"

namespace pai::conv_detail {
namespace {

constexpr int64_t kRowBlock = 4;   // weight rows per kernel block
constexpr int64_t kTapBlock = 64;  // taps per input-gradient block
// Weight gradients at least this large (floats, 2 MB: past half of L2) are written with
// streaming stores, about twice as fast to memory as plain ones (no read for ownership).
constexpr int64_t kStreamFloats = int64_t{1} << 19;

bool suits(const Conv2dShape& s, int64_t most) {
  return active_isa() == Isa::Avx512 && s.c != s.groups && s.n * s.out_h() * s.out_w() <= most;
}

// colT[q * ldc + k] = x at tap k of batch pixel q of group g (0 in the padding), through
// im2col's k-major rows (col, [taps][round_up(p, 16)]) and a transpose.
void patches_transposed(const Conv2dShape& s, const float* x, int64_t g, float* col,
                        int64_t ldc, float* colT) {
  const PatchShape ps = patch_of(s);
  const int64_t p = s.n * ps.pixels(), ldq = (p + 15) / 16 * 16;
  im2col(ps, x + g * ps.c * s.h * s.w, 0, ps.taps(), 0, p, col, ColumnLayout::rows(ldq));
  transpose_pack(col, ldq, ps.taps(), p, ldc, colT);
}

// rows[c][q] = t[b, ch0 + c, pix] for q = b * plane + pix < n * plane, 0 up to `pitch`:
// an NCHW tensor's channels [ch0, ch0 + count) as rows over the batch pixels.
void channels_as_rows(const float* t, int64_t n, int64_t channels, int64_t ch0, int64_t count,
                      int64_t plane, int64_t pitch, float* rows) {
  const int64_t p = n * plane;
  for (int64_t c = 0; c < count; ++c) {
    for (int64_t b = 0; b < n; ++b)
      std::memcpy(rows + c * pitch + b * plane, t + (b * channels + ch0 + c) * plane,
                  sizeof(float) * plane);
    std::fill(rows + c * pitch + p, rows + (c + 1) * pitch, 0.f);
  }
}

// Runs fn(r0, r1) over [0, rows) in blocks of kRowBlock rows, spread over the pool.
template <typename F>
void over_row_blocks(int64_t rows, F fn) {
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
  parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    fn(b0 * kRowBlock, std::min(rows, b1 * kRowBlock));
  });
}

// out[b, g * og + r, pix] = y[r * ldy + b * plane + pix] + bias.
void write_rows(const Conv2dShape& s, int64_t g, const float* y, int64_t ldy, const float* bias,
                float* out) {
  const int64_t og = s.o / s.groups, plane = s.out_h() * s.out_w();
  for (int64_t b = 0; b < s.n; ++b)
    for (int64_t r = 0; r < og; ++r) {
      const float add = bias ? bias[g * og + r] : 0.f;
      float* dst = out + (b * s.o + g * og + r) * plane;
      const float* src = y + r * ldy + b * plane;
      for (int64_t i = 0; i < plane; ++i) dst[i] = src[i] + add;
    }
}

}  // namespace

bool few_pixels_forward(const Conv2dShape& s, const float* x, const float* weight,
                        const float* mask, const float* bias, float* out) {
  if (!suits(s, kLanePixels)) return false;
  const int64_t og = s.o / s.groups, cg = s.c / s.groups, taps = cg * s.kh * s.kw;
  const int64_t plane = s.out_h() * s.out_w(), p = s.n * plane;
  if (p > kFewPixels) {
    // Pixels across the lanes: col[k][q] as im2col writes it, rows padded to whole vectors.
    const int64_t ldc = (p + 15) / 16 * 16, rb = lanes_rows_per_block(ldc);
    const PatchShape ps = patch_of(s);
    float* col = workspace(0, taps * ldc);
    float* y = workspace(1, og * ldc);
    for (int64_t g = 0; g < s.groups; ++g) {
      im2col(ps, x + g * cg * s.h * s.w, 0, taps, 0, p, col, ColumnLayout::rows(ldc));
      const float* wg = weight + g * og * taps;
      const float* mg = mask ? mask + g * og * taps : nullptr;
      parallel_for(0, (og + rb - 1) / rb, 1, [&](int64_t b0, int64_t b1) {
        const int64_t r0 = b0 * rb, r1 = std::min(og, b1 * rb);
        lanes_forward_avx512(wg + r0 * taps, mg ? mg + r0 * taps : nullptr, taps, r1 - r0, col,
                             ldc, y + r0 * ldc);
      });
      write_rows(s, g, y, ldc, bias, out);
    }
    return true;
  }
  float* colT = workspace(0, p * taps);
  float* y = workspace(1, og * p);
  float* col = workspace(2, taps * 16);
  for (int64_t g = 0; g < s.groups; ++g) {
    patches_transposed(s, x, g, col, taps, colT);
    const float* wg = weight + g * og * taps;
    const float* mg = mask ? mask + g * og * taps : nullptr;
    over_row_blocks(og, [&](int64_t r0, int64_t r1) {
      few_rows_dot_avx512(wg + r0 * taps, mg ? mg + r0 * taps : nullptr, taps, r1 - r0, colT,
                          taps, p, y + r0 * p);
    });
    write_rows(s, g, y, p, bias, out);
  }
  return true;
}

bool few_pixels_grad_input(const Conv2dShape& s, const float* gy, const float* weight,
                           const float* mask, float* gx) {
  if (!suits(s, kGradPixels)) return false;
  const PatchShape ps = patch_of(s);
  const int64_t og = s.o / s.groups, taps = ps.taps(), plane = ps.pixels(), p = s.n * plane;
  const int64_t pitch = (p + kGatherPixels - 1) / kGatherPixels * kGatherPixels;
  const int64_t ldq = (p + 15) / 16 * 16;
  float* dcolT = workspace(0, p * taps);
  float* rows = workspace(1, og * pitch);
  float* dcol = workspace(2, taps * ldq);
  std::memset(gx, 0, sizeof(float) * s.x_size());
  for (int64_t g = 0; g < s.groups; ++g) {
    channels_as_rows(gy, s.n, s.o, g * og, og, plane, pitch, rows);
    const float* wg = weight + g * og * taps;
    const float* mg = mask ? mask + g * og * taps : nullptr;
    const int64_t blocks = (taps + kTapBlock - 1) / kTapBlock;
    parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
      few_taps_gather_avx512(wg, mg, taps, og, rows, p, b0 * kTapBlock,
                             std::min(taps, b1 * kTapBlock), dcolT);
    });
    // Back to k-major rows for col2im.
    transpose_pack(dcolT, taps, p, taps, ldq, dcol);
    col2im_add(ps, dcol, ColumnLayout::rows(ldq), 0, taps, 0, p, gx + g * ps.c * s.h * s.w);
  }
  return true;
}

bool few_pixels_grad_weight(const Conv2dShape& s, const float* x, const float* gy,
                            const float* mask, float* gw) {
  if (!suits(s, kGradPixels)) return false;
  const int64_t og = s.o / s.groups, taps = (s.c / s.groups) * s.kh * s.kw;
  const int64_t plane = s.out_h() * s.out_w(), p = s.n * plane;
  // Patch rows padded off a multiple of 4 KB: at a pitch of whole pages they would share
  // L1 sets, and the kernel keeps p of them in L1 at once.
  const int64_t ldc = (taps + 15) / 16 * 16 + 16;
  const bool stream = s.weight_size() >= kStreamFloats;
  float* colT = workspace(0, p * ldc);
  float* rows = workspace(1, og * p);
  float* col = workspace(2, taps * ((p + 15) / 16 * 16));
  for (int64_t g = 0; g < s.groups; ++g) {
    patches_transposed(s, x, g, col, ldc, colT);
    channels_as_rows(gy, s.n, s.o, g * og, og, plane, p, rows);
    const int64_t at = g * og * taps;
    over_row_blocks(og, [&](int64_t r0, int64_t r1) {
      few_outer_avx512(rows + r0 * p, p, colT, ldc, taps, mask ? mask + at + r0 * taps : nullptr,
                       r1 - r0, gw + at + r0 * taps, stream);
    });
  }
  return true;
}

}  // namespace pai::conv_detail
