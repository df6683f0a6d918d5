/**
 * The device side of the optimizer's view of a parameter arena (lib/nn/arena.ts): windows of
 * the device values, gradients and masks, one per run of the arena, over which an optimizer
 * steps with the backend's kernels, and each dense parameter's window of the device
 * gradients, into which a step gathers the parameter's gradient by a device copy.
 */
import type { Tensor } from '../tensor';
import type { ArenaEntry } from './arena';
import type { CompressedBlock } from './compressed-block';
import type { DeviceMirror } from './device-mirror';
import type { Run } from './optimizer-layout';

/** An optimizer segment (see OptimizerSegment in lib/nn/arena.ts) on the device. */
export interface DeviceOptimizerSegment {
  values: Tensor;
  grads: Tensor;
  mask: Tensor | null;
}

/**
 * The windows optimizers step on, built once per mirror, layout and mask state (`key`); the
 * compressed block's segment is the block's own (CompressedBlock.deviceSegment).
 */
export class DeviceWindows {
  private constructor(
    readonly key: string,
    private readonly segments: (DeviceOptimizerSegment | 'block')[],
    private readonly grads: [ArenaEntry, Tensor][],
  ) {}

  /** The windows of `runs` and of each dense entry's gradient, or null where the backend cannot share storage. */
  static build(mirror: DeviceMirror, key: string, runs: Run[], entries: readonly ArenaEntry[], block: CompressedBlock | null, masked: boolean): DeviceWindows | null {
    const made: Tensor[] = [];
    const win = (of: 'values' | 'masks' | 'grads', offset: number, shape: readonly number[]): Tensor | null => {
      const t = mirror.window(of, offset, shape);
      if (t) made.push(t);
      return t;
    };
    const segments: (DeviceOptimizerSegment | 'block')[] = [];
    const grads: [ArenaEntry, Tensor][] = [];
    // The block builds its windows on first use (and gathers its gradients, harmlessly).
    let ok = !block || block.values.length === 0 || block.deviceSegment() !== null;
    for (const r of ok ? runs : []) {
      if (r === 'block') {
        segments.push('block');
        continue;
      }
      const n = [r.to - r.from];
      const values = win('values', r.from, n);
      const g = win('grads', r.from, n);
      const mask = r.masked && masked ? win('masks', r.from, n) : null;
      if (!values || !g || (r.masked && masked && !mask)) ok = false;
      else segments.push({ values, grads: g, mask });
    }
    for (const e of ok ? entries : []) {
      if (e.param.compressed) continue;
      const w = win('grads', e.offset, e.param.shape);
      if (!w) ok = false;
      else grads.push([e, w]);
    }
    if (ok) return new DeviceWindows(key, segments, grads);
    for (const t of made) t.dispose();
    return null;
  }

  /** Copies each parameter's gradient into its window (zeros where it has none) and returns the segments. */
  gather(block: CompressedBlock | null): DeviceOptimizerSegment[] {
    for (const [e, w] of this.grads) {
      const g = e.param.grad;
      if (g) w.copy_(g);
      else w.zero_();
    }
    const b = block?.deviceSegment();
    return this.segments.map((seg) => (seg === 'block' ? { ...b!, mask: null } : seg));
  }

  dispose(): void {
    for (const seg of this.segments) {
      if (seg === 'block') continue;
      seg.values.dispose();
      seg.grads.dispose();
      seg.mask?.dispose();
    }
    for (const [, w] of this.grads) w.dispose();
  }
}
