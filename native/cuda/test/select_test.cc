// Saliency scores and exact top-k selection: masks and thresholds must equal the CPU
// kernels exactly (same k survivors, same tie-breaking), for global and per-segment calls.
#include <cmath>
#include <cstring>
#include <limits>

#include "check.h"
#include "cuda/select.h"
#include "pai/score.h"
#include "pai/select.h"

namespace pai::cuda::test {
namespace {

enum class Dist { Uniform, Ties, MostlyZero };

std::vector<float> scores_of(int64_t n, Dist d) {
  auto s = random_floats(n, -1.f, 1.f);
  for (auto& v : s) {
    if (d == Dist::Ties) v = std::round(v * 3.f) / 3.f;  // 7 levels, -0 and +0 among them
    if (d == Dist::MostlyZero && random_int(0, 9) != 0) v = random_int(0, 1) ? 0.f : -0.f;
  }
  return s;
}

void compare(const char* what, const std::vector<float>& s, int64_t k) {
  const int64_t n = static_cast<int64_t>(s.size());
  std::vector<float> want(n);
  const ::pai::SelectResult wr = ::pai::select_top_k(s.data(), n, k, want.data());
  DeviceArray<float> ds(s), dm(n);
  poison(dm);
  const ::pai::SelectResult gr = select_top_k(ds.get(), n, k, dm.get());
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s n=%lld k=%lld", what, static_cast<long long>(n), static_cast<long long>(k));
  expect_equal_bits(buf, dm.to_host(), want);
  expect(gr.nan_index == wr.nan_index, std::string(buf) + ": nan_index differs");
  expect(wr.nan_index >= 0 || std::memcmp(&gr.threshold, &wr.threshold, 4) == 0,
         std::string(buf) + ": threshold " + std::to_string(gr.threshold) + " vs " + std::to_string(wr.threshold));
}

}  // namespace

PAI_CUDA_TEST(score_kernels) {
  const ::pai::ScoreKind kinds[] = {::pai::ScoreKind::Abs, ::pai::ScoreKind::AbsProd, ::pai::ScoreKind::Prod,
                                    ::pai::ScoreKind::NegProd};
  auto theta = random_floats(4099), g = random_floats(4099);
  for (auto kind : kinds) {
    std::vector<float> want(theta.size());
    ::pai::score(kind, theta.data(), g.data(), want.data(), static_cast<int64_t>(theta.size()));
    DeviceArray<float> dt(theta), dg(g), dout(theta.size());
    cuda::score(kind, dt.get(), dg.get(), dout.get(), static_cast<int64_t>(theta.size()));
    expect_equal_bits("scoreKernel", dout.to_host(), want);
  }
}

PAI_CUDA_TEST(select_top_k_global) {
  for (Dist d : {Dist::Uniform, Dist::Ties, Dist::MostlyZero}) {
    const char* what = d == Dist::Uniform ? "selectTopK uniform" : d == Dist::Ties ? "selectTopK ties" : "selectTopK zeros";
    for (int64_t n : {1, 2, 7, 1000, 200003}) {
      const auto s = scores_of(n, d);
      for (int64_t k : {int64_t{0}, int64_t{1}, n / 3, n / 2, n - 1, n})
        if (k >= 0 && k <= n) compare(what, s, k);
    }
  }
  // Every score equal: the k lowest indices survive.
  compare("selectTopK constant", std::vector<float>(70001, 0.5f), 12345);
  // A NaN is reported at its (first) index.
  auto s = scores_of(5000, Dist::Uniform);
  s[4321] = s[77] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> mask(s.size());
  DeviceArray<float> ds(s), dm(s.size());
  const ::pai::SelectResult r = select_top_k(ds.get(), 5000, 100, dm.get());
  expect(r.nan_index == 77, "selectTopK: the first NaN is at 77, got " + std::to_string(r.nan_index));
}

PAI_CUDA_TEST(select_top_k_segments) {
  // Leading and trailing entries outside every segment must stay untouched.
  const std::vector<int64_t> offsets = {5, 5, 1005, 1006, 71006, 71106, 171106};
  const int64_t segments = static_cast<int64_t>(offsets.size()) - 1;
  const std::vector<int64_t> ks = {0, 333, 1, 7000, 100, 0};
  for (Dist d : {Dist::Uniform, Dist::Ties, Dist::MostlyZero}) {
    const auto s = scores_of(offsets.back() + 9, d);
    std::vector<float> want(s.size(), 7.f), want_t(segments), got_t(segments);
    const ::pai::SelectResult wr =
        ::pai::select_top_k_segments(s.data(), offsets.data(), ks.data(), segments, want.data(), want_t.data());
    DeviceArray<float> ds(s), dm(std::vector<float>(s.size(), 7.f));
    const ::pai::SelectResult gr =
        select_top_k_segments(ds.get(), offsets.data(), ks.data(), segments, dm.get(), got_t.data());
    expect_equal_bits("selectTopKSegments mask", dm.to_host(), want);
    expect_equal_bits("selectTopKSegments thresholds", got_t, want_t);
    expect(gr.nan_index == wr.nan_index, "selectTopKSegments: nan_index differs");
  }
}

}  // namespace pai::cuda::test
