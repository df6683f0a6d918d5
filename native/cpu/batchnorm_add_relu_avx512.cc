// The fused residual-block tail loops compiled for AVX-512.
#define PAI_VEC_BYTES 64
#define PAI_BATCHNORM_ADD_RELU_TABLE kBatchNormAddReluAvx512
#include "batchnorm_add_relu_loops.h"
