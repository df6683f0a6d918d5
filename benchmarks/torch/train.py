"""PyTorch baseline for benchmarks/suites/train.ts: times training steps of the same models.

Runs as a small server so that the TypeScript suite can interleave ours and PyTorch's
measurements: it reads one JSON request per line on stdin,
  {"model": "vgg16-bn" | "resnet20" | "lenet300", "batch": 128, "steps": 5, "threads": 2}
and answers one JSON line {"ms": [...per-step wall times in milliseconds...]} (or {"error": ...}).
Models are built once per (model, batch) and kept warm. CPU only, float32, SGD with momentum.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VGG16 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512]


class VggBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Vgg16Bn(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        layers, c = [], 3
        for spec in VGG16:
            if spec == 'M':
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers.append(VggBlock(c, spec))
                c = spec
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        return self.fc(F.avg_pool2d(self.layers(x), 2).flatten(1))


class Block(nn.Module):
    def __init__(self, fin, fout, down):
        super().__init__()
        s = 2 if down else 1
        self.conv1 = nn.Conv2d(fin, fout, 3, s, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(fout)
        self.conv2 = nn.Conv2d(fout, fout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(fout)
        self.shortcut = (nn.Sequential(nn.Conv2d(fin, fout, 1, 2, bias=False), nn.BatchNorm2d(fout))
                         if down or fin != fout else None)
        self.scale = None if self.shortcut is not None else nn.Parameter(torch.ones(fin, 1, 1))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x * self.scale))


class ResNet20(nn.Module):
    def __init__(self, classes=10, width=16, per_stage=3):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        blocks, cur = [], width
        for stage, f in enumerate([width, 2 * width, 4 * width]):
            for b in range(per_stage):
                blocks.append(Block(cur, f, stage > 0 and b == 0))
                cur = f
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cur, classes)

    def forward(self, x):
        y = self.blocks(F.relu(self.bn(self.conv(x))))
        return self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1))


def lenet300(classes=10):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(),
                         nn.Linear(100, classes))


BUILD = {
    'vgg16-bn': (Vgg16Bn, (3, 32, 32)),
    'resnet20': (ResNet20, (3, 32, 32)),
    'lenet300': (lenet300, (1, 28, 28)),
}
warm = {}


def setup(name, batch):
    key = (name, batch)
    if key not in warm:
        build, shape = BUILD[name]
        torch.manual_seed(0)
        model = build()
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(batch, *shape)
        y = torch.randint(0, 10, (batch,))
        warm[key] = (model, opt, x, y)
    return warm[key]


def step(model, opt, x, y):
    opt.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    opt.step()


def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            torch.set_num_threads(int(req.get('threads', torch.get_num_threads())))
            model, opt, x, y = setup(req['model'], int(req['batch']))
            times = []
            for _ in range(int(req.get('steps', 1))):
                t0 = time.perf_counter()
                step(model, opt, x, y)
                times.append((time.perf_counter() - t0) * 1000.0)
            out = {'ms': times, 'torch': torch.__version__, 'threads': torch.get_num_threads()}
        except Exception as e:  # reported to the suite, which records the case without a baseline
            out = {'error': f'{type(e).__name__}: {e}'}
        sys.stdout.write(json.dumps(out) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
