// The loss row loops compiled for AVX2 + FMA.
#define PAI_VEC_BYTES 32
#define PAI_LOSS_TABLE kLossAvx2
#include "loss_loops.h"
