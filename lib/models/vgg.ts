import type { Tensor } from '../tensor';
import { avgPool2d, maxPool2d, relu } from '../ops';
import { Module } from '../nn/module';
import { Conv2d } from '../nn/layers/conv2d';
import { BatchNorm2d } from '../nn/layers/batchnorm';
import { Linear } from '../nn/layers/linear';
import { MaxPool2d } from '../nn/layers/pooling';
import { Sequential } from '../nn/layers/container';

/** A VGG plan: output channels of each 3x3 conv, 'M' for a 2x2 max-pool. */
export type VggPlan = readonly (number | 'M')[];

/** The plans of the reference CIFAR VGGs (lottery-ticket / SynFlow code). */
export const VGG_PLANS: Readonly<Record<11 | 13 | 16 | 19, VggPlan>> = {
  11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
  13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
  16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512],
  19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512],
};

/** conv 3x3 (padding 1, bias) [+ batch norm], then ReLU; keys `conv.*` and `bn.*`. */
export class VggConvBlock extends Module {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm2d | null;

  constructor(inChannels: number, outChannels: number, batchNorm: boolean) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, outChannels, 3, { padding: 1, seed: null }));
    this.bn = batchNorm ? this.registerModule('bn', new BatchNorm2d(outChannels)) : null;
  }

  override forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.bn ? this.bn.forwardRelu(y) : relu(y);
  }

  /** maxPool2d(forward(x), 2x2): the batch norm, ReLU and pool fused (Sequential calls it before an 'M'). */
  forwardMaxPool2d(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    return this.bn ? this.bn.forwardReluMaxPool2d(y) : maxPool2d(relu(y), { kernelSize: 2 });
  }
}

/**
 * The reference CIFAR VGG: the plan's conv blocks under `layers`, no final max-pool but a
 * 2x2 average pool, then `fc` = Linear(512 * remaining area, classes).
 */
export class Vgg extends Module {
  private readonly layers: Sequential;
  private readonly fc: Linear;

  constructor(plan: VggPlan, batchNorm: boolean, inputShape: readonly number[], numClasses: number) {
    super();
    const [channels, h, w] = inputShape;
    const blocks: Module[] = [];
    let c = channels;
    let oh = h;
    let ow = w;
    for (const spec of plan) {
      if (spec === 'M') {
        blocks.push(new MaxPool2d(2, { stride: 2 }));
        oh = Math.floor(oh / 2);
        ow = Math.floor(ow / 2);
      } else {
        blocks.push(new VggConvBlock(c, spec, batchNorm));
        c = spec;
      }
    }
    oh = Math.floor(oh / 2);
    ow = Math.floor(ow / 2);
    if (oh < 1 || ow < 1) {
      throw new RangeError(`vgg: input ${h}x${w} is too small (the plan halves it ${plan.filter((s) => s === 'M').length + 1} times); use at least 32x32`);
    }
    this.layers = this.registerModule('layers', new Sequential(...blocks));
    this.fc = this.registerModule('fc', new Linear(c * oh * ow, numClasses, { seed: null }));
  }

  override forward(x: Tensor): Tensor {
    const y = avgPool2d(this.layers.forward(x), { kernelSize: 2, stride: 2 });
    return this.fc.forward(y.flatten(1));
  }
}
