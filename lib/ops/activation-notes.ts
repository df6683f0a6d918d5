import type { Tensor } from '../tensor/tensor';

/**
 * Facts about an activation recorded by the op that wrote it (its row moments, its zero
 * channels), for an op reading exactly that tensor later to skip work. A note holds while
 * x's storage is unchanged: an in-place write to x (copy_, fill_, mulInPlace_) bumps the
 * storage's version and voids it; writes through data() are not seen, as for any tensor an
 * op saved for its backward. Weak keys: notes nobody takes go with their tensor.
 */
export class ActivationNotes<T> {
  private readonly registry = new WeakMap<Tensor, { value: T; version: number }>();

  /** Records `value` for x as it is now. */
  note(x: Tensor, value: T): void {
    this.registry.set(x, { value, version: x.storageRef('ActivationNotes.note').version });
  }

  /** The value recorded for x and still valid (x unchanged since), or null. */
  get(x: Tensor): T | null {
    const r = this.registry.get(x);
    if (r === undefined) return null;
    if (r.version !== x.storageRef('ActivationNotes.get').version) {
      this.registry.delete(x);
      return null;
    }
    return r.value;
  }
}

/**
 * Zero channels of an activation x [n, c, ...]: flags [c], 1 where every element of the
 * channel is +0 or -0 because of how x was computed (a compressed convolution's output row
 * whose survivors all read zero channels, a batch norm + ReLU of a zero channel with
 * beta <= 0), not because of a look at the values. The fused batch norm + ReLU kernels
 * then neither read those channels nor their gradients; on a network pruned until whole
 * channels die (random pruning at 0.1% kills most of VGG-16's first stages) that is most of
 * their passes.
 */
const zeroChannels = new ActivationNotes<Uint8Array>();

/** @internal How many ops took recorded zero channels (tests check the path is taken). */
export const zeroChannelsTaken = { count: 0 };

/** Records x's zero channels: flags [x.shape[1]], 1 = all zeros. Nothing is recorded when no flag is set. */
export function noteZeroChannels(x: Tensor, flags: Uint8Array): void {
  if (flags.includes(1)) zeroChannels.note(x, flags);
}

/** The zero channels recorded for x and still valid, or null. */
export function recordedZeroChannels(x: Tensor): Uint8Array | null {
  const flags = zeroChannels.get(x);
  if (flags !== null) zeroChannelsTaken.count++;
  return flags;
}
