// Exact top-k by radix select over 64-bit composite keys (score key << 32 | ~index), which
// are all distinct, so "ties to the lower index" is just "the k largest composite keys".
// Segments (layers) run together; the global selection is one segment.
//   pass A  (all scores)   histogram of the top 11 key bits per segment, NaN check
//   choose                 the bucket holding the k-th largest key
//   pass B  (all scores)   mask = 1 above the bucket, 0 elsewhere; bucket members are
//                          compacted (warp-aggregated appends) into a candidate list
//   refine  (candidates)   five more histogram + choose rounds fix the remaining 53 bits
//   finish  (candidates)   mask[i] = key >= threshold key
// Two full reads and one write of the scores' size, plus work on the candidates only;
// nothing waits for the GPU until the final small download of per-segment results.
#include <cstring>
#include <limits>
#include <vector>

#include "cuda/launch.cuh"
#include "cuda/select.h"

namespace pai::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kChunk = int64_t{1} << 16;  // scores per block in the full passes
constexpr int kBins = 2048;
constexpr int kUnroll = 4;  // scores loaded per thread before they are used

struct BlockRange {
  int64_t start, end;  // global score indices
  int32_t seg, pad;
};

struct SegState {
  uint64_t prefix;  // composite-key bits fixed so far
  int64_t need;     // how many of the keys matching prefix are still to keep
  int32_t digit;    // bucket chosen in the last round (kBins: none, the segment keeps nothing)
  int32_t done;     // k == 0: nothing to choose
};

__device__ __forceinline__ uint32_t score_key(float f) {
  uint32_t b = __float_as_uint(f);
  if ((b & 0x7fffffffu) == 0) b = 0;
  return b ^ (static_cast<uint32_t>(static_cast<int32_t>(b) >> 31) | 0x80000000u);
}

__global__ void score_kernel(int kind, const float* theta, const float* g, float* out, int64_t n) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const float t = theta[i];
    switch (static_cast<::pai::ScoreKind>(kind)) {
      case ::pai::ScoreKind::Abs: out[i] = fabsf(t); break;
      case ::pai::ScoreKind::AbsProd: out[i] = fabsf(t * g[i]); break;
      case ::pai::ScoreKind::Prod: out[i] = t * g[i]; break;
      case ::pai::ScoreKind::NegProd: out[i] = -(t * g[i]); break;
    }
  }
}

__global__ void hist_keys_kernel(const float* scores, const BlockRange* table, uint32_t* hist,
                                 unsigned long long* nan_index) {
  __shared__ uint32_t h[kBins];
  for (int b = threadIdx.x; b < kBins; b += blockDim.x) h[b] = 0;
  __syncthreads();
  const BlockRange r = table[blockIdx.x];
  // Four independent loads in flight per thread before any atomic: the pass is bound by
  // memory latency otherwise.
  for (int64_t i0 = r.start + threadIdx.x; i0 < r.end; i0 += kUnroll * blockDim.x) {
    float f[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t i = i0 + static_cast<int64_t>(u) * blockDim.x;
      f[u] = i < r.end ? scores[i] : 0.f;
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t i = i0 + static_cast<int64_t>(u) * blockDim.x;
      if (i >= r.end) break;
      if (f[u] != f[u]) atomicMin(nan_index, static_cast<unsigned long long>(i));
      atomicAdd(&h[score_key(f[u]) >> 21], 1u);
    }
  }
  __syncthreads();
  for (int b = threadIdx.x; b < kBins; b += blockDim.x)
    if (h[b]) atomicAdd(&hist[static_cast<int64_t>(r.seg) * kBins + b], h[b]);
}

// One warp per segment: the bucket d of `bins` whose cumulative count from the top first
// reaches need; prefix gains d << shift and need drops by the count above d.
__global__ void choose_kernel(const uint32_t* hist, int bins, int shift, SegState* states) {
  SegState& st = states[blockIdx.x];
  if (st.done) return;
  const int lane = threadIdx.x;
  const uint32_t* h = hist + static_cast<int64_t>(blockIdx.x) * kBins;
  const int per = bins / 32;
  const int hi = bins - per * lane, lo = hi - per;  // lane 0 holds the highest bins
  unsigned long long total = 0;
  for (int b = lo; b < hi; ++b) total += h[b];
  unsigned long long incl = total;
  for (int o = 1; o < 32; o <<= 1) {
    const unsigned long long t = __shfl_up_sync(0xffffffffu, incl, o);
    if (lane >= o) incl += t;
  }
  const unsigned long long excl = incl - total;
  const unsigned long long need = static_cast<unsigned long long>(st.need);
  if (excl < need && need <= incl) {
    unsigned long long above = excl;
    int d = lo;
    for (int b = hi - 1; b >= lo; --b) {
      if (above + h[b] >= need) {
        d = b;
        break;
      }
      above += h[b];
    }
    st.digit = d;
    st.need = static_cast<int64_t>(need - above);
    st.prefix |= static_cast<uint64_t>(d) << shift;
  }
}

__global__ void classify_kernel(const float* scores, const BlockRange* table, const SegState* states,
                                const int64_t* seg_off, float* mask, unsigned long long* cand,
                                unsigned long long* cand_count) {
  const BlockRange r = table[blockIdx.x];
  const uint32_t d = static_cast<uint32_t>(states[r.seg].digit);
  const int lane = threadIdx.x % 32;
  unsigned long long* out = cand + seg_off[r.seg];
  // Block-uniform trip count, so every lane reaches the ballots; loads first, as above.
  for (int64_t base = r.start; base < r.end; base += kUnroll * blockDim.x) {
    uint32_t key[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t i = base + static_cast<int64_t>(u) * blockDim.x + threadIdx.x;
      key[u] = i < r.end ? score_key(scores[i]) : 0u;
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t i = base + static_cast<int64_t>(u) * blockDim.x + threadIdx.x;
      const bool valid = i < r.end;
      const uint32_t digit = key[u] >> 21;
      if (valid) mask[i] = digit > d ? 1.f : 0.f;
      const bool mine = valid && digit == d;
      const unsigned ballot = __ballot_sync(0xffffffffu, mine);
      if (ballot) {
        const int leader = __ffs(static_cast<int>(ballot)) - 1;
        unsigned long long pos = 0;
        if (lane == leader) pos = atomicAdd(&cand_count[r.seg], static_cast<unsigned long long>(__popc(ballot)));
        pos = __shfl_sync(0xffffffffu, pos, leader);
        if (mine)
          out[pos + __popc(ballot & ((1u << lane) - 1u))] =
              (static_cast<unsigned long long>(key[u]) << 32) | (0xffffffffull - static_cast<unsigned long long>(i));
      }
    }
  }
}

// Candidate index range of this block: its share of the segment, cut at the count.
__device__ __forceinline__ bool candidate_range(const BlockRange& r, const int64_t* seg_off,
                                                const unsigned long long* cand_count, int64_t& j0, int64_t& j1) {
  const int64_t off = seg_off[r.seg], count = static_cast<int64_t>(cand_count[r.seg]);
  j0 = r.start - off;
  j1 = r.end - off < count ? r.end - off : count;
  return j0 < j1;
}

__global__ void hist_candidates_kernel(const BlockRange* table, const int64_t* seg_off, const unsigned long long* cand,
                                       const unsigned long long* cand_count, const SegState* states, int shift,
                                       int bits, uint32_t* hist) {
  __shared__ uint32_t h[kBins];
  const BlockRange r = table[blockIdx.x];
  int64_t j0, j1;
  if (states[r.seg].done || !candidate_range(r, seg_off, cand_count, j0, j1)) return;  // whole block
  const int bins = 1 << bits;
  for (int b = threadIdx.x; b < bins; b += blockDim.x) h[b] = 0;
  __syncthreads();
  const int top = shift + bits;
  const uint64_t want = states[r.seg].prefix >> top;
  const unsigned long long* c = cand + seg_off[r.seg];
  for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) {
    const uint64_t key = c[j];
    if ((key >> top) == want) atomicAdd(&h[(key >> shift) & static_cast<uint64_t>(bins - 1)], 1u);
  }
  __syncthreads();
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    if (h[b]) atomicAdd(&hist[static_cast<int64_t>(r.seg) * kBins + b], h[b]);
}

__global__ void finish_kernel(const BlockRange* table, const int64_t* seg_off, const unsigned long long* cand,
                              const unsigned long long* cand_count, const SegState* states, float* mask) {
  const BlockRange r = table[blockIdx.x];
  int64_t j0, j1;
  if (!candidate_range(r, seg_off, cand_count, j0, j1)) return;
  const uint64_t threshold = states[r.seg].prefix;
  const unsigned long long* c = cand + seg_off[r.seg];
  for (int64_t j = j0 + threadIdx.x; j < j1; j += blockDim.x) {
    const uint64_t key = c[j];
    mask[0xffffffffull - (key & 0xffffffffull)] = key >= threshold ? 1.f : 0.f;
  }
}

float key_to_score(uint32_t key) {
  const uint32_t b = (key & 0x80000000u) ? (key ^ 0x80000000u) : ~key;
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

}  // namespace

void score(::pai::ScoreKind kind, const float* theta, const float* g, float* out, int64_t n) {
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, score_kernel)(static_cast<int>(kind), theta, g, out, n);
  check_launch("scoreKernel");
}

::pai::SelectResult select_top_k_segments(const float* scores, const int64_t* offsets, const int64_t* ks,
                                          int64_t segments, float* mask, float* thresholds) {
  ::pai::SelectResult result;
  if (segments <= 0) return result;
  const int64_t first = offsets[0], last = offsets[segments];
  if (last >= (int64_t{1} << 32) - 1) throw Error("pai_cuda: selectTopK: at most 2^32 - 2 scores");
  std::vector<BlockRange> table;
  std::vector<SegState> states(segments);
  for (int64_t s = 0; s < segments; ++s) {
    // Indices relative to offsets[0]: the kernels see scores + first.
    for (int64_t i = offsets[s]; i < offsets[s + 1]; i += kChunk)
      table.push_back({i - first, (i + kChunk < offsets[s + 1] ? i + kChunk : offsets[s + 1]) - first,
                       static_cast<int32_t>(s), 0});
    states[s] = {0, ks[s], ks[s] == 0 ? kBins : 0, ks[s] == 0 ? 1 : 0};
  }
  if (thresholds)
    for (int64_t s = 0; s < segments; ++s) thresholds[s] = std::numeric_limits<float>::infinity();
  if (table.empty()) return result;

  const size_t nseg = static_cast<size_t>(segments);
  Workspace w_table(table.size() * sizeof(BlockRange)), w_states(nseg * sizeof(SegState));
  Workspace w_off(nseg * sizeof(int64_t)), w_hist(nseg * kBins * sizeof(uint32_t));
  Workspace w_count(nseg * sizeof(unsigned long long)), w_nan(sizeof(unsigned long long));
  Workspace w_cand(static_cast<size_t>(last - first) * sizeof(unsigned long long));
  // Candidates of segment s go to [offsets[s] - first, ...) of the candidate list.
  std::vector<int64_t> cand_off(nseg);
  for (size_t s = 0; s < nseg; ++s) cand_off[s] = offsets[s] - first;
  upload(w_table.get(), table.data(), table.size() * sizeof(BlockRange));
  upload(w_states.get(), states.data(), nseg * sizeof(SegState));
  upload(w_off.get(), cand_off.data(), nseg * sizeof(int64_t));
  fill_bytes(w_hist.get(), 0, nseg * kBins * sizeof(uint32_t));
  fill_bytes(w_count.get(), 0, nseg * sizeof(unsigned long long));
  fill_bytes(w_nan.get(), 0xff, sizeof(unsigned long long));

  const BlockRange* tab = w_table.as<BlockRange>();
  SegState* st = w_states.as<SegState>();
  const int64_t* off = w_off.as<int64_t>();
  uint32_t* hist = w_hist.as<uint32_t>();
  unsigned long long* count = w_count.as<unsigned long long>();
  unsigned long long* cand = w_cand.as<unsigned long long>();
  // A segment's blocks cover [offsets[s], offsets[s + 1]) and so also every index its
  // candidate list can reach.
  const unsigned blocks = static_cast<unsigned>(table.size());
  const float* base = scores + first;
  float* mask_base = mask + first;

  PAI_LAUNCH(blocks, kThreads, 0, hist_keys_kernel)(base, tab, hist, w_nan.as<unsigned long long>());
  check_launch("selectTopK");
  PAI_LAUNCH(static_cast<unsigned>(segments), 32, 0, choose_kernel)(hist, kBins, 53, st);
  check_launch("selectTopK");
  PAI_LAUNCH(blocks, kThreads, 0, classify_kernel)(base, tab, st, off, mask_base, cand, count);
  check_launch("selectTopK");
  static const int kShift[5] = {42, 31, 20, 9, 0};
  static const int kBits[5] = {11, 11, 11, 11, 9};
  for (int round = 0; round < 5; ++round) {
    fill_bytes(hist, 0, nseg * kBins * sizeof(uint32_t));
    PAI_LAUNCH(blocks, kThreads, 0, hist_candidates_kernel)(tab, off, cand, count, st, kShift[round], kBits[round],
                                                             hist);
    check_launch("selectTopK");
    PAI_LAUNCH(static_cast<unsigned>(segments), 32, 0, choose_kernel)(hist, 1 << kBits[round], kShift[round], st);
    check_launch("selectTopK");
  }
  PAI_LAUNCH(blocks, kThreads, 0, finish_kernel)(tab, off, cand, count, st, mask_base);
  check_launch("selectTopK");

  unsigned long long nan_index = 0;
  download(states.data(), st, nseg * sizeof(SegState));
  download(&nan_index, w_nan.get(), sizeof nan_index);
  if (nan_index != ~0ull) result.nan_index = static_cast<int64_t>(nan_index) + first;
  if (thresholds)
    for (int64_t s = 0; s < segments; ++s)
      if (!states[s].done) thresholds[s] = key_to_score(static_cast<uint32_t>(states[s].prefix >> 32));
  result.threshold = segments == 1 && !states[0].done ? key_to_score(static_cast<uint32_t>(states[0].prefix >> 32))
                                                      : std::numeric_limits<float>::infinity();
  return result;
}

::pai::SelectResult select_top_k(const float* scores, int64_t n, int64_t k, float* mask) {
  const int64_t offsets[2] = {0, n};
  const int64_t ks[1] = {k};
  if (n <= 0) {
    ::pai::SelectResult r;
    r.threshold = std::numeric_limits<float>::infinity();
    return r;
  }
  return select_top_k_segments(scores, offsets, ks, 1, mask, nullptr);
}

}  // namespace pai::cuda
