// Axis reductions, gathers/scatters and the softmax family against the CPU kernels.
#include <cmath>
#include <limits>

#include "check.h"
#include "cuda/loss.h"
#include "cuda/reduce.h"
#include "pai/elementwise.h"
#include "pai/loss.h"

namespace pai::cuda::test {

PAI_CUDA_TEST(reduce_sum_shapes) {
  const int64_t cases[][3] = {{1, 1, 1},   {1, 100003, 1}, {7, 13, 1},   {3000, 17, 1}, {2, 5, 3},
                              {1, 50000, 2}, {4, 9, 257},  {1, 1, 4099}, {5, 0, 3},     {13, 700, 1}};
  for (const auto& c : cases) {
    const int64_t outer = c[0], len = c[1], inner = c[2];
    auto x = random_floats(outer * len * inner, -1.f, 2.f);
    std::vector<float> want(outer * inner);
    ::pai::reduce_sum(x.data(), outer, len, inner, want.data());
    DeviceArray<float> dx(x.empty() ? std::vector<float>(1) : x), dout(want.size());
    poison(dout);
    reduce_sum(dx.get(), outer, len, inner, dout.get());
    char what[80];
    std::snprintf(what, sizeof what, "reduceSum %lldx%lldx%lld", static_cast<long long>(outer),
                  static_cast<long long>(len), static_cast<long long>(inner));
    expect_close(what, dout.to_host(), want, 1e-6, 1e-6);
  }
}

PAI_CUDA_TEST(reduce_max_ties_nan) {
  const int64_t cases[][3] = {{1, 1, 1}, {1, 70001, 1}, {9, 31, 1}, {3, 11, 7}, {1, 30000, 3}, {2000, 5, 1}};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const auto& c : cases) {
    const int64_t outer = c[0], len = c[1], inner = c[2];
    auto x = random_floats(outer * len * inner);
    for (auto& v : x) v = std::round(v * 4.f) / 4.f;  // many ties
    if (x.size() > 40) x[17] = nan, x[39] = nan, x[5] = -0.f;
    std::vector<float> want(outer * inner);
    std::vector<int32_t> want_i(outer * inner);
    ::pai::reduce_max(x.data(), outer, len, inner, want.data(), want_i.data());
    DeviceArray<float> dx(x), dv(want.size());
    DeviceArray<int32_t> di(want.size());
    reduce_max(dx.get(), outer, len, inner, dv.get(), di.get());
    expect_close("reduceMax values", dv.to_host(), want, 0, 0);
    expect_equal("reduceMax index", di.to_host(), want_i);
  }
}

PAI_CUDA_TEST(gather_scatter_axis) {
  const int64_t outer = 3, len = 7, inner = 5;
  auto x = random_floats(outer * len * inner), vals = random_floats(outer * inner);
  std::vector<int32_t> ix(outer * inner);
  for (auto& v : ix) v = static_cast<int32_t>(random_int(0, len - 1));
  std::vector<float> g(outer * inner), s(outer * len * inner, 0.f);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      g[o * inner + i] = x[(o * len + ix[o * inner + i]) * inner + i];
      s[(o * len + ix[o * inner + i]) * inner + i] += vals[o * inner + i];
    }
  DeviceArray<float> dx(x), dv(vals), dg(g.size()), ds(s.size());
  DeviceArray<int32_t> di(ix);
  poison(ds);
  gather_axis(dx.get(), di.get(), outer, len, inner, dg.get());
  scatter_axis(dv.get(), di.get(), outer, len, inner, ds.get());
  expect_equal("gatherAxis", dg.to_host(), g);
  expect_equal("scatterAxis", ds.to_host(), s);
}

PAI_CUDA_TEST(softmax_family) {
  const int64_t cases[][2] = {{1, 1}, {5, 10}, {128, 10}, {3, 1000}, {17, 33}, {2, 4099}};
  for (const auto& c : cases) {
    const int64_t rows = c[0], cols = c[1];
    auto x = random_floats(rows * cols, -8.f, 8.f);
    std::vector<int32_t> labels(rows);
    for (auto& l : labels) l = static_cast<int32_t>(random_int(0, cols - 1));
    std::vector<float> sm(x.size()), lsm(x.size()), loss(rows), probs(x.size());
    ::pai::softmax(x.data(), rows, cols, sm.data());
    ::pai::log_softmax(x.data(), rows, cols, lsm.data());
    ::pai::softmax_cross_entropy(x.data(), rows, cols, labels.data(), loss.data(), probs.data());
    DeviceArray<float> dx(x), dsm(x.size()), dlsm(x.size()), dloss(rows), dprobs(x.size());
    DeviceArray<int32_t> dl(labels);
    softmax(dx.get(), rows, cols, dsm.get());
    log_softmax(dx.get(), rows, cols, dlsm.get());
    softmax_cross_entropy(dx.get(), rows, cols, dl.get(), dloss.get(), dprobs.get());
    expect_close("softmax", dsm.to_host(), sm, 2e-6, 1e-12);
    expect_close("logSoftmax", dlsm.to_host(), lsm, 2e-6, 2e-6);
    expect_close("softmaxCrossEntropy loss", dloss.to_host(), loss, 2e-6, 2e-6);
    expect_close("softmaxCrossEntropy probs", dprobs.to_host(), probs, 2e-6, 1e-12);
    softmax(dx.get(), rows, cols, dx.get());  // in place
    expect_close("softmax in place", dx.to_host(), sm, 2e-6, 1e-12);

    std::vector<float> picked(rows), scattered(x.size(), 0.f), vals = random_floats(rows);
    for (int64_t r = 0; r < rows; ++r) {
      picked[r] = lsm[r * cols + labels[r]];
      scattered[r * cols + labels[r]] = vals[r];
    }
    DeviceArray<float> dp(rows), dv(vals), dsc(x.size());
    DeviceArray<float> dlsm2(lsm);
    pick_rows(dlsm2.get(), rows, cols, dl.get(), dp.get());
    scatter_rows(dv.get(), rows, cols, dl.get(), dsc.get());
    expect_equal("pickRows", dp.to_host(), picked);
    expect_equal("scatterRows", dsc.to_host(), scattered);
  }
  // An invalid label gives a NaN loss on the device (the binding validates host labels).
  std::vector<float> x = random_floats(6);
  std::vector<int32_t> bad = {0, 3};
  DeviceArray<float> dx(x), dloss(2);
  DeviceArray<int32_t> dl(bad);
  softmax_cross_entropy(dx.get(), 2, 3, dl.get(), dloss.get(), nullptr);
  const auto loss = dloss.to_host();
  expect(!std::isnan(loss[0]) && std::isnan(loss[1]), "softmaxCrossEntropy: an invalid label must give NaN");
}

}  // namespace pai::cuda::test
