// Internal to the compressed-layer drivers: per-call tables that map survivors to the
// plane layout, and the work split across threads.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "sparse_engine.h"

namespace pai::sparse_detail {

// Offset into the packed input of each survivor (CSR order): its plane times the plane
// stride plus its tap's in-plane shift. Written to off[nnz].
void survivor_offsets(const Grid& g, const SparsePattern& w, int64_t* off);

// Adds fn's contributions to out[n] (zeroed by the caller), fn(i0, i1, acc) covering the
// items [i0, i1) into acc. The items are split into a fixed number of parts, each summing
// into a private copy (the first into out), so every thread reads its own share of the
// activations once, and the result does not depend on the thread count. Beyond a memory
// cap for the copies, splits by rows instead via fn_rows(r0, r1) over [0, rows).
void sum_over_items(int64_t items, int64_t n, float* out,
                    const std::function<void(int64_t, int64_t, float*)>& fn,
                    int64_t rows, const std::function<void(int64_t, int64_t)>& fn_rows);

// Positions per chunk so that `rows_touched` packed rows of a chunk stay in cache.
int64_t chunk_positions(const Grid& g, int64_t rows_touched, int64_t block);

}  // namespace pai::sparse_detail
