// Blocked, packed SGEMM driver (Goto/BLIS loop nest) shared by every ISA path. The ISA
// files supply the micro-kernel and packing (gemm_kernel.h); this file picks one by
// pai::active_isa(), splits C among threads and runs the cache-blocked loops.
#include "pai/gemm.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "gemm_kernel.h"
#include "pai/cpu_features.h"
#include "pai/parallel.h"

namespace pai {
namespace {

using gemm::Kernel;

// Roughly 20 us of work on one core: below this, waking workers costs more than it saves.
constexpr double kFlopsPerThread = 4e6;
// Columns of a B panel that is packed for one row block only (see gemm_block).
constexpr int64_t kStreamedNc = 512;
// Largest packed copy of a cell's A kept across column blocks (floats; 8 MB).
constexpr int64_t kPackedAFloats = int64_t{2} << 20;
// Load balance: row blocks per thread (shared-B mode), cells per thread (column split).
constexpr int64_t kRowBlocksPerThread = 2;
constexpr int kCellsPerThread = 4;
// Narrowest column cell worth its own packing of A.
constexpr int64_t kMinCellColumns = 256;
// B panels packed per task: enough work to be worth a claim.
constexpr int64_t kPanelsPerPackTask = 4;

const Kernel& select_kernel() {
  switch (active_isa()) {
    case Isa::Avx512: return gemm::kernel_avx512();
    case Isa::Avx2: return gemm::kernel_avx2();
    default: return gemm::kernel_baseline();
  }
}

// A 64-byte aligned scratch buffer per thread, grown on demand and kept for later calls.
float* scratch(int which, size_t floats) {
  struct Buffer {
    float* p = nullptr;
    size_t n = 0;
    ~Buffer() { std::free(p); }
  };
  thread_local Buffer buffers[2];
  Buffer& b = buffers[which];
  if (b.n < floats) {
    std::free(b.p);
    b.n = (floats + 15) & ~size_t{15};
    b.p = static_cast<float*>(std::aligned_alloc(64, b.n * sizeof(float)));
    if (!b.p) {
      b.n = 0;
      throw std::bad_alloc();
    }
  }
  return b.p;
}

struct Problem {
  bool ta, tb;
  int64_t m, n, k;
  float alpha, beta;
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  GemmMasks masks;
};

// Evenly sized blocks no larger than `block`, rounded up to a multiple of `unit`
// (k = 300 with kc = 256 gives 150 + 150, not 256 + 44).
int64_t balanced(int64_t len, int64_t block, int64_t unit) {
  const int64_t blocks = (len + block - 1) / block;
  const int64_t size = (len + blocks - 1) / blocks;
  return (size + unit - 1) / unit * unit;
}

// The packed A block (mc rows) times the packed B block (nc columns) into C at (ic, jc).
void macro_kernel(const Kernel& K, const Problem& P, const float* ablock, const float* bblock,
                  int64_t ic, int64_t mc, int64_t jc, int64_t nc, int64_t kc, float beta) {
  for (int64_t jr = 0; jr < nc; jr += K.nr) {
    const int cols = static_cast<int>(std::min<int64_t>(K.nr, nc - jr));
    for (int64_t ir = 0; ir < mc; ir += K.mr) {
      const int rows = static_cast<int>(std::min<int64_t>(K.mr, mc - ir));
      K.micro(kc, ablock + ir * kc, bblock + jr * kc, P.c + (ic + ir) * P.ldc + jc + jr, P.ldc,
              P.alpha, beta, rows, cols);
    }
  }
}

// C[i0:i1, j0:j1] on the calling thread.
void gemm_block(const Kernel& K, const Problem& P, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  const int64_t kc_max = balanced(P.k, K.kc, 1);
  const int64_t mc_max = balanced(i1 - i0, K.mc, K.mr);
  // With a single row block, a packed B panel is used once, right away: keep it small enough
  // to stay in L2 instead of sized for reuse across row blocks from L3.
  const int64_t nc_block = i1 - i0 <= K.mc ? std::min<int64_t>(K.nc, kStreamedNc) : K.nc;
  const int64_t nc_max = balanced(j1 - j0, nc_block, K.nr);
  // When there are several column blocks, A would be packed again for each of them; if the
  // cell's whole A fits in the packed-A budget, it is packed once, on the first column
  // block, at offset pc * rows + (ic - i0) * kc, and reused by the others.
  const int64_t rows_padded = (i1 - i0 + K.mr - 1) / K.mr * K.mr;
  const bool keep_a = j1 - j0 > nc_max && rows_padded * P.k <= kPackedAFloats;
  float* apack = scratch(0, static_cast<size_t>(keep_a ? rows_padded * P.k : mc_max * kc_max));
  float* bpack = scratch(1, static_cast<size_t>(nc_max * kc_max));
  for (int64_t jc = j0; jc < j1; jc += nc_max) {
    const int64_t nc = std::min<int64_t>(nc_max, j1 - jc);
    for (int64_t pc = 0; pc < P.k; pc += kc_max) {
      const int64_t kc = std::min<int64_t>(kc_max, P.k - pc);
      // Later k blocks accumulate onto what the first one wrote.
      const float beta = pc == 0 ? P.beta : 1.f;
      K.pack_b(P.tb, P.b, P.ldb, P.masks.b, pc, kc, jc, nc, bpack);
      for (int64_t ic = i0; ic < i1; ic += mc_max) {
        const int64_t mc = std::min<int64_t>(mc_max, i1 - ic);
        float* ablock = keep_a ? apack + pc * rows_padded + (ic - i0) * kc : apack;
        if (!keep_a || jc == j0) K.pack_a(P.ta, P.a, P.lda, P.masks.a, ic, mc, pc, kc, ablock);
        macro_kernel(K, P, ablock, bpack, ic, mc, jc, nc, kc, beta);
      }
    }
  }
}

// Several row blocks on several threads: for each B block, the threads pack its panels
// together into one shared buffer, then take row blocks from the pool's shared counter, each
// packing its own A block. Nothing is packed twice, and a thread that the OS deschedules
// (a busy machine) holds up at most the one row block it is working on.
void gemm_shared_b(const Kernel& K, const Problem& P, int threads) {
  const int64_t kc_max = balanced(P.k, K.kc, 1);
  const int64_t per_block = (P.m + kRowBlocksPerThread * threads - 1) / (kRowBlocksPerThread * threads);
  const int64_t mc_max = balanced(P.m, std::max<int64_t>(4 * K.mr, std::min<int64_t>(K.mc, per_block)), K.mr);
  const int64_t nc_max = balanced(P.n, K.nc, K.nr);
  const int64_t row_blocks = (P.m + mc_max - 1) / mc_max;
  float* bpack = scratch(1, static_cast<size_t>(nc_max * kc_max));  // the caller's, read by all
  for (int64_t jc = 0; jc < P.n; jc += nc_max) {
    const int64_t nc = std::min<int64_t>(nc_max, P.n - jc);
    for (int64_t pc = 0; pc < P.k; pc += kc_max) {
      const int64_t kc = std::min<int64_t>(kc_max, P.k - pc);
      const float beta = pc == 0 ? P.beta : 1.f;
      const int64_t panels = (nc + K.nr - 1) / K.nr;
      parallel_for(0, panels, kPanelsPerPackTask, [&](int64_t q0, int64_t q1) {
        const int64_t j = q0 * K.nr, cols = std::min<int64_t>(q1 * K.nr, nc) - j;
        K.pack_b(P.tb, P.b, P.ldb, P.masks.b, pc, kc, jc + j, cols, bpack + j * kc);
      });
      parallel_for(0, row_blocks, 1, [&](int64_t r0, int64_t r1) {
        float* apack = scratch(0, static_cast<size_t>(mc_max * kc_max));  // this thread's
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t ic = r * mc_max, mc = std::min<int64_t>(mc_max, P.m - ic);
          K.pack_a(P.ta, P.a, P.lda, P.masks.a, ic, mc, pc, kc, apack);
          macro_kernel(K, P, apack, bpack, ic, mc, jc, nc, kc, beta);
        }
      });
    }
  }
}

// Threads split C into a tm x tn grid of cells, each computed by gemm_block with its own
// packing. Used when there is a single row block: then cells split the columns, and only
// the (small) A is packed more than once. More cells than threads let the threads that run
// take the cells of one that the OS has descheduled.
void choose_grid(const Kernel& K, const Problem& P, int threads, int* tm, int* tn) {
  const int64_t max_tm = (P.m + K.mr - 1) / K.mr, max_tn = (P.n + K.nr - 1) / K.nr;
  const int64_t wide = P.n / kMinCellColumns;
  if (wide >= threads) {
    *tm = 1;
    *tn = static_cast<int>(std::min<int64_t>({wide, max_tn, int64_t{kCellsPerThread} * threads}));
    return;
  }
  // Narrow products: split the rows too, as evenly as the tiles allow.
  *tn = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(wide, max_tn)));
  *tm = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(max_tm, (threads + *tn - 1) / *tn)));
}

// Cell boundary t of `parts` over [0, len), on multiples of `unit` so that only the last
// cell has a partial tile.
int64_t cut(int64_t len, int parts, int t, int64_t unit) {
  if (t >= parts) return len;
  const int64_t units = (len + unit - 1) / unit;
  return std::min(len, units * t / parts * unit);
}

void scale_c(const Problem& P) {
  parallel_for(0, P.m, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, P.n)), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float* ci = P.c + i * P.ldc;
      if (P.beta == 0.f) {
        std::fill(ci, ci + P.n, 0.f);
      } else {
        for (int64_t j = 0; j < P.n; ++j) ci[j] *= P.beta;
      }
    }
  });
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, const GemmMasks& masks) {
  if (m <= 0 || n <= 0) return;
  const Problem P{trans_a, trans_b, m, n, k, alpha, beta, a, lda, b, ldb, c, ldc, masks};
  if (k <= 0 || alpha == 0.f) {  // BLAS: A and B are not read
    scale_c(P);
    return;
  }
  const Kernel& K = select_kernel();
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const int threads = static_cast<int>(std::max(1.0, std::min<double>(num_threads(), flops / kFlopsPerThread)));
  if (threads == 1) {
    gemm_block(K, P, 0, m, 0, n);
    return;
  }
  if (m > K.mc) {
    gemm_shared_b(K, P, threads);
    return;
  }
  int tm, tn;
  choose_grid(K, P, threads, &tm, &tn);
  parallel_for(0, tm * tn, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int ti = static_cast<int>(t / tn), tj = static_cast<int>(t % tn);
      const int64_t i0 = cut(m, tm, ti, K.mr), i1 = cut(m, tm, ti + 1, K.mr);
      const int64_t j0 = cut(n, tn, tj, K.nr), j1 = cut(n, tn, tj + 1, K.nr);
      if (i0 < i1 && j0 < j1) gemm_block(K, P, i0, i1, j0, j1);
    }
  });
}

}  // namespace pai
