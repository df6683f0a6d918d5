import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, record, unaryKernel } from './dispatch';

/** alpha * x + beta elementwise: how ops combine a tensor with a scalar. */
export function affine(x: Tensor, alpha: number, beta: number): Tensor {
  const out = unaryKernel('affine', 'affine', x, alpha, beta);
  if (needsGrad(x)) record('affine', out, [x], (gy) => [alpha === 1 ? gy : affine(gy, alpha, 0)], []);
  return finish('affine', out);
}
