// The batch norm + ReLU + max-pool plane loops compiled for AVX-512.
#define PAI_VEC_BYTES 64
#define PAI_BATCHNORM_RELU_POOL_TABLE kBatchNormReluPoolAvx512
#include "batchnorm_relu_pool_loops.h"
