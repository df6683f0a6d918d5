"""PyTorch baseline for benchmarks/suites/cuda.ts on the same GPU, and, run on its own, the
same cases as `pai_cuda_test --bench` (for a GPU machine without Node.js):

    python3 benchmarks/torch/cuda.py --standalone [--quick] [--json FILE]

Cases: SGEMM (fp32, or TF32 via allow_tf32), a VGG-16 convolution layer's forward and both
gradients (cuDNN), the global keep-threshold over n scores (kthvalue + compare, what pruning
code does), a VGG-16-BN training step, and SynFlow scoring iterations.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def _precision(case):
    tf32 = case.get("precision") == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32


def _sync(fn):
    def run():
        fn()
        torch.cuda.synchronize()

    return run


def _vgg16_bn(classes=10):
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            c = v
    return nn.Sequential(*layers, nn.AvgPool2d(2), nn.Flatten(), nn.Linear(512, classes))


def setup(case):
    dev = torch.device("cuda")
    _precision(case)
    kind = case["kind"]
    g = torch.Generator(device=dev).manual_seed(0)
    if kind == "sgemm":
        m = int(case["m"])
        a = torch.randn(m, m, device=dev, generator=g)
        b = torch.randn(m, m, device=dev, generator=g)
        return _sync(lambda: torch.mm(a, b))
    if kind == "conv":
        n, c, hw, o = int(case["n"]), int(case["c"]), int(case["hw"]), int(case["o"])
        x = torch.randn(n, c, hw, hw, device=dev, generator=g)
        w = torch.randn(o, c, 3, 3, device=dev, generator=g) * 0.05
        gy = torch.randn(n, o, hw, hw, device=dev, generator=g)
        op = case["op"]
        if op == "forward":
            return _sync(lambda: F.conv2d(x, w, padding=1))
        if op == "grad_input":
            return _sync(lambda: torch.nn.grad.conv2d_input(x.shape, w, gy, padding=1))
        return _sync(lambda: torch.nn.grad.conv2d_weight(x, w.shape, gy, padding=1))
    if kind == "select":
        n, k = int(case["n"]), int(case["k"])
        s = torch.rand(n, device=dev, generator=g)
        return _sync(lambda: (s >= torch.kthvalue(s, n - k + 1).values).float())
    if kind == "vgg16_bn_step":
        batch = int(case["batch"])
        model = _vgg16_bn().to(dev)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
        x = torch.randn(batch, 3, 32, 32, device=dev, generator=g)
        y = torch.randint(0, 10, (batch,), device=dev, generator=g)

        def step():
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()

        return _sync(step)
    if kind == "synflow":
        iters = int(case["iterations"])
        model = _vgg16_bn().to(dev).eval()
        params = [p for p in model.parameters() if p.dim() > 1]

        def synflow():
            # The reference SynFlow loop: |theta|, all-ones input, R = sum(f(1)), score
            # |theta * dR/dtheta|, then the signs restored.
            with torch.no_grad():
                signs = [p.sign() for p in model.state_dict().values() if p.is_floating_point()]
                for t in model.state_dict().values():
                    if t.is_floating_point():
                        t.abs_()
            ones = torch.ones(1, 3, 32, 32, device=dev)
            for _ in range(iters):
                model.zero_grad(set_to_none=True)
                model(ones).sum().backward()
                scores = torch.cat([(p.grad * p).abs().flatten() for p in params])
                torch.kthvalue(scores, max(1, scores.numel() // 10)).values
            with torch.no_grad():
                for t, s in zip([t for t in model.state_dict().values() if t.is_floating_point()], signs):
                    t.mul_(s)

        return _sync(synflow)
    raise ValueError("unknown case kind %r" % (kind,))


STANDALONE = [
    ("sgemm {m}x{m}x{m} fp32", "tflops", {"kind": "sgemm", "m": 4096, "precision": "fp32"}, lambda c: 2 * c["m"] ** 3 / 1e12),
    ("sgemm {m}x{m}x{m} tf32", "tflops", {"kind": "sgemm", "m": 4096, "precision": "tf32"}, lambda c: 2 * c["m"] ** 3 / 1e12),
] + [
    ("conv 256->512 8x8 %s %s" % (op.replace("_", " "), p), "gflops",
     {"kind": "conv", "op": op, "n": 128, "c": 256, "hw": 8, "o": 512, "precision": p},
     lambda c: 2.0 * c["n"] * c["o"] * c["hw"] ** 2 * c["c"] * 9 / 1e9)
    for p in ("fp32", "tf32") for op in ("forward", "grad_input", "grad_weight")
] + [
    ("select top 10% of {n}", "ms", {"kind": "select", "n": 100000000, "k": 10000000}, None),
]


def standalone(quick, path):
    records = []
    for label, metric, case, work in STANDALONE:
        case = dict(case)
        if quick:
            if case["kind"] == "sgemm":
                case["m"] = 256
            elif case["kind"] == "conv":
                case["n"] = 8
            elif case["kind"] == "select":
                case["n"], case["k"] = 1 << 20, (1 << 20) // 10
        fn = setup(case)
        for _ in range(2):
            fn()
        times = []
        for _ in range(3 if quick else 10):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        vals = sorted((work(case) / t) if work else t * 1e3 for t in times)
        rec = {"suite": "cuda", "case": label.format(**case), "metric": metric, "higherIsBetter": metric != "ms",
               "median": vals[len(vals) // 2], "min": vals[0], "max": vals[-1], "n": len(vals),
               "params": dict(case, backend="pytorch")}
        records.append(rec)
        print("%-40s %10s %10.3f" % (rec["case"], metric, rec["median"]))
    if path:
        with open(path, "w") as f:
            json.dump({"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0), "records": records}, f, indent=1)


if __name__ == "__main__":
    if "--standalone" in sys.argv:
        json_path = sys.argv[sys.argv.index("--json") + 1] if "--json" in sys.argv else None
        standalone("--quick" in sys.argv, json_path)
    else:
        from bridge import serve

        serve(setup)
