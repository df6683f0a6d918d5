import type { Tensor } from '../../tensor';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { maskedConv2d } from '../masked';
import { defaultLayerSeed, kaimingNormal_ } from '../init';
import { checkPositive } from './linear';

/** A size per spatial dimension: one number for both, or [h, w]. */
export type Pair = number | [number, number];

/** Options of {@link Conv2d}. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Add a bias (default true). */
  bias?: boolean;
  /** Seed of the Kaiming-normal weight init; null leaves zeros for the caller to initialize. */
  seed?: number | null;
}

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/** 2-D convolution over NCHW input with weight [out, in / groups, kh, kw] (PyTorch `nn.Conv2d`); the weight is prunable. */
export class Conv2d extends Module {
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    opts: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = opts.groups ?? 1;
    const [kh, kw] = this.kernelSize;
    checkPositive('Conv2d', { inChannels, outChannels, kh, kw, groups: this.groups });
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new RangeError(`Conv2d: groups (${this.groups}) must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    }
    const weight = Parameter.filled([outChannels, inChannels / this.groups, kh, kw], 0, { prunable: true });
    this.registerParameter('weight', weight);
    this.registerParameter('bias', opts.bias === false ? null : Parameter.filled([outChannels]));
    const seed = opts.seed === undefined ? defaultLayerSeed() : opts.seed;
    if (seed !== null) kaimingNormal_(weight, seed);
  }

  /** The weight [out, in / groups, kh, kw]. */
  get weight(): Parameter {
    return this.getParameter('weight')!;
  }

  /** The bias [out], or null. */
  get bias(): Parameter | null {
    return this.getParameter('bias');
  }

  override forward(x: Tensor): Tensor {
    return maskedConv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}
