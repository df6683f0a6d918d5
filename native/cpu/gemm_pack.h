// Portable packing and tile write-back in plain loops, for the baseline path (the AVX2 and
// AVX-512 paths pack with intrinsics in gemm_pack_*.cc). Internal linkage (an unnamed
// namespace), so that a file compiled with wider ISA flags that included this header could
// never have its copies merged by the linker into code that runs on older CPUs.
#pragma once
#include <cstdint>

namespace pai::gemm {
namespace {

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// op(A) is m x k. Not transposed: row i of op(A) is contiguous; the panel needs column
// slices, so each row is read sequentially and written with stride MR.
template <int MR>
void pack_a_generic(bool trans, const float* a, int64_t lda, const float* mask, int64_t i0,
                    int64_t rows, int64_t p0, int64_t kc, float* dst) {
  for (int64_t ib = 0; ib < rows; ib += MR) {
    const int r = static_cast<int>(min64(MR, rows - ib));
    float* d = dst + ib * kc;
    if (trans) {
      // Stored A is k x m: the MR values of one p are contiguous.
      for (int64_t p = 0; p < kc; ++p) {
        const int64_t off = (p0 + p) * lda + i0 + ib;
        const float* s = a + off;
        float* dp = d + p * MR;
        if (mask) {
          const float* ms = mask + off;
          for (int i = 0; i < r; ++i) dp[i] = s[i] * ms[i];
        } else {
          for (int i = 0; i < r; ++i) dp[i] = s[i];
        }
        for (int i = r; i < MR; ++i) dp[i] = 0.f;
      }
    } else {
      for (int i = 0; i < r; ++i) {
        const int64_t off = (i0 + ib + i) * lda + p0;
        const float* s = a + off;
        if (mask) {
          const float* ms = mask + off;
          for (int64_t p = 0; p < kc; ++p) d[p * MR + i] = s[p] * ms[p];
        } else {
          for (int64_t p = 0; p < kc; ++p) d[p * MR + i] = s[p];
        }
      }
      for (int i = r; i < MR; ++i)
        for (int64_t p = 0; p < kc; ++p) d[p * MR + i] = 0.f;
    }
  }
}

// op(B) is k x n. Not transposed: row p of B is contiguous, so each panel row is a copy.
template <int NR>
void pack_b_generic(bool trans, const float* b, int64_t ldb, const float* mask, int64_t p0,
                    int64_t kc, int64_t j0, int64_t cols, float* dst) {
  for (int64_t jb = 0; jb < cols; jb += NR) {
    const int c = static_cast<int>(min64(NR, cols - jb));
    float* d = dst + jb * kc;
    if (!trans) {
      for (int64_t p = 0; p < kc; ++p) {
        const int64_t off = (p0 + p) * ldb + j0 + jb;
        const float* s = b + off;
        float* dp = d + p * NR;
        if (mask) {
          const float* ms = mask + off;
          for (int j = 0; j < c; ++j) dp[j] = s[j] * ms[j];
        } else {
          for (int j = 0; j < c; ++j) dp[j] = s[j];
        }
        for (int j = c; j < NR; ++j) dp[j] = 0.f;
      }
    } else {
      // Stored B is n x k: column j of op(B) is row j of B, contiguous in p.
      for (int j = 0; j < c; ++j) {
        const int64_t off = (j0 + jb + j) * ldb + p0;
        const float* s = b + off;
        if (mask) {
          const float* ms = mask + off;
          for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = s[p] * ms[p];
        } else {
          for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = s[p];
        }
      }
      for (int j = c; j < NR; ++j)
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = 0.f;
    }
  }
}

// Merges a full MR x NR tile computed in `acc` into the valid rows x cols corner of C.
template <int MR, int NR>
void store_partial_tile(const float* acc, float* c, int64_t ldc, float alpha, float beta,
                        int rows, int cols) {
  for (int i = 0; i < rows; ++i) {
    float* ci = c + i * ldc;
    const float* ai = acc + i * NR;
    if (beta == 0.f) {
      for (int j = 0; j < cols; ++j) ci[j] = alpha * ai[j];
    } else {
      for (int j = 0; j < cols; ++j) ci[j] = alpha * ai[j] + beta * ci[j];
    }
  }
}

}  // namespace
}  // namespace pai::gemm
