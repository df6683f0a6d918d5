// The pruning passes (prune_scores.cc) compiled for AVX-512.
#define PAI_PRUNE_LOOPS_NAME avx512
#include "prune_scores_loops.h"
