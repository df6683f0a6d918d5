# Shared by test.sh and bench.sh: where nvcc is, which build to use, and how to build it.
#   mode=gpu (default) builds with nvcc into build-cuda; mode=emu builds the CPU emulator
#   into build-cuda-emu (no GPU and no nvcc needed; kernel logic checks only).
if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then export PATH="/usr/local/cuda/bin:$PATH"; fi
mode=gpu
for arg in "$@"; do [[ "$arg" == "--emu" ]] && mode=emu; done
if [[ $mode == emu ]]; then build=build-cuda-emu; cmake_flags=(-DPAI_CUDA_EMU=ON); else build=build-cuda; cmake_flags=(); fi

has_node() { command -v node >/dev/null && [[ -d node_modules/cmake-js ]]; }

# Builds the CPU addon, the CUDA addon and pai_cuda_test with cmake-js when Node.js is
# here, else the test program alone with plain CMake. Sets test_bin.
build_cuda() {
  if has_node; then
    local defs=(); [[ $mode == emu ]] && defs=(--CDPAI_CUDA_EMU=ON)
    npx cmake-js compile --out "$build" "${defs[@]}"
    test_bin="$build/Release/pai_cuda_test"
  else
    echo "no Node.js here: building the native CUDA test program alone (CMake + nvcc)"
    cmake -S native/cuda/test -B "$build-native" -DCMAKE_BUILD_TYPE=Release "${cmake_flags[@]}"
    cmake --build "$build-native" -j"$(nproc)"
    test_bin="$build-native/pai_cuda_test"
  fi
  [[ -x "$test_bin" ]] || { echo "the build did not produce $test_bin (is nvcc installed?)" >&2; return 1; }
}
