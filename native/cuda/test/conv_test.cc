// Convolution forward, input gradient and weight gradient (plain and masked), fp32 and
// TF32, against the CPU kernels, over strides, paddings, dilations and groups.
#include <cmath>

#include "check.h"
#include "cuda/conv.h"
#include "pai/conv.h"

namespace pai::cuda::test {
namespace {

::pai::Conv2dShape shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t k, int64_t stride,
                         int64_t pad, int64_t dil, int64_t groups) {
  ::pai::Conv2dShape s;
  s.n = n, s.c = c, s.h = h, s.w = w, s.o = o, s.kh = k, s.kw = k;
  s.sh = s.sw = stride;
  s.ph = s.pw = pad;
  s.dh = s.dw = dil;
  s.groups = groups;
  return s;
}

std::vector<float> absolute(const std::vector<float>& v) {
  std::vector<float> a(v.size());
  for (size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
  return a;
}

void run_case(const ::pai::Conv2dShape& s, bool masked, bool tf32) {
  auto x = random_floats(s.x_size()), w = random_floats(s.weight_size()), gy = random_floats(s.out_size());
  auto bias = random_floats(s.o);
  std::vector<float> mask = masked ? random_mask(s.weight_size(), 0.4) : std::vector<float>();
  const float* m = masked ? mask.data() : nullptr;
  std::vector<float> out(s.out_size()), gx(s.x_size()), gw(s.weight_size());
  ::pai::conv2d_forward(s, x.data(), w.data(), m, bias.data(), out.data());
  ::pai::conv2d_grad_input(s, gy.data(), w.data(), m, gx.data());
  ::pai::conv2d_grad_weight(s, x.data(), gy.data(), m, gw.data());
  // Error scales: the same products on absolute values.
  auto ax = absolute(x), aw = absolute(w), agy = absolute(gy), ab = absolute(bias);
  std::vector<float> so(out.size()), sx(gx.size()), sw(gw.size());
  ::pai::conv2d_forward(s, ax.data(), aw.data(), m, ab.data(), so.data());
  ::pai::conv2d_grad_input(s, agy.data(), aw.data(), m, sx.data());
  ::pai::conv2d_grad_weight(s, ax.data(), agy.data(), m, sw.data());
  for (auto* v : {&so, &sx, &sw})
    for (auto& e : *v) e += 1e-6f;

  DeviceArray<float> dx(x), dw(w), dgy(gy), db(bias), dm(masked ? mask : std::vector<float>(1));
  DeviceArray<float> dout(out.size()), dgx(gx.size()), dgw(gw.size());
  poison(dout), poison(dgx), poison(dgw);
  set_tf32(tf32);
  cuda::conv2d_forward(s, dx.get(), dw.get(), masked ? dm.get() : nullptr, db.get(), dout.get());
  cuda::conv2d_grad_input(s, dgy.get(), dw.get(), masked ? dm.get() : nullptr, dgx.get());
  cuda::conv2d_grad_weight(s, dx.get(), dgy.get(), masked ? dm.get() : nullptr, dgw.get());
  set_tf32(false);
  const double k_fwd = static_cast<double>(s.c / s.groups * s.kh * s.kw);
  const double k_gw = static_cast<double>(s.n * s.out_h() * s.out_w());
  const double tol_f = tf32 ? 2e-3 : 1e-5 * (1 + std::sqrt(k_fwd));
  const double tol_w = tf32 ? 2e-3 : 1e-5 * (1 + std::sqrt(k_gw));
  char what[200];
  std::snprintf(what, sizeof what, "n%lld c%lld %lldx%lld o%lld k%lld s%lld p%lld d%lld g%lld%s%s",
                static_cast<long long>(s.n), static_cast<long long>(s.c), static_cast<long long>(s.h),
                static_cast<long long>(s.w), static_cast<long long>(s.o), static_cast<long long>(s.kh),
                static_cast<long long>(s.sh), static_cast<long long>(s.ph), static_cast<long long>(s.dh),
                static_cast<long long>(s.groups), masked ? " masked" : "", tf32 ? " tf32" : "");
  expect_scaled((std::string("conv2dForward ") + what).c_str(), dout.to_host(), out, so, tol_f);
  expect_scaled((std::string("conv2dGradInput ") + what).c_str(), dgx.to_host(), gx, sx, tol_f);
  auto got_w = dgw.to_host();
  expect_scaled((std::string("conv2dGradWeight ") + what).c_str(), got_w, gw, sw, tol_w);
  if (masked)
    for (size_t i = 0; i < mask.size(); ++i)
      expect(mask[i] != 0.f || got_w[i] == 0.f, std::string("conv2dGradWeight ") + what + ": masked entry not 0");
}

const ::pai::Conv2dShape kShapes[] = {
    shape(1, 1, 1, 1, 1, 1, 1, 0, 1, 1),     shape(2, 3, 7, 5, 4, 3, 1, 1, 1, 1),
    shape(3, 5, 11, 13, 7, 3, 2, 1, 1, 1),   shape(2, 4, 9, 9, 6, 3, 2, 0, 1, 2),
    shape(1, 6, 8, 10, 6, 3, 1, 2, 2, 6),    shape(2, 3, 17, 3, 2, 5, 3, 2, 1, 1),
    shape(4, 16, 6, 6, 33, 1, 1, 0, 1, 1),   shape(2, 2, 13, 11, 131, 3, 1, 1, 1, 1),
    shape(5, 130, 5, 4, 3, 3, 1, 1, 1, 1),   shape(16, 8, 16, 16, 8, 3, 1, 1, 1, 1),
};

}  // namespace

PAI_CUDA_TEST(conv2d_fp32) {
  for (const auto& s : kShapes) run_case(s, false, false);
}

PAI_CUDA_TEST(conv2d_masked) {
  for (const auto& s : kShapes) run_case(s, true, false);
}

PAI_CUDA_TEST(conv2d_tf32) {
  for (const auto& s : kShapes) run_case(s, random_int(0, 1) == 1, true);
}

}  // namespace pai::cuda::test
