import type { Tensor } from '../tensor/tensor';
import type { Storage } from '../backend/backend';
import { newTensor } from './dispatch';
import { sum } from './sum';

type HostSums = Float32Array | Float64Array;

/**
 * Per-channel sums of gradients, computed by the op that wrote them (the fused batch norm
 * backward sums each row of gx while it is in cache), keyed by the gradient tensor. A
 * convolution whose output receives exactly that tensor takes its bias gradient from here
 * instead of another pass over it. Weak keys: sums nobody takes go with their tensor.
 */
const registry = new WeakMap<Tensor, HostSums>();

/** @internal How many bias gradients came from recorded sums (tests check the path is taken). */
export const channelSumsTaken = { count: 0 };

/** A host array for the per-channel sums of a gradient on `t`'s backend, or null where storages are not host arrays. */
export function channelSumsBuffer(t: Tensor, c: number): HostSums | null {
  if (t.device !== 'cpu') return null;
  return t.dtype === 'float64' ? new Float64Array(c) : new Float32Array(c);
}

/** Records that `sums` holds the per-channel sums of `grad` [n, c, ...] (over every axis but 1). */
export function noteChannelSums(grad: Tensor, sums: HostSums): void {
  registry.set(grad, sums);
}

/**
 * The bias gradient of a convolution from its output gradient gy [n, c, h, w]: the sums its
 * producer recorded when gy reached the convolution untouched (`out` has no hooks, which
 * could have changed it), else sum(gy) over [0, 2, 3].
 */
export function biasGradient(gy: Tensor, out: Tensor): Tensor {
  const sums = registry.get(gy);
  const c = gy.shape[1];
  if (sums !== undefined && (out.hooks === null || out.hooks.length === 0) && sums.length === c) {
    registry.delete(gy);
    channelSumsTaken.count++;
    const g = newTensor(gy.backend, gy.dtype, [c], c);
    (g.storage('biasGradient') as Storage as HostSums).set(sums);
    return g;
  }
  return sum(gy, [0, 2, 3]);
}
