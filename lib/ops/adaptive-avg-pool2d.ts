import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { pair, type Pair } from './conv-geometry';
import { mean } from './mean';

function forward(x: Tensor, oh: number, ow: number): Tensor {
  const [n, c, h, w] = x.shape;
  const out = newTensor(x.backend, x.dtype, [n, c, oh, ow], n * c * oh * ow);
  x.backend.adaptiveAvgPool2dForward(x.storage('adaptiveAvgPool2d'), n, c, h, w, oh, ow, out.storage('adaptiveAvgPool2d'));
  if (needsGrad(x)) record('adaptiveAvgPool2d', out, [x], (gy) => [adaptiveAvgPool2dBackward(gy, h, w)], []);
  return finish('adaptiveAvgPool2d', out);
}

/** Average pooling to a fixed output size [oh, ow] with PyTorch's window boundaries. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  checkTensor('adaptiveAvgPool2d', 'x', x);
  if (x.ndim !== 4) throw new RangeError(`adaptiveAvgPool2d: x ${formatShape(x.shape)} must be [n, c, h, w]`);
  const [oh, ow] = pair('adaptiveAvgPool2d', 'outputSize', outputSize, 1, 1);
  if (oh === 1 && ow === 1) return globalAvgPool2d(x);
  return forward(x, oh, ow);
}

/** The gradient of adaptiveAvgPool2d back to [n, c, h, w]; linear, its gradient is adaptiveAvgPool2d. */
export function adaptiveAvgPool2dBackward(gy: Tensor, h: number, w: number): Tensor {
  const [n, c, oh, ow] = gy.shape;
  const gx = newTensor(gy.backend, gy.dtype, [n, c, h, w], n * c * h * w);
  gy.backend.adaptiveAvgPool2dBackward(gy.storage('adaptiveAvgPool2dBackward'), n, c, h, w, oh, ow, gx.storage('adaptiveAvgPool2dBackward'));
  if (needsGrad(gy)) record('adaptiveAvgPool2dBackward', gx, [gy], (ggx) => [forward(ggx, oh, ow)], []);
  return finish('adaptiveAvgPool2dBackward', gx);
}

/** Mean over each channel's h x w plane: [n, c, h, w] -> [n, c, 1, 1]. */
export function globalAvgPool2d(x: Tensor): Tensor {
  checkTensor('globalAvgPool2d', 'x', x);
  if (x.ndim !== 4) throw new RangeError(`globalAvgPool2d: x ${formatShape(x.shape)} must be [n, c, h, w]`);
  return mean(x, [2, 3], true);
}
