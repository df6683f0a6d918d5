import type { Tensor } from '../tensor/tensor';
import { sameShape } from '../tensor/shape';
import { sum } from './sum';
import { reshape } from './reshape';

/** Sums a broadcast gradient back to `shape` (the inverse of NumPy broadcasting); g itself when shapes match. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let d = 0; d < g.ndim; d++) if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) axes.push(d);
  const s = sum(g, axes, true);
  return reshape(s, shape.slice());
}
