// Pooling, batch norm and the fused optimizer steps against the CPU kernels.
#include <cmath>
#include <limits>

#include "check.h"
#include "cuda/batchnorm.h"
#include "cuda/optim.h"
#include "cuda/pool.h"
#include "pai/batchnorm.h"
#include "pai/optim.h"
#include "pai/pool.h"

namespace pai::cuda::test {
namespace {

::pai::Pool2dShape pool(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s, int64_t p) {
  ::pai::Pool2dShape sh;
  sh.n = n, sh.c = c, sh.h = h, sh.w = w, sh.kh = k, sh.kw = k, sh.sh = s, sh.sw = s, sh.ph = p, sh.pw = p;
  return sh;
}

}  // namespace

PAI_CUDA_TEST(pooling) {
  const ::pai::Pool2dShape shapes[] = {pool(1, 1, 1, 1, 1, 1, 0), pool(2, 3, 8, 8, 2, 2, 0), pool(2, 3, 7, 9, 3, 2, 1),
                                       pool(1, 2, 5, 5, 3, 1, 1), pool(3, 1, 11, 4, 2, 3, 1), pool(2, 2, 6, 6, 4, 2, 2)};
  for (const auto& s : shapes) {
    const int64_t nin = s.n * s.c * s.h * s.w, nout = s.n * s.c * s.out_h() * s.out_w();
    auto x = random_floats(nin), gy = random_floats(nout), src = random_floats(nin);
    for (auto& v : x) v = std::round(v * 3.f) / 3.f;  // ties in windows
    if (nin > 3) x[3] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> out(nout), gx(nin), gathered(nout), aout(nout), agx(nin);
    std::vector<int32_t> arg(nout);
    ::pai::max_pool2d_forward(s, x.data(), out.data(), arg.data());
    ::pai::max_pool2d_backward(gy.data(), arg.data(), s.n, s.c, s.h, s.w, s.out_h(), s.out_w(), gx.data());
    ::pai::max_pool2d_gather(src.data(), arg.data(), s.n, s.c, s.h, s.w, s.out_h(), s.out_w(), gathered.data());
    ::pai::avg_pool2d_forward(s, x.data(), aout.data());
    ::pai::avg_pool2d_backward(s, gy.data(), agx.data());
    DeviceArray<float> dx(x), dgy(gy), dsrc(src), dout(nout), dgx(nin), dgath(nout), daout(nout), dagx(nin);
    DeviceArray<int32_t> darg(nout);
    poison(dgx), poison(dagx);
    cuda::max_pool2d_forward(s, dx.get(), dout.get(), darg.get());
    cuda::max_pool2d_backward(s, dgy.get(), darg.get(), dgx.get());
    max_pool2d_gather(dsrc.get(), darg.get(), s.n * s.c, s.h * s.w, s.out_h() * s.out_w(), dgath.get());
    cuda::avg_pool2d_forward(s, dx.get(), daout.get());
    cuda::avg_pool2d_backward(s, dgy.get(), dagx.get());
    expect_close("maxPool2dForward", dout.to_host(), out, 0, 0);
    expect_equal("maxPool2dForward argmax", darg.to_host(), arg);
    expect_close("maxPool2dBackward", dgx.to_host(), gx, 1e-6, 1e-7);
    expect_close("maxPool2dGather", dgath.to_host(), gathered, 0, 0);
    expect_close("avgPool2dForward", daout.to_host(), aout, 1e-6, 1e-6);
    expect_close("avgPool2dBackward", dagx.to_host(), agx, 1e-6, 1e-6);
  }
  const int64_t ad[][4] = {{7, 9, 3, 4}, {5, 5, 1, 1}, {2, 3, 5, 7}, {10, 6, 4, 4}};
  for (const auto& a : ad) {
    const int64_t n = 2, c = 3, h = a[0], w = a[1], oh = a[2], ow = a[3];
    auto x = random_floats(n * c * h * w), gy = random_floats(n * c * oh * ow);
    std::vector<float> out(n * c * oh * ow), gx(n * c * h * w);
    ::pai::adaptive_avg_pool2d_forward(x.data(), n, c, h, w, oh, ow, out.data());
    ::pai::adaptive_avg_pool2d_backward(gy.data(), n, c, h, w, oh, ow, gx.data());
    DeviceArray<float> dx(x), dgy(gy), dout(out.size()), dgx(gx.size());
    adaptive_avg_pool2d_forward(dx.get(), n, c, h, w, oh, ow, dout.get());
    adaptive_avg_pool2d_backward(dgy.get(), n, c, h, w, oh, ow, dgx.get());
    expect_close("adaptiveAvgPool2dForward", dout.to_host(), out, 1e-6, 1e-6);
    expect_close("adaptiveAvgPool2dBackward", dgx.to_host(), gx, 1e-6, 1e-6);
  }
}

PAI_CUDA_TEST(batch_norm) {
  const int64_t cases[][3] = {{1, 1, 1}, {4, 3, 25}, {2, 5, 1}, {16, 8, 1024}, {3, 130, 7}};
  for (const auto& c : cases) {
    const int64_t n = c[0], ch = c[1], hw = c[2], total = n * ch * hw;
    auto x = random_floats(total, 5.f, 7.f), gy = random_floats(total), gamma = random_floats(ch),
         beta = random_floats(ch), rm = random_floats(ch), rv = random_floats(ch, 0.5f, 2.f);
    std::vector<float> out(total), mean(ch), invstd(ch), eout(total), gx(total), gg(ch), gb(ch);
    ::pai::batch_norm_train_forward(x.data(), n, ch, hw, gamma.data(), beta.data(), 1e-5f, out.data(), mean.data(),
                                    invstd.data());
    ::pai::batch_norm_eval_forward(x.data(), n, ch, hw, rm.data(), rv.data(), gamma.data(), beta.data(), 1e-5f,
                                   eout.data());
    ::pai::batch_norm_backward(gy.data(), x.data(), n, ch, hw, mean.data(), invstd.data(), gamma.data(), gx.data(),
                               gg.data(), gb.data());
    DeviceArray<float> dx(x), dgy(gy), dgamma(gamma), dbeta(beta), drm(rm), drv(rv);
    DeviceArray<float> dout(total), dmean(ch), dinv(ch), deout(total), dgx(total), dgg(ch), dgb(ch);
    batch_norm_train_forward(dx.get(), n, ch, hw, dgamma.get(), dbeta.get(), 1e-5f, dout.get(), dmean.get(),
                             dinv.get());
    batch_norm_eval_forward(dx.get(), n, ch, hw, drm.get(), drv.get(), dgamma.get(), dbeta.get(), 1e-5f, deout.get());
    batch_norm_backward(dgy.get(), dx.get(), n, ch, hw, dmean.get(), dinv.get(), dgamma.get(), dgx.get(), dgg.get(),
                        dgb.get());
    expect_close("batchNormTrainForward mean", dmean.to_host(), mean, 1e-6, 1e-6);
    // A single element per channel has zero variance: invstd = 1/sqrt(eps), sensitive.
    expect_close("batchNormTrainForward invstd", dinv.to_host(), invstd, n * hw == 1 ? 1e-3 : 1e-4, 1e-6);
    expect_close("batchNormTrainForward out", dout.to_host(), out, 1e-4, 1e-4);
    expect_close("batchNormEvalForward", deout.to_host(), eout, 1e-6, 1e-6);
    expect_close("batchNormBackward gx", dgx.to_host(), gx, 1e-3, 1e-4);
    expect_close("batchNormBackward ggamma", dgg.to_host(), gg, 1e-4, 1e-4);
    expect_close("batchNormBackward gbeta", dgb.to_host(), gb, 1e-5, 1e-5);
    // Without affine parameters.
    batch_norm_train_forward(dx.get(), n, ch, hw, nullptr, nullptr, 1e-5f, dout.get(), dmean.get(), dinv.get());
    ::pai::batch_norm_train_forward(x.data(), n, ch, hw, nullptr, nullptr, 1e-5f, out.data(), mean.data(),
                                    invstd.data());
    expect_close("batchNormTrainForward no affine", dout.to_host(), out, 1e-4, 1e-4);

    std::vector<float> want_m = rm, want_v = rv;
    const double unbias = n * hw > 1 ? double(n * hw) / double(n * hw - 1) : 1.0;
    for (int64_t k = 0; k < ch; ++k) {
      const double biased = 1.0 / (double(invstd[k]) * invstd[k]) - 1e-5;
      want_m[k] = static_cast<float>(0.9 * rm[k] + 0.1 * mean[k]);
      want_v[k] = static_cast<float>(0.9 * rv[k] + 0.1 * biased * unbias);
    }
    DeviceArray<float> dm2(mean), di2(invstd);
    batch_norm_update_running(drm.get(), drv.get(), dm2.get(), di2.get(), ch, 0.1, 1e-5, n * hw);
    expect_close("batchNormUpdateRunning mean", drm.to_host(), want_m, 1e-6, 1e-7);
    expect_close("batchNormUpdateRunning var", drv.to_host(), want_v, 1e-5, 1e-6);
  }
}

PAI_CUDA_TEST(optimizer_steps) {
  const int64_t n = 10007;
  for (int variant = 0; variant < 4; ++variant) {
    auto p = random_floats(n), g = random_floats(n), buf = random_floats(n), mask = random_mask(n, 0.3);
    ::pai::SgdConfig c;
    c.lr = 0.05, c.momentum = variant == 0 ? 0.0 : 0.9, c.dampening = variant == 2 ? 0.1 : 0.0;
    c.weight_decay = 5e-4, c.nesterov = variant == 3, c.first_step = variant == 1;
    const bool masked = variant % 2 == 1;
    auto wp = p, wb = buf;
    ::pai::sgd_step(wp.data(), g.data(), wb.data(), masked ? mask.data() : nullptr, n, c);
    DeviceArray<float> dp(p), dg(g), db(buf), dm(mask);
    cuda::sgd_step(dp.get(), dg.get(), db.get(), masked ? dm.get() : nullptr, n, c);
    expect_close("sgdStep param", dp.to_host(), wp, 1e-6, 1e-7);
    if (c.momentum != 0) expect_close("sgdStep momentum", db.to_host(), wb, 1e-6, 1e-7);
  }
  for (int variant = 0; variant < 2; ++variant) {
    auto p = random_floats(n), g = random_floats(n), m = random_floats(n), v = random_floats(n, 0.f, 1.f),
         mask = random_mask(n, 0.5);
    ::pai::AdamConfig c;
    c.lr = 1e-3, c.weight_decay = 1e-2, c.decoupled = variant == 1, c.step = 7;
    auto wp = p, wm = m, wv = v;
    ::pai::adam_step(wp.data(), g.data(), wm.data(), wv.data(), variant ? mask.data() : nullptr, n, c);
    DeviceArray<float> dp(p), dg(g), dm(m), dv(v), dmask(mask);
    cuda::adam_step(dp.get(), dg.get(), dm.get(), dv.get(), variant ? dmask.get() : nullptr, n, c);
    expect_close("adamStep param", dp.to_host(), wp, 1e-6, 1e-7);
    expect_close("adamStep m", dm.to_host(), wm, 1e-6, 1e-7);
    expect_close("adamStep v", dv.to_host(), wv, 1e-6, 1e-7);
  }
}

}  // namespace pai::cuda::test
