"""PyTorch baseline of benchmarks/suites/train.ts: one SGD training step (forward,
cross-entropy, backward, momentum update) of the same models on the same batch sizes,
float32 on the CPU. Served through bridge.py; a case is
{"model": "vgg16-bn" | "resnet20" | "lenet300", "batch": 128, "threads": 2}.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from bridge import serve


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


def setup(case):
    build, shape = BUILD[case['model']]
    batch = int(case['batch'])
    torch.manual_seed(0)
    model = build()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))

    def run():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return run


if __name__ == '__main__':
    serve(setup)
