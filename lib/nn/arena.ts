import { Tensor } from '../tensor';
import { mul } from '../ops';
import type { Device } from '../backend';
import type { Module } from './module';
import { Parameter } from './parameter';
import { DeviceMirror } from './device-mirror';
import { layerMasksGradient } from './masked';
import { loadNative } from '../backend/native-loader';

/** Where one parameter lives in the arena. */
export interface ArenaEntry {
  /** PyTorch state-dict key, e.g. `layers.0.conv.weight`. */
  key: string;
  /** The parameter (a view of `ParameterArena.values`). */
  param: Parameter;
  /** First element in the arena (prunable entries also index the mask arena with it). */
  offset: number;
  /** Number of elements. */
  length: number;
  prunable: boolean;
}

const hooked = new WeakSet<Parameter>();

/**
 * All parameters of a model in one contiguous Float32Array, each parameter a zero-copy view:
 * prunable weights first, as one block [0, prunableLength) (the pruning arena), then the rest.
 * A gradient arena of the same layout is what the optimizer reads, and a mask arena covers the
 * prunable block, so scoring, threshold selection, mask updates and optimizer steps are each
 * one pass over one buffer, whatever the number of layers.
 */
export class ParameterArena {
  /** Every parameter value, prunable block first. */
  readonly values: Float32Array;
  /** Gradients in the same layout, filled by {@link gatherGrads}. */
  readonly grads: Float32Array;
  /** 0/1 masks of the prunable block (length `prunableLength`); all 1 until pruned. */
  readonly masks: Float32Array;
  /** Number of prunable elements: the length of the prunable block and of `masks`. */
  readonly prunableLength: number;
  /** All entries, prunable ones first, each group in module (state-dict) order. */
  readonly entries: readonly ArenaEntry[];
  private active = false;
  private mirror: DeviceMirror | null = null;
  private readonly owners: Map<string, Module>;

  private constructor(entries: ArenaEntry[], total: number, prunableLength: number, values: Float32Array, owners: Map<string, Module>) {
    this.entries = entries;
    this.owners = owners;
    this.values = values;
    this.grads = new Float32Array(total);
    this.masks = new Float32Array(prunableLength).fill(1);
    this.prunableLength = prunableLength;
  }

  /**
   * Moves every parameter of `model` into a fresh arena (values copied once) and swaps each
   * module's parameter for a view of it; sets `model.arena`. Call before creating an optimizer.
   */
  static attach(model: Module): ParameterArena {
    if (model.arena) throw new Error('ParameterArena.attach: this model already has an arena');
    const named = model.namedParameters();
    const seen = new Set<Parameter>();
    for (const [key, p] of named) {
      if (seen.has(p)) throw new Error(`ParameterArena.attach: parameter '${key}' is shared between modules, which the arena does not support`);
      seen.add(p);
      if (p.device !== 'cpu' || p.dtype !== 'float32') {
        throw new Error(`ParameterArena.attach: '${key}' is ${p.dtype} on ${p.device}; build the arena on cpu float32, then move the model`);
      }
    }
    const ordered = [...named.filter(([, p]) => p.prunable), ...named.filter(([, p]) => !p.prunable)];
    let total = 0;
    let prunableLength = 0;
    const layout = ordered.map(([key, p]) => {
      const e = { key, p, offset: total };
      total += p.size;
      if (p.prunable) prunableLength = total;
      return e;
    });
    const values = new Float32Array(total);
    const entries: ArenaEntry[] = [];
    const owners = new Map(model.namedModules().map(([path, m]) => [path, m]));
    for (const { key, p, offset } of layout) {
      values.set(p.data() as Float32Array, offset);
      const view = Parameter.over(values.subarray(offset, offset + p.size), p.shape, { prunable: p.prunable });
      replaceIn(owners, key, view);
      entries.push({ key, param: view, offset, length: p.size, prunable: p.prunable });
    }
    const arena = new ParameterArena(entries, total, prunableLength, values, owners);
    model.arena = arena;
    return arena;
  }

  /** The prunable entries in a stable order (state-dict order), with offsets into `values` and `masks`. */
  prunableParameters(): readonly ArenaEntry[] {
    return this.entries.filter((e) => e.prunable);
  }

  /** Zero-copy view of the prunable block of `values`. */
  get prunableValues(): Float32Array {
    return this.values.subarray(0, this.prunableLength);
  }

  /** Zero-copy view of the prunable block of `grads`. */
  get prunableGrads(): Float32Array {
    return this.grads.subarray(0, this.prunableLength);
  }

  /** Whether layers compute with their masks (set by {@link activateMasks}). */
  get masksActive(): boolean {
    return this.active;
  }

  /**
   * Copies every parameter's gradient into `grads` (zeros where a parameter has none), so the
   * optimizer reads one buffer. Returns `grads`.
   */
  gatherGrads(): Float32Array {
    for (const e of this.entries) {
      const g = e.param.grad;
      if (!g) {
        this.grads.fill(0, e.offset, e.offset + e.length);
        continue;
      }
      if (g.size !== e.length) throw new Error(`gatherGrads: gradient of '${e.key}' has ${g.size} elements, expected ${e.length}`);
      this.grads.set(g.data() as Float32Array, e.offset);
    }
    return this.grads;
  }

  /**
   * Makes the masks take effect: each prunable parameter gets its view of `masks` as `mask`
   * (layers then compute with weight * mask), a gradient hook that zeroes pruned entries, and
   * its pruned weights are set to exactly 0. Call after writing `masks`; calling again
   * re-applies new masks.
   */
  activateMasks(): void {
    this.active = true;
    this.bindMasks();
    this.applyMasks();
    this.syncToDevice();
  }

  private bindMasks(): void {
    for (const e of this.prunableParameters()) {
      const p = e.param;
      if (!p.mask) {
        const host = this.masks.subarray(e.offset, e.offset + e.length);
        p.mask = this.mirror ? this.mirror.mask(e.offset, p.shape, host) : Tensor.fromStorage(host, p.shape);
      }
      if (!hooked.has(p)) {
        hooked.add(p);
        // A layer's fused kernel already masks the gradient; the hook covers the other paths.
        p.registerHook((g: Tensor) => (p.mask && !layerMasksGradient(p) ? mul(g, p.mask) : undefined));
      }
    }
  }

  /** Where the parameters live; on 'cuda', `values` is the host copy that optimizers update. */
  get device(): Device {
    return this.mirror ? this.mirror.device : 'cpu';
  }

  /**
   * Moves the parameters (and masks) to `device`: one device buffer, each parameter a window
   * of it. `values`, `masks` and `grads` stay on the host: the optimizer and the pruning code
   * work there and call {@link syncToDevice} after writing.
   */
  moveTo(device: Device): void {
    if (device === this.device) return;
    if (this.mirror) this.mirror.download(this.values);
    const old = this.mirror;
    this.mirror = device === 'cpu' ? null : new DeviceMirror(device, this.values, this.masks);
    const mutable = this.entries as ArenaEntry[];
    mutable.forEach((e, i) => {
      const host = this.values.subarray(e.offset, e.offset + e.length);
      const p = this.mirror ? this.mirror.parameter(e.offset, e.param.shape, e.prunable, host) : Parameter.over(host, e.param.shape, { prunable: e.prunable });
      e.param.mask?.dispose();
      e.param.dispose();
      replaceIn(this.owners, e.key, p);
      mutable[i] = { ...e, param: p };
    });
    old?.dispose();
    if (this.active) this.bindMasks();
  }

  /** After writing `values` or `masks` on the host: copies them to the device (no-op on cpu). */
  syncToDevice(): void {
    this.mirror?.upload(this.values, this.active ? this.masks : null);
  }

  /** After writing parameters on the device (e.g. loading a state dict): copies them to `values`. */
  syncFromDevice(): void {
    this.mirror?.download(this.values);
  }

  /** Sets pruned weights (mask 0) to exactly +0 over the prunable block; kept weights are untouched. */
  applyMasks(): void {
    zeroPruned(this.values.subarray(0, this.prunableLength), this.masks);
  }

  /** Fraction of prunable weights kept (mask 1), in [0, 1]. */
  density(): number {
    if (this.prunableLength === 0) return 1;
    return keptCount(this.masks) / this.prunableLength;
  }

  /** The mask of one prunable parameter as a zero-copy Float32Array view of `masks`. */
  maskOf(key: string): Float32Array {
    const e = this.entries.find((x) => x.key === key);
    if (!e || !e.prunable) throw new RangeError(`maskOf: '${key}' is not a prunable parameter`);
    return this.masks.subarray(e.offset, e.offset + e.length);
  }
}

const ONE = Int32Array.of(1);
const BROADCAST = Int32Array.of(0);
const PLUS_ZERO = new Float32Array(1);
/** Longest run reduceSum counts exactly: its float32 result holds every integer up to 2^24. */
const EXACT_COUNT = 1 << 24;
/** Below this many weights a JS loop beats the calls into the addon. */
const NATIVE_MIN = 1 << 14;

/**
 * values[i] = 0 where masks[i] == 0, over millions of weights: v * m then + 0 (which turns the
 * -0 of a pruned negative weight into +0), both threaded native passes. Kept weights are
 * exact (v * 1); a pruned weight that is not finite would become NaN, which no finite
 * initialization or training step produces.
 */
function zeroPruned(v: Float32Array, m: Float32Array): void {
  const binary = loadNative().addon?.binary;
  const n = v.length;
  if (typeof binary === 'function' && n >= NATIVE_MIN) {
    const shape = Int32Array.of(n);
    binary('mul', v, ONE, m, ONE, v, shape);
    binary('add', v, ONE, PLUS_ZERO, BROADCAST, v, shape);
    return;
  }
  for (let i = 0; i < n; i++) if (m[i] === 0) v[i] = 0;
}

/** Sum of a 0/1 mask: native reduceSum over runs short enough to stay exact in float32. */
function keptCount(m: Float32Array): number {
  const reduceSum = loadNative().addon?.reduceSum;
  const n = m.length;
  let kept = 0;
  if (typeof reduceSum === 'function' && n >= NATIVE_MIN) {
    const out = new Float32Array(1);
    for (let start = 0; start < n; start += EXACT_COUNT) {
      const len = Math.min(EXACT_COUNT, n - start);
      reduceSum(m.subarray(start, start + len), 1, len, 1, out);
      kept += out[0];
    }
    return kept;
  }
  for (let i = 0; i < n; i++) kept += m[i];
  return kept;
}

function replaceIn(owners: Map<string, Module>, key: string, p: Parameter): void {
  const dot = key.lastIndexOf('.');
  owners.get(dot < 0 ? '' : key.slice(0, dot))!.replaceParameter(key.slice(dot + 1), p);
}
