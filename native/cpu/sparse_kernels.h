// The register-blocked inner kernels, written once over a small vector API `V` and
// compiled per ISA (sparse_kernels*.cc define V and PAI_SPARSE_NS, then include this).

namespace pai::sparse_detail::PAI_SPARSE_NS {

// out[0, NV * width) = (onto ? out : 0) + sum_j vals[j] * base[offs[j] + ...]. NV
// accumulators stay in registers; with few of them, two survivors go in flight at once so
// that the FMA latency is hidden by independent chains.
template <int NV>
void accumulate(const float* base, const int64_t* offs, const float* vals, int64_t count,
                float* out, bool onto) {
  constexpr int kSets = NV >= 8 ? 1 : 2;
  typename V::T acc[kSets][NV];
  for (int s = 0; s < kSets; ++s)
    for (int i = 0; i < NV; ++i) acc[s][i] = s == 0 && onto ? V::load(out + i * V::width) : V::zero();
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

// The survivor loop of the dot kernels: group(j, n, dst) over groups of V::group survivors
// of [0, count) (dst = out + j); a short last group repeats its last survivor (the
// repeats' sums are dropped) so that it still gets the batched reduction, unless it is so
// short that single(j) per survivor costs less.
template <class Group, class Single>
inline void in_survivor_groups(int64_t count, float* out, Group group, Single single) {
  constexpr int kGroup = V::group;
  int64_t j = 0;
  for (; j + kGroup <= count; j += kGroup) group(j, kGroup, out + j);
  const int rest = static_cast<int>(count - j);
  if (rest * 4 >= kGroup) {
    float sums[kGroup] = {};
    group(j, rest, sums);
    for (int s = 0; s < rest; ++s) out[j + s] += sums[s];
    return;
  }
  for (; j < count; ++j) single(j);
}

// out[j] += sum_{i < len} g[i] * base[offs[j] + i]; len a multiple of 2 vectors. Survivors
// go in groups of V::group, one accumulator each, reduced together by V::sum_group (a
// shuffle tree costing a few operations per survivor instead of a full horizontal sum).
inline void dots(const float* g, int64_t len, const float* base, const int64_t* offs,
                 int64_t count, float* out) {
  constexpr int64_t w = V::width;
  constexpr int kGroup = V::group;
  // One group of survivors [j, j + n), n <= kGroup; a short group repeats its last survivor
  // (the repeats' sums are dropped) so that it still gets the batched reduction.
  auto group = [&](int64_t j, int n, float* dst) {
    typename V::T acc[kGroup];
    const float* p[kGroup];
    for (int s = 0; s < kGroup; ++s) {
      acc[s] = V::zero();
      p[s] = base + offs[j + (s < n ? s : n - 1)];
    }
    for (int64_t i = 0; i < len; i += 2 * w) {
      const typename V::T g0 = V::load(g + i), g1 = V::load(g + i + w);
      for (int s = 0; s < kGroup; ++s) {
        acc[s] = V::fma(g0, V::load(p[s] + i), acc[s]);
        acc[s] = V::fma(g1, V::load(p[s] + i + w), acc[s]);
      }
    }
    V::sum_group(acc, dst);
  };
  in_survivor_groups(count, out, group, [&](int64_t j) {
    const float* p = base + offs[j];
    typename V::T a0 = V::zero(), a1 = V::zero();
    for (int64_t i = 0; i < len; i += 2 * w) {
      a0 = V::fma(V::load(g + i), V::load(p + i), a0);
      a1 = V::fma(V::load(g + i + w), V::load(p + i + w), a1);
    }
    out[j] += V::sum(V::add(a0, a1));
  });
}

static_assert(8 * V::width <= kMaxBlock, "block wider than the buffers' padding");

// The direct path's kernels (see DirectKernels).
template <int NV, int NIMG, bool Prefetch = true>
void direct_accumulate(const float* base, int64_t image_stride, const int64_t* offs,
                       const int32_t* taps, const float* vals, int64_t count,
                       const uint16_t* masks, int64_t mstride, float init, bool onto, float* out,
                       int64_t out_stride) {
  // Fewer than eight accumulators: two survivors in flight, to hide the FMA latency.
  constexpr int kSets = NV * NIMG >= 8 ? 1 : 2;
  constexpr int64_t kAhead = 4;
  typename V::T acc[kSets][NIMG][NV];
#pragma GCC unroll 8
  for (int s = 0; s < kSets; ++s)
#pragma GCC unroll 8
    for (int b = 0; b < NIMG; ++b)
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i)
        acc[s][b][i] = s != 0 ? V::zero() : onto ? V::load(out + b * out_stride + i * V::width) : V::set1(init);
  // s is a compile-time constant, so that no accumulator is indexed at run time (which kept
  // them in memory: a store after every FMA).
  auto add = [&](auto set, int64_t j) __attribute__((always_inline)) {
    constexpr int s = decltype(set)::value;
    const float* p = base + offs[j];
    const uint16_t* m = masks + taps[j] * mstride;
    // The survivor after next reads another plane: start its lines on their way from L2.
    if (Prefetch && j + kAhead < count) {
      const float* q = base + offs[j + kAhead];
      for (int b = 0; b < NIMG; ++b)
        for (int i = 0; i < NV * V::width; i += 16) __builtin_prefetch(q + b * image_stride + i);
    }
    const typename V::T v = V::set1(vals[j]);
#pragma GCC unroll 8
    for (int b = 0; b < NIMG; ++b)
#pragma GCC unroll 8
      for (int i = 0; i < NV; ++i)
        acc[s][b][i] = V::fma(v, V::maskz_load(p + b * image_stride + i * V::width, m[i]), acc[s][b][i]);
  };
  int64_t j = 0;
  for (; j + kSets <= count; j += kSets) {
    add(std::integral_constant<int, 0>(), j);
    if constexpr (kSets == 2) add(std::integral_constant<int, kSets - 1>(), j + 1);
  }
  for (; j < count; ++j) add(std::integral_constant<int, 0>(), j);
#pragma GCC unroll 8
  for (int b = 0; b < NIMG; ++b)
#pragma GCC unroll 8
    for (int i = 0; i < NV; ++i) {
      typename V::T t = acc[0][b][i];
#pragma GCC unroll 8
      for (int s = 1; s < kSets; ++s) t = V::add(t, acc[s][b][i]);
      V::store(out + b * out_stride + i * V::width, t);
    }
}

// A vector at p: under lane mask k when Masked, else a plain load (k unused).
template <bool Masked>
inline typename V::T lane_load(const float* p, unsigned k) {
  if constexpr (Masked) return V::maskz_load(p, k);
  else return V::load(p);
}

// One group of V::group survivors [j, j + n) of direct_dots on planes of NV vectors (n <=
// group; a short group repeats its last survivor, whose sums are dropped): dst[s] += the
// survivor's dot over images b < nimg. Images go in chunks of 8 / NV, whose 8 vectors of g
// stay in registers; each survivor's pointer and lane masks are then read once per chunk,
// not once per FMA (with them spilled, each masked load and FMA cost three loads). The
// FMAs into a survivor's accumulator go in the same order as in the general loop.
template <int NV, bool Masked>
inline void direct_dots_group(const float* g, int64_t g_stride, int64_t nimg, int64_t image_stride,
                              const float* base, const int64_t* offs, const int32_t* taps,
                              const uint16_t* masks, int64_t mstride, int64_t j, int n, float* dst) {
  constexpr int64_t w = V::width;
  constexpr int kGroup = V::group;
  typename V::T acc[kGroup];
  for (int s = 0; s < kGroup; ++s) acc[s] = V::zero();
  auto chunk = [&](int64_t b0, auto images) {
    constexpr int B = decltype(images)::value;
    typename V::T gv[B][NV];
    for (int b = 0; b < B; ++b)
      for (int i = 0; i < NV; ++i) gv[b][i] = V::load(g + (b0 + b) * g_stride + i * w);
    for (int s = 0; s < kGroup; ++s) {
      const int64_t q = j + (s < n ? s : n - 1);
      const float* ps = base + offs[q] + b0 * image_stride;
      unsigned k[NV] = {};
      if constexpr (Masked) {
        const uint16_t* m = masks + taps[q] * mstride;
        for (int i = 0; i < NV; ++i) k[i] = m[i];
      }
      for (int b = 0; b < B; ++b)
        for (int i = 0; i < NV; ++i) acc[s] = V::fma(gv[b][i], lane_load<Masked>(ps + b * image_stride + i * w, k[i]), acc[s]);
    }
  };
  constexpr int kChunk = 8 / NV;
  int64_t b0 = 0;
  for (; b0 + kChunk <= nimg; b0 += kChunk) chunk(b0, std::integral_constant<int, kChunk>());
  for (; b0 < nimg; ++b0) chunk(b0, std::integral_constant<int, 1>());
  V::sum_group(acc, dst);
}

// direct_dots_group on wider planes: one vector of g at a time, shared by the group's
// survivors (a function of its own, so that the accumulators stay in registers).
template <bool Masked>
inline void direct_dots_wide_group(const float* g, int64_t g_stride, int64_t nv, int64_t nimg,
                                   int64_t image_stride, const float* base, const int64_t* offs,
                                   const int32_t* taps, const uint16_t* masks, int64_t mstride, int64_t j,
                                   int n, float* dst) {
  constexpr int64_t w = V::width;
  constexpr int kGroup = V::group;
  typename V::T acc[kGroup];
  const float* p[kGroup];
  const uint16_t* m[kGroup];
  for (int s = 0; s < kGroup; ++s) {
    const int64_t q = j + (s < n ? s : n - 1);
    acc[s] = V::zero();
    p[s] = base + offs[q];
    m[s] = Masked ? masks + taps[q] * mstride : nullptr;
  }
  for (int64_t b = 0; b < nimg; ++b)
    for (int64_t i = 0; i < nv; ++i) {
      const typename V::T gi = V::load(g + b * g_stride + i * w);
      const int64_t at = b * image_stride + i * w;
      for (int s = 0; s < kGroup; ++s) acc[s] = V::fma(gi, lane_load<Masked>(p[s] + at, Masked ? m[s][i] : 0u), acc[s]);
    }
  V::sum_group(acc, dst);
}

template <bool Masked>
void direct_dots(const float* g, int64_t g_stride, int64_t nv, int64_t nimg, int64_t image_stride,
                 const float* base, const int64_t* offs, const int32_t* taps, int64_t count,
                 const uint16_t* masks, int64_t mstride, float* out) {
  constexpr int64_t w = V::width;
  // One survivor alone: four chains, so that a long plane is not bound by the FMA latency.
  auto single = [&](int64_t j) {
    const float* p = base + offs[j];
    const uint16_t* m = Masked ? masks + taps[j] * mstride : nullptr;
    typename V::T a[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
    int u = 0;
    for (int64_t b = 0; b < nimg; ++b)
      for (int64_t i = 0; i < nv; ++i, u = (u + 1) & 3)
        a[u] = V::fma(V::load(g + b * g_stride + i * w), lane_load<Masked>(p + b * image_stride + i * w, Masked ? m[i] : 0u), a[u]);
    out[j] += V::sum(V::add(V::add(a[0], a[1]), V::add(a[2], a[3])));
  };
  auto in_groups = [&](auto group) { in_survivor_groups(count, out, group, single); };
  auto small = [&](auto vectors) {
    in_groups([&](int64_t j, int n, float* dst) {
      direct_dots_group<decltype(vectors)::value, Masked>(g, g_stride, nimg, image_stride, base, offs, taps, masks,
                                                          mstride, j, n, dst);
    });
  };
  if (nv == 1) return small(std::integral_constant<int, 1>());
  if (nv == 2) return small(std::integral_constant<int, 2>());
  in_groups([&](int64_t j, int n, float* dst) {
    direct_dots_wide_group<Masked>(g, g_stride, nv, nimg, image_stride, base, offs, taps, masks, mstride, j, n, dst);
  });
}

inline BlockKernels make_kernels(TransposeFn transpose) {
  BlockKernels k;
  k.width = V::width;
  k.accumulate[0] = accumulate<2>;
  k.accumulate[1] = accumulate<4>;
  k.accumulate[2] = accumulate<8>;
  k.dots = dots;
  k.transpose = transpose;
  k.direct.accumulate[0] = direct_accumulate<1, 8>;
  k.direct.accumulate[1] = direct_accumulate<2, 4>;
  k.direct.accumulate[2] = direct_accumulate<4, 2>;
  k.direct.accumulate[3] = direct_accumulate<8, 1>;
  k.direct.accumulate_blocked[0] = direct_accumulate<1, 8, false>;
  k.direct.accumulate_blocked[1] = direct_accumulate<2, 4, false>;
  k.direct.accumulate_blocked[2] = direct_accumulate<4, 2, false>;
  k.direct.accumulate_blocked[3] = direct_accumulate<8, 1, false>;
  k.direct.accumulate_one[0] = direct_accumulate<1, 1>;
  k.direct.accumulate_one[1] = direct_accumulate<2, 1>;
  k.direct.accumulate_one[2] = direct_accumulate<4, 1>;
  k.direct.accumulate_one[3] = direct_accumulate<8, 1>;
  k.direct.dots = direct_dots<true>;
  k.direct.dots_plain = direct_dots<false>;
  return k;
}

}  // namespace pai::sparse_detail::PAI_SPARSE_NS
