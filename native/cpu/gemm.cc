// Portable, correct SGEMM used until the packed micro-kernels take over; also the
// baseline ISA path. Row-major; see pai/gemm.h.
#include "pai/gemm.h"

#include <vector>

#include "pai/parallel.h"

namespace pai {

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, const GemmMasks& masks) {
  if (m <= 0 || n <= 0) return;
  parallel_for(0, m, 4, [&](int64_t i0, int64_t i1) {
    std::vector<float> row(static_cast<size_t>(n));
    for (int64_t i = i0; i < i1; ++i) {
      for (int64_t j = 0; j < n; ++j) row[j] = 0.f;
      for (int64_t p = 0; p < k; ++p) {
        const int64_t ai = trans_a ? p * lda + i : i * lda + p;
        float av = a[ai];
        if (masks.a) av *= masks.a[ai];
        if (av == 0.f) continue;
        for (int64_t j = 0; j < n; ++j) {
          const int64_t bi = trans_b ? j * ldb + p : p * ldb + j;
          float bv = b[bi];
          if (masks.b) bv *= masks.b[bi];
          row[j] += av * bv;
        }
      }
      float* ci = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) ci[j] = alpha * row[j] + (beta == 0.f ? 0.f : beta * ci[j]);
    }
  });
}

}  // namespace pai
