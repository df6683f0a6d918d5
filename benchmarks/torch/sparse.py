"""PyTorch baselines of the sparse suite: forward + input gradient + weight gradient of a
linear (4096x4096) or 3x3 convolution layer, either dense (what a masked PyTorch layer costs
at any density) or with the masked weight as a CSR tensor (torch.sparse; the convolution
through unfold, CSR matmul and fold, as PyTorch has no sparse convolution on the CPU). The
CSR weight gradient uses sampled_addmm where the build supports it, else a dense product
masked afterwards."""
import os

# Idle OpenMP threads must sleep, not spin: the suite interleaves our timings with these,
# and spinning workers would steal the cores our kernels run on.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "0")

import torch
import torch.nn.functional as F

from bridge import serve


def sampled_grad(pattern, gy2d, x2d, mask):
    """Weight gradient at the survivors: sampled_addmm, or dense then masked."""
    try:
        return torch.sparse.sampled_addmm(pattern, gy2d, x2d, beta=0.0)
    except (RuntimeError, NotImplementedError):
        return (gy2d @ x2d) * mask


def linear_case(case, gen):
    n, k, o = int(case["batch"]), int(case["in"]), int(case["out"])
    x = torch.rand(n, k, generator=gen) - 0.5
    gy = torch.rand(n, o, generator=gen) - 0.5
    w = torch.rand(o, k, generator=gen) - 0.5
    if case["mode"] == "dense":
        def run():
            x @ w.t()
            gy @ w
            gy.t() @ x
        return run
    mask = (torch.rand(o, k, generator=gen) < float(case["density"])).float()
    wc = (w * mask).to_sparse_csr()
    wt = (w * mask).t().contiguous().to_sparse_csr()
    xt, gyt = x.t().contiguous(), gy.t().contiguous()

    def run():
        wc @ xt
        wt @ gyt
        sampled_grad(wc, gyt, x, mask)
    return run


def conv_case(case, gen):
    n, c, o, s = int(case["batch"]), int(case["in"]), int(case["out"]), int(case["size"])
    x = torch.rand(n, c, s, s, generator=gen) - 0.5
    w = torch.rand(o, c, 3, 3, generator=gen) - 0.5
    gy = torch.rand(n, o, s, s, generator=gen) - 0.5
    if case["mode"] == "dense":
        backward = torch.ops.aten.convolution_backward

        def run():
            with torch.no_grad():
                F.conv2d(x, w, None, 1, 1)
            backward(gy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, True, False])
        return run
    mask = (torch.rand(o, c * 9, generator=gen) < float(case["density"])).float()
    w2 = w.reshape(o, c * 9) * mask
    wc, wt = w2.to_sparse_csr(), w2.t().contiguous().to_sparse_csr()
    gy2d = gy.permute(1, 0, 2, 3).reshape(o, n * s * s).contiguous()

    def run():
        cols = F.unfold(x, 3, padding=1)                      # [n, c*9, L]
        x2d = cols.permute(1, 0, 2).reshape(c * 9, n * s * s)
        (wc @ x2d).reshape(o, n, s, s).permute(1, 0, 2, 3).contiguous()
        gcols = (wt @ gy2d).reshape(c * 9, n, s * s).permute(1, 0, 2)
        F.fold(gcols, (s, s), 3, padding=1)
        sampled_grad(wc, gy2d, x2d.t(), mask)
    return run


def setup(case):
    gen = torch.Generator().manual_seed(1)
    return linear_case(case, gen) if case["kind"] == "linear" else conv_case(case, gen)


if __name__ == "__main__":
    serve(setup)
