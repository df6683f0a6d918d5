import type { Tensor } from '../tensor/tensor';
import type { Pool2dGeometry } from '../backend/backend';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { poolGeometry, type Pool2dOptions } from './conv-geometry';

function avgPoolGeometry(x: Tensor, g: Pool2dGeometry): Tensor {
  const out = newTensor(x.backend, x.dtype, [g.n, g.c, g.oh, g.ow], g.n * g.c * g.oh * g.ow);
  x.backend.avgPool2dForward(x.storage('avgPool2d'), g, out.storage('avgPool2d'));
  if (needsGrad(x)) record('avgPool2d', out, [x], (gy) => [avgPool2dBackward(gy, g)], []);
  return finish('avgPool2d', out);
}

/** Mean over each kernelSize window (stride defaults to kernelSize; zero padding counted, as PyTorch's default). */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  checkTensor('avgPool2d', 'x', x);
  return avgPoolGeometry(x, poolGeometry('avgPool2d', x, opts));
}

/** The gradient of avgPool2d: each output gradient spread evenly over its window; linear, its gradient is avgPool2d. */
export function avgPool2dBackward(gy: Tensor, g: Pool2dGeometry): Tensor {
  const gx = newTensor(gy.backend, gy.dtype, [g.n, g.c, g.h, g.w], g.n * g.c * g.h * g.w);
  gy.backend.avgPool2dBackward(gy.storage('avgPool2dBackward'), g, gx.storage('avgPool2dBackward'));
  if (needsGrad(gy)) record('avgPool2dBackward', gx, [gy], (ggx) => [avgPoolGeometry(ggx, g)], []);
  return finish('avgPool2dBackward', gx);
}
