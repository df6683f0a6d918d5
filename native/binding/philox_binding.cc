// Philox RNG fills: philoxUniform(seedLo, seedHi, offset, out),
// philoxNormal(seedLo, seedHi, offset, mean, std, out).
#include "args.h"
#include "pai/philox.h"
#include "registry.h"

namespace {

constexpr int64_t kMaxPosition = (int64_t{1} << 53) - 1;  // offsets are exact JS integers

struct Stream {
  uint32_t seed_lo, seed_hi;
  uint64_t offset;
};

Stream stream(const pai::binding::Args& args, int64_t len) {
  Stream s;
  s.seed_lo = static_cast<uint32_t>(args.integer(0, "seedLo", 0, 0xFFFFFFFFll));
  s.seed_hi = static_cast<uint32_t>(args.integer(1, "seedHi", 0, 0xFFFFFFFFll));
  const int64_t offset = args.integer(2, "offset", 0, kMaxPosition);
  if (len > kMaxPosition - offset) args.range_error("offset", "plus the output length must stay below 2^53");
  s.offset = static_cast<uint64_t>(offset);
  return s;
}

Napi::Value PhiloxUniform(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "philoxUniform", 4);
  const int64_t n = args.length<float>(3, "out");
  float* out = args.array<float>(3, "out", n);
  const Stream s = stream(args, n);
  pai::philox_uniform(s.seed_lo, s.seed_hi, s.offset, out, n);
  return info.Env().Undefined();
}

Napi::Value PhiloxNormal(const Napi::CallbackInfo& info) {
  pai::binding::Args args(info, "philoxNormal", 6);
  const int64_t n = args.length<float>(5, "out");
  float* out = args.array<float>(5, "out", n);
  const Stream s = stream(args, n);
  const double mean = args.number(3, "mean"), std = args.number(4, "std");
  pai::philox_normal(s.seed_lo, s.seed_hi, s.offset, mean, std, out, n);
  return info.Env().Undefined();
}

}  // namespace

PAI_BINDING(philox) {
  exports.Set("philoxUniform", Napi::Function::New(env, PhiloxUniform));
  exports.Set("philoxNormal", Napi::Function::New(env, PhiloxNormal));
}
