// The CUDA-vs-CPU test program: runs every registered case on fresh random inputs and
// prints one PASS/FAIL line each. Needs only CMake and nvcc to build (no Node.js), so it
// runs as is on a bare GPU machine.
//   pai_cuda_test [--filter SUBSTRING] [--list]     (PAI_TEST_SEED=N repeats a run)
//   pai_cuda_test --bench [--quick] [--json FILE]   (the GPU benchmarks, bench.cc)
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "bench.h"
#include "check.h"

namespace pai::cuda::test {

std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}

std::mt19937_64& rng() {
  static std::mt19937_64 r;
  return r;
}

std::vector<float> random_floats(size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng());
  return v;
}

std::vector<float> random_mask(size_t n, double density) {
  std::bernoulli_distribution d(density);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng()) ? 1.f : 0.f;
  return v;
}

int64_t random_int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng()); }

void expect_close(const char* what, const std::vector<float>& got, const std::vector<float>& want, double rtol,
                  double atol) {
  if (got.size() != want.size())
    throw Failure(std::string(what) + ": size " + std::to_string(got.size()) + " vs " + std::to_string(want.size()));
  size_t worst = 0;
  double worst_excess = 0;
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], w = want[i];
    if (std::isnan(w) || std::isnan(g)) {
      if (std::isnan(w) != std::isnan(g)) {
        ++bad;
        if (worst_excess < 1e300) worst = i, worst_excess = 1e300;
      }
      continue;
    }
    if (std::isinf(w) || std::isinf(g)) {
      if (g != w) ++bad, worst = i, worst_excess = 1e300;
      continue;
    }
    const double excess = std::fabs(g - w) - (atol + rtol * std::fabs(w));
    if (excess > 0) {
      ++bad;
      if (excess > worst_excess) worst = i, worst_excess = excess;
    }
  }
  if (bad) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: %zu of %zu elements off; worst at %zu: got %.9g, expected %.9g", what, bad,
                  got.size(), worst, static_cast<double>(got[worst]), static_cast<double>(want[worst]));
    throw Failure(buf);
  }
}

void expect_scaled(const char* what, const std::vector<float>& got, const std::vector<float>& want,
                   const std::vector<float>& scale, double tol) {
  if (got.size() != want.size() || scale.size() != want.size()) throw Failure(std::string(what) + ": size mismatch");
  size_t bad = 0, worst = 0;
  double worst_ratio = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    const double bound = tol * scale[i] + 1e-30;
    if (!(err <= bound)) {
      ++bad;
      const double ratio = std::isnan(err) ? 1e300 : err / bound;
      if (ratio > worst_ratio) worst_ratio = ratio, worst = i;
    }
  }
  if (bad) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: %zu of %zu elements off; worst at %zu: got %.9g, expected %.9g (scale %.3g)",
                  what, bad, got.size(), worst, static_cast<double>(got[worst]), static_cast<double>(want[worst]),
                  static_cast<double>(scale[worst]));
    throw Failure(buf);
  }
}

void expect_equal_bits(const char* what, const std::vector<float>& got, const std::vector<float>& want) {
  if (got.size() != want.size()) throw Failure(std::string(what) + ": size mismatch");
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      if (!bad) first = i;
      ++bad;
    }
  if (bad) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s: %zu of %zu elements differ in bits; first at %zu: got %.9g, expected %.9g",
                  what, bad, got.size(), first, static_cast<double>(got[first]), static_cast<double>(want[first]));
    throw Failure(buf);
  }
}

void expect(bool ok, const std::string& what) {
  if (!ok) throw Failure(what);
}

}  // namespace pai::cuda::test

int main(int argc, char** argv) {
  using namespace pai::cuda;
  using namespace pai::cuda::test;
  const char* filter = nullptr;
  const char* json = nullptr;
  bool bench = false, quick = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--filter") && i + 1 < argc) {
      filter = argv[++i];
    } else if (!std::strcmp(argv[i], "--json") && i + 1 < argc) {
      json = argv[++i];
    } else if (!std::strcmp(argv[i], "--bench")) {
      bench = true;
    } else if (!std::strcmp(argv[i], "--quick")) {
      quick = true;
    } else if (!std::strcmp(argv[i], "--list")) {
      for (auto& c : cases()) std::cout << c.name << "\n";
      return 0;
    } else {
      std::cerr << "usage: pai_cuda_test [--filter SUBSTRING] [--list] | --bench [--quick] [--json FILE]\n";
      return 2;
    }
  }
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("PAI_TEST_SEED")) seed = std::strtoull(s, nullptr, 10);
  rng().seed(seed);

  std::string why;
  auto devices = list_devices(&why);
  if (devices.empty()) {
    std::cout << "pai_cuda_test: no GPU: " << why << "\n";
    return 3;
  }
  ensure_context(0);
  const auto& d = devices[0];
  std::cout << "pai_cuda_test: " << d.name << " (sm_" << d.major << d.minor << ", "
            << (d.memory >> 20) << " MiB), seed " << seed << " (PAI_TEST_SEED=" << seed << " repeats)\n";

  if (bench) return run_benchmarks(json, quick);

  int passed = 0, failed = 0;
  for (auto& c : cases()) {
    if (filter && c.name.find(filter) == std::string::npos) continue;
    const auto t0 = std::chrono::steady_clock::now();
    std::string error;
    try {
      c.run();
      synchronize(c.name.c_str());
    } catch (const std::exception& e) {
      error = e.what();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (error.empty()) {
      ++passed;
      std::printf("PASS %-36s %8.1f ms\n", c.name.c_str(), ms);
    } else {
      ++failed;
      std::printf("FAIL %-36s %s\n", c.name.c_str(), error.c_str());
    }
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
