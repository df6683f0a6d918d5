import type { Tensor } from '../tensor/tensor';
import type { Conv2dGeometry } from '../backend/backend';
import { finish, needsGrad, newTensor, record } from './dispatch';
import { conv2dGeometry } from './conv2d';
import { conv2dGradInput } from './conv2d-grad-input';
import { conv2dMaskedGradWeightKernel } from './masked-kernels';

/**
 * The weight gradient of conv2d (the correlation of x with gy; times the mask, in the same
 * kernel, when one is given), as an op of its own: bilinear in (x, gy), so its gradients are
 * a conv2dGradInput and a conv2d with the same mask.
 */
export function conv2dGradWeight(x: Tensor, gy: Tensor, g: Conv2dGeometry, mask: Tensor | null = null): Tensor {
  const cpg = g.c / g.groups;
  const gw = newTensor(x.backend, x.dtype, [g.o, cpg, g.kh, g.kw], g.o * cpg * g.kh * g.kw);
  if (mask === null) x.backend.conv2dGradWeight(x.storage('conv2dGradWeight'), gy.storage('conv2dGradWeight'), g, gw.storage('conv2dGradWeight'));
  else conv2dMaskedGradWeightKernel(x, gy, mask, g, gw);
  if (needsGrad(x, gy)) {
    record(
      'conv2dGradWeight',
      gw,
      [x, gy],
      (ggw) => [
        x.requiresGrad ? conv2dGradInput(gy, ggw, g, mask) : null,
        gy.requiresGrad ? conv2dGeometry(x, ggw, null, g, mask) : null,
      ],
      mask === null ? [x, gy] : [x, gy, mask],
    );
  }
  return finish('conv2dGradWeight', gw);
}
