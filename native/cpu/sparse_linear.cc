// Drivers of the compressed linear layer (see sparse_linear.h): the batch in chunks, each
// chunk's random-access operand transposed once by the thread that uses it, and the
// features split into ranges only where there are too few chunks to keep the threads busy.
#include "sparse_linear.h"

#include <algorithm>

#include "pai/cpu_features.h"
#include "pai/parallel.h"
#include "sparse_engine.h"

namespace pai::sparse_detail {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Batch rows per chunk. The products are bound by reading a survivor's chunk row from L2,
// which costs the same per byte at any chunk size; the weight gradient also pays one
// horizontal sum per survivor and chunk, so it takes wider chunks. Narrower ones for the
// products make more tasks (a better balance on a busy machine) and keep the transposed
// chunk and the output lines written meanwhile well inside L2 (measured on AVX-512,
// 4096 x 4096 at 1%, batch 256: 32 rows 5% faster than 64 there, 64 rows 5% faster for
// the weight gradient).
constexpr int64_t kSpmmRows = 32, kSddmmRows = 64;
// Parts of the batch summed separately by the weight gradient: enough for two threads to
// balance each other on a busy machine; the copies' memory is capped.
constexpr int64_t kWeightGradParts = 4;
constexpr int64_t kMaxPartialFloats = int64_t(16) << 20;

const LinearKernels& active_linear_kernels() {
  switch (active_isa()) {
    case Isa::Avx512: return kLinearAvx512;
    case Isa::Avx2: return kLinearAvx2;
    default: return kLinearBaseline;
  }
}

// The batch as `count` chunks of `rows` rows (nv vectors), the last one possibly shorter:
// as few chunks of at most max_rows rows as the kernels allow, with their sizes balanced.
struct Chunks {
  int64_t nv, rows, count;
  Chunks(const LinearKernels& k, int64_t batch, int64_t max_rows) {
    const int64_t widest = std::max<int64_t>(1, std::min(k.max_nv, max_rows / k.width));
    const int64_t fewest = ceil_div(batch, widest * k.width);
    nv = ceil_div(ceil_div(batch, fewest), k.width);
    rows = nv * k.width;
    count = ceil_div(batch, rows);
  }
  int64_t first(int64_t c) const { return c * rows; }
  int64_t length(int64_t c, int64_t batch) const { return std::min(rows, batch - c * rows); }
};

// Chunk-local transposed copy of the calling thread, `features` x chunk rows.
float* chunk_buffer(int64_t features, const Chunks& ch) {
  return scratch<float>(kPackedInput, std::max<int64_t>(1, features * ch.rows));
}

// out [batch, rows] from the sparse matrix (ptr, idx, vals) with `rows` rows over src
// [batch, cols]: out[b, r] = bias[r] + sum_j vals[j] src[b, idx[j]].
void spmm_batch(const LinearKernels& k, const int32_t* ptr, const int32_t* idx, const float* vals,
                const float* bias, int64_t rows, const float* src, int64_t cols, int64_t batch,
                float* out) {
  const Chunks ch(k, batch, kSpmmRows);
  const int64_t groups = std::max<int64_t>(1, ceil_div(rows, k.width));
  // Two tasks per thread at least; each range repacks its chunk, so no more than needed.
  const int64_t ranges = std::min(groups, std::max<int64_t>(1, ceil_div(2 * num_threads(), ch.count)));
  const LinearKernels::Spmm fn = k.spmm[ch.nv - 1];
  // Range boundaries on the kernel's vector-aligned output groups (see vector_phase).
  const int64_t phase = vector_phase(out, rows, k.width);
  auto boundary = [&](int64_t rg) {
    const int64_t r = groups * rg / ranges * k.width;
    return rg == 0 ? 0 : rg == ranges ? rows : std::min(rows, r + phase);
  };
  parallel_for(0, ch.count * ranges, 1, [&](int64_t t0, int64_t t1) {
    float* xt = chunk_buffer(cols, ch);
    int64_t packed = -1;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t c = t / ranges, rg = t % ranges;
      const int64_t b0 = ch.first(c), len = ch.length(c, batch);
      if (c != packed) {
        k.pack(src + b0 * cols, len, cols, cols, xt, ch.rows);
        packed = c;
      }
      const int64_t r0 = boundary(rg), r1 = boundary(rg + 1);
      if (r0 < r1) fn(ptr, idx, vals, bias, r0, r1, xt, len, out + b0 * rows, rows);
    }
  });
}

}  // namespace

void linear_forward(const SparsePattern& w, const float* values, const float* x, int64_t batch,
                    const float* bias, float* y) {
  spmm_batch(active_linear_kernels(), w.row_ptr, w.col_idx, values, bias, w.rows, x, w.cols, batch, y);
}

void linear_grad_input(const SparsePattern& w, const float* values, const float* gy,
                       int64_t batch, float* gx) {
  // The values in column order, so that the transposed product streams them like the forward.
  float* csc_values = scratch<float>(kValues, std::max<int64_t>(1, w.nnz));
  parallel_for(0, w.nnz, 1 << 15, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) csc_values[q] = values[w.csc_pos[q]];
  });
  spmm_batch(active_linear_kernels(), w.col_ptr, w.csc_row, csc_values, nullptr, w.cols, gy, w.rows, batch, gx);
}

void linear_grad_weight(const SparsePattern& w, const float* x, const float* gy, int64_t batch,
                        float* gvalues) {
  if (w.nnz == 0) return;
  const LinearKernels& k = active_linear_kernels();
  const Chunks ch(k, batch, kSddmmRows);
  const LinearKernels::Sddmm fn = k.sddmm[ch.nv - 1];
  // Chunks [c0, c1) of rows [r0, r1) into acc (indexed like gvalues); the first chunk
  // overwrites, so no buffer needs zeroing (every survivor belongs to one of the rows).
  auto run = [&](int64_t c0, int64_t c1, int64_t r0, int64_t r1, float* acc) {
    float* xt = chunk_buffer(w.cols, ch);
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b0 = ch.first(c), len = ch.length(c, batch);
      k.pack(x + b0 * w.cols, len, w.cols, w.cols, xt, ch.rows);
      fn(w.row_ptr, w.col_idx, r0, r1, gy + b0 * w.rows, w.rows, len, xt, c == c0, acc);
    }
  };
  auto rows = [&](int64_t r0, int64_t r1) { run(0, ch.count, r0, r1, gvalues); };
  // Several chunks: a fixed number of parts of the batch (so that the result does not
  // depend on the thread count), each summed into its own copy, the copies added in order.
  // Each thread then transposes only its own chunks. One chunk, or copies too large: ranges
  // of rows, each transposing every chunk again, so only a few of them.
  const int64_t parts = std::min(kWeightGradParts, ch.count);
  if (parts < 2 || (parts - 1) * w.nnz > kMaxPartialFloats) {
    parallel_for(0, w.rows, std::max<int64_t>(1, ceil_div(w.rows, 2 * num_threads())), rows);
    return;
  }
  float* copies = scratch<float>(kPartials, (parts - 1) * w.nnz);
  parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p)
      run(ch.count * p / parts, ch.count * (p + 1) / parts, 0, w.rows, p == 0 ? gvalues : copies + (p - 1) * w.nnz);
  });
  parallel_for(0, w.nnz, 1 << 14, [&](int64_t i0, int64_t i1) {
    for (int64_t c = 0; c + 1 < parts; ++c) {
      const float* copy = copies + c * w.nnz;
      for (int64_t i = i0; i < i1; ++i) gvalues[i] += copy[i];
    }
  });
}

}  // namespace pai::sparse_detail
