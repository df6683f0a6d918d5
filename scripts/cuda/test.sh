#!/usr/bin/env bash
# The GPU checks in one command (npm run test:cuda): builds the CUDA addon and the native
# test program, runs the CUDA-vs-CPU kernel program, then, where Node.js is installed, the
# jest CUDA suites with PAI_TEST_CUDA=1 (device tests, compressed layers and models on cuda,
# and the tensor, masked-kernel and compressed-op conformance suites on the cuda backend).
#   scripts/cuda/test.sh          on a machine with an NVIDIA GPU
#   scripts/cuda/test.sh --emu    the same on the CPU emulator (no GPU needed; slow)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/cuda/common.sh
build_cuda
echo "== native CUDA-vs-CPU kernels ($test_bin)"
"$test_bin"
if has_node; then
  echo "== jest: CUDA suites and the conformance suites on cuda"
  export PAI_TEST_CUDA=1
  export PAI_CUDA_ADDON_PATH="$PWD/$build/Release/pai_cuda.node"
  export PAI_ADDON_PATH="$PWD/$build/Release/pai_cpu.node"
  npx jest test/cuda test/backend/conformance.test.ts test/backend/masked-conformance.test.ts test/sparse/ops.test.ts -t '[Cc][Uu][Dd][Aa]'
else
  echo "no Node.js here: the jest CUDA suites were not run"
fi
