import { loadNative } from '../backend/native-loader';
import type { AdamStepConfig, SgdStepConfig } from '../backend/optimizer';

export type { SgdStepConfig, AdamStepConfig } from '../backend/optimizer';

type SgdNative = (
  param: Float32Array, grad: Float32Array, momentumBuf: Float32Array | null, mask: Float32Array | null,
  lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
) => void;
type AdamNative = (
  param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, mask: Float32Array | null,
  lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
) => void;

let forceTs = false;

/** Forces the TypeScript loops even when the native addon has the fused kernels (tests compare the two). */
export function setFusedStepNative(enabled: boolean): void {
  forceTs = !enabled;
}

function nativeSgd(): SgdNative | null {
  if (forceTs) return null;
  const f = loadNative().addon?.sgdStep;
  return typeof f === 'function' ? (f as SgdNative) : null;
}

function nativeAdam(): AdamNative | null {
  if (forceTs) return null;
  const f = loadNative().addon?.adamStep;
  return typeof f === 'function' ? (f as AdamNative) : null;
}

/** Whether the fused optimizer steps run natively ('native') or as TypeScript loops ('typescript'). */
export function fusedStepImplementation(): 'native' | 'typescript' {
  return nativeSgd() && nativeAdam() ? 'native' : 'typescript';
}

function checkLengths(fn: string, param: Float32Array, others: Record<string, Float32Array | null>): void {
  for (const [name, a] of Object.entries(others)) {
    if (a && a.length !== param.length) {
      throw new RangeError(`${fn}: ${name} has ${a.length} elements, param has ${param.length}`);
    }
  }
}

/**
 * One SGD step over a whole arena segment, in place: `param`, `momentumBuf` updated.
 * Where `mask` is 0 the weight and its momentum are set to exactly 0, so pruned weights stay
 * pruned under weight decay and momentum. `momentumBuf` may be null when momentum is 0.
 */
export function sgdStep(
  param: Float32Array,
  grad: Float32Array,
  momentumBuf: Float32Array | null,
  mask: Float32Array | null,
  c: SgdStepConfig,
): void {
  checkLengths('sgdStep', param, { grad, momentumBuf, mask });
  if (c.momentum !== 0 && !momentumBuf) throw new TypeError('sgdStep: momentumBuf is required when momentum != 0');
  const native = nativeSgd();
  if (native) {
    native(param, grad, c.momentum !== 0 ? momentumBuf : null, mask, c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov, c.firstStep);
    return;
  }
  const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = c;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) {
      param[i] = 0;
      if (momentumBuf) momentumBuf[i] = 0;
      continue;
    }
    const p = param[i];
    let d = grad[i] + weightDecay * p;
    if (momentum !== 0) {
      const b = firstStep ? d : momentum * momentumBuf![i] + (1 - dampening) * d;
      momentumBuf![i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    param[i] = p - lr * d;
  }
}

/**
 * One Adam (or AdamW when `decoupled`) step over an arena segment, in place: `param`, `m`
 * (first moment) and `v` (second moment) updated, bias-corrected with `step`. Where `mask`
 * is 0 the weight and both moments are set to exactly 0.
 */
export function adamStep(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  mask: Float32Array | null,
  c: AdamStepConfig,
): void {
  checkLengths('adamStep', param, { grad, m, v, mask });
  if (!(c.step >= 1) || !Number.isInteger(c.step)) throw new RangeError(`adamStep: step must be an integer >= 1, got ${c.step}`);
  const native = nativeAdam();
  if (native) {
    native(param, grad, m, v, mask, c.lr, c.beta1, c.beta2, c.eps, c.weightDecay, c.decoupled, c.step);
    return;
  }
  const { lr, beta1, beta2, eps, weightDecay, decoupled, step } = c;
  const bc1 = 1 - Math.pow(beta1, step);
  const sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, step));
  const stepSize = lr / bc1;
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  const n = param.length;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) {
      param[i] = 0;
      m[i] = 0;
      v[i] = 0;
      continue;
    }
    const p = param[i] * decay;
    const g = grad[i] + l2 * param[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
