import type { Tensor } from '../tensor/tensor';
import type { Conv2dGeometry } from '../backend/backend';
import { formatShape } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { convGeometry, type Conv2dOptions } from './conv-geometry';
import { conv2dGradInput } from './conv2d-grad-input';
import { conv2dGradWeight } from './conv2d-grad-weight';
import { checkMask, conv2dMaskedForwardKernel } from './masked-kernels';
import { biasGradient } from './channel-sums';

/** Options of {@link conv2d}: the geometry plus an optional weight mask. */
export interface Conv2dCallOptions extends Conv2dOptions {
  /**
   * 0/1 mask of the weight's shape (a constant: no gradient flows to it). The convolution
   * computes with weight ⊙ mask without storing that product (fused into the kernels),
   * and the weight gradient comes out masked.
   */
  mask?: Tensor | null;
}

/** @internal conv2d with a precomputed geometry and an optional weight mask (the backward ops call it). */
export function conv2dGeometry(x: Tensor, weight: Tensor, bias: Tensor | null, g: Conv2dGeometry, mask: Tensor | null = null): Tensor {
  const out = newTensor(x.backend, x.dtype, [g.n, g.o, g.oh, g.ow], g.n * g.o * g.oh * g.ow);
  if (mask === null) {
    x.backend.conv2dForward(x.storage('conv2d'), weight.storage('conv2d'), bias === null ? null : bias.storage('conv2d'), g, out.storage('conv2d'));
  } else conv2dMaskedForwardKernel(x, weight, mask, bias, g, out);
  if (needsGrad(x, weight, bias)) {
    const inputs = bias === null ? [x, weight] : [x, weight, bias];
    record(
      'conv2d',
      out,
      inputs,
      (gy) => {
        const gx = x.requiresGrad ? conv2dGradInput(gy, weight, g, mask) : null;
        const gw = weight.requiresGrad ? conv2dGradWeight(x, gy, g, mask) : null;
        if (bias === null) return [gx, gw];
        return [gx, gw, bias.requiresGrad ? biasGradient(gy, out) : null];
      },
      mask === null ? [x, weight] : [x, weight, mask],
    );
  }
  return finish('conv2d', out);
}

/**
 * 2-D cross-correlation (PyTorch's conv2d): x [n, c, h, w] (NCHW), weight [o, c / groups, kh, kw]
 * (OIHW), optional bias [o]; stride, padding (zeros), dilation and groups as numbers or [h, w];
 * `mask` computes with weight ⊙ mask (see {@link Conv2dCallOptions}).
 * @example conv2d(x, w, b, { padding: 1, mask }) // a pruned 3x3 convolution
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dCallOptions = {}): Tensor {
  checkTensor('conv2d', 'x', x);
  checkTensor('conv2d', 'weight', weight);
  checkSame('conv2d', x, weight, 'x', 'weight');
  const g = convGeometry(x, weight, opts);
  if (bias !== null && bias !== undefined) {
    checkTensor('conv2d', 'bias', bias);
    checkSame('conv2d', x, bias, 'x', 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== g.o) throw new RangeError(`conv2d: bias ${formatShape(bias.shape)} must be [${g.o}]`);
  }
  const mask = opts.mask ?? null;
  if (mask !== null) checkMask('conv2d', weight, mask);
  return conv2dGeometry(x, weight, bias ?? null, g, mask);
}
