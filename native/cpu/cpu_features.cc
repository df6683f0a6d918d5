#include "pai/cpu_features.h"

#include <cpuid.h>
#include <cstdlib>
#include <cstring>
#include <cstdint>

namespace pai {
namespace {

uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

Isa detect() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::Baseline;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  if (!osxsave || !avx) return Isa::Baseline;
  const uint64_t xcr0 = xgetbv0();
  if ((xcr0 & 0x6) != 0x6) return Isa::Baseline;  // XMM and YMM state
  if (__get_cpuid_max(0, nullptr) < 7) return Isa::Baseline;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5);
  const bool f = b & (1u << 16), dq = b & (1u << 17), bw = b & (1u << 30), vl = b & (1u << 31);
  if (!(avx2 && fma)) return Isa::Baseline;
  if (f && dq && bw && vl && (xcr0 & 0xe0) == 0xe0) return Isa::Avx512;  // opmask + ZMM
  return Isa::Avx2;
}

Isa g_detected = detect();
Isa initial_active() {
  Isa isa = g_detected;
  const char* env = std::getenv("PAI_ISA");
  Isa want;
  if (env && parse_isa(env, &want) && static_cast<int>(want) < static_cast<int>(isa)) isa = want;
  return isa;
}
Isa g_active = initial_active();

}  // namespace

Isa detected_isa() { return g_detected; }
Isa active_isa() { return g_active; }

bool set_isa(Isa isa) {
  if (static_cast<int>(isa) > static_cast<int>(g_detected)) return false;
  g_active = isa;
  return true;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "baseline";
  }
}

bool parse_isa(const char* name, Isa* out) {
  if (!std::strcmp(name, "baseline")) { *out = Isa::Baseline; return true; }
  if (!std::strcmp(name, "avx2")) { *out = Isa::Avx2; return true; }
  if (!std::strcmp(name, "avx512")) { *out = Isa::Avx512; return true; }
  return false;
}

}  // namespace pai
