import type { Tensor } from '../tensor';
import { isGradEnabled } from '../autograd';
import { conv2d, linear, mul, type Conv2dOptions } from '../ops';
import type { Parameter } from './parameter';

/**
 * How masked layers compute: every Conv2d and Linear goes through this file, so switching
 * between execution modes is a change in this one place.
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
  const mask = weight.mask;
  if (fuses(mask)) return conv2d(x, weight, bias, { ...opts, mask });
  return conv2d(x, effectiveWeight(weight), bias, opts);
}

/** linear of a (possibly masked) weight parameter, in the current execution mode. */
export function maskedLinear(x: Tensor, weight: Parameter, bias: Tensor | null): Tensor {
  const mask = weight.mask;
  if (fuses(mask)) return linear(x, weight, bias, { mask });
  return linear(x, effectiveWeight(weight), bias);
}
