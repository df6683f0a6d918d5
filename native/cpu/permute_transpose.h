// Internal: the AVX-512 16 x 16 register transpose shared by the weight-gradient packs
// (conv_pack_avx512.cc) and axis permutation (permute_avx512.cc). Include only from
// AVX-512 translation units; it has internal linkage.
#pragma once
#include <immintrin.h>

namespace pai::permute_detail {
namespace {

// In place: r[i] becomes column i of the 16 x 16 block whose rows were r[0..15].
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512 a = t[4 * i], b = t[4 * i + 1], c = t[4 * i + 2], d = t[4 * i + 3];
    r[4 * i] = _mm512_shuffle_ps(a, c, 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(a, c, 0xee);
    r[4 * i + 2] = _mm512_shuffle_ps(b, d, 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(b, d, 0xee);
  }
  // r[4i + j] now holds, for rows 4i..4i+3, element j of each 128-bit lane.
  for (int j = 0; j < 4; ++j) {
    const __m512 a = r[j], b = r[4 + j], c = r[8 + j], d = r[12 + j];
    const __m512 ab_lo = _mm512_shuffle_f32x4(a, b, 0x88), ab_hi = _mm512_shuffle_f32x4(a, b, 0xdd);
    const __m512 cd_lo = _mm512_shuffle_f32x4(c, d, 0x88), cd_hi = _mm512_shuffle_f32x4(c, d, 0xdd);
    t[j] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0x88);
    t[4 + j] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0x88);
    t[8 + j] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0xdd);
    t[12 + j] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

}  // namespace
}  // namespace pai::permute_detail
