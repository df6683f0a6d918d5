import type { Tensor } from '../../tensor';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../../ops';
import { Module } from '../module';
import type { Pair } from './conv2d';

/** Options of {@link MaxPool2d} and {@link AvgPool2d}. */
export interface Pool2dOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Pair;
  /** Padding on each side, in pixels (default 0). */
  padding?: Pair;
}

/** Maximum over kernelSize windows of NCHW input (PyTorch `nn.MaxPool2d`). */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly opts: Pool2dOptions = {},
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernelSize: this.kernelSize, stride: this.opts.stride ?? this.kernelSize, padding: this.opts.padding ?? 0 });
  }
}

/** Mean over kernelSize windows of NCHW input, padding counted (PyTorch `nn.AvgPool2d`). */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly opts: Pool2dOptions = {},
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernelSize: this.kernelSize, stride: this.opts.stride ?? this.kernelSize, padding: this.opts.padding ?? 0 });
  }
}

/** Average pooling to a fixed [oh, ow] output, whatever the input size (PyTorch `nn.AdaptiveAvgPool2d`). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: [number, number];

  constructor(outputSize: Pair) {
    super();
    this.outputSize = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
