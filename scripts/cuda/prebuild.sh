#!/usr/bin/env bash
# Puts the CUDA addon beside the CPU prebuild for shipping: prebuilds/<platform>-<arch>/
# pai_cuda.node (stripped). It is loaded only when CUDA is asked for (lib/backend/cuda/
# loader.ts); the CPU loader skips files named *cuda*. Builds with cmake-js first unless
# build-cmake/Release/pai_cuda.node exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then export PATH="/usr/local/cuda/bin:$PATH"; fi
src=build-cmake/Release/pai_cuda.node
[[ -f $src ]] || npx cmake-js compile --out build-cmake
[[ -f $src ]] || { echo "no CUDA addon was built (nvcc not found?)" >&2; exit 1; }
dir="prebuilds/$(node -p 'process.platform + "-" + process.arch')"
mkdir -p "$dir"
strip --strip-unneeded -o "$dir/pai_cuda.node" "$src"
echo "wrote $dir/pai_cuda.node ($(du -h "$dir/pai_cuda.node" | cut -f1))"
