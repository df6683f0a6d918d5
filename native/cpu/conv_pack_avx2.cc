// AVX2 shifted-row copies for the padded-tile convolution path (see conv_gemm.h).
#include <immintrin.h>

#include "conv_gemm.h"

namespace pai::conv_detail {

void pack_shifted_avx2(const float* src, const int64_t* offsets, int64_t kc, int width,
                       float* dst) {
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + offsets[p];
    float* d = dst + p * width;
    int t = 0;
    for (; t + 8 <= width; t += 8) _mm256_storeu_ps(d + t, _mm256_loadu_ps(s + t));
    for (; t < width; ++t) d[t] = s[t];
  }
}

}  // namespace pai::conv_detail
