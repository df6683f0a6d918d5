import type { Tensor } from '../tensor';
import { add, globalAvgPool2d, relu } from '../ops';
import { Module } from '../nn/module';
import { Conv2d } from '../nn/layers/conv2d';
import { BatchNorm2d } from '../nn/layers/batchnorm';
import { Linear } from '../nn/layers/linear';
import { Sequential } from '../nn/layers/container';
import { Identity2d } from '../nn/layers/identity2d';

/**
 * A basic residual block: conv3x3-BN-ReLU-conv3x3-BN plus a shortcut, then ReLU. The
 * shortcut is a 1x1 stride-2 conv + BN (`shortcut.0`, `shortcut.1`) where the shape changes,
 * else the reference's per-channel scale (`shortcut.weight`).
 */
export class ResNetBlock extends Module {
  private readonly parts: { conv1: Conv2d; bn1: BatchNorm2d; conv2: Conv2d; bn2: BatchNorm2d; shortcut: Module };

  constructor(fIn: number, fOut: number, downsample: boolean) {
    super();
    const stride = downsample ? 2 : 1;
    const conv1 = this.registerModule('conv1', new Conv2d(fIn, fOut, 3, { stride, padding: 1, bias: false, seed: null }));
    const bn1 = this.registerModule('bn1', new BatchNorm2d(fOut));
    const conv2 = this.registerModule('conv2', new Conv2d(fOut, fOut, 3, { padding: 1, bias: false, seed: null }));
    const bn2 = this.registerModule('bn2', new BatchNorm2d(fOut));
    const shortcut = this.registerModule(
      'shortcut',
      downsample || fIn !== fOut
        ? new Sequential(new Conv2d(fIn, fOut, 1, { stride: 2, bias: false, seed: null }), new BatchNorm2d(fOut))
        : new Identity2d(fIn),
    );
    this.parts = { conv1, bn1, conv2, bn2, shortcut };
  }

  override forward(x: Tensor): Tensor {
    const { conv1, bn1, conv2, bn2, shortcut } = this.parts;
    const y = bn1.forwardRelu(conv1.forward(x));
    const z = conv2.forward(y);
    // The tail relu(bn2(z) + shortcut(x)) as one fused op, unless a module's forward was
    // replaced (then its own forward must run).
    if (bn2.forward !== BatchNorm2d.prototype.forward) return relu(add(bn2.forward(z), shortcut.forward(x)));
    if (shortcut instanceof Identity2d && shortcut.forward === Identity2d.prototype.forward) return bn2.forwardAddRelu(z, x, shortcut.weight);
    return bn2.forwardAddRelu(z, shortcut.forward(x));
  }
}

/**
 * The reference CIFAR ResNet-D of width W: a 3x3 stem conv + BN (`conv`, `bn`), three stages
 * of (D - 2) / 6 blocks of widths W, 2W, 4W (`blocks.i`), stride 2 at the first block of
 * stages 2 and 3, global average pooling, then `fc`. Convs have no bias.
 */
export class ResNet extends Module {
  private readonly parts: { conv: Conv2d; bn: BatchNorm2d; blocks: Sequential; fc: Linear };

  constructor(depth: number, width: number, inputShape: readonly number[], numClasses: number) {
    super();
    if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
      throw new RangeError(`resnet: depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110, ...), got ${depth}`);
    }
    const perStage = (depth - 2) / 6;
    const conv = this.registerModule('conv', new Conv2d(inputShape[0], width, 3, { padding: 1, bias: false, seed: null }));
    const bn = this.registerModule('bn', new BatchNorm2d(width));
    const list: Module[] = [];
    let current = width;
    [width, 2 * width, 4 * width].forEach((filters, stage) => {
      for (let b = 0; b < perStage; b++) {
        list.push(new ResNetBlock(current, filters, stage > 0 && b === 0));
        current = filters;
      }
    });
    const blocks = this.registerModule('blocks', new Sequential(...list));
    const fc = this.registerModule('fc', new Linear(current, numClasses, { seed: null }));
    this.parts = { conv, bn, blocks, fc };
  }

  override forward(x: Tensor): Tensor {
    const { conv, bn, blocks, fc } = this.parts;
    const y = blocks.forward(bn.forwardRelu(conv.forward(x)));
    return fc.forward(globalAvgPool2d(y).flatten(1));
  }
}
