import type { Tensor } from '../tensor/tensor';
import type { Conv2dGeometry } from '../backend/backend';
import { finish, needsGrad, newTensor, record } from './dispatch';
import { conv2dGeometry } from './conv2d';
import { conv2dGradWeight } from './conv2d-grad-weight';
import { conv2dMaskedGradInputKernel } from './masked-kernels';

/**
 * The input gradient of conv2d (a transposed convolution of gy with weight, or with
 * weight ⊙ mask when a mask is given), as an op of its own: bilinear in (gy, weight), so its
 * gradients are a conv2d and a conv2dGradWeight with the same mask.
 */
export function conv2dGradInput(gy: Tensor, weight: Tensor, g: Conv2dGeometry, mask: Tensor | null = null): Tensor {
  const gx = newTensor(gy.backend, gy.dtype, [g.n, g.c, g.h, g.w], g.n * g.c * g.h * g.w);
  if (mask === null) gy.backend.conv2dGradInput(gy.storage('conv2dGradInput'), weight.storage('conv2dGradInput'), g, gx.storage('conv2dGradInput'));
  else conv2dMaskedGradInputKernel(gy, weight, mask, g, gx);
  if (needsGrad(gy, weight)) {
    record(
      'conv2dGradInput',
      gx,
      [gy, weight],
      (ggx) => [
        gy.requiresGrad ? conv2dGeometry(ggx, weight, null, g, mask) : null,
        weight.requiresGrad ? conv2dGradWeight(ggx, gy, g, mask) : null,
      ],
      mask === null ? [gy, weight] : [gy, weight, mask],
    );
  }
  return finish('conv2dGradInput', gx);
}
