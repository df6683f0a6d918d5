import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record, unaryKernel } from './dispatch';
import { mul } from './mul';

/** max(x, 0) elementwise (gradient 0 at 0, as PyTorch). */
export function relu(x: Tensor): Tensor {
  const out = unaryKernel('relu', 'relu', x);
  if (needsGrad(x)) record('relu', out, [x], (gy) => [reluGrad(gy, out)], [out]);
  return finish('relu', out);
}

/**
 * ReLU's gradient read off its output: gy where out > 0, else 0 (PyTorch's
 * threshold_backward on the output; a NaN output passes no gradient). One pass where the
 * backend has the kernel. Linear in gy and recorded as such (its own adjoint), so
 * gradients of gradients through relu stay right; out counts as a constant, as the
 * derivative of relu is 0 almost everywhere.
 */
export function reluGrad(gy: Tensor, out: Tensor): Tensor {
  checkTensor('reluGrad', 'gy', gy);
  checkTensor('reluGrad', 'out', out);
  checkSame('reluGrad', gy, out, 'gy', 'out');
  if (gy.size !== out.size || gy.ndim !== out.ndim || gy.shape.some((d, i) => d !== out.shape[i])) {
    throw new RangeError(`reluGrad: gy ${formatShape(gy.shape)} must have the shape of out ${formatShape(out.shape)}`);
  }
  const be = gy.backend;
  if (!be.reluBackward) return mul(gy, unaryKernel('reluGrad', 'step', out));
  const gx = newTensor(be, gy.dtype, gy.shape, gy.size);
  be.reluBackward(gy.storage('reluGrad'), out.storage('reluGrad'), gx.storage('reluGrad'), gy.size);
  if (needsGrad(gy)) record('reluGrad', gx, [gy], (g) => [reluGrad(g, out)], [out]);
  return finish('reluGrad', gx);
}
