// The tiled GEMM engine behind SGEMM and the implicit-GEMM convolutions. A "problem"
// supplies element accessors for op(A)[m, k] and op(B)[k, n] and a store for C[m, n];
// the engine does the tiling: 128x128 output tiles per 256-thread block, operands staged
// through double-buffered shared memory, and either
//   - SIMT fp32: each thread accumulates an 8x8 register block (exact fp32 products), or
//   - TF32 tensor cores (wmma m16n16k8): each warp a 64x32 block, when set_tf32(true).
// Long-K, small-output problems split K over blocks into a workspace that a second
// kernel sums in a fixed order, so results stay deterministic.
//
// A problem derives from GemmShape and defines RowCtx/ColCtx (what a thread computes once
// about the A row / B column it loads, e.g. the image and pixel of a convolution column)
// and a_row, a_at, b_col, b_at, store. a_m_major / b_n_major say which index is
// contiguous in memory, so that a warp's loads coalesce.
#pragma once

#include "cuda/launch.cuh"

namespace pai::cuda {

constexpr int kGemmThreads = 256;
constexpr int kTileM = 128, kTileN = 128;
constexpr int kSimtK = 8, kTf32K = 16;
constexpr int kSmemPad = 4;  // floats; keeps transposed stores free of bank conflicts

struct GemmShape {
  int m = 0, n = 0, k = 0;      // per batch item
  int batches = 1;              // grid z: groups of a convolution
  int splits = 1, k_chunk = 0;  // split-K: split s covers [s k_chunk, (s + 1) k_chunk)
  float* partial = nullptr;     // [batches][splits][m][n] when splits > 1
  bool a_m_major = false, b_n_major = false;
};

namespace gemm_detail {

// Which tile element a thread loads in slot r: (row or column index, k index).
template <int kTileK>
__device__ __forceinline__ void slot(bool major, int e, int tile, int& idx, int& kk) {
  idx = major ? e % tile : e / kTileK;
  kk = major ? e / tile : e % kTileK;
}

template <class P>
__device__ __forceinline__ void emit(const P& p, int z, int split, int m, int n, float v) {
  if (p.splits > 1)
    p.partial[((static_cast<int64_t>(z) * p.splits + split) * p.m + m) * p.n + n] = v;
  else
    p.store(z, m, n, v);
}

}  // namespace gemm_detail

template <class P>
__global__ void __launch_bounds__(kGemmThreads, 2) gemm_simt_kernel(const P p) {
  __shared__ __align__(16) float As[2][kSimtK][kTileM + kSmemPad];
  __shared__ __align__(16) float Bs[2][kSimtK][kTileN + kSmemPad];
  constexpr int kLoads = kTileM * kSimtK / kGemmThreads;
  const int t = threadIdx.x;
  const int z = blockIdx.z / p.splits, split = blockIdx.z - z * p.splits;
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const int k_begin = split * p.k_chunk;
  const int k_end = imin(p.k, k_begin + p.k_chunk);

  // In the major mapping every slot of a thread shares one row (column), whose context is
  // computed once; otherwise each slot's context is recomputed per tile, which costs a
  // few integer ops but keeps the register budget for the accumulators.
  const typename P::RowCtx a_ctx = p.a_row(z, imin(m0 + t % kTileM, p.m - 1));
  const typename P::ColCtx b_ctx = p.b_col(z, imin(n0 + t % kTileN, p.n - 1));
  float ra[kLoads], rb[kLoads];
  auto fetch = [&](int k0) {
#pragma unroll
    for (int r = 0; r < kLoads; ++r) {
      int mm, ka, nn, kb;
      gemm_detail::slot<kSimtK>(p.a_m_major, t + r * kGemmThreads, kTileM, mm, ka);
      gemm_detail::slot<kSimtK>(p.b_n_major, t + r * kGemmThreads, kTileN, nn, kb);
      ra[r] = (m0 + mm < p.m && k0 + ka < k_end)
                  ? p.a_at(p.a_m_major ? a_ctx : p.a_row(z, m0 + mm), z, k0 + ka) : 0.f;
      rb[r] = (n0 + nn < p.n && k0 + kb < k_end)
                  ? p.b_at(p.b_n_major ? b_ctx : p.b_col(z, n0 + nn), z, k0 + kb) : 0.f;
    }
  };
  auto stash = [&](int buf) {
#pragma unroll
    for (int r = 0; r < kLoads; ++r) {
      int mm, ka, nn, kb;
      gemm_detail::slot<kSimtK>(p.a_m_major, t + r * kGemmThreads, kTileM, mm, ka);
      gemm_detail::slot<kSimtK>(p.b_n_major, t + r * kGemmThreads, kTileN, nn, kb);
      As[buf][ka][mm] = ra[r];
      Bs[buf][kb][nn] = rb[r];
    }
  };

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;
  const int ty = t / 16, tx = t % 16;
  const int tiles = k_end > k_begin ? (k_end - k_begin + kSimtK - 1) / kSimtK : 0;
  if (tiles > 0) {
    fetch(k_begin);
    stash(0);
  }
  __syncthreads();
  for (int kt = 0; kt < tiles; ++kt) {
    const int buf = kt & 1;
    // The next tile's global loads are in flight while this one is multiplied; one
    // barrier per tile suffices because the buffer written here was last read before
    // the previous barrier.
    if (kt + 1 < tiles) fetch(k_begin + (kt + 1) * kSimtK);
#pragma unroll
    for (int kk = 0; kk < kSimtK; ++kk) {
      const float4 a0 = *reinterpret_cast<const float4*>(&As[buf][kk][ty * 4]);
      const float4 a1 = *reinterpret_cast<const float4*>(&As[buf][kk][64 + ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][kk][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][kk][64 + tx * 4]);
      const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (kt + 1 < tiles) stash(buf ^ 1);
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
    if (m >= p.m) continue;
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (n < p.n) gemm_detail::emit(p, z, split, m, n, acc[i][j]);
    }
  }
}

template <class P>
__global__ void __launch_bounds__(kGemmThreads) gemm_tf32_kernel(const P p) {
  namespace wmma = nvcuda::wmma;
  __shared__ __align__(32) float As[2][kTf32K][kTileM + kSmemPad];
  __shared__ __align__(32) float Bs[2][kTf32K][kTileN + kSmemPad];
  constexpr int kLoads = kTileM * kTf32K / kGemmThreads;
  const int t = threadIdx.x;
  const int z = blockIdx.z / p.splits, split = blockIdx.z - z * p.splits;
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  const int k_begin = split * p.k_chunk;
  const int k_end = imin(p.k, k_begin + p.k_chunk);

  const typename P::RowCtx a_ctx = p.a_row(z, imin(m0 + t % kTileM, p.m - 1));
  const typename P::ColCtx b_ctx = p.b_col(z, imin(n0 + t % kTileN, p.n - 1));
  float ra[kLoads], rb[kLoads];
  auto fetch = [&](int k0) {
#pragma unroll
    for (int r = 0; r < kLoads; ++r) {
      int mm, ka, nn, kb;
      gemm_detail::slot<kTf32K>(p.a_m_major, t + r * kGemmThreads, kTileM, mm, ka);
      gemm_detail::slot<kTf32K>(p.b_n_major, t + r * kGemmThreads, kTileN, nn, kb);
      ra[r] = (m0 + mm < p.m && k0 + ka < k_end)
                  ? p.a_at(p.a_m_major ? a_ctx : p.a_row(z, m0 + mm), z, k0 + ka) : 0.f;
      rb[r] = (n0 + nn < p.n && k0 + kb < k_end)
                  ? p.b_at(p.b_n_major ? b_ctx : p.b_col(z, n0 + nn), z, k0 + kb) : 0.f;
    }
  };
  // Rounded to TF32 once here rather than per fragment load.
  auto stash = [&](int buf) {
#pragma unroll
    for (int r = 0; r < kLoads; ++r) {
      int mm, ka, nn, kb;
      gemm_detail::slot<kTf32K>(p.a_m_major, t + r * kGemmThreads, kTileM, mm, ka);
      gemm_detail::slot<kTf32K>(p.b_n_major, t + r * kGemmThreads, kTileN, nn, kb);
      As[buf][ka][mm] = wmma::__float_to_tf32(ra[r]);
      Bs[buf][kb][nn] = wmma::__float_to_tf32(rb[r]);
    }
  };

  const int warp = t / 32, lane = t % 32;
  const int wm = warp / 4, wn = warp % 4;  // 2 x 4 warps, each owning 64 x 32 of the tile
  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.f);

  const int tiles = k_end > k_begin ? (k_end - k_begin + kTf32K - 1) / kTf32K : 0;
  if (tiles > 0) {
    fetch(k_begin);
    stash(0);
  }
  __syncthreads();
  for (int kt = 0; kt < tiles; ++kt) {
    const int buf = kt & 1;
    if (kt + 1 < tiles) fetch(k_begin + (kt + 1) * kTf32K);
#pragma unroll
    for (int ks = 0; ks < kTf32K; ks += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fa[4];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb[2];
#pragma unroll
      for (int i = 0; i < 4; ++i) wmma::load_matrix_sync(fa[i], &As[buf][ks][wm * 64 + i * 16], kTileM + kSmemPad);
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], &Bs[buf][ks][wn * 32 + j * 16], kTileN + kSmemPad);
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    if (kt + 1 < tiles) stash(buf ^ 1);
    __syncthreads();
  }

  // Fragments are opaque, so each goes through a per-warp 16x16 staging tile (in the
  // A buffer, free now) to reach the problem's store.
  float* stage = &As[0][0][0] + warp * 256;
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32) {
        const int m = m0 + wm * 64 + i * 16 + e / 16;
        const int n = n0 + wn * 32 + j * 16 + e % 16;
        if (m < p.m && n < p.n) gemm_detail::emit(p, z, split, m, n, stage[e]);
      }
      __syncwarp();
    }
}

template <class P>
__global__ void gemm_splitk_reduce_kernel(const P p) {
  const int64_t per = static_cast<int64_t>(p.m) * p.n;
  const int64_t total = per * p.batches;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t idx = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; idx < total; idx += stride) {
    const int z = static_cast<int>(idx / per);
    const int64_t mn = idx - z * per;
    const float* src = p.partial + static_cast<int64_t>(z) * p.splits * per + mn;
    float s = 0.f;
    for (int sp = 0; sp < p.splits; ++sp) s += src[sp * per];
    p.store(z, static_cast<int>(mn / p.n), static_cast<int>(mn % p.n), s);
  }
}

// Runs problem p (m, n, k, batches and the accessors set; splits and partial are chosen
// here). allow_split: may split K when the output alone cannot fill the GPU.
template <class P>
void run_gemm(P p, bool allow_split, const char* name) {
  if (p.m <= 0 || p.n <= 0 || p.batches <= 0) return;
  const bool tf32 = tf32_enabled();
  const int tile_k = tf32 ? kTf32K : kSimtK;
  const int64_t tiles = ceil_div(p.m, kTileM) * ceil_div(p.n, kTileN) * p.batches;
  int splits = 1;
  if (allow_split && p.k >= 1024) {
    const int64_t target = 2LL * multiprocessors();
    while (tiles * splits < target && p.k / (splits * 2) >= 512 && splits < 256) splits *= 2;
  }
  p.k_chunk = static_cast<int>(ceil_div(ceil_div(p.k, splits), tile_k) * tile_k);
  if (p.k_chunk == 0) p.k_chunk = tile_k;
  p.splits = static_cast<int>(ceil_div(p.k > 0 ? p.k : 1, p.k_chunk));
  const int64_t grid_m = ceil_div(p.m, kTileM);
  const int64_t grid_z = static_cast<int64_t>(p.batches) * p.splits;
  if (grid_m > 65535 || grid_z > 65535)
    throw Error(std::string("pai_cuda: ") + name + ": problem too large for one launch (" + std::to_string(p.m) +
                " rows, " + std::to_string(grid_z) + " batches x splits)");
  Workspace ws(p.splits > 1 ? static_cast<size_t>(grid_z) * p.m * p.n * sizeof(float) : 0);
  p.partial = ws.as<float>();
  const dim3 grid(static_cast<unsigned>(ceil_div(p.n, kTileN)), static_cast<unsigned>(grid_m),
                  static_cast<unsigned>(grid_z));
  if (tf32)
    PAI_LAUNCH(grid, kGemmThreads, 0, gemm_tf32_kernel<P>)(p);
  else
    PAI_LAUNCH(grid, kGemmThreads, 0, gemm_simt_kernel<P>)(p);
  check_launch(name);
  if (p.splits > 1) {
    const int64_t total = static_cast<int64_t>(p.m) * p.n * p.batches;
    PAI_LAUNCH(grid_for(total, 256), 256, 0, gemm_splitk_reduce_kernel<P>)(p);
    check_launch(name);
  }
}

}  // namespace pai::cuda
