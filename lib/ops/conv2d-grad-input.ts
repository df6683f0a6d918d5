import type { Tensor } from '../tensor/tensor';
import type { Conv2dGeometry } from '../backend/backend';
import { finish, needsGrad, newTensor, record } from './dispatch';
import { conv2dGeometry } from './conv2d';
import { conv2dGradWeight } from './conv2d-grad-weight';

/**
 * The input gradient of conv2d (a transposed convolution of gy with weight), as an op of
 * its own: bilinear in (gy, weight), so its gradients are a conv2d and a conv2dGradWeight.
 */
export function conv2dGradInput(gy: Tensor, weight: Tensor, g: Conv2dGeometry): Tensor {
  const gx = newTensor(gy.backend, gy.dtype, [g.n, g.c, g.h, g.w], g.n * g.c * g.h * g.w);
  gy.backend.conv2dGradInput(gy.storage('conv2dGradInput'), weight.storage('conv2dGradInput'), g, gx.storage('conv2dGradInput'));
  if (needsGrad(gy, weight)) {
    record('conv2dGradInput', gx, [gy, weight], (ggx) => [
      gy.requiresGrad ? conv2dGeometry(ggx, weight, null, g) : null,
      weight.requiresGrad ? conv2dGradWeight(ggx, gy, g) : null,
    ]);
  }
  return finish('conv2dGradInput', gx);
}
