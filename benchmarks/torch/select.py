"""PyTorch baseline for benchmarks/suites/select.ts: the global threshold by torch.kthvalue
over the same number of scores, then the keep-mask by comparison (what a pruner does)."""
import os

# Idle OpenMP threads must sleep, not spin: the suite interleaves our timings with these,
# and spinning workers would steal the cores our kernels run on.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "0")

import torch

from bridge import serve


def setup(case):
    n, k = int(case["n"]), int(case["k"])
    g = torch.Generator().manual_seed(0)
    s = torch.randn(n, generator=g).abs_()

    def run():
        t = torch.kthvalue(s, n - k + 1).values
        (s >= t).float()

    return run


if __name__ == "__main__":
    serve(setup)
