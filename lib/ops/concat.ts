import type { Tensor } from '../tensor/tensor';
import { contiguousStrides, formatShape, normalizeAxis, sizeOf } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { narrow } from './narrow';

/** Joins tensors along `axis`; all other dimensions must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('concat: needs a non-empty array of tensors');
  tensors.forEach((t, i) => checkTensor('concat', `tensors[${i}]`, t));
  const first = tensors[0];
  const a = normalizeAxis('concat', axis, first.ndim);
  let total = 0;
  tensors.forEach((t, i) => {
    checkSame('concat', first, t, 'tensors[0]', `tensors[${i}]`);
    const ok = t.ndim === first.ndim && t.shape.every((d: number, j: number) => j === a || d === first.shape[j]);
    if (!ok) {
      throw new RangeError(
        `concat: tensors[${i}] ${formatShape(t.shape)} does not match tensors[0] ${formatShape(first.shape)} outside axis ${a}. Fix: make all other dimensions equal.`,
      );
    }
    total += t.shape[a];
  });
  const shape = first.shape.slice();
  shape[a] = total;
  const b = first.backend;
  const out = newTensor(b, first.dtype, shape, sizeOf(shape));
  const outStrides = contiguousStrides(shape);
  let offset = 0;
  const starts: number[] = [];
  for (const t of tensors) {
    starts.push(offset);
    b.stridedCopy(t.storage('concat'), 0, contiguousStrides(t.shape), out.storage('concat'), offset * outStrides[a], outStrides, Int32Array.from(t.shape));
    offset += t.shape[a];
  }
  if (tensors.some((t) => needsGrad(t))) {
    record('concat', out, tensors.slice(), (gy) => tensors.map((t, i) => (t.requiresGrad ? narrow(gy, a, starts[i], t.shape[a]) : null)), []);
  }
  return finish('concat', out);
}
