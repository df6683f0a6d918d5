// The batch-norm row loops compiled for AVX2 + FMA.
#define PAI_VEC_BYTES 32
#define PAI_BATCHNORM_TABLE kBatchNormAvx2
#include "batchnorm_loops.h"
