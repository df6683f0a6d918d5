// SGEMM: every transpose pair, alpha/beta, masks, odd shapes and split-K, fp32 and TF32,
// against the CPU kernel.
#include <cmath>

#include "check.h"
#include "cuda/gemm.h"
#include "pai/gemm.h"

namespace pai::cuda::test {
namespace {

struct GemmCase {
  bool ta, tb;
  int64_t m, n, k;
  float alpha, beta;
  double a_density = -1, b_density = -1;  // masks when >= 0
  int64_t pad = 0;                        // extra leading-dimension slack
};

void run_case(const GemmCase& g, bool tf32) {
  const int64_t a_rows = g.ta ? g.k : g.m, a_cols = g.ta ? g.m : g.k;
  const int64_t b_rows = g.tb ? g.n : g.k, b_cols = g.tb ? g.k : g.n;
  const int64_t lda = a_cols + g.pad, ldb = b_cols + g.pad, ldc = g.n + g.pad;
  auto a = random_floats(a_rows * lda), b = random_floats(b_rows * ldb), c = random_floats(g.m * ldc);
  std::vector<float> am, bm;
  if (g.a_density >= 0) am = random_mask(a.size(), g.a_density);
  if (g.b_density >= 0) bm = random_mask(b.size(), g.b_density);

  std::vector<float> want = c;
  ::pai::GemmMasks masks;
  masks.a = am.empty() ? nullptr : am.data();
  masks.b = bm.empty() ? nullptr : bm.data();
  ::pai::sgemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, a.data(), lda, b.data(), ldb, g.beta, want.data(), ldc, masks);
  // Error scale per element: |alpha| |op(A)| |op(B)| + |beta C|.
  std::vector<float> aa(a.size()), ab(b.size()), scale(c.size());
  for (size_t i = 0; i < a.size(); ++i) aa[i] = std::fabs(a[i]);
  for (size_t i = 0; i < b.size(); ++i) ab[i] = std::fabs(b[i]);
  for (size_t i = 0; i < c.size(); ++i) scale[i] = std::fabs(g.beta * c[i]);
  ::pai::sgemm(g.ta, g.tb, g.m, g.n, g.k, std::fabs(g.alpha), aa.data(), lda, ab.data(), ldb, 1.f, scale.data(), ldc,
               masks);
  for (auto& s : scale) s += 1e-6f;

  DeviceArray<float> da(a), db(b), dc(c);
  DeviceArray<float> dam(am.empty() ? std::vector<float>(1) : am), dbm(bm.empty() ? std::vector<float>(1) : bm);
  set_tf32(tf32);
  sgemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, da.get(), lda, db.get(), ldb, g.beta, dc.get(), ldc,
        am.empty() ? nullptr : dam.get(), bm.empty() ? nullptr : dbm.get());
  set_tf32(false);
  char what[160];
  std::snprintf(what, sizeof what, "sgemm%s ta=%d tb=%d m=%lld n=%lld k=%lld alpha=%g beta=%g%s", tf32 ? " tf32" : "",
                g.ta, g.tb, static_cast<long long>(g.m), static_cast<long long>(g.n), static_cast<long long>(g.k),
                g.alpha, g.beta, am.empty() && bm.empty() ? "" : " masked");
  // fp32: any summation order stays within a few k ulps of the scale; TF32 rounds each
  // operand to 11 significant bits (relative error 2^-11 per product).
  expect_scaled(what, dc.to_host(), want, scale, tf32 ? 2e-3 : 1e-5 * (1 + std::sqrt(static_cast<double>(g.k))));
}

const GemmCase kCases[] = {
    {false, false, 1, 1, 1, 1.f, 0.f},
    {false, false, 7, 13, 5, 1.f, 0.f},
    {true, false, 31, 17, 29, 0.5f, 1.f},
    {false, true, 129, 131, 37, 1.f, -0.5f},
    {true, true, 67, 257, 19, -2.f, 0.25f},
    {false, false, 130, 3, 97, 1.f, 0.f, -1, -1, 3},
    {true, false, 5, 7, 3001, 1.f, 0.f},         // long K: split over blocks
    {false, true, 2, 129, 2053, 1.f, 1.f, -1, -1, 1},
    {false, false, 33, 65, 47, 1.f, 0.f, 0.3, -1},
    {true, true, 41, 23, 53, 1.f, 0.5f, -1, 0.1},
    {false, false, 17, 19, 0, 1.f, 0.5f},         // k = 0: C = beta C
    {false, false, 256, 256, 64, 1.f, 0.f},
};

}  // namespace

PAI_CUDA_TEST(sgemm_fp32) {
  for (const auto& g : kCases) run_case(g, false);
}

PAI_CUDA_TEST(sgemm_tf32) {
  for (const auto& g : kCases) run_case(g, true);
}

PAI_CUDA_TEST(sgemm_random_shapes) {
  for (int i = 0; i < 6; ++i) {
    GemmCase g{random_int(0, 1) == 1, random_int(0, 1) == 1, random_int(1, 150), random_int(1, 150),
               random_int(1, 150), 1.f, random_int(0, 1) ? 0.f : 0.7f};
    run_case(g, i % 2 == 1);
  }
}

}  // namespace pai::cuda::test
