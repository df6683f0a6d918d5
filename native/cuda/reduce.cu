// Axis reductions. inner == 1 (rows) reduces with a block per (row, split) or a warp per
// short row; inner > 1 (columns) gives each thread one (o, i, split), coalesced over i. When
// the output alone cannot fill the GPU, len is split into chunks whose partials a second
// kernel combines in order, so results never depend on scheduling.
#include "cuda/block_reduce.cuh"
#include "cuda/reduce.h"

namespace pai::cuda {
namespace {

constexpr int kThreads = 256;

struct Split {
  int64_t parts, chunk;
};

// Chunks of len so that `units` x parts reaches `want`, each chunk at least min_chunk long.
Split split_len(int64_t len, int64_t units, int64_t want, int64_t min_chunk) {
  int64_t parts = units >= want ? 1 : ceil_div(want, units);
  const int64_t max_parts = ceil_div(len, min_chunk);
  if (parts > max_parts) parts = max_parts;
  if (parts < 1) parts = 1;
  const int64_t chunk = ceil_div(len, parts);
  return {ceil_div(len, chunk > 0 ? chunk : 1), chunk > 0 ? chunk : 1};
}

// ---- sum ----------------------------------------------------------------------------

// Block (row o, part s) sums x[o, s chunk : (s + 1) chunk]; writes out[o] when parts == 1,
// else partial[o parts + s].
__global__ void sum_rows_block_kernel(const float* x, int64_t outer, int64_t len, int64_t parts, int64_t chunk,
                                      float* out, double* partial) {
  __shared__ double scratch[32];
  for (int64_t b = blockIdx.x; b < outer * parts; b += gridDim.x) {
    const int64_t o = b / parts, s = b % parts;
    const int64_t r0 = s * chunk, r1 = r0 + chunk < len ? r0 + chunk : len;
    const float* row = x + o * len;
    double acc = 0.0;
    for (int64_t r = r0 + threadIdx.x; r < r1; r += blockDim.x) acc += row[r];
    acc = block_sum(acc, scratch);
    if (threadIdx.x == 0) {
      if (parts == 1) out[o] = static_cast<float>(acc);
      else partial[b] = acc;
    }
  }
}

// A warp per row, for many short rows.
__global__ void sum_rows_warp_kernel(const float* x, int64_t outer, int64_t len, float* out) {
  const int lane = threadIdx.x % 32;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t o = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32; o < outer; o += warps) {
    double acc = 0.0;
    for (int64_t r = lane; r < len; r += 32) acc += x[o * len + r];
    acc = warp_sum(acc);
    if (lane == 0) out[o] = static_cast<float>(acc);
  }
}

// Thread (part s, o, i) sums its chunk of column (o, i).
__global__ void sum_cols_kernel(const float* x, int64_t outer, int64_t len, int64_t inner, int64_t parts,
                                int64_t chunk, float* out, double* partial) {
  const int64_t cols = outer * inner, total = cols * parts;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t s = t / cols, col = t % cols, o = col / inner, i = col % inner;
    const int64_t r0 = s * chunk, r1 = r0 + chunk < len ? r0 + chunk : len;
    const float* p = x + o * len * inner + i;
    double acc = 0.0;
    for (int64_t r = r0; r < r1; ++r) acc += p[r * inner];
    if (parts == 1) out[col] = static_cast<float>(acc);
    else partial[t] = acc;
  }
}

// out[u] = sum_s partial at (u, s), with the part stride given (rows: 1 and unit stride
// parts; columns: cols and unit stride 1).
__global__ void sum_partials_kernel(const double* partial, int64_t units, int64_t parts, int64_t unit_stride,
                                    int64_t part_stride, float* out) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t u = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; u < units; u += stride) {
    double acc = 0.0;
    for (int64_t s = 0; s < parts; ++s) acc += partial[u * unit_stride + s * part_stride];
    out[u] = static_cast<float>(acc);
  }
}

// ---- max ----------------------------------------------------------------------------

__global__ void max_rows_block_kernel(const float* x, int64_t outer, int64_t len, int64_t parts, int64_t chunk,
                                      float* values, int32_t* index, float* pv, int32_t* pi) {
  __shared__ float sv[32];
  __shared__ int si[32];
  for (int64_t b = blockIdx.x; b < outer * parts; b += gridDim.x) {
    const int64_t o = b / parts, s = b % parts;
    const int64_t r0 = s * chunk, r1 = r0 + chunk < len ? r0 + chunk : len;
    const float* row = x + o * len;
    float bv = -__int_as_float(0x7f800000);
    int bi = 0x7fffffff;
    for (int64_t r = r0 + threadIdx.x; r < r1; r += blockDim.x)
      if (max_better(row[r], static_cast<int>(r), bv, bi)) bv = row[r], bi = static_cast<int>(r);
    block_max(bv, bi, sv, si);
    if (threadIdx.x == 0) {
      if (parts == 1) values[o] = bv, index[o] = bi;
      else pv[b] = bv, pi[b] = bi;
    }
  }
}

__global__ void max_cols_kernel(const float* x, int64_t outer, int64_t len, int64_t inner, int64_t parts,
                                int64_t chunk, float* values, int32_t* index, float* pv, int32_t* pi) {
  const int64_t cols = outer * inner, total = cols * parts;
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < total; t += stride) {
    const int64_t s = t / cols, col = t % cols, o = col / inner, i = col % inner;
    const int64_t r0 = s * chunk, r1 = r0 + chunk < len ? r0 + chunk : len;
    const float* p = x + o * len * inner + i;
    float bv = -__int_as_float(0x7f800000);
    int bi = 0x7fffffff;
    for (int64_t r = r0; r < r1; ++r)
      if (max_better(p[r * inner], static_cast<int>(r), bv, bi)) bv = p[r * inner], bi = static_cast<int>(r);
    if (parts == 1) values[col] = bv, index[col] = bi;
    else pv[t] = bv, pi[t] = bi;
  }
}

__global__ void max_partials_kernel(const float* pv, const int32_t* pi, int64_t units, int64_t parts,
                                    int64_t unit_stride, int64_t part_stride, float* values, int32_t* index) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t u = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; u < units; u += stride) {
    float bv = -__int_as_float(0x7f800000);
    int bi = 0x7fffffff;
    for (int64_t s = 0; s < parts; ++s) {
      const int64_t k = u * unit_stride + s * part_stride;
      if (max_better(pv[k], pi[k], bv, bi)) bv = pv[k], bi = pi[k];
    }
    values[u] = bv;
    index[u] = bi;
  }
}

// ---- gather / scatter -----------------------------------------------------------------

__global__ void gather_axis_kernel(const float* x, const int32_t* index, int64_t outer, int64_t len, int64_t inner,
                                   float* out) {
  const int64_t n = outer * inner, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t o = t / inner, i = t % inner;
    const int32_t r = index[t];
    out[t] = (r >= 0 && r < len) ? x[(o * len + r) * inner + i] : __int_as_float(0x7fc00000);
  }
}

__global__ void scatter_axis_kernel(const float* values, const int32_t* index, int64_t outer, int64_t len,
                                    int64_t inner, float* out) {
  const int64_t n = outer * inner, stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t t = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; t < n; t += stride) {
    const int64_t o = t / inner, i = t % inner;
    const int32_t r = index[t];
    if (r >= 0 && r < len) out[(o * len + r) * inner + i] += values[t];
  }
}

}  // namespace

void reduce_sum(const float* x, int64_t outer, int64_t len, int64_t inner, float* out) {
  const int64_t units = outer * inner;
  if (units <= 0) return;
  if (len == 0) {
    fill_float(out, 0.f, units);
    return;
  }
  const int64_t sms = multiprocessors();
  if (inner == 1) {
    if (len <= 2048 && outer >= sms * 8) {
      PAI_LAUNCH(grid_for(outer * 32, kThreads), kThreads, 0, sum_rows_warp_kernel)(x, outer, len, out);
      check_launch("reduceSum");
      return;
    }
    const Split sp = split_len(len, outer, 2 * sms, 8192);
    Workspace ws(sp.parts > 1 ? outer * sp.parts * sizeof(double) : 0);
    const unsigned blocks = static_cast<unsigned>(outer * sp.parts < 65535 * 16 ? outer * sp.parts : 65535 * 16);
    PAI_LAUNCH(blocks, kThreads, 0, sum_rows_block_kernel)(x, outer, len, sp.parts, sp.chunk, out, ws.as<double>());
    check_launch("reduceSum");
    if (sp.parts > 1) {
      PAI_LAUNCH(grid_for(outer, kThreads), kThreads, 0, sum_partials_kernel)(ws.as<double>(), outer, sp.parts,
                                                                                sp.parts, 1, out);
      check_launch("reduceSum");
    }
    return;
  }
  const Split sp = split_len(len, units, sms * 2048, 64);
  Workspace ws(sp.parts > 1 ? units * sp.parts * sizeof(double) : 0);
  PAI_LAUNCH(grid_for(units * sp.parts, kThreads), kThreads, 0, sum_cols_kernel)(x, outer, len, inner, sp.parts,
                                                                                  sp.chunk, out, ws.as<double>());
  check_launch("reduceSum");
  if (sp.parts > 1) {
    PAI_LAUNCH(grid_for(units, kThreads), kThreads, 0, sum_partials_kernel)(ws.as<double>(), units, sp.parts, 1,
                                                                              units, out);
    check_launch("reduceSum");
  }
}

void reduce_max(const float* x, int64_t outer, int64_t len, int64_t inner, float* values, int32_t* index) {
  const int64_t units = outer * inner;
  if (units <= 0 || len <= 0) return;
  const int64_t sms = multiprocessors();
  const bool rows = inner == 1;
  const Split sp = rows ? split_len(len, outer, 2 * sms, 8192) : split_len(len, units, sms * 2048, 64);
  Workspace wv(sp.parts > 1 ? units * sp.parts * sizeof(float) : 0);
  Workspace wi(sp.parts > 1 ? units * sp.parts * sizeof(int32_t) : 0);
  if (rows) {
    const unsigned blocks = static_cast<unsigned>(outer * sp.parts < 65535 * 16 ? outer * sp.parts : 65535 * 16);
    PAI_LAUNCH(blocks, kThreads, 0, max_rows_block_kernel)(x, outer, len, sp.parts, sp.chunk, values, index,
                                                            wv.as<float>(), wi.as<int32_t>());
  } else {
    PAI_LAUNCH(grid_for(units * sp.parts, kThreads), kThreads, 0, max_cols_kernel)(
        x, outer, len, inner, sp.parts, sp.chunk, values, index, wv.as<float>(), wi.as<int32_t>());
  }
  check_launch("reduceMax");
  if (sp.parts > 1) {
    PAI_LAUNCH(grid_for(units, kThreads), kThreads, 0, max_partials_kernel)(
        wv.as<float>(), wi.as<int32_t>(), units, sp.parts, rows ? sp.parts : 1, rows ? 1 : units, values, index);
    check_launch("reduceMax");
  }
}

void gather_axis(const float* x, const int32_t* index, int64_t outer, int64_t len, int64_t inner, float* out) {
  const int64_t n = outer * inner;
  if (n <= 0) return;
  PAI_LAUNCH(grid_for(n, kThreads), kThreads, 0, gather_axis_kernel)(x, index, outer, len, inner, out);
  check_launch("gatherAxis");
}

void scatter_axis(const float* values, const int32_t* index, int64_t outer, int64_t len, int64_t inner, float* out) {
  const int64_t n = outer * len * inner;
  if (n <= 0) return;
  fill_bytes(out, 0, static_cast<size_t>(n) * sizeof(float));
  if (outer * inner <= 0) return;
  PAI_LAUNCH(grid_for(outer * inner, kThreads), kThreads, 0, scatter_axis_kernel)(values, index, outer, len, inner,
                                                                                   out);
  check_launch("scatterAxis");
}

}  // namespace pai::cuda
