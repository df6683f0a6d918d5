import type { Tensor } from '../tensor/tensor';
import { formatShape, normalizeAxis } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';

/** x with its dimensions reordered: out.shape[i] = x.shape[dims[i]] (copies). */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', 'x', x);
  if (dims.length !== x.ndim) {
    throw new RangeError(`permute: ${dims.length} dims ${formatShape(dims)} for a tensor of rank ${x.ndim} ${formatShape(x.shape)}`);
  }
  const perm = dims.map((d) => normalizeAxis('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new RangeError(`permute: dims ${formatShape(dims)} repeat a dimension`);
  const shape = perm.map((d) => x.shape[d]);
  const out = newTensor(x.backend, x.dtype, shape, x.size);
  x.backend.permute(x.storage('permute'), Int32Array.from(x.shape), Int32Array.from(perm), out.storage('permute'));
  if (needsGrad(x)) {
    const inverse = new Array<number>(perm.length);
    perm.forEach((d, i) => (inverse[d] = i));
    record('permute', out, [x], (gy) => [permute(gy, inverse)], []);
  }
  return finish('permute', out);
}

/** x with dimensions d0 and d1 swapped (copies). */
export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  checkTensor('transpose', 'x', x);
  const a = normalizeAxis('transpose', d0, x.ndim);
  const b = normalizeAxis('transpose', d1, x.ndim);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}
