"""PyTorch baseline of the prune suite: the same scorers on VGG-16-BN (CIFAR-10 shape),
written the way the Synaptic-Flow reference prunes (dense masks multiplied into the
weights, a global torch.kthvalue threshold per iteration, exponential schedule)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from bridge import serve

PLAN16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]


class MaskedConv(nn.Conv2d):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.register_buffer("weight_mask", torch.ones_like(self.weight))

    def forward(self, x):
        return F.conv2d(x, self.weight * self.weight_mask, self.bias, self.stride, self.padding)


class MaskedLinear(nn.Linear):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.register_buffer("weight_mask", torch.ones_like(self.weight))

    def forward(self, x):
        return F.linear(x, self.weight * self.weight_mask, self.bias)


def vgg16bn(classes):
    layers, c = [], 3
    for v in PLAN16:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [MaskedConv(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU()]
            c = v
    model = nn.Sequential(*layers, nn.AvgPool2d(2), nn.Flatten(), MaskedLinear(512, classes))
    for m in model.modules():
        if isinstance(m, (MaskedConv, MaskedLinear)):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    return model


def masked(model):
    return [m for m in model.modules() if isinstance(m, (MaskedConv, MaskedLinear))]


@torch.no_grad()
def apply_global(layers, scores, density, regrow=False):
    flat = torch.cat([s.flatten() for s in scores])
    if not regrow:
        alive = torch.cat([m.weight_mask.flatten() for m in layers])
        flat = torch.where(alive > 0, flat, torch.full_like(flat, -float("inf")))
    k = int((1.0 - density) * flat.numel())
    if k < 1:
        return
    threshold, _ = torch.kthvalue(flat, k)
    for m, s in zip(layers, scores):
        keep = s > threshold
        if not regrow:
            keep &= m.weight_mask > 0
        m.weight_mask.copy_(keep.float())


def loss_grads(model, data, temperature=1.0):
    for x, y in data:
        F.cross_entropy(model(x) / temperature, y).backward()


def setup(case):
    torch.manual_seed(0)
    model = vgg16bn(10)
    model.eval()
    layers = masked(model)
    init = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(case.get("samples") or 100, 3, 32, 32)
    y = torch.arange(x.shape[0]) % 10
    data = [(x, y)]
    pruner, iters, density = case["pruner"], case["iterations"], 10.0 ** -case["compression"]

    def synflow_scores():
        with torch.no_grad():
            signs = {k: torch.sign(v) for k, v in model.state_dict().items()}
            for v in model.state_dict().values():
                v.abs_()
        model.zero_grad()
        model(torch.ones(1, 3, 32, 32)).sum().backward()
        scores = [(m.weight.grad * m.weight).abs() for m in layers]
        with torch.no_grad():
            for k, v in model.state_dict().items():
                v.mul_(signs[k])
        return scores

    def snip_scores():
        model.zero_grad()
        loss_grads(model, data)
        return [(m.weight.grad * m.weight).abs() for m in layers]

    def grasp_scores():
        params = [m.weight for m in layers]
        model.zero_grad()
        stopped = None
        for xb, yb in data:
            g = torch.autograd.grad(F.cross_entropy(model(xb) / 200, yb), params)
            stopped = [gi.detach() for gi in g] if stopped is None else [s + gi for s, gi in zip(stopped, g)]
        for xb, yb in data:
            g = torch.autograd.grad(F.cross_entropy(model(xb) / 200, yb), params, create_graph=True)
            sum((gi * si).sum() for gi, si in zip(g, stopped)).backward()
        scores = [m.weight.grad * m.weight for m in layers]
        norm = torch.abs(torch.cat([s.flatten() for s in scores]).sum()) + 1e-10
        return [s / norm for s in scores]

    def run():
        model.load_state_dict(init)
        theta0 = [m.weight.detach().clone() for m in layers]
        for k in range(1, iters + 1):
            d = density ** (k / iters)
            if pruner == "synflow":
                scores = synflow_scores()
            elif pruner in ("snip", "iter-snip"):
                scores = snip_scores()
            elif pruner == "grasp":
                scores = grasp_scores()
            elif pruner == "force":
                with torch.no_grad():
                    masks = [m.weight_mask.clone() for m in layers]
                    for m, t0 in zip(layers, theta0):
                        m.weight.copy_(t0 * m.weight_mask)
                        m.weight_mask.fill_(1)
                model.zero_grad()
                loss_grads(model, data)
                scores = [(t0 * m.weight.grad).abs() for m, t0 in zip(layers, theta0)]
                with torch.no_grad():
                    for m, mk in zip(layers, masks):
                        m.weight_mask.copy_(mk)
            elif pruner == "mag":
                scores = [m.weight.detach().abs() for m in layers]
            elif pruner == "rand":
                scores = [torch.randn_like(m.weight) for m in layers]
            else:
                raise ValueError("unknown pruner %r" % pruner)
            apply_global(layers, scores, d, regrow=pruner == "force")
        if pruner == "force":
            with torch.no_grad():
                for m, t0 in zip(layers, theta0):
                    m.weight.copy_(t0)

    return run


if __name__ == "__main__":
    serve(setup)
