import type { Tensor } from '../tensor';
import { isGradEnabled } from '../autograd';
import { conv2d, linear, mul, type Conv2dOptions } from '../ops';
import { sparseConv2d } from '../ops/sparse-conv2d';
import { sparseLinear } from '../ops/sparse-linear';
import type { Parameter } from './parameter';

/** The input shape a layer saw, reported to a {@link traceLayerInputs} observer. */
export type LayerInput = { weight: Parameter; kind: 'conv2d'; x: readonly number[]; opts: Conv2dOptions } | { weight: Parameter; kind: 'linear'; x: readonly number[] };

let observer: ((l: LayerInput) => void) | null = null;

/**
 * Runs `fn` while every masked layer reports its weight and input shape to `observe`
 * (how compressModel learns the activation sizes that the crossover depends on).
 */
export function traceLayerInputs<T>(observe: (l: LayerInput) => void, fn: () => T): T {
  const previous = observer;
  observer = observe;
  try {
    return fn();
  } finally {
    observer = previous;
  }
}

/**
 * How masked layers compute: every Conv2d and Linear goes through this file, so switching
 * between execution modes is a change in this one place. A weight that compressModel()
 * compressed runs the sparse kernels on its survivors; the others run one of the modes below.
 * - 'fused' (default): the mask is handed to the op, which multiplies it in while packing the
 *   weight (no weight ⊙ mask tensor) and returns an already masked weight gradient.
 * - 'multiply': weight * mask as a tensor of its own and the plain kernels, with the arena's
 *   gradient hook masking the gradient (the path before fused kernels; kept for comparison).
 */
export type MaskExecution = 'fused' | 'multiply';

let execution: MaskExecution = 'fused';

/** Chooses how masked layers compute (see {@link MaskExecution}); returns the previous mode. */
export function setMaskExecution(mode: MaskExecution): MaskExecution {
  if (mode !== 'fused' && mode !== 'multiply') throw new RangeError(`setMaskExecution: mode must be 'fused' or 'multiply', got ${String(mode)}`);
  const previous = execution;
  execution = mode;
  return previous;
}

/** The current mask execution mode. */
export function maskExecution(): MaskExecution {
  return execution;
}

/**
 * Whether a layer hands this mask to a fused kernel: a mask is set and is a constant. A mask
 * that is itself differentiated (Gem-Miner's scores) goes through weight * mask instead.
 */
function fuses(mask: Tensor | null): mask is Tensor {
  return execution === 'fused' && mask !== null && !(mask.requiresGrad && isGradEnabled());
}

/**
 * Whether the gradient a layer produces for p is already masked by the fused kernel, so the
 * arena's gradient hook has nothing left to do. True only when p is used through its layer;
 * a parameter also used elsewhere in a loss gets those other gradient terms unmasked.
 */
export function layerMasksGradient(p: Parameter): boolean {
  return execution === 'fused' && p.mask !== null && !p.mask.requiresGrad;
}

/**
 * The weight a layer computes with in 'multiply' mode: the parameter itself when it has no
 * mask, else weight * mask.
 */
export function effectiveWeight(p: Parameter): Tensor {
  return p.mask ? mul(p, p.mask) : p;
}

/** conv2d of a (possibly masked) weight parameter, in the current execution mode. */
export function maskedConv2d(x: Tensor, weight: Parameter, bias: Tensor | null, opts: Conv2dOptions): Tensor {
  observer?.({ weight, kind: 'conv2d', x: x.shape, opts });
  const c = weight.compressed;
  if (c) return sparseConv2d(x, c.weight, c.values, bias, opts);
  const mask = weight.mask;
  if (fuses(mask)) return conv2d(x, weight, bias, { ...opts, mask });
  return conv2d(x, effectiveWeight(weight), bias, opts);
}

/** linear of a (possibly masked) weight parameter, in the current execution mode. */
export function maskedLinear(x: Tensor, weight: Parameter, bias: Tensor | null): Tensor {
  observer?.({ weight, kind: 'linear', x: x.shape });
  const c = weight.compressed;
  if (c) return sparseLinear(x, c.weight, c.values, bias);
  const mask = weight.mask;
  if (fuses(mask)) return linear(x, weight, bias, { mask });
  return linear(x, effectiveWeight(weight), bias);
}
