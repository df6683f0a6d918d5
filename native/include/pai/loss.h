// Row softmax, log-softmax and the fused softmax cross-entropy on [rows, cols] float32
// logits. Each row is max-shifted for stability and read once for its exp-sum.
#pragma once
#include <cstdint>

namespace pai {

// out[r, j] = exp(x[r, j] - max_r) / sum_j exp(x[r, j] - max_r). out may alias x.
void softmax(const float* x, int64_t rows, int64_t cols, float* out);

// out[r, j] = x[r, j] - max_r - log(sum_j exp(x[r, j] - max_r)). out may alias x.
void log_softmax(const float* x, int64_t rows, int64_t cols, float* out);

// One pass per row: loss[r] = logsumexp(x_r) - x[r, labels[r]] and, when probs is not
// null, probs = softmax(x) (kept for the backward, d loss / d x = probs - onehot).
// Precondition: every label in [0, cols) (a row with another label gets a NaN loss).
void softmax_cross_entropy(const float* logits, int64_t rows, int64_t cols,
                           const int32_t* labels, float* loss, float* probs);

}  // namespace pai
