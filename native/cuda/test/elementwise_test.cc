// Elementwise, broadcasting, select, strided copy and permutation against the CPU kernels
// (or, where the CPU has no kernel, the reference loop written out here).
#include <cmath>
#include <limits>

#include "check.h"
#include "cuda/elementwise.h"
#include "pai/elementwise.h"

namespace pai::cuda::test {
namespace {

std::vector<int64_t> contiguous(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) s[d] = acc, acc *= shape[d];
  return s;
}

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// Strides of an operand of shape `own` broadcast against `out` (right-aligned, 0 on size-1 dims).
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& own, const std::vector<int64_t>& out) {
  std::vector<int64_t> s(out.size(), 0);
  const auto c = contiguous(own);
  const size_t lead = out.size() - own.size();
  for (size_t d = 0; d < own.size(); ++d) s[lead + d] = own[d] == 1 ? 0 : c[d];
  return s;
}

}  // namespace

PAI_CUDA_TEST(unary_ops) {
  const char* names[] = {"neg", "abs", "sign", "exp", "log", "sqrt", "relu", "step", "square", "pow", "clamp", "affine",
                         "rsqrt"};
  for (const char* name : names) {
    ::pai::UnaryOp op;
    expect(::pai::parse_unary_op(name, &op), std::string("unknown op ") + name);
    auto x = random_floats(1031, -3.f, 3.f);
    x[0] = 0.f, x[1] = -0.f, x[2] = std::numeric_limits<float>::quiet_NaN(), x[3] = 1e-30f;
    std::vector<float> want(x.size());
    ::pai::unary(op, x.data(), want.data(), static_cast<int64_t>(x.size()), 1.7f, 0.4f);
    DeviceArray<float> dx(x), dout(x.size());
    cuda::unary(op, dx.get(), dout.get(), static_cast<int64_t>(x.size()), 1.7f, 0.4f);
    // atol: affine cancels near x = -beta / alpha, where a fused and an unfused
    // multiply-add differ by an ulp of alpha x, not of the result.
    expect_close((std::string("unary ") + name).c_str(), dout.to_host(), want, 3e-6, 1e-6);
    cuda::unary(op, dx.get(), dx.get(), static_cast<int64_t>(x.size()), 1.7f, 0.4f);  // in place
    expect_close((std::string("unary in place ") + name).c_str(), dx.to_host(), want, 3e-6, 1e-6);
  }
}

PAI_CUDA_TEST(binary_broadcast) {
  const char* names[] = {"add", "sub", "mul", "div", "pow", "max", "min", "gt", "ge", "lt", "le", "eq"};
  const std::vector<std::vector<int64_t>> shapes[] = {
      {{7}, {7}, {7}},
      {{3, 1, 5}, {1, 4, 5}, {3, 4, 5}},
      {{2, 3, 4, 5}, {5}, {2, 3, 4, 5}},
      {{1}, {6, 1, 1, 7}, {6, 1, 1, 7}},
      {{2, 1, 3, 1, 2, 1, 2, 1}, {1, 3, 1, 2, 1, 2, 1, 3}, {2, 3, 3, 2, 2, 2, 2, 3}},  // 8 unmergeable dims
  };
  for (const char* name : names) {
    ::pai::BinaryOp op;
    expect(::pai::parse_binary_op(name, &op), std::string("unknown op ") + name);
    for (const auto& sh : shapes) {
      const auto &sa = sh[0], &sb = sh[1], &so = sh[2];
      auto a = random_floats(numel(sa), 0.1f, 2.f), b = random_floats(numel(sb), -2.f, 2.f);
      if (a.size() > 2) a[1] = std::numeric_limits<float>::quiet_NaN(), a[2] = b[0];
      const auto as = broadcast_strides(sa, so), bs = broadcast_strides(sb, so);
      std::vector<float> want(numel(so));
      ::pai::binary(op, a.data(), as.data(), b.data(), bs.data(), want.data(), so.data(), static_cast<int>(so.size()));
      DeviceArray<float> da(a), db(b), dout(want.size());
      cuda::binary(op, da.get(), as.data(), db.get(), bs.data(), dout.get(), so.data(), static_cast<int>(so.size()));
      expect_close((std::string("binary ") + name).c_str(), dout.to_host(), want, 3e-6, 1e-30);
    }
  }
}

PAI_CUDA_TEST(where_and_strided_copy) {
  const std::vector<int64_t> shape = {3, 4, 5};
  const auto cs = broadcast_strides({3, 1, 5}, shape), as = broadcast_strides({4, 5}, shape),
             bs = broadcast_strides({3, 4, 5}, shape);
  auto cond = random_mask(15, 0.5), a = random_floats(20), b = random_floats(60);
  std::vector<float> want(60);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t k = 0; k < 5; ++k) {
        const int64_t o = (i * 4 + j) * 5 + k;
        want[o] = cond[i * cs[0] + k * cs[2]] != 0.f ? a[j * as[1] + k * as[2]] : b[o];
      }
  DeviceArray<float> dc(cond), da(a), db(b), dout(60);
  where(dc.get(), cs.data(), da.get(), as.data(), db.get(), bs.data(), dout.get(), shape.data(), 3);
  expect_equal("where", dout.to_host(), want);

  // Copy a transposed 5x7 block of a 9x11 source (offset 13) into a 7x5 region of a 8x6 dst.
  auto src = random_floats(99), dst0 = random_floats(48);
  const std::vector<int64_t> cshape = {7, 5}, ss = {1, 11}, ds = {6, 1};
  std::vector<float> want_dst = dst0;
  for (int64_t i = 0; i < 7; ++i)
    for (int64_t j = 0; j < 5; ++j) want_dst[2 + i * 6 + j] = src[13 + i * 1 + j * 11];
  DeviceArray<float> dsrc(src), ddst(dst0);
  strided_copy(dsrc.get(), 13, ss.data(), ddst.get(), 2, ds.data(), cshape.data(), 2);
  expect_equal("stridedCopy", ddst.to_host(), want_dst);
}

PAI_CUDA_TEST(permute_repeat_index) {
  const std::vector<int64_t> shape = {2, 3, 5, 7};
  const int perm[4] = {3, 1, 0, 2};
  auto x = random_floats(numel(shape));
  std::vector<float> want(x.size());
  ::pai::permute(x.data(), shape.data(), perm, 4, want.data());
  DeviceArray<float> dx(x), dout(x.size());
  permute(dx.get(), shape.data(), perm, 4, dout.get());
  expect_equal("permute", dout.to_host(), want);

  auto row = random_floats(13);
  std::vector<float> rep(13 * 5);
  for (int r = 0; r < 5; ++r)
    for (int j = 0; j < 13; ++j) rep[r * 13 + j] = row[j];
  DeviceArray<float> drow(row), drep(rep.size());
  repeat_rows(drow.get(), 5, 13, drep.get());
  expect_equal("repeatRows", drep.to_host(), rep);

  std::vector<int32_t> ix = {0, -3, 7, 2147483647, 12};
  std::vector<float> fx(ix.begin(), ix.end());
  DeviceArray<int32_t> dix(ix);
  DeviceArray<float> dfx(ix.size());
  index_to_float(dix.get(), dfx.get(), static_cast<int64_t>(ix.size()));
  expect_equal("indexToFloat", dfx.to_host(), fx);
}

}  // namespace pai::cuda::test
