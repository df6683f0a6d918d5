// Internal: the per-ISA loops of the fused residual-block tail relu(batchNorm(z) + s r)
// (source in batchnorm_add_relu_loops.h). Each loop runs on a row (one (b, ch) plane,
// parameters one value each) or on a span (a sample's [c, hw] block, parameters per
// element, batchnorm_span.h); the index [span] picks which.
#pragma once
#include <cstdint>

namespace pai::batchnorm_add_relu_detail {

// The per-channel values a loop reads: on a row, pointers to the row's channel entry; on
// a span, to arrays of c hw elements. Unused members may be null.
struct Params {
  const float *mu_hi, *mu_lo;  // the batch mean as a float pair
  const float *scale, *shift;  // gamma invstd, beta
  const float* res;            // the residual's per-channel scale s
  const float *a, *b, *c;      // gz = a g + b d + c, d = (z - mu_hi) - mu_lo
};

struct BatchNormAddReluKernels {
  // out[i] = max(y[i] + s r[i], 0); [span][scaled] (s = 1 unscaled).
  void (*add_relu[2][2])(const float* z, const float* r, const Params& p, int64_t len,
                         float* out);
  // With g = out > 0 ? gy : 0: gr = s g and the sums of g, g d and (scaled) g r. Row loops
  // add them to the doubles s[0..2]; span loops per element to the float arrays s[0..2].
  void (*row_sums[2])(const float* gy, const float* out, const float* z, const float* r,
                      const Params& p, int64_t len, float* gr, double* s);
  void (*span_sums[2])(const float* gy, const float* out, const float* z, const float* r,
                       const Params& p, int64_t len, float* gr, float* const* s);
  // gz[i] = a g[i] + b d[i] + c; [span][from_g]: g read directly from gy (from_g), or
  // masked by out.
  void (*combine[2][2])(const float* gy, const float* out, const float* z, const Params& p,
                        int64_t len, float* gz);
};

const BatchNormAddReluKernels& batchnorm_add_relu_kernels();  // for the active ISA
extern const BatchNormAddReluKernels kBatchNormAddReluBaseline, kBatchNormAddReluAvx2,
    kBatchNormAddReluAvx512;

}  // namespace pai::batchnorm_add_relu_detail
