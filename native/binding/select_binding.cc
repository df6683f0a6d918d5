// Saliency scoring and exact top-k selection (see pai/score.h, pai/select.h).
#include <cmath>
#include <iomanip>
#include <sstream>
#include <new>
#include <string>
#include <vector>

#include "args.h"
#include "score_args.h"
#include "pai/score.h"
#include "pai/select.h"
#include "registry.h"

namespace {

using pai::binding::Args;
using pai::binding::same_length;

// Runs a kernel, turning a failed scratch allocation into a JavaScript RangeError (an
// escaping C++ exception would abort the process).
template <typename F>
void run_kernel(const Napi::Env& env, const char* fn, F kernel) {
  try {
    kernel();
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, std::string(fn) + ": out of memory for the kernel's scratch buffers");
  }
}

// Length of a Float32Array argument that must equal `n`.
[[noreturn]] void throw_nan(const Args& args, int64_t index) {
  args.range_error("scores", "contains NaN at index " + std::to_string(index) +
                                 " (scores must be comparable; check the gradients)");
}

// An integer-valued double (from a Float64Array) in [lo, hi].
int64_t integer_entry(const Args& args, const char* name, int64_t at, double v, int64_t lo,
                      int64_t hi) {
  if (!std::isfinite(v) || v != std::floor(v) || v < static_cast<double>(lo) ||
      v > static_cast<double>(hi)) {
    std::ostringstream got;
    got << std::setprecision(17) << v;
    const std::string entry = std::string(name) + "[" + std::to_string(at) + "]";
    args.range_error(entry.c_str(), "must be an integer in [" + std::to_string(lo) + ", " +
                                        std::to_string(hi) + "], got " + got.str());
  }
  return static_cast<int64_t>(v);
}

Napi::Value ScoreKernel(const Napi::CallbackInfo& info) {
  Args args(info, "scoreKernel", 4);
  const pai::binding::ScoreArgs sa = pai::binding::score_args(args);
  const pai::ScoreKind k = sa.kind;
  const int64_t n = sa.n;
  const float* theta = sa.theta;
  const float* g = sa.g;
  float* out = same_length(args, 3, "out", n);
  pai::score(k, theta, g, out, n);
  return info.Env().Undefined();
}

// The optional array whose dropped entries the selection zeroes (argument i): null, or a
// Float32Array of length n that shares no memory with the scores or the mask.
float* drop_values(const Args& args, size_t i, int64_t n, const float* scores, const float* mask) {
  if (args.is_null(i)) return nullptr;
  float* v = same_length(args, i, "values", n);
  auto overlaps = [n](const float* a, const float* b) { return a < b + n && b < a + n; };
  if (overlaps(v, scores) || overlaps(v, mask))
    args.range_error("values", "shares memory with the scores or the mask; pass the weights to zero");
  return v;
}

Napi::Value SelectTopK(const Napi::CallbackInfo& info) {
  Args args(info, "selectTopK", 3, 4);
  const int64_t n = args.length<float>(0, "scores");
  const float* scores = args.array<float>(0, "scores", n);
  const int64_t k = args.integer(1, "k", 0, n);
  float* mask = same_length(args, 2, "mask", n);
  float* values = drop_values(args, 3, n, scores, mask);
  pai::SelectResult r;
  run_kernel(info.Env(), "selectTopK", [&] { r = pai::select_top_k(scores, n, k, mask, values); });
  if (r.nan_index >= 0) throw_nan(args, r.nan_index);
  return Napi::Number::New(info.Env(), r.threshold);
}

Napi::Value SelectTopKSegments(const Napi::CallbackInfo& info) {
  Args args(info, "selectTopKSegments", 4, 5);
  const int64_t n = args.length<float>(0, "scores");
  const float* scores = args.array<float>(0, "scores", n);
  const int64_t n_off = args.length<double>(1, "offsets");
  if (n_off < 1) args.range_error("offsets", "must have at least one entry (segments + 1)");
  const double* off = args.array<double>(1, "offsets", n_off);
  const int64_t segments = n_off - 1;
  const int64_t n_ks = args.length<double>(2, "ks");
  if (n_ks != segments)
    args.range_error("ks", "has " + std::to_string(n_ks) + " entries, expected " +
                               std::to_string(segments) + " (offsets.length - 1)");
  const double* ks_d = args.array<double>(2, "ks", segments);
  float* mask = same_length(args, 3, "mask", n);
  float* values = drop_values(args, 4, n, scores, mask);
  std::vector<int64_t> offsets(n_off), ks(segments);
  for (int64_t s = 0; s < n_off; ++s)
    offsets[s] = integer_entry(args, "offsets", s, off[s], s == 0 ? 0 : offsets[s - 1], n);
  for (int64_t s = 0; s < segments; ++s)
    ks[s] = integer_entry(args, "ks", s, ks_d[s], 0, offsets[s + 1] - offsets[s]);
  Napi::Float64Array thresholds = Napi::Float64Array::New(info.Env(), segments);
  std::vector<float> th(segments);
  pai::SelectResult r;
  run_kernel(info.Env(), "selectTopKSegments", [&] {
    r = pai::select_top_k_segments(scores, offsets.data(), ks.data(), segments, mask, th.data(),
                                     values);
  });
  if (r.nan_index >= 0) throw_nan(args, r.nan_index);
  double* th_out = thresholds.Data();
  for (int64_t s = 0; s < segments; ++s) th_out[s] = th[s];
  return thresholds;
}

}  // namespace

PAI_BINDING(select) {
  exports.Set("scoreKernel", Napi::Function::New(env, ScoreKernel));
  exports.Set("selectTopK", Napi::Function::New(env, SelectTopK));
  exports.Set("selectTopKSegments", Napi::Function::New(env, SelectTopKSegments));
}
