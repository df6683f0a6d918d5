import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { runBackward } from './engine';

/** Options of grad(). */
export interface GradOptions {
  /** Gradients of the outputs (default: 1 for scalar outputs). */
  gradOutputs?: (Tensor | null)[] | Tensor | null;
  /** Record the gradient computation so the result can be differentiated again. */
  createGraph?: boolean;
  /** Keep the tape for another pass (default: createGraph). */
  retainGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

function asList<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

/**
 * Gradients of the sum of outputs (weighted by gradOutputs) with respect to inputs, without
 * touching any .grad. With createGraph the results are themselves on the tape, so
 * Hessian-vector products are grad(dot(grad(loss, w, {createGraph: true}), v), w).
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const outs = asList(outputs);
  const ins = asList(inputs);
  const createGraph = opts.createGraph ?? false;
  const gos = opts.gradOutputs === undefined ? outs.map(() => null) : asList(opts.gradOutputs);
  if (gos.length !== outs.length) {
    throw new RangeError(`grad: ${gos.length} gradOutputs for ${outs.length} outputs. Fix: pass one gradient (or null) per output.`);
  }
  ins.forEach((x, i) => {
    if (!x.requiresGrad) {
      throw new Error(`grad: input ${i} ${formatShape(x.shape)} does not require grad. Fix: call requiresGrad_() on it before the forward pass.`);
    }
  });
  const res = runBackward(outs, gos, { createGraph, retainGraph: opts.retainGraph ?? createGraph, inputs: ins });
  if (!opts.allowUnused) {
    res.forEach((g, i) => {
      if (g === null) {
        throw new Error(
          `grad: input ${i} ${formatShape(ins[i].shape)} was not used to compute the outputs. Fix: pass { allowUnused: true } to get null for it.`,
        );
      }
    });
  }
  return res;
}

/** Backpropagates from output, accumulating gradients into the .grad of leaves that require grad. */
export function backward(output: Tensor, gradOutput?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
  const createGraph = opts.createGraph ?? false;
  runBackward([output], [gradOutput ?? null], { createGraph, retainGraph: opts.retainGraph ?? createGraph, inputs: null });
}
