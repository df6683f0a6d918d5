// The fused batch norm + ReLU row loops compiled for AVX-512.
#define PAI_VEC_BYTES 64
#define PAI_BATCHNORM_RELU_TABLE kBatchNormReluAvx512
#include "batchnorm_relu_loops.h"
