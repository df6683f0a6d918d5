// The benchmark mode of the test program (bench.cc).
#pragma once

namespace pai::cuda::test {

// Runs the GPU benchmarks, prints a table and, if json_path is set, writes the records
// (BENCHMARKS.md format); quick shrinks every case to a smoke run. Returns an exit code.
int run_benchmarks(const char* json_path, bool quick);

}  // namespace pai::cuda::test
