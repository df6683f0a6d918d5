import type { Tensor } from '../tensor/tensor';
import { where } from './where';

/** x with `value` wherever mask != 0 (mask broadcasts to x); no gradient flows to filled entries. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}
