// The elementwise inner loops compiled for AVX-512.
#define PAI_VEC_BYTES 64
#define PAI_ELEMENTWISE_TABLE kElementwiseAvx512
#include "elementwise_loops.h"
