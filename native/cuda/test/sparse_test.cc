// Compressed linear and convolution kernels against the CPU kernels, on random patterns from
// dense to a single survivor and a fully empty layer.
#include <cmath>
#include <memory>

#include "check.h"
#include "cuda/sparse.h"
#include "pai/sparse.h"

namespace pai::cuda::test {
namespace {

// CSR + transposed positions of a random [rows, cols] pattern, on the host and the device.
struct Pattern {
  int64_t rows, cols;
  std::vector<int32_t> row_ptr, col_idx, col_ptr, csc_row, csc_pos;
  std::unique_ptr<DeviceArray<int32_t>> d_row_ptr, d_col_idx, d_col_ptr, d_csc_row, d_csc_pos;

  Pattern(int64_t r, int64_t c, double density) : rows(r), cols(c) {
    const auto mask = random_mask(r * c, density);
    row_ptr.assign(r + 1, 0);
    col_ptr.assign(c + 1, 0);
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j)
        if (mask[i * c + j] != 0.f) {
          col_idx.push_back(static_cast<int32_t>(j));
          ++col_ptr[j + 1];
        }
    for (int64_t i = 0; i < r; ++i) {
      int32_t count = 0;
      for (int64_t j = 0; j < c; ++j) count += mask[i * c + j] != 0.f;
      row_ptr[i + 1] = row_ptr[i] + count;
    }
    for (int64_t j = 0; j < c; ++j) col_ptr[j + 1] += col_ptr[j];
    csc_row.assign(col_idx.size(), 0);
    csc_pos.assign(col_idx.size(), 0);
    std::vector<int32_t> fill(col_ptr.begin(), col_ptr.end() - 1);
    for (int64_t i = 0; i < r; ++i)
      for (int32_t k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
        const int32_t at = fill[col_idx[k]]++;
        csc_row[at] = static_cast<int32_t>(i);
        csc_pos[at] = k;
      }
    auto up = [](const std::vector<int32_t>& v) {
      return std::make_unique<DeviceArray<int32_t>>(v.empty() ? std::vector<int32_t>(1) : v);
    };
    d_row_ptr = up(row_ptr), d_col_idx = up(col_idx), d_col_ptr = up(col_ptr), d_csc_row = up(csc_row),
    d_csc_pos = up(csc_pos);
  }
  int64_t nnz() const { return static_cast<int64_t>(col_idx.size()); }
  ::pai::SparsePattern host() const {
    return {rows, cols, nnz(), row_ptr.data(), col_idx.data(), col_ptr.data(), csc_row.data(), csc_pos.data()};
  }
  ::pai::SparsePattern device() const {
    return {rows, cols, nnz(), d_row_ptr->get(), d_col_idx->get(), d_col_ptr->get(), d_csc_row->get(), d_csc_pos->get()};
  }
};

std::vector<float> or_one(const std::vector<float>& v) { return v.empty() ? std::vector<float>(1) : v; }

}  // namespace

PAI_CUDA_TEST(sparse_linear) {
  const int64_t shapes[][3] = {{1, 1, 1}, {4, 37, 29}, {16, 130, 67}, {3, 256, 300}};
  for (const auto& sh : shapes)
    for (double density : {1.0, 0.5, 0.1, 0.01, 0.0}) {
      const int64_t batch = sh[0], out = sh[1], in = sh[2];
      Pattern p(out, in, density);
      auto values = random_floats(p.nnz()), x = random_floats(batch * in), gy = random_floats(batch * out),
           bias = random_floats(out);
      std::vector<float> y(batch * out), gx(batch * in), gv(p.nnz());
      const auto hp = p.host();
      ::pai::sparse_linear_forward(hp, values.data(), x.data(), batch, bias.data(), y.data());
      ::pai::sparse_linear_grad_input(hp, values.data(), gy.data(), batch, gx.data());
      ::pai::sparse_linear_grad_weight(hp, x.data(), gy.data(), batch, gv.data());
      DeviceArray<float> dv(or_one(values)), dx(x), dgy(gy), db(bias), dy(y.size()), dgx(gx.size()), dgv(gv.size() + 1);
      poison(dy), poison(dgx);
      const auto dp = p.device();
      cuda::sparse_linear_forward(dp, dv.get(), dx.get(), batch, db.get(), dy.get());
      cuda::sparse_linear_grad_input(dp, dv.get(), dgy.get(), batch, dgx.get());
      cuda::sparse_linear_grad_weight(dp, dx.get(), dgy.get(), batch, dgv.get());
      char what[96];
      std::snprintf(what, sizeof what, "sparseLinear %lldx%lld batch %lld density %g", static_cast<long long>(out),
                    static_cast<long long>(in), static_cast<long long>(batch), density);
      expect_close((std::string(what) + " forward").c_str(), dy.to_host(), y, 1e-5, 1e-5);
      expect_close((std::string(what) + " grad input").c_str(), dgx.to_host(), gx, 1e-5, 1e-5);
      auto got = dgv.to_host();
      got.resize(gv.size());
      expect_close((std::string(what) + " grad weight").c_str(), got, gv, 1e-5, 1e-5);
    }
}

PAI_CUDA_TEST(sparse_scatter) {
  const int64_t shapes[][2] = {{1, 1}, {37, 29}, {130, 67}, {256, 300}};
  for (const auto& sh : shapes)
    for (double density : {1.0, 0.5, 0.01, 0.0}) {
      Pattern p(sh[0], sh[1], density);
      auto values = random_floats(p.nnz()), dense = random_floats(sh[0] * sh[1]);
      // Entries off the pattern keep their (random) contents; survivors take their values.
      auto want = dense;
      for (int64_t r = 0; r < p.rows; ++r)
        for (int32_t k = p.row_ptr[r]; k < p.row_ptr[r + 1]; ++k) want[r * p.cols + p.col_idx[k]] = values[k];
      DeviceArray<float> dv(or_one(values)), dd(dense);
      cuda::sparse_scatter(p.device(), dv.get(), dd.get());
      char what[80];
      std::snprintf(what, sizeof what, "sparseScatter %lldx%lld density %g", static_cast<long long>(p.rows),
                    static_cast<long long>(p.cols), density);
      expect_equal_bits(what, dd.to_host(), want);
    }
}

PAI_CUDA_TEST(sparse_conv2d) {
  struct C {
    int64_t n, c, h, w, o, k, s, p, d, g;
  };
  const C cases[] = {{1, 1, 1, 1, 1, 1, 1, 0, 1, 1}, {2, 3, 7, 6, 5, 3, 1, 1, 1, 1}, {3, 4, 9, 9, 6, 3, 2, 1, 1, 2},
                     {2, 6, 8, 8, 6, 3, 1, 2, 2, 3}, {2, 8, 5, 5, 16, 1, 1, 0, 1, 1}};
  for (const auto& cs : cases)
    for (double density : {1.0, 0.3, 0.05, 0.0}) {
      ::pai::Conv2dShape s;
      s.n = cs.n, s.c = cs.c, s.h = cs.h, s.w = cs.w, s.o = cs.o, s.kh = s.kw = cs.k, s.sh = s.sw = cs.s;
      s.ph = s.pw = cs.p, s.dh = s.dw = cs.d, s.groups = cs.g;
      Pattern p(s.o, s.c / s.groups * s.kh * s.kw, density);
      auto values = random_floats(p.nnz()), x = random_floats(s.x_size()), gy = random_floats(s.out_size()),
           bias = random_floats(s.o);
      std::vector<float> y(s.out_size()), gx(s.x_size()), gv(p.nnz());
      const auto hp = p.host();
      ::pai::sparse_conv2d_forward(s, hp, values.data(), x.data(), bias.data(), y.data());
      ::pai::sparse_conv2d_grad_input(s, hp, values.data(), gy.data(), gx.data());
      ::pai::sparse_conv2d_grad_weight(s, hp, x.data(), gy.data(), gv.data());
      DeviceArray<float> dv(or_one(values)), dx(x), dgy(gy), db(bias), dy(y.size()), dgx(gx.size()), dgv(gv.size() + 1);
      poison(dy), poison(dgx);
      const auto dp = p.device();
      cuda::sparse_conv2d_forward(s, dp, dv.get(), dx.get(), db.get(), dy.get());
      cuda::sparse_conv2d_grad_input(s, dp, dv.get(), dgy.get(), dgx.get());
      cuda::sparse_conv2d_grad_weight(s, dp, dx.get(), dgy.get(), dgv.get());
      char what[96];
      std::snprintf(what, sizeof what, "sparseConv2d n%lld c%lld o%lld k%lld s%lld g%lld density %g",
                    static_cast<long long>(cs.n), static_cast<long long>(cs.c), static_cast<long long>(cs.o),
                    static_cast<long long>(cs.k), static_cast<long long>(cs.s), static_cast<long long>(cs.g), density);
      expect_close((std::string(what) + " forward").c_str(), dy.to_host(), y, 1e-5, 1e-5);
      expect_close((std::string(what) + " grad input").c_str(), dgx.to_host(), gx, 1e-5, 1e-5);
      auto got = dgv.to_host();
      got.resize(gv.size());
      expect_close((std::string(what) + " grad weight").c_str(), got, gv, 1e-4, 1e-5);
    }
}

}  // namespace pai::cuda::test
