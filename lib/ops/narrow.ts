import { Tensor } from '../tensor/tensor';
import { contiguousStrides, formatShape, normalizeAxis } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { padAxis } from './pad-axis';

/** Entries [start, start + length) along `axis`; shares storage for axis 0 where the backend can, else copies. */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  checkTensor('narrow', 'x', x);
  const a = normalizeAxis('narrow', axis, x.ndim);
  const dim = x.shape[a];
  if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > dim) {
    throw new RangeError(`narrow: [${start}, ${start + length}) is outside dimension ${a} of ${formatShape(x.shape)} (size ${dim})`);
  }
  const shape = x.shape.slice();
  shape[a] = length;
  let inner = 1;
  for (let d = a + 1; d < x.ndim; d++) inner *= x.shape[d];
  let outer = 1;
  for (let d = 0; d < a; d++) outer *= x.shape[d];
  let out: Tensor | null = null;
  if (outer === 1) {
    // A contiguous window: share the storage.
    const win = x.storageRef('narrow').window(start * inner, length * inner);
    if (win) out = new Tensor(win, shape);
  }
  if (out === null) {
    out = newTensor(x.backend, x.dtype, shape, outer * length * inner);
    const strides = contiguousStrides(x.shape);
    x.backend.stridedCopy(
      x.storage('narrow'),
      start * inner,
      strides,
      out.storage('narrow'),
      0,
      contiguousStrides(shape),
      Int32Array.from(shape),
    );
  }
  if (needsGrad(x)) record('narrow', out, [x], (gy) => [padAxis(gy, a, start, dim - start - length)], []);
  return finish('narrow', out);
}

/** Rows [start, end) along dimension 0, Python-style (negative counts from the end, clamped). */
export function slice(x: Tensor, start: number, end?: number): Tensor {
  checkTensor('slice', 'x', x);
  if (x.ndim === 0) throw new RangeError('slice: cannot slice a scalar tensor');
  const n = x.shape[0];
  const norm = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = norm(start);
  const e = Math.max(s, norm(end ?? n));
  return narrow(x, 0, s, e - s);
}
