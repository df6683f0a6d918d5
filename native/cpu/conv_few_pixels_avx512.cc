// AVX-512 kernels of the few-pixel convolutions (see conv_few_pixels.h), taps across the
// lanes. Each keeps a 4 x 4 block of vector accumulators in registers: 4 weight rows by 4
// pixels (forward, up to 8 pixels), 4 pixels by 64 taps (input gradient) or 4 rows by 64
// taps (weight gradient).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "conv_few_pixels.h"

namespace pai::conv_detail {
namespace {

constexpr int kBlock = 4;        // rows, pixels or vectors per register block
static_assert(kBlock == kGatherPixels, "gy rows are padded to whole pixel blocks");
constexpr int64_t kChunk = 1024;  // taps per forward chunk: 4 masked rows stay in L1
// Weight rows per input-gradient block: their 64-tap slices (16 KB) stay in L1 as a copy.
constexpr int64_t kGatherRows = 64;
// The next row block is prefetched into L2: it arrives in time, and prefetching it into
// L1 measured slower (it competes with the block being computed).
constexpr auto kGatherHint = _MM_HINT_T1;

// Lanes of the vector at offset `at` of a run of `len` elements that exist.
inline __mmask16 lanes(int64_t at, int64_t len) {
  const int64_t rem = len - at;
  if (rem >= 16) return static_cast<__mmask16>(0xffff);
  return rem > 0 ? static_cast<__mmask16>((1u << rem) - 1) : static_cast<__mmask16>(0);
}

// Lanes of the vector at offset `at` (negative allowed) of a run [0, len) that exist.
inline __mmask16 range_lanes(int64_t at, int64_t len) {
  const uint32_t below = at < 0 ? static_cast<uint32_t>(std::min<int64_t>(16, -at)) : 0;
  return static_cast<__mmask16>(lanes(at, len) & (0xffffu << below));
}

}  // namespace

void few_rows_dot_avx512(const float* w, const float* m, int64_t taps, int64_t rows,
                         const float* colT, int64_t ldc, int64_t p, float* y) {
  alignas(64) float wm[kBlock * kChunk];
  // Vector partial sums per (row, pixel) across chunks; padded so a last pixel block
  // that overhangs p has somewhere to go.
  __m512 part[kBlock][kFewPixels + kBlock];
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int nr = static_cast<int>(std::min<int64_t>(kBlock, rows - r0));
    for (auto& row : part)
      for (auto& v : row) v = _mm512_setzero_ps();
    for (int64_t k0 = 0; k0 < taps; k0 += kChunk) {
      const int64_t kc = std::min(kChunk, taps - k0);
      const float* wr[kBlock];
      for (int r = 0; r < kBlock; ++r) {
        const int rr = r < nr ? r : 0;  // missing rows repeat row 0; their sums are dropped
        const float* src = w + (r0 + rr) * taps + k0;
        if (!m) {
          wr[r] = src;
          continue;
        }
        float* d = wm + rr * kChunk;
        if (r < nr) {
          const float* ms = m + (r0 + r) * taps + k0;
          for (int64_t k = 0; k < kc; k += 16) {
            const __mmask16 l = lanes(k, kc);
            _mm512_mask_storeu_ps(d + k, l, _mm512_mul_ps(_mm512_maskz_loadu_ps(l, src + k),
                                                          _mm512_maskz_loadu_ps(l, ms + k)));
          }
        }
        wr[r] = d;
      }
      for (int64_t q0 = 0; q0 < p; q0 += kBlock) {
        const float* cq[kBlock];
        for (int j = 0; j < kBlock; ++j) cq[j] = colT + std::min(q0 + j, p - 1) * ldc + k0;
        __m512 acc[kBlock][kBlock];
#pragma GCC unroll 4
        for (int r = 0; r < kBlock; ++r)
#pragma GCC unroll 4
          for (int j = 0; j < kBlock; ++j) acc[r][j] = part[r][q0 + j];
        for (int64_t k = 0; k < kc; k += 16) {
          const __mmask16 l = lanes(k, kc);
          __m512 wv[kBlock], cv[kBlock];
#pragma GCC unroll 4
          for (int r = 0; r < kBlock; ++r) wv[r] = _mm512_maskz_loadu_ps(l, wr[r] + k);
#pragma GCC unroll 4
          for (int j = 0; j < kBlock; ++j) cv[j] = _mm512_maskz_loadu_ps(l, cq[j] + k);
#pragma GCC unroll 4
          for (int r = 0; r < kBlock; ++r)
#pragma GCC unroll 4
            for (int j = 0; j < kBlock; ++j) acc[r][j] = _mm512_fmadd_ps(wv[r], cv[j], acc[r][j]);
        }
#pragma GCC unroll 4
        for (int r = 0; r < kBlock; ++r)
#pragma GCC unroll 4
          for (int j = 0; j < kBlock; ++j) part[r][q0 + j] = acc[r][j];
      }
    }
    for (int r = 0; r < nr; ++r)
      for (int64_t q = 0; q < p; ++q) y[(r0 + r) * p + q] = _mm512_reduce_add_ps(part[r][q]);
  }
}

namespace {

// acc[j][v] += sum over n rows r of g[r * pitch + j] * (w * m)[r * ld + 16 v + lane]. When
// pack is set, each row's (w * m) slice is also stored there, 16 * kBlock floats a row.
// Touches `per` lines of the prefetch stream at pf (rows `taps` apart, kBlock lines each)
// per row, from line `cursor` on.
template <bool kMask, bool kFull>
inline void gather_rows(const float* w, const float* m, int64_t ld, int64_t n, const float* g,
                        int64_t pitch, const __mmask16* l, __m512 (&sums)[kBlock][kBlock],
                        float* pack, const float* pf, const float* pfm, int64_t taps,
                        int64_t cursor, int per) {
  // A local copy, so that the compiler keeps the block in registers.
  __m512 acc[kBlock][kBlock];
#pragma GCC unroll 4
  for (int j = 0; j < kBlock; ++j)
#pragma GCC unroll 4
    for (int v = 0; v < kBlock; ++v) acc[j][v] = sums[j][v];
  for (int64_t r = 0; r < n; ++r) {
    if (pf)
      for (int i = 0; i < per; ++i, ++cursor) {
        const int64_t at = (cursor / kBlock) * taps + 16 * (cursor % kBlock);
        _mm_prefetch(reinterpret_cast<const char*>(pf + at), kGatherHint);
        if (kMask) _mm_prefetch(reinterpret_cast<const char*>(pfm + at), kGatherHint);
      }
    const float* wr = w + r * ld;
    __m512 wv[kBlock];
#pragma GCC unroll 4
    for (int v = 0; v < kBlock; ++v) {
      wv[v] = kFull ? _mm512_loadu_ps(wr + 16 * v) : _mm512_maskz_loadu_ps(l[v], wr + 16 * v);
      if (kMask) {
        const float* mr = m + r * ld + 16 * v;
        wv[v] = _mm512_mul_ps(wv[v], kFull ? _mm512_loadu_ps(mr) : _mm512_maskz_loadu_ps(l[v], mr));
      }
      if (pack) _mm512_store_ps(pack + (r * kBlock + v) * 16, wv[v]);
    }
    const float* gr = g + r * pitch;
#pragma GCC unroll 4
    for (int j = 0; j < kBlock; ++j) {
      const __m512 gj = _mm512_set1_ps(gr[j]);
#pragma GCC unroll 4
      for (int v = 0; v < kBlock; ++v) acc[j][v] = _mm512_fmadd_ps(gj, wv[v], acc[j][v]);
    }
  }
#pragma GCC unroll 4
  for (int j = 0; j < kBlock; ++j)
#pragma GCC unroll 4
    for (int v = 0; v < kBlock; ++v) sums[j][v] = acc[j][v];
}

}  // namespace

void few_taps_gather_avx512(const float* w, const float* m, int64_t taps, int64_t rows,
                            const float* gy_rows, int64_t p, int64_t k0, int64_t k1,
                            float* dcolT) {
  const int64_t q_blocks = (p + kBlock - 1) / kBlock, pitch = q_blocks * kBlock;
  const int per = static_cast<int>((kBlock + q_blocks - 1) / q_blocks);
  // The block's weight slices, copied contiguous: rows a weight row apart share few L1
  // sets (a row of 4608 taps is 4.5 pages), so in place they would evict each other.
  alignas(64) float pack[kGatherRows * 16 * kBlock];
  for (int64_t ks = k0; ks < k1; ks += 16 * kBlock) {
    const int64_t kn = std::min<int64_t>(16 * kBlock, k1 - ks);
    __mmask16 l[kBlock];
    for (int v = 0; v < kBlock; ++v) l[v] = lanes(16 * v, kn);
    const bool full = kn == 16 * kBlock;
    // Rows in blocks: the first pixel block streams the weights (the next block's slices
    // prefetched meanwhile, spread over the pixel blocks, as the hardware prefetcher does
    // not follow rows a weight row apart) and the others reuse the copy.
    for (int64_t rb = 0; rb < rows; rb += kGatherRows) {
      const int64_t nr = std::min(kGatherRows, rows - rb);
      const int64_t next_rb = rb + nr < rows ? rb + nr : 0;
      const int64_t next_ks = rb + nr < rows ? ks : ks + 16 * kBlock;
      const bool prefetch = next_ks < k1;
      const float* pf = prefetch ? w + next_rb * taps + next_ks : nullptr;
      const float* pfm = prefetch && m ? m + next_rb * taps + next_ks : nullptr;
      const int64_t pf_lines = kBlock * std::min(kGatherRows, rows - next_rb);
      for (int64_t qb = 0; qb < q_blocks; ++qb) {
        const int64_t q0 = qb * kBlock;
        const int nq = static_cast<int>(std::min<int64_t>(kBlock, p - q0));
        // The prefetch stream must not run past the next block's rows.
        const int64_t cursor = qb * per * nr;
        const int qper = cursor + per * nr <= pf_lines ? per : 0;
        const float* pfq = qper ? pf : nullptr;
        __m512 acc[kBlock][kBlock];
#pragma GCC unroll 4
        for (int j = 0; j < kBlock; ++j)
#pragma GCC unroll 4
          for (int v = 0; v < kBlock; ++v)
            acc[j][v] = rb == 0 || j >= nq ? _mm512_setzero_ps()
                                           : _mm512_maskz_loadu_ps(l[v], dcolT + (q0 + j) * taps + ks + 16 * v);
        const float* g = gy_rows + rb * pitch + q0;
        if (qb > 0) {
          gather_rows<false, true>(pack, nullptr, 16 * kBlock, nr, g, pitch, l, acc, nullptr, pfq,
                                   nullptr, taps, cursor, qper);
        } else {
          const float* wb = w + rb * taps + ks;
          const float* mb = m ? m + rb * taps + ks : nullptr;
          float* pk = q_blocks > 1 ? pack : nullptr;
          if (m && full) gather_rows<true, true>(wb, mb, taps, nr, g, pitch, l, acc, pk, pfq, pfm, taps, cursor, qper);
          else if (m) gather_rows<true, false>(wb, mb, taps, nr, g, pitch, l, acc, pk, pfq, pfm, taps, cursor, qper);
          else if (full) gather_rows<false, true>(wb, mb, taps, nr, g, pitch, l, acc, pk, pfq, pfm, taps, cursor, qper);
          else gather_rows<false, false>(wb, mb, taps, nr, g, pitch, l, acc, pk, pfq, pfm, taps, cursor, qper);
        }
        for (int j = 0; j < nq; ++j)
          for (int v = 0; v < kBlock; ++v)
            _mm512_mask_storeu_ps(dcolT + (q0 + j) * taps + ks + 16 * v, l[v], acc[j][v]);
      }
    }
  }
}

void few_outer_avx512(const float* gy_rows, int64_t p, const float* colT, int64_t ldc,
                      int64_t taps, const float* m, int64_t rows, float* gw, bool stream) {
  const __m512 zero = _mm512_setzero_ps();
  // Streaming stores go on a vector grid shifted so that whole vectors are 64-byte
  // aligned; with taps a multiple of 16 every row has the same shift. The vectors at the
  // ends of a row are partial and stored plainly.
  const auto addr = reinterpret_cast<uintptr_t>(gw);
  stream = stream && taps % 16 == 0 && addr % 4 == 0;
  const int64_t shift = stream ? static_cast<int64_t>(addr / 4 % 16) : 0;
  // Tap blocks outer: a block's patch columns (p x 64 taps) stay in L1 over all rows.
  for (int64_t ks = -shift; ks < taps; ks += 16 * kBlock) {
    __mmask16 l[kBlock];
    bool whole[kBlock];
    for (int v = 0; v < kBlock; ++v) {
      l[v] = range_lanes(ks + 16 * v, taps);
      whole[v] = stream && l[v] == static_cast<__mmask16>(0xffff);
    }
    for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
      const int nr = static_cast<int>(std::min<int64_t>(kBlock, rows - r0));
      const float* g[kBlock];
      for (int r = 0; r < kBlock; ++r) g[r] = gy_rows + (r0 + std::min(r, nr - 1)) * p;
      __m512 acc[kBlock][kBlock];
#pragma GCC unroll 4
      for (int r = 0; r < kBlock; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < kBlock; ++v) acc[r][v] = zero;
      for (int64_t q = 0; q < p; ++q) {
        const float* c = colT + q * ldc + ks;
        __m512 cv[kBlock];
#pragma GCC unroll 4
        for (int v = 0; v < kBlock; ++v) cv[v] = _mm512_maskz_loadu_ps(l[v], c + 16 * v);
#pragma GCC unroll 4
        for (int r = 0; r < kBlock; ++r) {
          const __m512 gr = _mm512_set1_ps(g[r][q]);
#pragma GCC unroll 4
          for (int v = 0; v < kBlock; ++v) acc[r][v] = _mm512_fmadd_ps(gr, cv[v], acc[r][v]);
        }
      }
      // Unrolled with constant indices, so that acc stays in registers.
#pragma GCC unroll 4
      for (int r = 0; r < kBlock; ++r) {
        if (r >= nr) break;
        float* d = gw + (r0 + r) * taps + ks;
#pragma GCC unroll 4
        for (int v = 0; v < kBlock; ++v) {
          __m512 out = acc[r][v];
          if (m) {
            // Pruned entries are exactly 0, whatever the product (NaN and inf included).
            const __m512 mv = _mm512_maskz_loadu_ps(l[v], m + (r0 + r) * taps + ks + 16 * v);
            out = _mm512_maskz_mul_ps(_mm512_cmp_ps_mask(mv, zero, _CMP_NEQ_UQ), out, mv);
          }
          if (whole[v]) _mm512_stream_ps(d + 16 * v, out);
          else _mm512_mask_storeu_ps(d + 16 * v, l[v], out);
        }
      }
    }
  }
  // Streaming stores are weakly ordered: drain them before the caller's join publishes gw.
  if (stream) _mm_sfence();
}

}  // namespace pai::conv_detail
