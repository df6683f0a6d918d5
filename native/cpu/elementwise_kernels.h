// Internal: the per-ISA inner loops of the elementwise family. The same source
// (elementwise_loops.h) is compiled once per ISA path; the drivers in elementwise.cc and
// reduce.cc pick the table of the active path and do the threading and indexing.
#pragma once
#include <cstdint>

#include "pai/elementwise.h"

namespace pai::elementwise_detail {

struct ElementwiseKernels {
  // out[i] = op(x[i]), i < n.
  void (*unary)(UnaryOp op, const float* x, float* out, int64_t n, float alpha, float beta);
  // out[i] = op(a[i * as], b[i * bs]), i < n.
  void (*binary_row)(BinaryOp op, const float* a, int64_t as, const float* b, int64_t bs,
                     float* out, int64_t n);
  // sum of x[0, n) with float vector partials over short blocks and a double total.
  double (*sum)(const float* x, int64_t n);
  // acc[i] += x[i], i < n.
  void (*accumulate)(const float* x, double* acc, int64_t n);
  // Running column maximum: row r of a [len x n] reduction updates best / index.
  void (*max_update)(const float* x, float* best, int32_t* index, int32_t r, int64_t n);
};

const ElementwiseKernels& elementwise_kernels();  // for the active ISA
extern const ElementwiseKernels kElementwiseBaseline, kElementwiseAvx2, kElementwiseAvx512;

}  // namespace pai::elementwise_detail
