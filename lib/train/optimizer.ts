import type { Module } from '../nn/module';
import type { DeviceOptimizerSegment, OptimizerSegment, ParameterArena } from '../nn/arena';
import { windowOf } from '../nn/device-mirror';
import type { AdamStepConfig, Device, OptimizerKernelSet, SgdStepConfig } from '../backend';
import { keep, Tensor } from '../tensor';
import { adamStep, sgdStep } from './fused-step';

/** SGD hyper-parameters (PyTorch `torch.optim.SGD`). */
export interface SgdConfig {
  kind: 'sgd';
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** Adam / AdamW hyper-parameters (PyTorch `torch.optim.Adam` / `AdamW`; AdamW's weightDecay defaults to 0.01). */
export interface AdamConfig {
  kind: 'adam' | 'adamw';
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

/** Any optimizer as plain data (stored in checkpoint metadata). */
export type OptimizerConfig = SgdConfig | AdamConfig;

/** Optimizer state as flat arena-layout buffers plus the step count (for checkpoints). */
export interface OptimizerState {
  step: number;
  buffers: Record<string, Float32Array>;
}

/**
 * One optimizer-state array (momentum, a moment) in segment layout, on the host, the device,
 * or both: each side is copied from the other only when the other holds newer values (a
 * step on the other side, a loaded state), so steps on one side move no state.
 */
class StateBuffer {
  private readonly host: Float32Array;
  private device: Tensor | null = null;
  private newer: 'host' | 'device' | 'same' = 'host';

  constructor(length: number) {
    this.host = new Float32Array(length);
  }

  /** The host array with current values (downloaded when the device copy is newer). */
  read(): Float32Array {
    if (this.newer === 'device') {
      this.host.set(this.device!.data() as Float32Array);
      this.newer = 'same';
    }
    return this.host;
  }

  /** The host array, to be updated there. */
  forHostWrite(): Float32Array {
    const h = this.read();
    this.newer = 'host';
    return h;
  }

  /** Replaces the values (a loaded state). */
  load(values: Float32Array): void {
    this.read();
    this.host.set(values);
    this.newer = 'host';
  }

  /** A window [at, at + n) of the device copy on `device`, to be updated there (dispose it after). */
  forDeviceWrite(device: Device, at: number, n: number): Tensor {
    if (this.device && this.device.device !== device) {
      this.read();
      this.device.dispose();
      this.device = null;
    }
    if (!this.device || this.newer === 'host') {
      // Only when the host holds newer values (or there is no device copy yet): steps skip it.
      const host = Tensor.fromStorage(this.host, [this.host.length]);
      if (!this.device) this.device = keep(host.to(device));
      else this.device.copy_(host);
      host.dispose();
    }
    this.newer = 'device';
    const w = windowOf(this.device, at, [n]);
    if (!w) throw new Error(`optimizer: the ${device} backend cannot share storage, which device steps need`);
    return w;
  }

  /** Frees the device copy (the host array takes its values first). */
  dispose(): void {
    this.read();
    this.device?.dispose();
    this.device = null;
    this.newer = 'host';
  }
}

/**
 * An optimizer over a model's parameter arena: `step()` updates all parameters in one fused
 * pass per run of the arena (the prunable runs with their masks, the compressed survivors,
 * then the rest). On the cpu it gathers the gradients into the host gradient arena and runs
 * the native kernels there. On a device whose backend has optimizer kernels (cuda), the
 * gradients, parameters and state stay on the device and a step moves nothing between host
 * and device (the arena's host copy is refreshed when read).
 */
export abstract class Optimizer {
  /** Current learning rate (the training loop sets it from the schedule before each step). */
  lr: number;
  /** Steps taken so far. */
  stepCount = 0;
  readonly arena: ParameterArena;

  protected constructor(target: Module | ParameterArena, lr: number) {
    const arena = 'values' in target ? target : target.arena;
    if (!arena) throw new Error('Optimizer: the model has no parameter arena. Fix: build it with createModel(), or call ParameterArena.attach(model) first');
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new RangeError(`Optimizer: lr must be a finite number >= 0, got ${lr}`);
    this.arena = arena;
    this.lr = lr;
    this.layout = arena.layout;
  }

  /** The hyper-parameters as data (lr is the base rate given at construction). */
  abstract readonly config: OptimizerConfig;

  /** One update of every parameter from its current gradient. */
  step(): void {
    const a = this.arena;
    this.checkLayout();
    this.stepCount++;
    const onDevice = a.deviceOptimizerSegments();
    if (onDevice) {
      let at = 0;
      for (const seg of onDevice) {
        const n = seg.values.size;
        this.updateOnDevice(seg, seg.values.backend.optimizer!, (b) => b.forDeviceWrite(seg.values.device, at, n));
        at += n;
      }
      a.afterDeviceStep();
      return;
    }
    a.gatherGrads();
    let at = 0;
    // Segments are re-read each step: masks activated after this optimizer was built apply too.
    for (const seg of a.optimizerSegments()) {
      this.update(seg, at);
      at += seg.values.length;
    }
    a.afterStep();
    a.syncToDevice();
  }

  /** Drops (and disposes) every parameter's gradient; the gradient arena is refilled at the next step. */
  zeroGrad(): void {
    for (const e of this.arena.entries) {
      e.param.grad?.dispose();
      e.param.grad = null;
    }
    for (const m of this.arena.compressed) {
      const v = m.compressed.values;
      v.grad?.dispose();
      v.grad = null;
    }
  }

  /**
   * Updates one segment; its state is elements [at, at + seg.values.length) of the state
   * buffers (which have {@link ParameterArena.trainableLength} elements: nnz per compressed layer).
   */
  protected abstract update(seg: OptimizerSegment, at: number): void;

  /**
   * Updates one segment on the device with the backend's kernels; `state(b)` gives the window
   * of state buffer b for this segment, which the update disposes when done.
   */
  protected abstract updateOnDevice(seg: DeviceOptimizerSegment, k: OptimizerKernelSet, state: (b: StateBuffer) => Tensor): void;

  /** Frees the optimizer's device state (its host copy keeps the values). */
  dispose(): void {
    for (const b of this.stateBuffers()) b.dispose();
  }

  protected abstract stateBuffers(): StateBuffer[];

  /** The arena's compression layout when this optimizer was built (its state's layout). */
  private readonly layout: number;

  private checkLayout(): void {
    if (this.arena.layout !== this.layout) {
      throw new Error(
        `${this.config.kind}: the model was compressed or decompressed after this optimizer was built. ` +
          'Fix: build the optimizer after compressModel()/decompressModel() (train() does this when given an optimizer config)',
      );
    }
  }

  /** A new state buffer: one float per trainable value (nnz per compressed layer). */
  protected stateBuffer(): StateBuffer {
    return new StateBuffer(this.arena.trainableLength);
  }

  /** A state buffer in arena layout (what checkpoints store; independent of compression). */
  protected exportState(sb: StateBuffer): Float32Array {
    this.checkLayout();
    const b = sb.read();
    return this.arena.compressed.length ? this.arena.toArenaLayout(b) : b.slice();
  }

  /** Copies of the state buffers and the step count. */
  abstract state(): OptimizerState;

  /** Restores state saved by {@link state} (buffers must have the arena's length). */
  abstract loadState(s: OptimizerState): void;

  /** A saved state buffer (arena layout) in this optimizer's segment layout. */
  protected checkBuffer(name: string, b: Float32Array | undefined): Float32Array {
    if (!b) throw new RangeError(`${this.config.kind}: optimizer state has no '${name}' buffer`);
    if (b.length !== this.arena.values.length) {
      throw new RangeError(`${this.config.kind}: '${name}' has ${b.length} elements, the arena ${this.arena.values.length}`);
    }
    this.checkLayout();
    return this.arena.compressed.length ? this.arena.fromArenaLayout(b) : b;
  }
}

function check(name: string, v: number, ok: boolean, range: string): number {
  if (!ok || !Number.isFinite(v)) throw new RangeError(`${name} must be ${range}, got ${v}`);
  return v;
}

/** Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay, as PyTorch. */
export class SGD extends Optimizer {
  readonly config: SgdConfig;
  private momentumBuf: StateBuffer | null = null;

  constructor(target: Module | ParameterArena, cfg: Omit<SgdConfig, 'kind'>) {
    super(target, cfg.lr);
    const momentum = check('SGD momentum', cfg.momentum ?? 0, (cfg.momentum ?? 0) >= 0, '>= 0');
    const dampening = check('SGD dampening', cfg.dampening ?? 0, true, 'finite');
    const weightDecay = check('SGD weightDecay', cfg.weightDecay ?? 0, (cfg.weightDecay ?? 0) >= 0, '>= 0');
    const nesterov = cfg.nesterov ?? false;
    if (nesterov && (momentum <= 0 || dampening !== 0)) throw new RangeError('SGD: Nesterov momentum requires momentum > 0 and dampening 0');
    this.config = { kind: 'sgd', lr: cfg.lr, momentum, dampening, weightDecay, nesterov };
    if (momentum !== 0) this.momentumBuf = this.stateBuffer();
  }

  private stepConfig(): SgdStepConfig {
    const c = this.config;
    return { lr: this.lr, momentum: c.momentum!, dampening: c.dampening!, weightDecay: c.weightDecay!, nesterov: c.nesterov!, firstStep: this.stepCount === 1 };
  }

  protected override update(seg: OptimizerSegment, at: number): void {
    const n = seg.values.length;
    sgdStep(seg.values, seg.grads, this.momentumBuf?.forHostWrite().subarray(at, at + n) ?? null, seg.mask, this.stepConfig());
  }

  protected override updateOnDevice(seg: DeviceOptimizerSegment, k: OptimizerKernelSet, state: (b: StateBuffer) => Tensor): void {
    const op = 'SGD.step';
    const mom = this.momentumBuf && state(this.momentumBuf);
    k.sgdStep(seg.values.storage(op), seg.grads.storage(op), mom?.storage(op) ?? null, seg.mask?.storage(op) ?? null, this.stepConfig());
    mom?.dispose();
  }

  protected override stateBuffers(): StateBuffer[] {
    return this.momentumBuf ? [this.momentumBuf] : [];
  }

  override state(): OptimizerState {
    return { step: this.stepCount, buffers: this.momentumBuf ? { momentum: this.exportState(this.momentumBuf) } : {} };
  }

  override loadState(s: OptimizerState): void {
    if (this.momentumBuf) this.momentumBuf.load(this.checkBuffer('momentum', s.buffers.momentum));
    this.stepCount = s.step;
  }
}

/** Adam (Kingma and Ba 2015) with L2 decay, or AdamW (decoupled decay) when kind is 'adamw'; PyTorch semantics. */
export class Adam extends Optimizer {
  readonly config: AdamConfig;
  private readonly m: StateBuffer;
  private readonly v: StateBuffer;

  constructor(target: Module | ParameterArena, cfg: Omit<AdamConfig, 'kind'> & { kind?: 'adam' | 'adamw' }) {
    super(target, cfg.lr);
    const kind = cfg.kind ?? 'adam';
    const [b1, b2] = cfg.betas ?? [0.9, 0.999];
    check('Adam beta1', b1, b1 >= 0 && b1 < 1, 'in [0, 1)');
    check('Adam beta2', b2, b2 >= 0 && b2 < 1, 'in [0, 1)');
    const eps = check('Adam eps', cfg.eps ?? 1e-8, (cfg.eps ?? 1e-8) >= 0, '>= 0');
    const wd = cfg.weightDecay ?? (kind === 'adamw' ? 0.01 : 0);
    check('Adam weightDecay', wd, wd >= 0, '>= 0');
    this.config = { kind, lr: cfg.lr, betas: [b1, b2], eps, weightDecay: wd };
    this.m = this.stateBuffer();
    this.v = this.stateBuffer();
  }

  private stepConfig(): AdamStepConfig {
    const c = this.config;
    return { lr: this.lr, beta1: c.betas![0], beta2: c.betas![1], eps: c.eps!, weightDecay: c.weightDecay!, decoupled: c.kind === 'adamw', step: this.stepCount };
  }

  protected override update(seg: OptimizerSegment, at: number): void {
    const n = seg.values.length;
    adamStep(seg.values, seg.grads, this.m.forHostWrite().subarray(at, at + n), this.v.forHostWrite().subarray(at, at + n), seg.mask, this.stepConfig());
  }

  protected override updateOnDevice(seg: DeviceOptimizerSegment, k: OptimizerKernelSet, state: (b: StateBuffer) => Tensor): void {
    const op = 'Adam.step';
    const m = state(this.m);
    const v = state(this.v);
    k.adamStep(seg.values.storage(op), seg.grads.storage(op), m.storage(op), v.storage(op), seg.mask?.storage(op) ?? null, this.stepConfig());
    m.dispose();
    v.dispose();
  }

  protected override stateBuffers(): StateBuffer[] {
    return [this.m, this.v];
  }

  override state(): OptimizerState {
    return { step: this.stepCount, buffers: { exp_avg: this.exportState(this.m), exp_avg_sq: this.exportState(this.v) } };
  }

  override loadState(s: OptimizerState): void {
    this.m.load(this.checkBuffer('exp_avg', s.buffers.exp_avg));
    this.v.load(this.checkBuffer('exp_avg_sq', s.buffers.exp_avg_sq));
    this.stepCount = s.step;
  }
}

/** AdamW: Adam with decoupled weight decay (Loshchilov and Hutter 2019), default decay 0.01. */
export class AdamW extends Adam {
  constructor(target: Module | ParameterArena, cfg: Omit<AdamConfig, 'kind'>) {
    super(target, { ...cfg, kind: 'adamw' });
  }
}

/** Builds the optimizer a config describes, over a model's arena. */
export function createOptimizer(target: Module | ParameterArena, cfg: OptimizerConfig): Optimizer {
  switch (cfg.kind) {
    case 'sgd':
      return new SGD(target, cfg);
    case 'adam':
      return new Adam(target, cfg);
    case 'adamw':
      return new AdamW(target, cfg);
    default:
      throw new RangeError(`createOptimizer: unknown kind '${(cfg as { kind: string }).kind}' (known: sgd, adam, adamw)`);
  }
}
