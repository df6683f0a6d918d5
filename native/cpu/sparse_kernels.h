// The register-blocked inner kernels, written once over a small vector API `V` and
// compiled per ISA (sparse_kernels*.cc define V and PAI_SPARSE_NS, then include this).

namespace pai::sparse_detail::PAI_SPARSE_NS {

// out[0, NV * width) = sum_j vals[j] * base[offs[j] + ...]. NV accumulators stay in
// registers; with few of them, two survivors go in flight at once so that the FMA
// latency is hidden by independent chains.
template <int NV>
void accumulate(const float* base, const int64_t* offs, const float* vals, int64_t count,
                float* out) {
  constexpr int kSets = NV >= 8 ? 1 : 2;
  typename V::T acc[kSets][NV];
  for (int s = 0; s < kSets; ++s)
    for (int i = 0; i < NV; ++i) acc[s][i] = V::zero();
  int64_t j = 0;
  for (; j + kSets <= count; j += kSets)
    for (int s = 0; s < kSets; ++s) {
      const float* p = base + offs[j + s];
      const typename V::T v = V::set1(vals[j + s]);
      for (int i = 0; i < NV; ++i) acc[s][i] = V::fma(v, V::load(p + i * V::width), acc[s][i]);
    }
  for (; j < count; ++j) {
    const float* p = base + offs[j];
    const typename V::T v = V::set1(vals[j]);
    for (int i = 0; i < NV; ++i) acc[0][i] = V::fma(v, V::load(p + i * V::width), acc[0][i]);
  }
  for (int i = 0; i < NV; ++i) {
    typename V::T t = acc[0][i];
    for (int s = 1; s < kSets; ++s) t = V::add(t, acc[s][i]);
    V::store(out + i * V::width, t);
  }
}

// out[j] = sum_{i < len} g[i] * base[offs[j] + i]; len a multiple of 2 vectors. Two
// survivors at a time, two accumulators each.
inline void dots(const float* g, int64_t len, const float* base, const int64_t* offs,
                 int64_t count, float* out) {
  constexpr int64_t w = V::width;
  int64_t j = 0;
  for (; j + 2 <= count; j += 2) {
    const float* p = base + offs[j];
    const float* q = base + offs[j + 1];
    typename V::T a0 = V::zero(), a1 = V::zero(), b0 = V::zero(), b1 = V::zero();
    for (int64_t i = 0; i < len; i += 2 * w) {
      const typename V::T g0 = V::load(g + i), g1 = V::load(g + i + w);
      a0 = V::fma(g0, V::load(p + i), a0);
      a1 = V::fma(g1, V::load(p + i + w), a1);
      b0 = V::fma(g0, V::load(q + i), b0);
      b1 = V::fma(g1, V::load(q + i + w), b1);
    }
    out[j] = V::sum(V::add(a0, a1));
    out[j + 1] = V::sum(V::add(b0, b1));
  }
  for (; j < count; ++j) {
    const float* p = base + offs[j];
    typename V::T a0 = V::zero(), a1 = V::zero();
    for (int64_t i = 0; i < len; i += 2 * w) {
      a0 = V::fma(V::load(g + i), V::load(p + i), a0);
      a1 = V::fma(V::load(g + i + w), V::load(p + i + w), a1);
    }
    out[j] = V::sum(V::add(a0, a1));
  }
}

static_assert(8 * V::width <= kMaxBlock, "block wider than the buffers' padding");

inline BlockKernels make_kernels(TransposeFn transpose) {
  BlockKernels k;
  k.width = V::width;
  k.accumulate[0] = accumulate<2>;
  k.accumulate[1] = accumulate<4>;
  k.accumulate[2] = accumulate<8>;
  k.dots = dots;
  k.transpose = transpose;
  return k;
}

}  // namespace pai::sparse_detail::PAI_SPARSE_NS
