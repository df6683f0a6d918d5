// Keeps the AVX-512 static library non-empty before any AVX-512 kernel exists.
namespace pai { int isa_anchor_avx512 = 0; }
