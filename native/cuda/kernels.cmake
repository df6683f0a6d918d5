# The CUDA kernels as a static library, shared by the root CMakeLists.txt (the pai_cuda
# addon and the test program) and by native/cuda/test/CMakeLists.txt (the test program
# alone, for a GPU machine without Node.js). PAI_ROOT is the repository root.
#
#   pai_cuda_kernel_library(NAME)      nvcc, SASS for sm_80/86/89/90 plus compute_90 PTX
#   pai_cuda_emu_library(NAME)         the same sources as C++ on the emulator (no GPU)

file(GLOB PAI_CUDA_KERNEL_SRC CONFIGURE_DEPENDS ${PAI_ROOT}/native/cuda/*.cu)
file(GLOB PAI_CUDA_TEST_SRC CONFIGURE_DEPENDS ${PAI_ROOT}/native/cuda/test/*.cc)
file(GLOB PAI_CUDA_EMU_SRC CONFIGURE_DEPENDS ${PAI_ROOT}/native/cuda/test/emu/*.cc)

# One PTX front-end pass for compute_80 feeds the sm_80, sm_86 and sm_89 SASS (the
# kernels use nothing newer than sm_80), and one for compute_90 feeds sm_90 and the
# embedded PTX that newer GPUs JIT-compile: half the front-end work of one pass per arch.
# -DPAI_CUDA_GENCODE=... overrides the list (e.g. one arch for a quick local build).
if(NOT PAI_CUDA_GENCODE)
  set(PAI_CUDA_GENCODE
    "-gencode=arch=compute_80,code=[sm_80,sm_86,sm_89]"
    "-gencode=arch=compute_90,code=[sm_90,compute_90]")
endif()

function(pai_cuda_kernel_library name)
  add_library(${name} STATIC ${PAI_CUDA_KERNEL_SRC})
  target_include_directories(${name} PUBLIC ${PAI_ROOT}/native ${PAI_ROOT}/native/include)
  target_compile_options(${name} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-O3 ${PAI_CUDA_GENCODE} -Xcompiler=-fvisibility=hidden
      --expt-relaxed-constexpr>)
  set_target_properties(${name} PROPERTIES CUDA_ARCHITECTURES OFF POSITION_INDEPENDENT_CODE ON
                        CUDA_SEPARABLE_COMPILATION OFF CUDA_RUNTIME_LIBRARY Static)
endfunction()

# Each .cu is compiled through a one-line .cc that includes it, so the host compiler
# treats it as C++ whatever its extension.
function(pai_cuda_emu_library name)
  set(wrappers)
  foreach(src ${PAI_CUDA_KERNEL_SRC})
    get_filename_component(stem ${src} NAME_WE)
    set(w ${CMAKE_CURRENT_BINARY_DIR}/emu_src/${stem}.cc)
    file(WRITE ${w}.tmp "#include \"${src}\"\n")
    configure_file(${w}.tmp ${w} COPYONLY)
    list(APPEND wrappers ${w})
  endforeach()
  add_library(${name} STATIC ${wrappers} ${PAI_CUDA_EMU_SRC})
  target_include_directories(${name} PUBLIC ${PAI_ROOT}/native ${PAI_ROOT}/native/include
                             ${PAI_ROOT}/native/cuda)
  target_compile_definitions(${name} PUBLIC PAI_CUDA_EMU)
  target_compile_options(${name} PRIVATE -O1 -g -Wno-unknown-pragmas -ffp-contract=off)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
