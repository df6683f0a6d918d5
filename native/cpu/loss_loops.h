// Internal: row loops of the loss family, compiled once per ISA path. Define PAI_VEC_BYTES
// and PAI_LOSS_TABLE before including (see elementwise_loops.h for the scheme).
#include <cstdint>

#include "elementwise_math.h"
#include "loss_kernels.h"

namespace pai::loss_detail {
namespace {

using vec::kLanes;
using vec::vf;

float exp_sum(const float* x, int64_t n, float* e, float* max) {
  // max: NaN never compares greater, so it is skipped here (and poisons the sum below),
  // as in the reference.
  const float ninf = -__builtin_inff();
  vf vm = vec::splat(ninf);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const vf v = vec::load(x + i);
    vm = vec::select(v > vm, v, vm);
  }
  float m = ninf;
  for (int j = 0; j < kLanes; ++j) m = vm[j] > m ? vm[j] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  *max = m;
  vf acc = {};
  i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const vf t = vec::exp(vec::load(x + i) - m);
    if (e) vec::store(e + i, t);
    acc += t;
  }
  if (i < n) {
    float tmp[kLanes];
    for (int j = 0; j < kLanes; ++j) tmp[j] = i + j < n ? x[i + j] - m : ninf;
    const vf t = vec::exp(vec::load(tmp));
    for (int64_t j = i; j < n; ++j) {
      if (e) e[j] = t[j - i];
    }
    acc += t;  // exp(-inf) = 0 in the unused lanes
  }
  float s = 0.f;
  for (int j = 0; j < kLanes; ++j) s += acc[j];
  return s;
}

void affine(const float* x, int64_t n, float factor, float shift, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * factor + shift;
}

}  // namespace

const LossKernels PAI_LOSS_TABLE{exp_sum, affine};

}  // namespace pai::loss_detail
