// The fused batch norm + ReLU row loops compiled for AVX2 + FMA.
#define PAI_VEC_BYTES 32
#define PAI_BATCHNORM_RELU_TABLE kBatchNormReluAvx2
#include "batchnorm_relu_loops.h"
