// Keeps the AVX2 static library non-empty before any AVX2 kernel exists.
namespace pai { int isa_anchor_avx2 = 0; }
