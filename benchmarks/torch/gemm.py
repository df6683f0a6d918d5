"""PyTorch baseline of the gemm suite: oneDNN's GEMM through mkldnn_linear.

A plain torch.mm would go to Debian's reference BLAS (about 8 GFLOP/s), which is no fair
baseline; mkldnn_linear on to_mkldnn() tensors runs oneDNN's JIT GEMM. It computes
x [rows, inner] @ w[out, inner]^T: the same flops as our C[out, rows] = W[out, inner] x
cols[inner, rows] of an im2col convolution, in the orientation PyTorch itself uses.
"""
import torch

from bridge import serve


def setup(case):
    rows, out, inner = int(case["rows"]), int(case["out"]), int(case["inner"])
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(rows, inner, generator=gen) - 0.5).to_mkldnn()
    w = (torch.rand(out, inner, generator=gen) - 0.5).to_mkldnn()
    linear = torch._C._nn.mkldnn_linear

    def run():
        linear(x, w, None)

    return run


if __name__ == "__main__":
    serve(setup)
