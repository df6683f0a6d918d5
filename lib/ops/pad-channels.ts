import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkTensor } from './dispatch';
import { padAxis } from './pad-axis';

/** Adds `before` and `after` zero channels on dimension 1 of [n, c, ...] (option-A ResNet shortcut). */
export function padChannels(x: Tensor, before: number, after: number): Tensor {
  checkTensor('padChannels', 'x', x);
  if (x.ndim < 2) throw new RangeError(`padChannels: x ${formatShape(x.shape)} needs a channel dimension [n, c, ...]`);
  return padAxis(x, 1, before, after);
}
