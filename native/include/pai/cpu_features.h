// Run-time CPU feature detection (cpuid + xgetbv) and the active ISA path.
#pragma once

namespace pai {

enum class Isa : int { Baseline = 0, Avx2 = 1, Avx512 = 2 };

// Best path the CPU and OS support (AVX-512 needs F/BW/DQ/VL and OS ZMM state).
Isa detected_isa();
// Path in use: detected_isa(), lowered by PAI_ISA at load or by set_isa().
Isa active_isa();
// Forces a path; returns false (and changes nothing) if the CPU lacks it.
bool set_isa(Isa isa);
const char* isa_name(Isa isa);
// Parses "baseline" | "avx2" | "avx512"; returns false on an unknown name.
bool parse_isa(const char* name, Isa* out);

}  // namespace pai
