import type { Tensor } from '../tensor/tensor';
import { broadcastShapes, broadcastStrides, contiguousStrides, formatShape, sameShape, sizeOf } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { sumTo } from './sum-to';

/** x repeated along broadcast dimensions to `shape` (NumPy rules; copies). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('broadcastTo', 'x', x);
  const target = broadcastShapes('broadcastTo', x.shape, shape);
  if (!sameShape(target, shape)) {
    throw new RangeError(`broadcastTo: ${formatShape(x.shape)} cannot be broadcast to ${formatShape(shape)}`);
  }
  const size = sizeOf(shape);
  const out = newTensor(x.backend, x.dtype, shape.slice(), size);
  x.backend.stridedCopy(
    x.storage('broadcastTo'),
    0,
    broadcastStrides(x.shape, shape),
    out.storage('broadcastTo'),
    0,
    contiguousStrides(shape),
    Int32Array.from(shape),
  );
  if (needsGrad(x)) record('broadcastTo', out, [x], (gy) => [sumTo(gy, x.shape)], []);
  return finish('broadcastTo', out);
}
