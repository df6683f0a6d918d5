// softmax, logSoftmax and the fused softmaxCrossEntropy.
#include <string>

#include "args.h"
#include "pai/loss.h"
#include "registry.h"

namespace {

using pai::binding::Args;

constexpr int64_t kMaxElements = int64_t{1} << 32;

void read_rows_cols(const Args& args, int64_t* rows, int64_t* cols) {
  *rows = args.integer(1, "rows", 0, kMaxElements);
  *cols = args.integer(2, "cols", 1, kMaxElements);
  if (double(*rows) * double(*cols) > double(kMaxElements)) args.range_error("rows", "rows * cols exceeds 2^32");
}

template <void (*Kernel)(const float*, int64_t, int64_t, float*)>
Napi::Value RowMap(const Napi::CallbackInfo& info, const char* fn) {
  Args args(info, fn, 4);
  int64_t rows, cols;
  read_rows_cols(args, &rows, &cols);
  const float* x = args.array<float>(0, "x", rows * cols);
  float* out = args.array<float>(3, "out", rows * cols);
  Kernel(x, rows, cols, out);
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) { return RowMap<pai::softmax>(info, "softmax"); }
Napi::Value LogSoftmax(const Napi::CallbackInfo& info) { return RowMap<pai::log_softmax>(info, "logSoftmax"); }

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxCrossEntropy", 6);
  int64_t rows, cols;
  read_rows_cols(args, &rows, &cols);
  const float* logits = args.array<float>(0, "logits", rows * cols);
  const int32_t* labels = args.array<int32_t>(3, "labels", rows);
  float* loss = args.array<float>(4, "lossPerRow", rows);
  float* probs = args.is_null(5) ? nullptr : args.array<float>(5, "probs", rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    if (labels[r] < 0 || labels[r] >= cols)
      args.range_error("labels", "has label " + std::to_string(labels[r]) + " at row " + std::to_string(r) +
                                     ", outside [0, " + std::to_string(cols) + ")");
  pai::softmax_cross_entropy(logits, rows, cols, labels, loss, probs);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(loss) {
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("logSoftmax", Napi::Function::New(env, LogSoftmax, "logSoftmax"));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
}
