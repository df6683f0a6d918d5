"""PyTorch baseline for benchmarks/suites/ops.ts: the same small ops, eager on the CPU,
each call dropping its output (reference counting frees it)."""
import torch
import torch.nn.functional as F

from bridge import serve


def rn(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g)


def setup(case):
    op = case["op"]
    if op == "add":
        a, b = rn(case["a"], 1), rn(case["b"], 2)
        return lambda: a + b
    if op == "mul_scalar":
        a = rn(case["a"], 3)
        return lambda: a * 2
    if op == "relu":
        a = rn(case["a"], 4)
        return lambda: torch.relu(a)
    if op == "sum":
        a = rn(case["a"], 5)
        return lambda: a.sum()
    if op == "reshape":
        a = rn(case["a"], 6)
        return lambda: a.reshape(16)
    if op == "matmul":
        a, b = rn(case["a"], 7), rn(case["b"], 8)
        return lambda: a @ b
    if op == "linear":
        x, w = rn(case["x"], 9), rn(case["w"], 10)
        b = rn([case["w"][0]], 11)
        return lambda: F.linear(x, w, b)
    if op == "softmax":
        a = rn(case["a"], 12)
        return lambda: torch.softmax(a, -1)
    if op == "cross_entropy":
        a = rn(case["a"], 13)
        labels = torch.arange(case["a"][0]) % case["a"][1]
        return lambda: F.cross_entropy(a, labels)
    if op == "conv2d":
        x, w = rn(case["x"], 14), rn(case["w"], 15)
        return lambda: F.conv2d(x, w, None, 1, 1)
    if op == "mlp_backward":
        x = rn(case["x"], 16)
        w = rn(case["w"], 17).requires_grad_()
        b = rn([case["w"][0]], 18).requires_grad_()

        def run():
            torch.relu(F.linear(x, w, b)).sum().backward()
            w.grad = None
            b.grad = None

        return run
    raise ValueError("unknown op %r" % (op,))


if __name__ == "__main__":
    serve(setup)
