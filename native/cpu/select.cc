// Exact top-k selection in O(n). The fast path samples the scores to bracket the k-th
// largest key in a narrow band, then one vectorized pass writes the mask outside the band
// and collects the few indices inside it, which a radix select settles exactly. When the
// band misses (adversarial order, huge ties) a three-level radix (histogram) select over
// the whole input runs instead; it is also the path for small inputs.
#include "pai/select.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "pai/cpu_features.h"
#include "pai/parallel.h"
#include "select_keys.h"

namespace pai {
namespace select_detail {

Classified classify_baseline(const float* scores, int64_t len, uint32_t lo, uint32_t hi,
                             float* mask, uint32_t* cand, int64_t cap, float* drop) {
  Classified r;
  for (int64_t i = 0; i < len; ++i) {
    const float f = scores[i];
    if (is_nan(f) && r.nan_index < 0) r.nan_index = i;
    const uint32_t key = score_key(f);
    const bool above = key > hi;
    mask[i] = above ? 1.f : 0.f;
    if (above) {
      ++r.above;
    } else if (key >= lo) {
      if (r.candidates < cap) cand[r.candidates] = static_cast<uint32_t>(i);
      ++r.candidates;
    } else if (drop && key > kNegInfKey) {
      drop[i] = 0.f;
    }
  }
  return r;
}

}  // namespace select_detail

namespace {
using namespace select_detail;

constexpr int64_t kParallelMin = 1 << 16;  // below: one chunk, no threads
constexpr int64_t kSampleSize = 1 << 16;   // fast path only for n >= this
constexpr int64_t kMaxChunk = int64_t(1) << 30;
constexpr float kInf = std::numeric_limits<float>::infinity();

// A fixed split of [0, n) into contiguous chunks; every pass over the same input uses
// the same split, so per-chunk counts of one pass index the next.
struct Chunks {
  int64_t n = 0, count = 1;
  Chunks(int64_t n_, bool threaded) : n(n_) {
    count = (threaded && n >= kParallelMin) ? num_threads() : 1;
    count = std::max<int64_t>(count, (n + kMaxChunk - 1) / kMaxChunk);
  }
  // Chunk sizes differ by at most one; computed without the overflow of n * c.
  int64_t begin(int64_t c) const { return n / count * c + std::min(c, n % count); }
  template <typename F>
  void each(F f) const {
    parallel_for(0, count, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) f(c, begin(c), begin(c + 1));
    });
  }
};

// The k-th largest key (1 <= k <= n) and how many keys are strictly above it, by three
// histogram levels of 11, 11 and 10 bits, each restricted to the prefix found so far.
struct Threshold {
  uint32_t key = 0;
  int64_t above = 0;
  std::vector<int64_t> equal_per_chunk;  // keys == key in each chunk
};

template <typename KeyAt>
Threshold radix_threshold(const Chunks& ch, int64_t k, KeyAt key_at) {
  static constexpr int kShift[3] = {21, 10, 0};
  static constexpr int kBits[3] = {11, 11, 10};
  constexpr int kBins = 2048;
  // Four interleaved copies per chunk, so that runs of equal keys do not serialize on
  // one counter's store-to-load latency.
  constexpr int kCopies = 4;
  std::vector<uint32_t> hist(static_cast<size_t>(ch.count) * kBins * kCopies);
  Threshold t;
  uint32_t prefix = 0, prefix_mask = 0;
  int64_t need = k;
  for (int level = 0; level < 3; ++level) {
    const int shift = kShift[level];
    const uint32_t digit_mask = (1u << kBits[level]) - 1;
    std::fill(hist.begin(), hist.end(), 0u);
    ch.each([&](int64_t c, int64_t i0, int64_t i1) {
      uint32_t* h = &hist[static_cast<size_t>(c) * kBins * kCopies];
      auto count = [&](uint32_t* hc, int64_t i) {
        const uint32_t key = key_at(i);
        if ((key & prefix_mask) == prefix) ++hc[(key >> shift) & digit_mask];
      };
      int64_t i = i0;
      for (; i + kCopies <= i1; i += kCopies)
        for (int j = 0; j < kCopies; ++j) count(h + j * kBins, i + j);
      for (; i < i1; ++i) count(h, i);
      for (int j = 1; j < kCopies; ++j)
        for (int d = 0; d < kBins; ++d) h[d] += h[j * kBins + d];
    });
    int64_t cum = 0;
    uint32_t digit = 0;
    for (int64_t d = digit_mask; d >= 0; --d) {
      int64_t total = 0;
      for (int64_t c = 0; c < ch.count; ++c) total += hist[static_cast<size_t>(c) * kBins * kCopies + d];
      if (cum + total >= need) {
        digit = static_cast<uint32_t>(d);
        break;
      }
      cum += total;
    }
    t.above += cum;
    need -= cum;
    prefix |= digit << shift;
    prefix_mask |= digit_mask << shift;
    if (level == 2) {
      t.equal_per_chunk.resize(ch.count);
      for (int64_t c = 0; c < ch.count; ++c)
        t.equal_per_chunk[c] = hist[static_cast<size_t>(c) * kBins * kCopies + digit];
    }
  }
  t.key = prefix;
  return t;
}

// Keys tied with the threshold that are kept in chunk c: the ties go to lower indices,
// so earlier chunks take theirs first.
std::vector<int64_t> ties_taken(const Threshold& t, int64_t k) {
  int64_t left = k - t.above;
  std::vector<int64_t> take(t.equal_per_chunk.size());
  for (size_t c = 0; c < take.size(); ++c) {
    take[c] = std::min(left, t.equal_per_chunk[c]);
    left -= take[c];
  }
  return take;
}

int64_t first_nan(const std::vector<int64_t>& per_chunk) {
  for (int64_t v : per_chunk)
    if (v >= 0) return v;
  return -1;
}

// k == 0 or k == n: the mask is constant; still a full pass for the NaN check.
SelectResult select_all_or_none(const float* s, int64_t n, int64_t k, float* mask,
                                bool threaded) {
  Chunks ch(n, threaded);
  std::vector<int64_t> nan(ch.count, -1);
  std::vector<uint32_t> min_key(ch.count, 0xffffffffu);
  const float fill = k == 0 ? 0.f : 1.f;
  ch.each([&](int64_t c, int64_t i0, int64_t i1) {
    uint32_t mk = 0xffffffffu;
    for (int64_t i = i0; i < i1; ++i) {
      if (is_nan(s[i]) && nan[c] < 0) nan[c] = i;
      mk = std::min(mk, score_key(s[i]));
      mask[i] = fill;
    }
    min_key[c] = mk;
  });
  SelectResult r;
  r.nan_index = first_nan(nan);
  r.threshold = k == 0 ? kInf : key_score(*std::min_element(min_key.begin(), min_key.end()));
  return r;
}

// The general path: radix threshold over all scores, then one pass writing the mask.
SelectResult select_radix(const float* s, int64_t n, int64_t k, float* mask, bool threaded) {
  Chunks ch(n, threaded);
  Threshold t = radix_threshold(ch, k, [s](int64_t i) { return score_key(s[i]); });
  const std::vector<int64_t> take = ties_taken(t, k);
  std::vector<int64_t> nan(ch.count, -1);
  ch.each([&](int64_t c, int64_t i0, int64_t i1) {
    int64_t left = take[c];
    for (int64_t i = i0; i < i1; ++i) {
      if (is_nan(s[i]) && nan[c] < 0) nan[c] = i;
      const uint32_t key = score_key(s[i]);
      bool keep = key > t.key;
      if (key == t.key && left > 0) {
        keep = true;
        --left;
      }
      mask[i] = keep ? 1.f : 0.f;
    }
  });
  SelectResult r;
  r.nan_index = first_nan(nan);
  r.threshold = key_score(t.key);
  return r;
}

ClassifyFn pick_classify() {
  switch (active_isa()) {
    case Isa::Avx512: return classify_avx512;
    case Isa::Avx2: return classify_avx2;
    default: return classify_baseline;
  }
}

// Keys of evenly spaced entries: position j samples index about (2j + 1) n / 2s (in
// double precision, which is exact enough for a sample and cannot overflow).
std::vector<uint32_t> sample_keys(const float* s, int64_t n) {
  std::vector<uint32_t> out(kSampleSize);
  const double step = static_cast<double>(n) / kSampleSize;
  for (int64_t j = 0; j < kSampleSize; ++j) {
    const int64_t i = std::min(n - 1, static_cast<int64_t>((static_cast<double>(j) + 0.5) * step));
    out[j] = score_key(s[i]);
  }
  return out;
}

// The sampled fast path. Returns false when the band missed (nothing reported yet; the
// caller runs the radix path, which rewrites the whole mask).
bool select_sampled(const float* s, int64_t n, int64_t k, float* mask, float* drop,
                    SelectResult* out) {
  std::vector<uint32_t> sample = sample_keys(s, n);
  // The k-th largest has n - k entries below it; in the sample, about p of them. The
  // band is +-4 standard deviations of that sample rank, plus slack.
  const double q = static_cast<double>(n - k) / static_cast<double>(n);
  const double p = q * kSampleSize;
  const double delta = 4.0 * std::sqrt(kSampleSize * q * (1.0 - q)) + 16.0;
  const int64_t lo_rank = static_cast<int64_t>(std::floor(p - delta));
  const int64_t hi_rank = static_cast<int64_t>(std::ceil(p + delta));
  uint32_t lo = 0, hi = 0xffffffffu;
  if (hi_rank < kSampleSize) {
    std::nth_element(sample.begin(), sample.begin() + hi_rank, sample.end());
    hi = sample[hi_rank];
  }
  if (lo_rank > 0) {
    const auto end = hi_rank < kSampleSize ? sample.begin() + hi_rank : sample.end();
    std::nth_element(sample.begin(), sample.begin() + lo_rank, end);
    lo = sample[lo_rank];
  }
  // -Infinity marks entries that may not be kept (pruned weights): when the band reaches
  // down to it, it would take all of them as candidates and overflow. The k-th largest is
  // above -inf whenever enough entries are, and otherwise the counts below send the
  // selection to the radix path.
  const uint32_t neg_inf = score_key(-kInf);
  if (lo <= neg_inf && hi > neg_inf) lo = neg_inf + 1;
  const double band = static_cast<double>(std::min(hi_rank, kSampleSize) -
                                          std::max<int64_t>(lo_rank, 0) + 1) /
                      kSampleSize;

  Chunks ch(n, true);
  std::vector<int64_t> cap(ch.count), base(ch.count + 1, 0);
  for (int64_t c = 0; c < ch.count; ++c) {
    const int64_t len = ch.begin(c + 1) - ch.begin(c);
    cap[c] = std::min<int64_t>(len, static_cast<int64_t>(2.0 * band * len) + 4096);
    base[c + 1] = base[c] + cap[c];
  }
  std::unique_ptr<uint32_t[]> cand(new uint32_t[base[ch.count]]);
  std::vector<Classified> res(ch.count);
  const ClassifyFn classify = pick_classify();
  ch.each([&](int64_t c, int64_t i0, int64_t i1) {
    res[c] = classify(s + i0, i1 - i0, lo, hi, mask + i0, cand.get() + base[c], cap[c],
                      drop ? drop + i0 : nullptr);
  });

  int64_t above = 0, candidates = 0;
  bool overflow = false;
  for (int64_t c = 0; c < ch.count; ++c) {
    if (res[c].nan_index >= 0) {
      out->nan_index = ch.begin(c) + res[c].nan_index;
      return true;
    }
    above += res[c].above;
    candidates += res[c].candidates;
    overflow = overflow || res[c].candidates > cap[c];
  }
  // above == k would need the smallest kept key from outside the band; rare, so the
  // radix path takes it.
  if (above >= k || above + candidates < k) return false;
  if (overflow) {
    if (lo != hi) return false;
    // The band is one value with many ties (e.g. zero scores): the threshold is that
    // value, and the lowest-index ties are kept, chunk by chunk.
    int64_t left = k - above;
    std::vector<int64_t> take(ch.count);
    for (int64_t c = 0; c < ch.count; ++c) {
      take[c] = std::min(left, res[c].candidates);
      left -= take[c];
    }
    ch.each([&](int64_t c, int64_t i0, int64_t i1) {
      int64_t i = i0;
      for (int64_t t = take[c]; i < i1 && t > 0; ++i)
        if (score_key(s[i]) == lo) {
          mask[i] = 1.f;
          --t;
        }
      // The ties left over are dropped.
      if (drop && lo > kNegInfKey)
        for (; i < i1; ++i)
          if (score_key(s[i]) == lo) drop[i] = 0.f;
    });
    out->threshold = key_score(lo);
    return true;
  }

  // Candidates in index order, with their keys gathered contiguously.
  std::unique_ptr<uint32_t[]> keys(new uint32_t[candidates]);
  std::vector<int64_t> cbase(ch.count + 1, 0);
  for (int64_t c = 0; c < ch.count; ++c) cbase[c + 1] = cbase[c] + res[c].candidates;
  ch.each([&](int64_t c, int64_t i0, int64_t) {
    const uint32_t* idx = cand.get() + base[c];
    uint32_t* kk = keys.get() + cbase[c];
    for (int64_t j = 0; j < res[c].candidates; ++j) kk[j] = score_key(s[i0 + idx[j]]);
  });
  const int64_t need = k - above;
  Chunks cch(candidates, true);
  const uint32_t* kp = keys.get();
  Threshold t = radix_threshold(cch, need, [kp](int64_t j) { return kp[j]; });
  int64_t ties = need - t.above;
  for (int64_t c = 0; c < ch.count; ++c) {
    const uint32_t* idx = cand.get() + base[c];
    const uint32_t* kk = keys.get() + cbase[c];
    float* m = mask + ch.begin(c);
    for (int64_t j = 0; j < res[c].candidates; ++j) {
      if (kk[j] > t.key) {
        m[idx[j]] = 1.f;
      } else if (kk[j] == t.key && ties > 0) {
        m[idx[j]] = 1.f;
        --ties;
      } else if (drop && kk[j] > kNegInfKey) {
        drop[ch.begin(c) + idx[j]] = 0.f;
      }
    }
  }
  out->threshold = key_score(t.key);
  return true;
}

// drop[i] = +0 where mask[i] == 0 and the entry is live (score above -inf): the
// separate pass of the paths that do not drop entries as they classify them.
void zero_dropped(const float* s, const float* mask, int64_t n, float* drop, bool threaded) {
  Chunks ch(n, threaded);
  ch.each([&](int64_t, int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      if (mask[i] == 0.f && score_key(s[i]) > kNegInfKey) drop[i] = 0.f;
  });
}

SelectResult select_one(const float* s, int64_t n, int64_t k, float* mask, float* drop,
                        bool threaded) {
  SelectResult r;
  if (k <= 0 || k >= n) {
    r = select_all_or_none(s, n, k, mask, threaded);
  } else if (threaded && n >= kSampleSize && select_sampled(s, n, k, mask, drop, &r)) {
    return r;
  } else {
    r = select_radix(s, n, k, mask, threaded);
  }
  if (drop && r.nan_index < 0) zero_dropped(s, mask, n, drop, threaded);
  return r;
}

}  // namespace

SelectResult select_top_k(const float* scores, int64_t n, int64_t k, float* mask, float* drop) {
  return select_one(scores, n, k, mask, drop, true);
}

SelectResult select_top_k_segments(const float* scores, const int64_t* offsets,
                                   const int64_t* ks, int64_t segments, float* mask,
                                   float* thresholds, float* drop) {
  // Small segments run whole, one per pool task; large ones use the pool themselves.
  std::vector<SelectResult> res(segments);
  std::vector<int64_t> small;
  for (int64_t g = 0; g < segments; ++g)
    if (offsets[g + 1] - offsets[g] < kParallelMin) small.push_back(g);
  parallel_for(0, static_cast<int64_t>(small.size()), 1, [&](int64_t a, int64_t b) {
    for (int64_t j = a; j < b; ++j) {
      const int64_t g = small[j], o = offsets[g];
      res[g] = select_one(scores + o, offsets[g + 1] - o, ks[g], mask + o, drop ? drop + o : nullptr, false);
    }
  });
  for (int64_t g = 0; g < segments; ++g) {
    const int64_t o = offsets[g], len = offsets[g + 1] - o;
    if (len >= kParallelMin) res[g] = select_one(scores + o, len, ks[g], mask + o, drop ? drop + o : nullptr, true);
  }
  SelectResult out;
  out.threshold = segments > 0 ? res[0].threshold : kInf;
  for (int64_t g = 0; g < segments; ++g) {
    if (thresholds) thresholds[g] = res[g].threshold;
    if (res[g].nan_index >= 0 && out.nan_index < 0) out.nan_index = offsets[g] + res[g].nan_index;
  }
  return out;
}

}  // namespace pai
