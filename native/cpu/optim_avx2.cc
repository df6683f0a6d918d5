// The fused optimizer loops compiled for AVX2 + FMA.
#define PAI_OPTIM_TABLE kOptimAvx2
#include "optim_loops.h"
