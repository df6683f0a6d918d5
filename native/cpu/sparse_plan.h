// Internal to the compressed-layer drivers: per-call tables that map survivors to the
// plane layout, and the work split across threads.
#pragma once
#include <cstdint>
#include <vector>

#include "sparse_engine.h"

namespace pai::sparse_detail {

// Offset into the packed input of each survivor (CSR order): its plane times the plane
// stride plus its tap's in-plane shift.
std::vector<int64_t> survivor_offsets(const Grid& g, const SparsePattern& w);

// Row boundaries splitting [0, rows) into `parts` ranges of about equal nnz + rows.
std::vector<int64_t> balanced_rows(const SparsePattern& w, int64_t parts);

// Positions per chunk so that `rows_touched` packed rows of a chunk stay in cache.
int64_t chunk_positions(const Grid& g, int64_t rows_touched, int64_t block);

}  // namespace pai::sparse_detail
