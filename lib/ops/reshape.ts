import { Tensor } from '../tensor/tensor';
import { inferShape, normalizeAxis } from '../tensor/shape';
import { checkTensor, finish, needsGrad, record } from './dispatch';

/** The same storage viewed with a new shape (one dimension may be -1); no copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  const target = inferShape('reshape', x.shape, shape);
  const out = new Tensor(x.storageRef('reshape').retain(), target);
  if (needsGrad(x)) record('reshape', out, [x], (gy) => [reshape(gy, x.shape)], []);
  return finish('reshape', out);
}

/** Merges dimensions start..end (inclusive, negative counts from the end) into one; no copy. */
export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  checkTensor('flatten', 'x', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', start, x.ndim);
  const e = normalizeAxis('flatten', end, x.ndim);
  if (e < s) throw new RangeError(`flatten: end ${end} comes before start ${start}`);
  let merged = 1;
  for (let d = s; d <= e; d++) merged *= x.shape[d];
  const shape = [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}
