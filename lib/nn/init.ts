import { randn } from '../tensor';
import type { Tensor } from '../tensor';

/** Fan-in of a weight: inputs per output, i.e. shape[1] times the kernel area (PyTorch convention). */
export function fanIn(shape: readonly number[]): number {
  if (shape.length < 2) throw new RangeError(`fanIn: a weight needs at least 2 dimensions, got [${shape}]`);
  let f = shape[1];
  for (let i = 2; i < shape.length; i++) f *= shape[i];
  return f;
}

/**
 * Kaiming-normal initialization in place (He et al. 2015; PyTorch's `kaiming_normal_` with
 * its defaults: fan-in mode, ReLU gain sqrt(2)): w ~ N(0, 2 / fanIn). The numbers are the
 * Philox normals N(offset), N(offset + 1), ... of `seed`, identical on every backend.
 */
export function kaimingNormal_(w: Tensor, seed: number, offset = 0): void {
  const std = Math.sqrt(2 / fanIn(w.shape));
  const r = randn([...w.shape], { seed, offset, std });
  w.copy_(r);
  r.dispose();
}

let nextSeed = 0;

/**
 * A fresh seed for a layer built without one: 0, 1, 2, ... in construction order, so a
 * program that builds the same layers in the same order gets the same weights.
 */
export function defaultLayerSeed(): number {
  return nextSeed++;
}
