#!/usr/bin/env bash
# The GPU benchmarks in one command (npm run bench:cuda): SGEMM 4096^3 fp32 and TF32, a VGG-16
# conv layer, the global selection over 100M scores, and (with Node.js) a VGG-16-BN training
# step and 100 SynFlow iterations, each against PyTorch on the same GPU where torch with
# CUDA is importable. Prints one table and writes bench-cuda.json (PAI_BENCH_OUT overrides).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/cuda/common.sh
out="${PAI_BENCH_OUT:-bench-cuda.json}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
build_cuda
py="${PAI_BENCH_PYTHON:-python3}"
if has_node; then
  export PAI_CUDA_ADDON_PATH="$PWD/$build/Release/pai_cuda.node" PAI_ADDON_PATH="$PWD/$build/Release/pai_cpu.node"
  pass=(); for a in "$@"; do [[ "$a" == "--emu" ]] || pass+=("$a"); done
  npx tsx benchmarks/run.ts --suite cuda --json "$tmp/suite.json" "${pass[@]}"
  "$py" scripts/cuda/summarize.py --out "$out" "$tmp/suite.json"
else
  quick=(); for a in "$@"; do [[ "$a" == "--quick" ]] && quick=(--quick); done
  "$test_bin" --bench --json "$tmp/native.json" "${quick[@]}"
  files=("$tmp/native.json")
  if "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    (cd benchmarks/torch && "$py" cuda.py --standalone --json "$tmp/torch.json" "${quick[@]}")
    files+=("$tmp/torch.json")
  else
    echo "no PyTorch with CUDA here: no baseline"
  fi
  "$py" scripts/cuda/summarize.py --out "$out" "${files[@]}"
fi
