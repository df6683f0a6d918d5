// The loss row loops compiled for AVX-512.
#define PAI_VEC_BYTES 64
#define PAI_LOSS_TABLE kLossAvx512
#include "loss_loops.h"
