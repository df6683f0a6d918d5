// Row softmax, log-softmax and the fused softmax cross-entropy on [rows, cols] logits, plus
// the row pick/scatter by label used by nll, on device buffers (semantics of pai/loss.h).
#pragma once
#include <cstdint>

namespace pai::cuda {

/** out[r, j] = exp(x[r, j] - max_r) / sum_j exp(x[r, j] - max_r); out may alias x. */
void softmax(const float* x, int64_t rows, int64_t cols, float* out);
/** out[r, j] = x[r, j] - max_r - log(sum_j exp(x[r, j] - max_r)); out may alias x. */
void log_softmax(const float* x, int64_t rows, int64_t cols, float* out);
/** loss[r] = logsumexp(x_r) - x[r, labels[r]] and, if probs is not null, probs = softmax(x).
 *  A label outside [0, cols) gives a NaN loss for its row (the binding validates host labels). */
void softmax_cross_entropy(const float* logits, int64_t rows, int64_t cols, const int32_t* labels, float* loss,
                           float* probs);
/** out[r] = x[r, labels[r]] (NaN for a label outside [0, cols)). */
void pick_rows(const float* x, int64_t rows, int64_t cols, const int32_t* labels, float* out);
/** out = zeros [rows, cols], then out[r, labels[r]] = values[r] (invalid labels skipped). */
void scatter_rows(const float* values, int64_t rows, int64_t cols, const int32_t* labels, float* out);

}  // namespace pai::cuda
