"""PyTorch baseline of the conv suite: F.conv2d (oneDNN on CPU) for the forward, and
aten.convolution_backward with a one-gradient output mask for the input and weight
gradients, so each pass is timed alone as our kernels are."""
import torch
import torch.nn.functional as F

from bridge import serve


def setup(case):
    n, c, o, s = int(case["batch"]), int(case["in"]), int(case["out"]), int(case["size"])
    k, stride, pad = int(case["kernel"]), int(case["stride"]), int(case["padding"])
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(n, c, s, s, generator=gen) - 0.5
    w = torch.rand(o, c, k, k, generator=gen) - 0.5
    b = torch.rand(o, generator=gen) - 0.5
    y = F.conv2d(x, w, b, stride, pad)
    gy = torch.rand(y.shape, generator=gen) - 0.5
    pass_ = case["pass"]
    if pass_ == "forward":
        def run():
            with torch.no_grad():
                F.conv2d(x, w, b, stride, pad)
        return run
    mask = [pass_ == "grad_input", pass_ == "grad_weight", False]
    backward = torch.ops.aten.convolution_backward

    def run():
        backward(gy, x, w, [o], [stride, stride], [pad, pad], [1, 1], False, [0, 0], 1, mask)
    return run


if __name__ == "__main__":
    serve(setup)
