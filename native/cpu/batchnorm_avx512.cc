// The batch-norm row loops compiled for AVX-512.
#define PAI_VEC_BYTES 64
#define PAI_BATCHNORM_TABLE kBatchNormAvx512
#include "batchnorm_loops.h"
