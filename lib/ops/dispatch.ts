import type { Backend, BinaryOp, DType, Storage, UnaryOp } from '../backend/backend';
import { Tensor } from '../tensor/tensor';
import { StorageRef } from '../tensor/storage';
import { broadcastShapes, broadcastStrides, formatShape, sizeOf } from '../tensor/shape';
import { isAnomalyDetectionEnabled, isGradEnabled } from '../autograd/grad-mode';
import { backwardContext } from '../autograd/context';

/**
 * The plumbing every op shares: argument checks with messages that name the op, output
 * allocation on the inputs' backend, and the tape entry.
 */

/** Throws unless t is a live Tensor. */
export function checkTensor(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: '${name}' must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) t.storage(`${op} ('${name}')`);
}

/** Throws unless a and b live on the same backend with the same dtype. */
export function checkSame(op: string, a: Tensor, b: Tensor, aName = 'a', bName = 'b'): void {
  if (a.backend !== b.backend) {
    throw new TypeError(
      `${op}: '${aName}' ${formatShape(a.shape)} is on ${a.backend.name} but '${bName}' ${formatShape(b.shape)} is on ${b.backend.name}. ` +
        `Fix: move one with .to('${a.device}') or create both on the same backend.`,
    );
  }
  if (a.dtype !== b.dtype) {
    throw new TypeError(
      `${op}: '${aName}' ${formatShape(a.shape)} is ${a.dtype} but '${bName}' ${formatShape(b.shape)} is ${b.dtype}. ` +
        `Fix: create both with the same dtype.`,
    );
  }
}

/** A new tensor of `shape` on `backend` over `storage` (allocated when absent, contents unspecified). */
export function newTensor(backend: Backend, dtype: DType, shape: readonly number[], size: number, storage?: Storage): Tensor {
  const data = storage === undefined ? backend.alloc(size, dtype) : storage;
  return new Tensor(new StorageRef(backend, data, size, dtype, true), shape);
}

/** A new output like `ref` (same backend and dtype) of the given shape. */
export function outputLike(ref: Tensor, shape: readonly number[], size: number): Tensor {
  return newTensor(ref.backend, ref.dtype, shape, size);
}

/** Whether an op on these inputs must record its backward. */
export function needsGrad(a: Tensor | null, b?: Tensor | null, c?: Tensor | null): boolean {
  if (!isGradEnabled()) return false;
  return (a !== null && a.requiresGrad) || (b != null && b.requiresGrad) || (c != null && c.requiresGrad);
}

/**
 * Records the tape entry of `out`: backward maps the gradient of out to one gradient per
 * input (null where an input needs none). `saved` lists tensors the backward reads.
 */
export function record(
  op: string,
  out: Tensor,
  inputs: readonly Tensor[],
  backward: (gy: Tensor) => (Tensor | null)[],
  saved: readonly Tensor[] = inputs,
): void {
  out.gradFn = { op, inputs, backward, saved };
  out.requiresGrad = true;
}

/** Checks an op's output for NaN/Inf when anomaly detection is on; returns it. */
export function finish(op: string, out: Tensor): Tensor {
  if (isAnomalyDetectionEnabled()) {
    const d = out.data();
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        const where = backwardContext();
        throw new RangeError(
          `detectAnomaly: ${op} produced ${d[i]} at flat index ${i} of its output ${formatShape(out.shape)}` +
            (where ? ` (in the backward of ${where})` : '') +
            `. Fix: check this op's inputs (e.g. log of 0, division by 0, overflow in exp, too high a learning rate).`,
        );
      }
    }
  }
  return out;
}

const ONE = Int32Array.of(1);

/** out = kernel(x) elementwise on a new tensor (no tape entry). */
export function unaryKernel(op: string, kernel: UnaryOp, x: Tensor, alpha = 0, beta = 0): Tensor {
  checkTensor(op, 'x', x);
  const out = newTensor(x.backend, x.dtype, x.shape, x.size);
  x.backend.unary(kernel, x.storage(op), out.storage(op), alpha, beta);
  return out;
}

/** out = a kernel b with NumPy broadcasting on a new tensor (no tape entry). */
export function binaryKernel(op: string, kernel: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkTensor(op, 'a', a);
  checkTensor(op, 'b', b);
  checkSame(op, a, b);
  const backend = a.backend;
  if (sameShapeFast(a.shape, b.shape)) {
    // Same shapes: run as one flat dimension, whatever the rank.
    const out = newTensor(backend, a.dtype, a.shape, a.size);
    backend.binary(kernel, a.storage(op), ONE, b.storage(op), ONE, out.storage(op), Int32Array.of(a.size));
    return out;
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = newTensor(backend, a.dtype, shape, sizeOf(shape));
  backend.binary(
    kernel,
    a.storage(op),
    broadcastStrides(a.shape, shape),
    b.storage(op),
    broadcastStrides(b.shape, shape),
    out.storage(op),
    Int32Array.from(shape),
  );
  return out;
}

function sameShapeFast(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A shape-[] tensor holding v on ref's backend and dtype. */
export function scalarLike(ref: Tensor, v: number): Tensor {
  const t = newTensor(ref.backend, ref.dtype, [], 1);
  ref.backend.fill(t.storage('scalar'), v);
  return t;
}
