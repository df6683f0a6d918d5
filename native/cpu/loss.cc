// Loss drivers: rows in parallel, each row's max, exp-sum and normalization through the
// active ISA's loops.
#define PAI_VEC_BYTES 16
#define PAI_LOSS_TABLE kLossBaseline
#include "loss_loops.h"
#undef PAI_LOSS_TABLE

#include <algorithm>
#include <cmath>

#include "pai/cpu_features.h"
#include "pai/loss.h"
#include "pai/parallel.h"

namespace pai {
namespace loss_detail {

const LossKernels& loss_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kLossAvx512;
    case Isa::Avx2: return kLossAvx2;
    default: return kLossBaseline;
  }
}

}  // namespace loss_detail

namespace {

template <class F>
void rows_in_parallel(int64_t rows, int64_t cols, F f) {
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(cols, 1));
  parallel_for(0, rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) f(r);
  });
}

}  // namespace

void softmax(const float* x, int64_t rows, int64_t cols, float* out) {
  const auto& k = loss_detail::loss_kernels();
  rows_in_parallel(rows, cols, [&](int64_t r) {
    float m;
    const float s = k.exp_sum(x + r * cols, cols, out + r * cols, &m);
    k.affine(out + r * cols, cols, 1.f / s, 0.f, out + r * cols);
  });
}

void log_softmax(const float* x, int64_t rows, int64_t cols, float* out) {
  const auto& k = loss_detail::loss_kernels();
  rows_in_parallel(rows, cols, [&](int64_t r) {
    float m;
    const float s = k.exp_sum(x + r * cols, cols, nullptr, &m);
    k.affine(x + r * cols, cols, 1.f, -(m + std::log(s)), out + r * cols);
  });
}

void softmax_cross_entropy(const float* logits, int64_t rows, int64_t cols,
                           const int32_t* labels, float* loss, float* probs) {
  const auto& k = loss_detail::loss_kernels();
  rows_in_parallel(rows, cols, [&](int64_t r) {
    const float* x = logits + r * cols;
    float* p = probs ? probs + r * cols : nullptr;
    float m;
    const float s = k.exp_sum(x, cols, p, &m);
    const int32_t label = labels[r];
    loss[r] = label >= 0 && label < cols ? m + std::log(s) - x[label] : std::nanf("");
    if (p) k.affine(p, cols, 1.f / s, 0.f, p);
  });
}

}  // namespace pai
