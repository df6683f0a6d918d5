import type { Tensor } from '../tensor/tensor';
import { contiguousStrides, formatShape, sizeOf } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';

function checkStride(op: string, x: Tensor, stride: number): void {
  checkTensor(op, 'x', x);
  if (x.ndim !== 4) throw new RangeError(`${op}: x ${formatShape(x.shape)} must be [n, c, h, w]`);
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`${op}: stride must be a positive integer, got ${stride}`);
}

/** x[:, :, ::s, ::s]: every s-th row and column from the first (option-A ResNet shortcut). */
export function subsample2d(x: Tensor, stride: number): Tensor {
  checkStride('subsample2d', x, stride);
  const [n, c, h, w] = x.shape;
  const shape = [n, c, Math.ceil(h / stride), Math.ceil(w / stride)];
  const out = newTensor(x.backend, x.dtype, shape, sizeOf(shape));
  const src = Int32Array.of(c * h * w, h * w, stride * w, stride);
  x.backend.stridedCopy(x.storage('subsample2d'), 0, src, out.storage('subsample2d'), 0, contiguousStrides(shape), Int32Array.from(shape));
  if (needsGrad(x)) record('subsample2d', out, [x], (gy) => [subsample2dAdjoint(gy, stride, h, w)], []);
  return finish('subsample2d', out);
}

/** The adjoint of subsample2d: zeros [n, c, h, w] with y at every s-th row and column. */
export function subsample2dAdjoint(y: Tensor, stride: number, h: number, w: number): Tensor {
  checkStride('subsample2dAdjoint', y, stride);
  const [n, c] = y.shape;
  const shape = [n, c, h, w];
  const size = sizeOf(shape);
  const b = y.backend;
  const out = newTensor(b, y.dtype, shape, size, b.zeros(size, y.dtype));
  const dst = Int32Array.of(c * h * w, h * w, stride * w, stride);
  b.stridedCopy(y.storage('subsample2dAdjoint'), 0, contiguousStrides(y.shape), out.storage('subsample2dAdjoint'), 0, dst, Int32Array.from(y.shape));
  if (needsGrad(y)) record('subsample2dAdjoint', out, [y], (gy) => [subsample2d(gy, stride)], []);
  return finish('subsample2dAdjoint', out);
}
