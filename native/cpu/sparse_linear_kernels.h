// The compressed linear layer's chunk kernels (see sparse_linear.h), written once over a
// small vector API `V` and compiled per ISA: sparse_linear_*.cc define V (with a
// width x width register transpose and a grouped horizontal sum) and PAI_LINEAR_NS, then
// include this.

namespace pai::sparse_detail::PAI_LINEAR_NS {

constexpr int64_t W = V::width;

// See LinearKernels::pack. Full width x width blocks go through registers; the ragged
// edges (the batch's last rows, a feature count that is not a multiple of W) are scalar.
inline void pack(const float* src, int64_t rows, int64_t cols, int64_t lds, float* dst,
                 int64_t ld) {
  const int64_t cw = cols / W * W;
  for (int64_t b0 = 0; b0 < ld; b0 += W) {
    if (b0 + W <= rows) {
      for (int64_t c0 = 0; c0 < cw; c0 += W) V::transpose(src + b0 * lds + c0, lds, dst + c0 * ld + b0, ld);
      for (int64_t c = cw; c < cols; ++c)
        for (int64_t b = b0; b < b0 + W; ++b) dst[c * ld + b] = src[b * lds + c];
    } else {
      for (int64_t c = 0; c < cols; ++c)
        for (int64_t b = b0; b < b0 + W; ++b) dst[c * ld + b] = b < rows ? src[b * lds + c] : 0.f;
    }
  }
}

// tile[r * ld + b] (r < n, b < b_len) to out[b * ldo + r]: register transposes for full
// blocks, scalar at the edges.
inline void unpack(const float* tile, int64_t n, int64_t ld, int64_t b_len, float* out,
                   int64_t ldo) {
  for (int64_t b0 = 0; b0 < b_len; b0 += W) {
    if (n == W && b0 + W <= b_len) {
      V::transpose(tile + b0, ld, out + b0 * ldo, ldo);
      continue;
    }
    const int64_t b1 = b0 + W < b_len ? b0 + W : b_len;
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t r = 0; r < n; ++r) out[b * ldo + r] = tile[r * ld + b];
  }
}

// Accumulator sets: enough independent FMA chains (about eight) to hide the FMA latency
// when a chunk row is only a few vectors, fewer when the registers would run out.
template <int NV>
constexpr int spmm_sets() {
  return NV >= 5 ? 1 : (8 + NV - 1) / NV;
}

template <int NV>
void spmm(const int32_t* ptr, const int32_t* idx, const float* vals, const float* bias,
          int64_t r0, int64_t r1, const float* xt, int64_t b_len, float* out, int64_t ldo) {
  constexpr int64_t B = NV * W;
  constexpr int kSets = spmm_sets<NV>();
  alignas(64) float tile[W * B];
  // Groups of W outputs aligned to whole vectors of the output rows where the row stride
  // allows: a misaligned vector store splits across cache lines (JavaScript's large typed
  // arrays start 16 bytes into a line), which alone made writing the output 1.7x slower.
  const int64_t phase = vector_phase(out, ldo, W);
  for (int64_t g0 = r0, n; g0 < r1; g0 += n) {
    n = W - (((g0 - phase) % W) + W) % W;
    if (n > r1 - g0) n = r1 - g0;
    for (int64_t r = 0; r < n; ++r) {
      typename V::T acc[kSets][NV];
      const typename V::T init = V::set1(bias ? bias[g0 + r] : 0.f);
      for (int i = 0; i < NV; ++i) acc[0][i] = init;
      for (int s = 1; s < kSets; ++s)
        for (int i = 0; i < NV; ++i) acc[s][i] = V::zero();
      const int64_t j1 = ptr[g0 + r + 1];
      int64_t j = ptr[g0 + r];
      for (; j + kSets <= j1; j += kSets)
        for (int s = 0; s < kSets; ++s) {
          const float* p = xt + static_cast<int64_t>(idx[j + s]) * B;
          const typename V::T v = V::set1(vals[j + s]);
          for (int i = 0; i < NV; ++i) acc[s][i] = V::fma(v, V::load(p + i * W), acc[s][i]);
        }
      for (; j < j1; ++j) {
        const float* p = xt + static_cast<int64_t>(idx[j]) * B;
        const typename V::T v = V::set1(vals[j]);
        for (int i = 0; i < NV; ++i) acc[0][i] = V::fma(v, V::load(p + i * W), acc[0][i]);
      }
      for (int i = 0; i < NV; ++i) {
        typename V::T t = acc[0][i];
        for (int s = 1; s < kSets; ++s) t = V::add(t, acc[s][i]);
        V::store(tile + r * B + i * W, t);
      }
    }
    unpack(tile, n, B, b_len, out + g0, ldo);
  }
}

template <int NV>
void sddmm(const int32_t* ptr, const int32_t* idx, int64_t r0, int64_t r1, const float* g,
           int64_t ldg, int64_t b_len, const float* xt, bool overwrite, float* gv) {
  constexpr int64_t B = NV * W;
  alignas(64) float gt[W * B];
  // Survivors [j, j + n) of a row whose chunk of the output gradient is g (in registers),
  // W at a time (one accumulator each) so that the horizontal sums go through
  // V::sum_group's shuffle tree; a short group repeats its last survivor and drops the
  // repeats' sums. Each survivor's chunk row is finished before the next one's address is
  // formed, so that only one pointer is live (sixteen spilled to the stack otherwise).
  auto group = [&](const typename V::T* gr, int64_t j, int64_t n, float* dst) {
    typename V::T acc[W];
    for (int64_t s = 0; s < W; ++s) {
      const float* p = xt + static_cast<int64_t>(idx[j + (s < n ? s : n - 1)]) * B;
      typename V::T a = V::mul(gr[0], V::load(p));
      for (int i = 1; i < NV; ++i) a = V::fma(gr[i], V::load(p + i * W), a);
      acc[s] = a;
    }
    const typename V::T sums = V::sum_group(acc);
    V::store(dst, overwrite ? sums : V::add(V::load(dst), sums));
  };
  for (int64_t g0 = r0; g0 < r1; g0 += W) {
    const int64_t n = r1 - g0 < W ? r1 - g0 : W;
    if (ptr[g0] == ptr[g0 + n]) continue;  // no survivors: skip the transpose (low density)
    pack(g + g0, b_len, n, ldg, gt, B);
    for (int64_t r = 0; r < n; ++r) {
      typename V::T gr[NV];
      for (int i = 0; i < NV; ++i) gr[i] = V::load(gt + r * B + i * W);
      const int64_t j1 = ptr[g0 + r + 1];
      int64_t j = ptr[g0 + r];
      for (; j + W <= j1; j += W) group(gr, j, W, gv + j);
      if (j < j1) {
        alignas(64) float sums[W] = {};
        group(gr, j, j1 - j, sums);
        for (int64_t s = 0; s < j1 - j; ++s) gv[j + s] = overwrite ? sums[s] : gv[j + s] + sums[s];
      }
    }
  }
}

template <int... NVs>
LinearKernels make_linear_kernels(std::integer_sequence<int, NVs...>) {
  LinearKernels k;
  k.width = W;
  k.max_nv = sizeof...(NVs);
  k.pack = pack;
  ((k.spmm[NVs - 1] = spmm<NVs>), ...);
  ((k.sddmm[NVs - 1] = sddmm<NVs>), ...);
  return k;
}

}  // namespace pai::sparse_detail::PAI_LINEAR_NS
