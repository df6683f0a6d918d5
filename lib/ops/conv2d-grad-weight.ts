import type { Tensor } from '../tensor/tensor';
import type { Conv2dGeometry } from '../backend/backend';
import { finish, needsGrad, newTensor, record } from './dispatch';
import { conv2dGeometry } from './conv2d';
import { conv2dGradInput } from './conv2d-grad-input';

/**
 * The weight gradient of conv2d (the correlation of x with gy), as an op of its own:
 * bilinear in (x, gy), so its gradients are a conv2dGradInput and a conv2d.
 */
export function conv2dGradWeight(x: Tensor, gy: Tensor, g: Conv2dGeometry): Tensor {
  const cpg = g.c / g.groups;
  const gw = newTensor(x.backend, x.dtype, [g.o, cpg, g.kh, g.kw], g.o * cpg * g.kh * g.kw);
  x.backend.conv2dGradWeight(x.storage('conv2dGradWeight'), gy.storage('conv2dGradWeight'), g, gw.storage('conv2dGradWeight'));
  if (needsGrad(x, gy)) {
    record('conv2dGradWeight', gw, [x, gy], (ggw) => [
      x.requiresGrad ? conv2dGradInput(gy, ggw, g) : null,
      gy.requiresGrad ? conv2dGeometry(x, ggw, null, g) : null,
    ]);
  }
  return finish('conv2dGradWeight', gw);
}
