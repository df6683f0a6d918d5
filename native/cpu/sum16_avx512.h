// Internal: sixteen horizontal sums at once in AVX-512 registers, shared by the compressed
// layers' dot kernels (sparse_kernels_avx512.cc, sparse_tiled_avx512.cc). Include only
// from AVX-512 translation units; it has internal linkage.
#pragma once
#include <immintrin.h>

namespace pai::sparse_detail {
namespace {

// Lane i of the result is the sum of v[i]'s lanes: sums within 128-bit lanes by
// unpack/shuffle, then across lanes by 128-bit shuffles; the sixteen sums come out in order.
inline __m512 sum16(const __m512* v) {
  __m512 s[8], t[4], u[2];
  for (int i = 0; i < 8; ++i)
    s[i] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]), _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]));
  for (int j = 0; j < 4; ++j)
    t[j] = _mm512_add_ps(_mm512_shuffle_ps(s[2 * j], s[2 * j + 1], 0x44), _mm512_shuffle_ps(s[2 * j], s[2 * j + 1], 0xEE));
  for (int k = 0; k < 2; ++k)
    u[k] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * k], t[2 * k + 1], 0x88), _mm512_shuffle_f32x4(t[2 * k], t[2 * k + 1], 0xDD));
  return _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x88), _mm512_shuffle_f32x4(u[0], u[1], 0xDD));
}

}  // namespace
}  // namespace pai::sparse_detail
