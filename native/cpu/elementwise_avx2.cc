// The elementwise inner loops compiled for AVX2 + FMA.
#define PAI_VEC_BYTES 32
#define PAI_ELEMENTWISE_TABLE kElementwiseAvx2
#include "elementwise_loops.h"
