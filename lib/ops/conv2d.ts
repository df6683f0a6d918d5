import type { Tensor } from '../tensor/tensor';
import type { Conv2dGeometry } from '../backend/backend';
import { formatShape } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { convGeometry, type Conv2dOptions } from './conv-geometry';
import { conv2dGradInput } from './conv2d-grad-input';
import { conv2dGradWeight } from './conv2d-grad-weight';
import { sum } from './sum';

/** @internal conv2d with a precomputed geometry (the backward ops call it). */
export function conv2dGeometry(x: Tensor, weight: Tensor, bias: Tensor | null, g: Conv2dGeometry): Tensor {
  const out = newTensor(x.backend, x.dtype, [g.n, g.o, g.oh, g.ow], g.n * g.o * g.oh * g.ow);
  x.backend.conv2dForward(x.storage('conv2d'), weight.storage('conv2d'), bias === null ? null : bias.storage('conv2d'), g, out.storage('conv2d'));
  if (needsGrad(x, weight, bias)) {
    const inputs = bias === null ? [x, weight] : [x, weight, bias];
    record(
      'conv2d',
      out,
      inputs,
      (gy) => {
        const gx = x.requiresGrad ? conv2dGradInput(gy, weight, g) : null;
        const gw = weight.requiresGrad ? conv2dGradWeight(x, gy, g) : null;
        if (bias === null) return [gx, gw];
        return [gx, gw, bias.requiresGrad ? sum(gy, [0, 2, 3]) : null];
      },
      [x, weight],
    );
  }
  return finish('conv2d', out);
}

/**
 * 2-D cross-correlation (PyTorch's conv2d): x [n, c, h, w] (NCHW), weight [o, c / groups, kh, kw]
 * (OIHW), optional bias [o]; stride, padding (zeros), dilation and groups as numbers or [h, w].
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', 'x', x);
  checkTensor('conv2d', 'weight', weight);
  checkSame('conv2d', x, weight, 'x', 'weight');
  const g = convGeometry(x, weight, opts);
  if (bias !== null && bias !== undefined) {
    checkTensor('conv2d', 'bias', bias);
    checkSame('conv2d', x, bias, 'x', 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== g.o) throw new RangeError(`conv2d: bias ${formatShape(bias.shape)} must be [${g.o}]`);
  }
  return conv2dGeometry(x, weight, bias ?? null, g);
}
