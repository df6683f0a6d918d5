import type { Tensor } from '../../tensor';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { maskedLinear } from '../masked';
import { defaultLayerSeed, kaimingNormal_ } from '../init';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Seed of the Kaiming-normal weight init; null leaves zeros for the caller to initialize. */
  seed?: number | null;
}

/** y = x W^T + b with W [out, in] (PyTorch `nn.Linear`); the weight is prunable and may be masked. */
export class Linear extends Module {
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    checkPositive('Linear', { inFeatures, outFeatures });
    const weight = Parameter.filled([outFeatures, inFeatures], 0, { prunable: true });
    this.registerParameter('weight', weight);
    this.registerParameter('bias', opts.bias === false ? null : Parameter.filled([outFeatures]));
    const seed = opts.seed === undefined ? defaultLayerSeed() : opts.seed;
    if (seed !== null) kaimingNormal_(weight, seed);
  }

  /** The weight [out, in]. */
  get weight(): Parameter {
    return this.getParameter('weight')!;
  }

  /** The bias [out], or null. */
  get bias(): Parameter | null {
    return this.getParameter('bias');
  }

  override forward(x: Tensor): Tensor {
    return maskedLinear(x, this.weight, this.bias);
  }
}

/** Throws a RangeError unless every value is a positive integer. */
export function checkPositive(layer: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${layer}: ${name} must be a positive integer, got ${v}`);
  }
}
