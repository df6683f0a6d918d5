import { Tensor } from '../tensor';
import { mul } from '../ops';
import type { Device } from '../backend';
import type { Module } from './module';
import { Parameter } from './parameter';
import { DeviceMirror } from './device-mirror';
import { layerMasksGradient } from './masked';
import { keptFraction, zeroPruned } from './mask-passes';
import { optimizerRuns, SegmentLayout, type Run } from './optimizer-layout';
import { CompressedBlock, type CompressedMember } from './compressed-block';
import { DeviceWindows, type DeviceOptimizerSegment } from './device-windows';

export type { DeviceOptimizerSegment } from './device-windows';

/**
 * A contiguous run of trainable values the optimizer updates in one fused pass: a run of the
 * arena (with its masks when pruned), or the block of compressed survivors.
 */
export interface OptimizerSegment {
  values: Float32Array;
  grads: Float32Array;
  /** 0/1 masks of the run, or null (unpruned parameters, compressed survivors). */
  mask: Float32Array | null;
}

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
  private readonly hostValues: Float32Array;
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
  private block: CompressedBlock | null = null;
  private layoutVersion = 0;
  private readonly owners: Map<string, Module>;
  /**
   * Whether optimizers step on the device when the backend can (default true). False: they
   * update the host copy and upload it after each step, as on a backend without device
   * optimizer kernels (benchmarks compare the two).
   */
  deviceSteps = true;
  /** Whether optimizer steps on the device made the host copies (`values`, the block's) stale. */
  private deviceAhead = false;
  /**
   * Whether host optimizer steps left the dense views of compressed weights behind the
   * block's survivors: they are scattered at the first read (of `values` or of such a
   * weight), not after every step, which cost a pass over the arena per step (8 ms of a
   * 350 ms VGG-16-BN step at 10% density on 2 cores).
   */
  private denseStale = false;
  /** Device windows the optimizer steps on, for one mirror, layout and mask state. */
  private deviceWindows: DeviceWindows | null = null;

  private constructor(entries: ArenaEntry[], total: number, prunableLength: number, values: Float32Array, owners: Map<string, Module>) {
    this.entries = entries;
    this.owners = owners;
    this.hostValues = values;
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

  /**
   * Every parameter value, prunable block first. On a device this is the host copy: after
   * optimizer steps there, reading it downloads the parameters first (so hold no reference
   * to it across training steps); after writing it, call {@link syncToDevice}.
   */
  get values(): Float32Array {
    this.pull();
    return this.hostValues;
  }

  /** After host steps, the dense views take the survivors; after steps on the device, the host copies take the device parameters. */
  private pull(): void {
    this.refreshDense();
    this.pullDevice();
  }

  private pullDevice(): void {
    if (!this.deviceAhead) return;
    this.deviceAhead = false;
    this.mirror!.download(this.hostValues);
    this.block?.download();
  }

  /**
   * After host steps: the dense views of compressed weights take the survivors. (On a
   * device their dense device weights are updated there after each step, and reading them
   * downloads nothing else.)
   */
  private refreshDense(): void {
    if (!this.denseStale) return;
    this.denseStale = false;
    this.block!.scatterTo(this.hostValues);
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
    this.block?.gatherGrads();
    for (const e of this.entries) {
      // A compressed weight's gradient is its survivors' (in the block); its dense run is unused.
      if (e.param.compressed) continue;
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
    this.checkDense('activateMasks');
    this.active = true;
    this.bindMasks();
    this.applyMasks();
    this.syncToDevice();
  }

  /**
   * Makes the device masks take effect as they stand, without the host copies (stale while
   * the pruning loop selects on the device): the layers compute with them and mask their
   * gradients. The caller has zeroed the pruned weights on the device and copies masks and
   * weights back to the host before anything reads them there.
   */
  activateDeviceMasks(): void {
    if (!this.mirror) throw new Error('ParameterArena.activateDeviceMasks: the arena is on the cpu. Fix: use activateMasks()');
    this.checkDense('activateDeviceMasks');
    this.active = true;
    this.bindMasks();
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

  /**
   * A window [offset, offset + length) of the device copy of the values or masks, with
   * `shape` (dispose it when done), or null on the cpu or where the backend cannot share
   * storage. Writing it leaves the host copies stale: copy them back before reading them.
   */
  deviceWindow(of: 'values' | 'masks', offset: number, shape: readonly number[]): Tensor | null {
    return this.mirror ? this.mirror.window(of, offset, shape) : null;
  }

  /** Where the parameters live; on 'cuda', `values` is their host copy. */
  get device(): Device {
    return this.mirror ? this.mirror.device : 'cpu';
  }

  /**
   * Moves the parameters (and masks) to `device`: one device buffer, each parameter a window
   * of it. `values`, `masks` and `grads` stay on the host: the pruning code works there and
   * calls {@link syncToDevice} after writing; optimizers step on the device where the backend
   * has the kernels ({@link deviceOptimizerSegments}).
   */
  moveTo(device: Device): void {
    if (device === this.device) return;
    this.checkDense('moveTo');
    this.pull();
    this.dropDeviceWindows();
    if (this.mirror) this.mirror.download(this.hostValues);
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
    this.block?.upload();
  }

  /** After writing parameters on the device (e.g. loading a state dict): copies them to `values`. */
  syncFromDevice(): void {
    if (!this.mirror) return;
    this.mirror.download(this.hostValues);
    if (this.deviceAhead) this.block?.download();
    this.deviceAhead = false;
  }

  /** Sets pruned weights (mask 0) to exactly +0 over the prunable block; kept weights are untouched. */
  applyMasks(): void {
    this.checkDense('applyMasks');
    zeroPruned(this.values.subarray(0, this.prunableLength), this.masks);
  }

  /**
   * Runs the given prunable weights compressed: their layers compute with the survivors only
   * (see lib/nn/compress.ts, which chooses them). The masks must be active; on a device the
   * survivors get a device copy too. The pattern is then fixed until {@link decompress}.
   * Build optimizers afterwards.
   */
  compress(keys: ReadonlySet<string>): void {
    if (this.block) throw new Error('ParameterArena.compress: the model is already compressed. Fix: call decompress() first');
    if (!this.active) throw new Error('ParameterArena.compress: the model has no active masks. Fix: prune it (or activateMasks()) first');
    const inputs = this.prunableParameters()
      .filter((e) => keys.has(e.key))
      .map((e) => ({ key: e.key, param: e.param, denseOffset: e.offset, mask: this.masks.subarray(e.offset, e.offset + e.length) }));
    const unknown = [...keys].filter((k) => !inputs.some((i) => i.key === k));
    if (unknown.length) throw new RangeError(`ParameterArena.compress: not prunable parameters: ${unknown.join(', ')}`);
    if (inputs.length === 0) return;
    this.pull();
    this.block = CompressedBlock.build(inputs, this.device, () => this.refreshDense());
    this.layoutVersion++;
  }

  /** Ends compressed execution: the dense weights take the trained survivors and compute again. */
  decompress(): void {
    if (!this.block) return;
    this.block.scatterTo(this.values);
    this.dropDeviceWindows();
    this.block.release();
    this.block = null;
    this.layoutVersion++;
  }

  /** The compressed weights, in arena order (empty when none). */
  get compressed(): readonly CompressedMember[] {
    return this.block ? this.block.members : [];
  }

  /** Changes whenever {@link compress} or {@link decompress} changes what the optimizer updates. */
  get layout(): number {
    return this.layoutVersion;
  }

  /**
   * What an optimizer updates, in order: the prunable runs (with masks once pruned), the
   * compressed survivors, then the unprunable parameters. Without compression these are the
   * prunable block and the rest, as two runs.
   */
  optimizerSegments(): OptimizerSegment[] {
    // Not `values`: the segments skip the dense views of compressed weights, which stay stale.
    this.pullDevice();
    const v = this.hostValues;
    return this.runs().map((r) =>
      r === 'block'
        ? { values: this.block!.values, grads: this.block!.grads, mask: null }
        : { values: v.subarray(r.from, r.to), grads: this.grads.subarray(r.from, r.to), mask: r.masked && this.active ? this.masks.subarray(r.from, r.to) : null },
    );
  }

  /** The layout of {@link optimizerSegments}. */
  private runs(): Run[] {
    return optimizerRuns(this.prunableParameters(), this.prunableLength, this.hostValues.length, this.block);
  }

  private segmentLayout(): SegmentLayout {
    return new SegmentLayout(this.runs(), this.block, this.hostValues.length);
  }

  /**
   * {@link optimizerSegments} on the device, with this step's gradients gathered there (a
   * device copy per parameter), so an optimizer steps without moving data between host and
   * device; call {@link afterDeviceStep} after updating them. Null on the cpu, or where the
   * backend has no device optimizer kernels or cannot share storage: the optimizer then
   * updates the host copy and uploads it.
   */
  deviceOptimizerSegments(): DeviceOptimizerSegment[] | null {
    const mirror = this.mirror;
    if (!mirror || !mirror.backend.optimizer || !this.deviceSteps) return null;
    const key = `${this.layoutVersion}/${this.active}`;
    if (this.deviceWindows?.key !== key) {
      this.dropDeviceWindows();
      this.deviceWindows = DeviceWindows.build(mirror, key, this.runs(), this.entries, this.block, this.active);
      if (!this.deviceWindows) return null;
    }
    return this.deviceWindows.gather(this.block);
  }

  /** After an optimizer updated {@link deviceOptimizerSegments}: the host copies are stale until read. */
  afterDeviceStep(): void {
    this.block?.scatterOnDevice();
    this.deviceAhead = true;
  }

  private dropDeviceWindows(): void {
    this.deviceWindows?.dispose();
    this.deviceWindows = null;
  }

  /** Total length of {@link optimizerSegments}: the size of an optimizer's state buffers. */
  get trainableLength(): number {
    return this.segmentLayout().length;
  }

  /**
   * An optimizer-state array in segment layout as one of arena layout (`values.length`,
   * zeros at pruned entries of compressed weights): checkpoints store this form, so they
   * load whether or not the resumed run compresses the same layers.
   */
  toArenaLayout(state: Float32Array): Float32Array {
    return this.segmentLayout().toArena(state);
  }

  /** The inverse of {@link toArenaLayout}: the survivors and dense runs of an arena-layout array. */
  fromArenaLayout(dense: Float32Array): Float32Array {
    return this.segmentLayout().fromArena(dense);
  }

  /**
   * After a host optimizer step: the dense views of compressed weights take the updated
   * survivors, at once where a device copy is uploaded next, else at their first read.
   */
  afterStep(): void {
    if (!this.block) return;
    if (this.mirror) this.block.scatterTo(this.values);
    else this.denseStale = true;
  }

  /** After the dense values were written from outside (a loaded state dict): compressed layers re-read them. */
  refreshCompressed(): void {
    this.block?.gatherFrom(this.values);
    this.block?.upload();
  }

  private checkDense(fn: string): void {
    if (this.block) throw new Error(`ParameterArena.${fn}: the model runs compressed layers, whose pattern is fixed. Fix: call decompressModel(model) first`);
  }

  /** Fraction of prunable weights kept (mask 1), in [0, 1]. */
  density(): number {
    return keptFraction(this.masks);
  }

  /** The mask of one prunable parameter as a zero-copy Float32Array view of `masks`. */
  maskOf(key: string): Float32Array {
    const e = this.entries.find((x) => x.key === key);
    if (!e || !e.prunable) throw new RangeError(`maskOf: '${key}' is not a prunable parameter`);
    return this.masks.subarray(e.offset, e.offset + e.length);
  }
}

function replaceIn(owners: Map<string, Module>, key: string, p: Parameter): void {
  const dot = key.lastIndexOf('.');
  owners.get(dot < 0 ? '' : key.slice(0, dot))!.replaceParameter(key.slice(dot + 1), p);
}
