// softmax, logSoftmax, softmaxCrossEntropy, pickRows, scatterRows on DeviceBuffers.
// Labels may be a host Int32Array (validated here: a label outside [0, cols) is a
// RangeError, as on the CPU, then uploaded without waiting) or a DeviceBuffer of int32
// (already on the GPU: not inspected; an invalid label gives NaN for its row).
#include <string>

#include "cuda/loss.h"
#include "cuda/runtime.h"
#include "device_args.h"
#include "registry.h"

namespace pai::cuda::binding {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 32;

void read_rows(const DeviceArgs& args, int64_t* rows, int64_t* cols) {
  *rows = args.integer(1, "rows", 0, kMaxElements);
  *cols = args.integer(2, "cols", 1, kMaxElements);
  if (*rows * *cols > kMaxElements) args.range_error("rows", "rows * cols exceeds 2^32");
}

// Device labels for argument i: uploaded (after validation) when given on the host.
class Labels {
 public:
  Labels(const DeviceArgs& args, const Napi::CallbackInfo& info, size_t i, int64_t rows, int64_t cols)
      : scratch_(info[i].IsTypedArray() ? static_cast<size_t>(rows) * sizeof(int32_t) : 0) {
    if (!info[i].IsTypedArray()) {
      ptr_ = args.device<int32_t>(i, "labels", rows);
      return;
    }
    const int32_t* host = args.array<int32_t>(i, "labels", rows);
    for (int64_t r = 0; r < rows; ++r)
      if (host[r] < 0 || host[r] >= cols)
        args.range_error("labels", "label " + std::to_string(host[r]) + " of row " + std::to_string(r) +
                                       " is outside [0, " + std::to_string(cols) + ")");
    upload(scratch_.get(), host, static_cast<size_t>(rows) * sizeof(int32_t));
    ptr_ = scratch_.as<int32_t>();
  }
  const int32_t* get() const { return ptr_; }

 private:
  Workspace scratch_;
  const int32_t* ptr_ = nullptr;
};

Napi::Value RowOp(const Napi::CallbackInfo& info, const char* fn, bool log) {
  DeviceArgs args(info, fn, 4);
  int64_t rows, cols;
  read_rows(args, &rows, &cols);
  const float* x = args.device<float>(0, "x", rows * cols);
  float* out = args.device<float>(3, "out", rows * cols);
  if (log) pai::cuda::log_softmax(x, rows, cols, out);
  else pai::cuda::softmax(x, rows, cols, out);
  return info.Env().Undefined();
}

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "softmaxCrossEntropy", 6);
  int64_t rows, cols;
  read_rows(args, &rows, &cols);
  const float* logits = args.device<float>(0, "logits", rows * cols);
  float* loss = args.device<float>(4, "lossPerRow", rows);
  float* probs = args.device_or_null<float>(5, "probs", rows * cols);
  Labels labels(args, info, 3, rows, cols);
  pai::cuda::softmax_cross_entropy(logits, rows, cols, labels.get(), loss, probs);
  return info.Env().Undefined();
}

// pickRows(x, rows, cols, labels, out)
Napi::Value PickRows(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "pickRows", 5);
  int64_t rows, cols;
  read_rows(args, &rows, &cols);
  const float* x = args.device<float>(0, "x", rows * cols);
  float* out = args.device<float>(4, "out", rows);
  Labels labels(args, info, 3, rows, cols);
  pai::cuda::pick_rows(x, rows, cols, labels.get(), out);
  return info.Env().Undefined();
}

// scatterRows(values, rows, cols, labels, out)
Napi::Value ScatterRows(const Napi::CallbackInfo& info) {
  DeviceArgs args(info, "scatterRows", 5);
  int64_t rows, cols;
  read_rows(args, &rows, &cols);
  const float* v = args.device<float>(0, "values", rows);
  float* out = args.device<float>(4, "out", rows * cols);
  Labels labels(args, info, 3, rows, cols);
  pai::cuda::scatter_rows(v, rows, cols, labels.get(), out);
  return info.Env().Undefined();
}

}  // namespace
}  // namespace pai::cuda::binding

PAI_BINDING(cuda_loss) {
  using namespace pai::cuda::binding;
  exports.Set("softmax", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return RowOp(i, "softmax", false); }));
  exports.Set("logSoftmax",
              Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return RowOp(i, "logSoftmax", true); }));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
  exports.Set("pickRows", Napi::Function::New(env, PickRows, "pickRows"));
  exports.Set("scatterRows", Napi::Function::New(env, ScatterRows, "scatterRows"));
}
