import { keep, Tensor, zeros } from '../tensor';
import type { Backend, Device } from '../backend';
import { Parameter } from './parameter';

/**
 * The device copy of a parameter arena: one device buffer for the values and one for the
 * masks, each parameter (and mask) a window of them where the backend can share storage,
 * else a copy of its own. The host arena stays the copy the optimizer and the pruning code
 * write; {@link upload} pushes it to the device after such writes.
 */
export class DeviceMirror {
  private readonly values: Tensor;
  private readonly masks: Tensor | null;
  /** Device gradients in the values' layout, for optimizers that step on the device (allocated on first use). */
  private grads: Tensor | null = null;

  /** hostMasks null: values only (the compressed survivors, lib/nn/compressed-block.ts). */
  constructor(
    readonly device: Device,
    hostValues: Float32Array,
    hostMasks: Float32Array | null,
  ) {
    this.values = toDevice(hostValues, device);
    this.masks = hostMasks && toDevice(hostMasks, device);
  }

  /** The backend holding the device copy. */
  get backend(): Backend {
    return this.values.backend;
  }

  /** A parameter over elements [offset, offset + length) of the device values. */
  parameter(offset: number, shape: readonly number[], prunable: boolean, host: Float32Array): Parameter {
    const p = new Parameter(window(this.values, offset, host, this.device), shape, true);
    p.prunable = prunable;
    return p;
  }

  /** A mask tensor over elements [offset, offset + length) of the device masks. */
  mask(offset: number, shape: readonly number[], host: Float32Array): Tensor {
    if (!this.masks) throw new Error('DeviceMirror.mask: this mirror holds values only');
    return new Tensor(window(this.masks, offset, host, this.device), shape);
  }

  /**
   * A window [offset, offset + length) of the device values, masks or gradients, with `shape`
   * (kept out of tidy scopes; dispose it when done), or null where the backend cannot share
   * storage.
   */
  window(of: 'values' | 'masks' | 'grads', offset: number, shape: readonly number[]): Tensor | null {
    if (of === 'grads' && !this.grads) this.grads = keep(zeros([this.values.size], { backend: this.values.backend }));
    const t = of === 'values' ? this.values : of === 'masks' ? this.masks : this.grads;
    if (!t) throw new Error('DeviceMirror.window: this mirror holds values only');
    return windowOf(t, offset, shape);
  }

  /** Copies the host values (and masks) to the device. */
  upload(hostValues: Float32Array, hostMasks: Float32Array | null): void {
    copyFromHost(this.values, hostValues);
    if (hostMasks && this.masks) copyFromHost(this.masks, hostMasks);
  }

  /** Copies the device values back into `hostValues`. */
  download(hostValues: Float32Array): void {
    hostValues.set(this.values.data());
  }

  /** Frees the device buffers (the parameters' windows keep theirs alive until disposed). */
  dispose(): void {
    this.values.dispose();
    this.masks?.dispose();
    this.grads?.dispose();
  }
}

/**
 * A tensor of `shape` over elements [offset, offset + size) of `t`'s storage, sharing it and
 * kept out of tidy scopes (dispose it when done); null where the backend cannot share.
 */
export function windowOf(t: Tensor, offset: number, shape: readonly number[]): Tensor | null {
  const size = shape.reduce((p, d) => p * d, 1);
  const w = t.storageRef('windowOf').window(offset, size);
  return w && keep(new Tensor(w, shape.slice()));
}

function toDevice(host: Float32Array, device: Device): Tensor {
  const wrapped = Tensor.fromStorage(host, [host.length]);
  const moved = wrapped.to(device);
  wrapped.dispose();
  return moved;
}

/** Copies `host` into the device tensor `dst` (of the same length). */
export function copyFromHost(dst: Tensor, host: Float32Array): void {
  const wrapped = Tensor.fromStorage(host, [host.length]);
  dst.copy_(wrapped);
  wrapped.dispose();
}

/** A storage window of `big`, or (when the backend cannot share) a device copy of `host`. */
function window(big: Tensor, offset: number, host: Float32Array, device: Device) {
  const w = big.storageRef('DeviceMirror').window(offset, host.length);
  if (w) return w;
  const own = toDevice(host, device);
  const ref = own.storageRef('DeviceMirror').retain();
  own.dispose();
  return ref;
}
