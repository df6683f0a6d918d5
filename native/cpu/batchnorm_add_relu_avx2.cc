// The fused residual-block tail loops compiled for AVX2 + FMA.
#define PAI_VEC_BYTES 32
#define PAI_BATCHNORM_ADD_RELU_TABLE kBatchNormAddReluAvx2
#include "batchnorm_add_relu_loops.h"
