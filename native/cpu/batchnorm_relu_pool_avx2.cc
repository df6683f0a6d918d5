// The batch norm + ReLU + max-pool plane loops compiled for AVX2 + FMA.
#define PAI_VEC_BYTES 32
#define PAI_BATCHNORM_RELU_POOL_TABLE kBatchNormReluPoolAvx2
#include "batchnorm_relu_pool_loops.h"
