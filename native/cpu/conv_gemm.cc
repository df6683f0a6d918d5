// The packed product engine and its portable micro-kernel (the baseline ISA path).
#include "conv_gemm.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "conv_lowering.h"

#include "pai/cpu_features.h"

namespace pai::conv_detail {
namespace {

constexpr int kMr = 4, kNr = 8;

// Plain loops that the compiler keeps in registers and vectorizes along j.
void run_portable(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                  bool accumulate, int rows, int cols, const float* bias) {
  float acc[kMr][kNr];
  for (int i = 0; i < kMr; ++i)
    for (int j = 0; j < kNr; ++j)
      acc[i][j] = i < rows && j < cols && accumulate ? c[i * ldc + j] : (bias && i < rows ? bias[i] : 0.f);
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < kMr; ++i) {
      const float ai = a[p * kMr + i];
      for (int j = 0; j < kNr; ++j) acc[i][j] += ai * b[p * kNr + j];
    }
  }
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) c[i * ldc + j] = acc[i][j];
}

const MicroKernel kPortable{kMr, kNr, run_portable};

}  // namespace

const MicroKernel& micro_kernel() {
  static const MicroKernel avx512 = micro_kernel_avx512();
  static const MicroKernel avx2 = micro_kernel_avx2();
  switch (active_isa()) {
    case Isa::Avx512: return avx512;
    case Isa::Avx2: return avx2;
    default: return kPortable;
  }
}

float* workspace(int index, int64_t floats) {
  struct Buffer {
    std::unique_ptr<Scratch> mem;
    int64_t capacity = 0;
  };
  thread_local std::vector<Buffer> buffers;
  if (index >= static_cast<int>(buffers.size())) buffers.resize(index + 1);
  Buffer& b = buffers[index];
  if (b.capacity < floats) {
    b.mem.reset();
    b.mem = std::make_unique<Scratch>(floats);
    b.capacity = floats;
  }
  return b.mem->get();
}

int64_t reduction_block(int64_t k) {
  constexpr int64_t kMaxKc = 160;
  const int64_t blocks = (k + kMaxKc - 1) / kMaxKc;
  return std::max<int64_t>(1, (k + blocks - 1) / blocks);
}

void gemm_block(const MicroKernel& mk, int64_t kc, const float* a, int64_t a_panel_stride,
                const float* b, const Tile& t, bool accumulate) {
  for (int64_t j0 = 0; j0 < t.cols; j0 += mk.nr) {
    const float* bj = b + (j0 / mk.nr) * kc * mk.nr;
    const int cols = static_cast<int>(std::min<int64_t>(mk.nr, t.cols - j0));
    for (int64_t i0 = 0; i0 < t.rows; i0 += mk.mr) {
      const int rows = static_cast<int>(std::min<int64_t>(mk.mr, t.rows - i0));
      mk.run(kc, a + (i0 / mk.mr) * a_panel_stride, bj, t.c + i0 * t.ldc + j0, t.ldc, accumulate,
             rows, cols, t.bias ? t.bias + i0 : nullptr);
    }
  }
}

void transpose_pack(const float* src, int64_t ld, int64_t rows, int64_t len, int64_t width,
                    float* dst) {
  if (active_isa() == Isa::Avx512) return transpose_pack_avx512(src, ld, rows, len, width, dst);
  const int64_t r = std::min(rows, width);
  for (int64_t l = 0; l < len; ++l) {
    float* d = dst + l * width;
    for (int64_t t = 0; t < r; ++t) d[t] = src[t * ld + l];
    for (int64_t t = r; t < width; ++t) d[t] = 0.f;
  }
}

void transpose_pack_rows(const float* src, const int64_t* offsets, int64_t rows, int64_t len,
                         int64_t width, float* dst) {
  if (active_isa() == Isa::Avx512) return transpose_pack_rows_avx512(src, offsets, rows, len, width, dst);
  const int64_t r = std::min(rows, width);
  for (int64_t l = 0; l < len; ++l) {
    float* d = dst + l * width;
    for (int64_t t = 0; t < r; ++t) d[t] = src[offsets[t] + l];
    for (int64_t t = r; t < width; ++t) d[t] = 0.f;
  }
}

void pack_shifted(const float* src, const int64_t* offsets, int64_t kc, int width, float* dst) {
  if (active_isa() == Isa::Avx512) return pack_shifted_avx512(src, offsets, kc, width, dst);
  if (active_isa() == Isa::Avx2) return pack_shifted_avx2(src, offsets, kc, width, dst);
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + offsets[p];
    float* d = dst + p * width;
    for (int t = 0; t < width; ++t) d[t] = s[t];
  }
}

void pack_rows(const float* src, const float* mask, int64_t m, int64_t k, int64_t ld, int mr,
               float* dst) {
  const int64_t panels = (m + mr - 1) / mr;
  for (int64_t i = 0; i < panels; ++i) {
    float* d = dst + i * k * mr;
    const int rows = static_cast<int>(std::min<int64_t>(mr, m - i * mr));
    const float* s = src + i * mr * ld;
    const float* ms = mask ? mask + i * mr * ld : nullptr;
    for (int64_t p = 0; p < k; ++p) {
      float* dp = d + p * mr;
      for (int r = 0; r < rows; ++r) dp[r] = ms ? s[r * ld + p] * ms[r * ld + p] : s[r * ld + p];
      for (int r = rows; r < mr; ++r) dp[r] = 0.f;
    }
  }
}

void pack_columns(const float* src, const float* mask, int64_t m, int64_t k, int64_t ld, int mr,
                  float* dst) {
  const int64_t panels = (m + mr - 1) / mr;
  for (int64_t i = 0; i < panels; ++i) {
    float* d = dst + i * k * mr;
    const int64_t cols = std::min<int64_t>(mr, m - i * mr);
    for (int64_t p = 0; p < k; ++p) {
      const float* s = src + p * ld + i * mr;
      const float* ms = mask ? mask + p * ld + i * mr : nullptr;
      for (int r = 0; r < cols; ++r) d[p * mr + r] = ms ? s[r] * ms[r] : s[r];
      for (int r = static_cast<int>(cols); r < mr; ++r) d[p * mr + r] = 0.f;
    }
  }
}

}  // namespace pai::conv_detail
