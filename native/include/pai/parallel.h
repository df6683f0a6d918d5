// Our own small thread pool: no OpenMP runtime, so a prebuilt binary needs nothing.
#pragma once
#include <cstdint>
#include <functional>

namespace pai {

// Number of worker threads (including the caller). Sized to the cores at load,
// overridable by PAI_NUM_THREADS or set_num_threads().
int num_threads();
void set_num_threads(int n);

// Runs fn(begin_i, end_i) over [begin, end) split into contiguous chunks of at least
// `grain` items, on the pool. Blocks until all chunks are done. Calls from inside a
// pool task run serially on the calling thread (no nested parallelism).
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace pai
