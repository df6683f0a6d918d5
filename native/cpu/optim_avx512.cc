// The fused optimizer loops compiled for AVX-512.
#define PAI_OPTIM_TABLE kOptimAvx512
#include "optim_loops.h"
