import type { Tensor } from '../tensor/tensor';
import type { IndexStorage, Pool2dGeometry } from '../backend/backend';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { poolGeometry, type Pool2dOptions } from './conv-geometry';
import { noteZeroChannels, recordedZeroChannels } from './activation-notes';

/** Max over each kernelSize window (stride defaults to kernelSize; padding counts as -inf). */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  checkTensor('maxPool2d', 'x', x);
  const g = poolGeometry('maxPool2d', x, opts);
  const size = g.n * g.c * g.oh * g.ow;
  const b = x.backend;
  const out = newTensor(b, x.dtype, [g.n, g.c, g.oh, g.ow], size);
  const argmax = b.allocIndex(size);
  b.maxPool2dForward(x.storage('maxPool2d'), g, out.storage('maxPool2d'), argmax);
  // The maximum of zeros is a zero: x's zero channels are out's.
  const zeros = recordedZeroChannels(x);
  if (zeros) noteZeroChannels(out, zeros);
  if (needsGrad(x)) record('maxPool2d', out, [x], (gy) => [maxPool2dBackward(gy, argmax, g)], []);
  else b.freeIndex(argmax);
  return finish('maxPool2d', out);
}

/** The gradient of maxPool2d: gy scattered (added) into zeros [n, c, h, w] at the argmax positions. */
export function maxPool2dBackward(gy: Tensor, argmax: IndexStorage, g: Pool2dGeometry): Tensor {
  const gx = newTensor(gy.backend, gy.dtype, [g.n, g.c, g.h, g.w], g.n * g.c * g.h * g.w);
  gy.backend.maxPool2dBackward(gy.storage('maxPool2dBackward'), argmax, g, gx.storage('maxPool2dBackward'));
  if (needsGrad(gy)) record('maxPool2dBackward', gx, [gy], (ggx) => [maxPool2dGather(ggx, argmax, g)], []);
  return finish('maxPool2dBackward', gx);
}

/** src [n, c, h, w] read at the argmax positions into [n, c, oh, ow]: the adjoint of maxPool2dBackward. */
export function maxPool2dGather(src: Tensor, argmax: IndexStorage, g: Pool2dGeometry): Tensor {
  const out = newTensor(src.backend, src.dtype, [g.n, g.c, g.oh, g.ow], g.n * g.c * g.oh * g.ow);
  src.backend.maxPool2dGather(src.storage('maxPool2dGather'), argmax, g, out.storage('maxPool2dGather'));
  if (needsGrad(src)) record('maxPool2dGather', out, [src], (gy) => [maxPool2dBackward(gy, argmax, g)], []);
  return finish('maxPool2dGather', out);
}
