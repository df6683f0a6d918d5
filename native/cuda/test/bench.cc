// `pai_cuda_test --bench [--json FILE]`: the headline GPU figures without Node.js: SGEMM
// 4096^3 in fp32 and TF32 (TFLOP/s), a VGG-16 convolution layer's three products, and the
// exact global selection over 100M scores (ms, GB/s of one read plus one mask write).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench.h"
#include "check.h"
#include "cuda/conv.h"
#include "cuda/gemm.h"
#include "cuda/philox.h"
#include "cuda/select.h"

namespace pai::cuda::test {
namespace {

struct Result {
  std::string name, metric;
  double median, min, max;
  int n;
  std::string params;
};

// Seconds per call: warm-up, then `repeat` timed calls, each followed by a stream wait.
template <typename F>
std::vector<double> time_calls(F f, int warmup, int repeat) {
  for (int i = 0; i < warmup; ++i) f();
  synchronize("bench");
  std::vector<double> t;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    synchronize("bench");
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return t;
}

Result summarize(const std::string& name, const std::string& metric, std::vector<double> seconds, double work,
                 bool rate, const std::string& params) {
  std::vector<double> v;
  for (double s : seconds) v.push_back(rate ? work / s : s * 1e3);
  std::sort(v.begin(), v.end());
  return {name, metric, v[v.size() / 2], v.front(), v.back(), static_cast<int>(v.size()), params};
}

}  // namespace

int run_benchmarks(const char* json_path, bool quick) {
  std::vector<Result> results;
  const int repeat = quick ? 3 : 10;

  // SGEMM, square.
  const int64_t s = quick ? 256 : 4096;
  {
    DeviceArray<float> a(s * s), b(s * s), c(s * s);
    philox_normal(1, 0, 0, 0.0, 1.0, a.get(), s * s);
    philox_normal(2, 0, 0, 0.0, 1.0, b.get(), s * s);
    for (bool tf32 : {false, true}) {
      set_tf32(tf32);
      auto t = time_calls([&] { sgemm(false, false, s, s, s, 1.f, a.get(), s, b.get(), s, 0.f, c.get(), s); }, 2,
                          repeat);
      char name[64];
      std::snprintf(name, sizeof name, "sgemm %lldx%lldx%lld %s", static_cast<long long>(s),
                    static_cast<long long>(s), static_cast<long long>(s), tf32 ? "tf32" : "fp32");
      results.push_back(summarize(name, "tflops", t, 2.0 * s * s * s / 1e12, true,
                                  std::string("\"m\":") + std::to_string(s) + ",\"precision\":\"" +
                                      (tf32 ? "tf32" : "fp32") + "\""));
    }
    set_tf32(false);
  }

  // A VGG-16 layer (conv4_x at CIFAR size): batch 128, 256 -> 512 channels, 4x4... use 8x8.
  {
    ::pai::Conv2dShape cs;
    cs.n = quick ? 8 : 128, cs.c = 256, cs.h = 8, cs.w = 8, cs.o = 512, cs.kh = 3, cs.kw = 3, cs.ph = 1, cs.pw = 1;
    DeviceArray<float> x(cs.x_size()), w(cs.weight_size()), y(cs.out_size()), gx(cs.x_size()), gw(cs.weight_size());
    philox_normal(3, 0, 0, 0.0, 1.0, x.get(), cs.x_size());
    philox_normal(4, 0, 0, 0.0, 0.05, w.get(), cs.weight_size());
    philox_normal(5, 0, 0, 0.0, 1.0, y.get(), cs.out_size());
    const double flops = 2.0 * cs.out_size() * cs.c * cs.kh * cs.kw / 1e9;
    for (bool tf32 : {false, true}) {
      set_tf32(tf32);
      const std::string p = std::string("\"n\":") + std::to_string(cs.n) + ",\"c\":256,\"hw\":8,\"o\":512,\"precision\":\"" +
                            (tf32 ? "tf32" : "fp32") + "\"";
      const std::string tag = tf32 ? " tf32" : " fp32";
      results.push_back(summarize("conv 256->512 8x8 forward" + tag, "gflops",
                                  time_calls([&] { cuda::conv2d_forward(cs, x.get(), w.get(), nullptr, nullptr, y.get()); }, 2,
                                             repeat),
                                  flops, true, p));
      results.push_back(summarize("conv 256->512 8x8 grad input" + tag, "gflops",
                                  time_calls([&] { cuda::conv2d_grad_input(cs, y.get(), w.get(), nullptr, gx.get()); }, 2,
                                             repeat),
                                  flops, true, p));
      results.push_back(summarize("conv 256->512 8x8 grad weight" + tag, "gflops",
                                  time_calls([&] { cuda::conv2d_grad_weight(cs, x.get(), y.get(), nullptr, gw.get()); }, 2,
                                             repeat),
                                  flops, true, p));
    }
    set_tf32(false);
  }

  // Global selection: keep 10% of 100M uniform scores.
  {
    const int64_t n = quick ? (1 << 20) : 100000000;
    DeviceArray<float> scores(n), mask(n);
    philox_uniform(6, 0, 0, scores.get(), n);
    auto t = time_calls([&] { select_top_k(scores.get(), n, n / 10, mask.get()); }, 2, repeat);
    const std::string p = std::string("\"n\":") + std::to_string(n) + ",\"k\":" + std::to_string(n / 10);
    results.push_back(summarize("select top 10% of " + std::to_string(n), "ms", t, 0, false, p));
    results.push_back(summarize("select top 10% of " + std::to_string(n) + " bandwidth", "gb_per_s", t,
                                8.0 * n / 1e9, true, p));
  }

  std::printf("%-40s %10s %10s %10s %10s\n", "case", "metric", "median", "min", "max");
  for (const auto& r : results)
    std::printf("%-40s %10s %10.3f %10.3f %10.3f\n", r.name.c_str(), r.metric.c_str(), r.median, r.min, r.max);
  if (json_path) {
    FILE* f = std::fopen(json_path, "w");
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", json_path);
      return 1;
    }
    std::fprintf(f, "{\"records\":[\n");
    for (size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      const bool higher = r.metric != "ms";
      std::fprintf(f,
                   "  {\"suite\":\"cuda\",\"case\":\"%s\",\"metric\":\"%s\",\"higherIsBetter\":%s,\"median\":%.6g,"
                   "\"min\":%.6g,\"max\":%.6g,\"n\":%d,\"params\":{%s,\"backend\":\"cuda-native\"}}%s\n",
                   r.name.c_str(), r.metric.c_str(), higher ? "true" : "false", r.median, r.min, r.max, r.n,
                   r.params.c_str(), i + 1 < results.size() ? "," : "");
    }
    std::fprintf(f, "]}\n");
    std::fclose(f);
  }
  return 0;
}

}  // namespace pai::cuda::test
