import type { Tensor } from '../tensor/tensor';
import type { IndexStorage } from '../backend/backend';
import { normalizeAxis } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { scatterAxis } from './gather-scatter-axis';

/** Shared by max and argmax: values and indices of the maximum along one axis (all when undefined). */
export function maxAlong(op: string, x: Tensor, axis: number | undefined, keepDims: boolean): { values: Tensor; index: IndexStorage; outer: number; len: number; inner: number } {
  checkTensor(op, 'x', x);
  if (x.size === 0) throw new RangeError(`${op}: cannot take the maximum of an empty tensor`);
  let outer = 1;
  let len = x.size;
  let inner = 1;
  let shape: number[];
  if (axis === undefined) {
    shape = keepDims ? x.shape.map(() => 1) : [];
  } else {
    const a = normalizeAxis(op, axis, x.ndim);
    len = x.shape[a];
    for (let d = 0; d < a; d++) outer *= x.shape[d];
    for (let d = a + 1; d < x.ndim; d++) inner *= x.shape[d];
    shape = keepDims ? x.shape.map((s, d) => (d === a ? 1 : s)) : x.shape.filter((_, d) => d !== a);
  }
  const b = x.backend;
  const values = newTensor(b, x.dtype, shape, outer * inner);
  const index = b.allocIndex(outer * inner);
  b.reduceMax(x.storage(op), outer, len, inner, values.storage(op), index);
  return { values, index, outer, len, inner };
}

/** Maximum over one axis (all elements when omitted); the gradient goes to the first maximal entry. */
export function max(x: Tensor, axis?: number, keepDims = false): Tensor {
  const { values, index, outer, len, inner } = maxAlong('max', x, axis, keepDims);
  if (needsGrad(x)) {
    record('max', values, [x], (gy) => [scatterAxis(gy, index, outer, len, inner, x.shape)], []);
  } else x.backend.freeIndex(index);
  return finish('max', values);
}
