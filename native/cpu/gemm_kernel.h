// Internal interface between the blocked SGEMM driver (gemm.cc, baseline flags) and the
// ISA-specific micro-kernels and packing routines (gemm_*_avx2.cc, gemm_*_avx512.cc). The
// driver only calls through these function pointers, so no code compiled with AVX flags
// is ever shared with (or picked by the linker for) the baseline path.
#pragma once
#include <cstdint>

namespace pai::gemm {

// Packs op(A)[i0 : i0+rows, p0 : p0+kc] into ceil(rows/MR) panels of kc x MR (row index
// fastest), zero-padded to a multiple of MR rows. mask (or null) has A's layout.
using PackAFn = void (*)(bool trans, const float* a, int64_t lda, const float* mask, int64_t i0,
                         int64_t rows, int64_t p0, int64_t kc, float* dst);
// Packs op(B)[p0 : p0+kc, j0 : j0+cols] into ceil(cols/NR) panels of kc x NR (column index
// fastest), zero-padded to a multiple of NR columns.
using PackBFn = void (*)(bool trans, const float* b, int64_t ldb, const float* mask, int64_t p0,
                         int64_t kc, int64_t j0, int64_t cols, float* dst);
// C[0:rows, 0:cols] = alpha * (Apanel x Bpanel) + beta * C over kc steps; C is read only when
// beta != 0. rows <= MR and cols <= NR; the panels are padded to the full tile.
using MicroFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                         float alpha, float beta, int rows, int cols);

// One ISA path: tile and cache-block sizes plus its routines.
struct Kernel {
  const char* name;
  int mr, nr;
  int64_t kc, mc, nc;  // cache blocking: kc x nr in L1, mc x kc in L2, kc x nc in L3
  PackAFn pack_a;
  PackBFn pack_b;
  MicroFn micro;
};

// ISA-specific packing for the AVX2 (6 x 16) and AVX-512 (14 x 32) tiles.
void pack_a_avx2(bool trans, const float* a, int64_t lda, const float* mask, int64_t i0,
                 int64_t rows, int64_t p0, int64_t kc, float* dst);
void pack_b_avx2(bool trans, const float* b, int64_t ldb, const float* mask, int64_t p0,
                 int64_t kc, int64_t j0, int64_t cols, float* dst);
void pack_a_avx512(bool trans, const float* a, int64_t lda, const float* mask, int64_t i0,
                   int64_t rows, int64_t p0, int64_t kc, float* dst);
void pack_b_avx512(bool trans, const float* b, int64_t ldb, const float* mask, int64_t p0,
                   int64_t kc, int64_t j0, int64_t cols, float* dst);

const Kernel& kernel_baseline();
const Kernel& kernel_avx2();
const Kernel& kernel_avx512();

// FMA-throughput loops for the peak estimate: each performs `iters` iterations of
// independent multiply-adds and returns the number of flops done.
double fma_loop_baseline(int64_t iters);
double fma_loop_avx2(int64_t iters);
double fma_loop_avx512(int64_t iters);

}  // namespace pai::gemm
