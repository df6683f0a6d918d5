import { keep, rand, tidy, type Tensor } from '../tensor';
import type { Device } from '../backend';
import { copyFromHost, windowOf } from '../nn/device-mirror';
import { add, crossEntropy, mul, sum } from '../ops';
import { sgdStep, type SgdStepConfig } from '../train/fused-step';
import type { BatchSource } from '../train/batches';
import { checkBatch } from '../train/batches';
import { selectTopK } from '../backend/sparse/select';
import { DEFAULT_PRUNABLE, participatingCount, pruneSegments, type PrunableSettings } from './prunable';
import { keepCount, targetDensity, type PruneTarget } from './target';
import type { ArenaModel } from './pruner';
import type { PruneOutcome } from './prune';
import { clearGrads, hostTensorOn } from './gradients';

// Module-level constants for hot loops (global lookups are slow in vm contexts such as jest's).
const POS_INF = Number.POSITIVE_INFINITY;
const NEG_INF = Number.NEGATIVE_INFINITY;

/** Options of {@link gemMiner}; defaults in brackets. */
export interface GemMinerOptions {
  target: PruneTarget;
  /** Training batches for the scores. */
  data: BatchSource;
  /** Epochs E of score training [20]; a freeze every 5 epochs, floor((E-1)/5) in all. */
  epochs?: number;
  /** SGD on the scores: learning rate [0.1], momentum [0.9]. */
  lr?: number;
  momentum?: number;
  /** Weight λ of the ‖p‖² regularizer [1e-5]. */
  lambda?: number;
  seed?: number;
  prunable?: Partial<PrunableSettings>;
  signal?: AbortSignal;
  onProgress?: (p: { epoch: number; epochs: number; density: number; loss: number }) => void;
}

/** The freezing rate per event: 1 - exp(ln(target) / floor((E - 1) / 5)). */
export function gemFreezeRate(density: number, epochs: number): number {
  const events = Math.floor((epochs - 1) / 5);
  return events > 0 ? 1 - Math.exp(Math.log(density) / events) : 0;
}

/** What {@link gemMiner} did: the loop's outcome and the learned scores. */
export interface GemMinerOutcome extends PruneOutcome {
  /** The trained scores p over the prunable block: 0 where frozen out, 1 outside the participating tensors. */
  scores: Float32Array;
}

/**
 * Gem-Miner (Sreenivasan et al., 2022): the weights stay frozen at initialization while a
 * score p ∈ [0, 1] per prunable weight (initialized U[0, 1]) is trained through the mask
 * 1[p > 0.5] with a straight-through estimator, on CE + λ‖p‖², p clamped to [0, 1] after
 * every step. Every 5 epochs the lowest-p fraction of the still-active weights is frozen
 * out (pruned for good) at the rate of {@link gemFreezeRate}; at the end the mask is rounded
 * to exactly round(d x N) weights (highest p). Training of the weights follows separately.
 */
export async function gemMiner(model: ArenaModel, opts: GemMinerOptions): Promise<GemMinerOutcome> {
  const t0 = performance.now();
  const density = targetDensity(opts.target);
  const epochs = opts.epochs ?? 20;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`gem-miner: epochs must be a positive integer, got ${epochs}`);
  const lr = opts.lr ?? 0.1;
  const momentum = opts.momentum ?? 0.9;
  const lambda = opts.lambda ?? 1e-5;
  const arena = model.arena;
  const segments = pruneSegments(arena, { ...DEFAULT_PRUNABLE, ...opts.prunable });
  const participating = participatingCount(segments);
  const n = arena.prunableLength;
  const u = rand([n], { seed: opts.seed ?? 0, backend: 'cpu' });
  const p0 = (u.data() as Float32Array).slice();
  u.dispose();
  const frozen = new Uint8Array(n); // 1 = frozen out (pruned for good)
  for (const s of segments) if (!s.participates) p0.fill(1, s.offset, s.offset + s.length);
  const entries = arena.prunableParameters();
  const savedMasks = entries.map((e) => e.param.mask);
  const rate = gemFreezeRate(density, epochs);
  let active = participating;
  let step = 0;
  const wasTraining = model.training;
  // The scores and their optimizer state live where the model does: a step moves only the
  // batch and the loss between host and device; the freezing (every 5 epochs) reads them.
  const device = model.device();
  const state = GemScores.open(p0, device);
  let scores: Float32Array;
  model.train(true);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      let lossSum = 0;
      let batches = 0;
      for await (const b of opts.data.epoch(epoch)) {
        opts.signal?.throwIfAborted();
        checkBatch(b, 'gem-miner');
        state.prepareStep();
        lossSum += tidy(() => {
          // Straight-through: the forward sees 1[p > 0.5] = p + (1[p > 0.5] - p), the
          // backward the identity in p.
          const scores = entries.map((e, i) => {
            if (!segments[i].participates) return null;
            const pt = state.leaf(e.offset, e.param.shape);
            e.param.mask = add(pt, state.hardMinusP(e.offset, e.param.shape));
            return pt;
          });
          const logits = model.forward(hostTensorOn(b.x, b.batchShape, device));
          let loss = crossEntropy(logits, b.y);
          const value = loss.item();
          for (const pt of scores) if (pt) loss = add(loss, mul(sum(mul(pt, pt)), lambda));
          loss.backward();
          scores.forEach((pt, i) => {
            if (pt) state.takeGradient(pt, entries[i].offset);
          });
          return value;
        });
        entries.forEach((e, i) => (e.param.mask = savedMasks[i]));
        clearGrads(model);
        state.step({ lr, momentum, dampening: 0, weightDecay: 0, nesterov: false, firstStep: step === 0 });
        step++;
        batches++;
      }
      if ((epoch + 1) % 5 === 0 && epoch + 1 < epochs && rate > 0) {
        active = state.update((p) => freezeLowest(p, frozen, segments, Math.round(active * (1 - rate))), frozen);
      }
      opts.onProgress?.({ epoch: epoch + 1, epochs, density: participating ? active / participating : 1, loss: batches ? lossSum / batches : 0 });
    }
  } finally {
    entries.forEach((e, i) => (e.param.mask = savedMasks[i]));
    model.train(wasTraining);
    // The final scores on the host (the device tensors freed, also when a step threw).
    scores = state.close();
  }
  const k = keepCount(density, participating);
  const ranked = scores.slice();
  let dense = 0;
  for (const s of segments) {
    if (!s.participates) {
      ranked.fill(POS_INF, s.offset, s.offset + s.length);
      dense += s.length;
    } else for (let i = s.offset; i < s.offset + s.length; i++) if (frozen[i]) ranked[i] = NEG_INF;
  }
  selectTopK(ranked, Math.min(k, active) + dense, arena.masks);
  arena.activateMasks();
  const survivors = Math.min(k, active);
  return {
    pruner: 'gem-miner',
    targetDensity: density,
    density: participating ? survivors / participating : 1,
    survivors,
    participating,
    iterations: epochs,
    schedule: 'exponential',
    scope: 'global',
    segments,
    seconds: (performance.now() - t0) / 1000,
    scores,
  };
}

/** Freezes out all but the `keep` highest-p active weights; returns the new active count. */
function freezeLowest(p: Float32Array, frozen: Uint8Array, segments: ReturnType<typeof pruneSegments>, keep: number): number {
  const scores = new Float32Array(p.length);
  const mask = new Float32Array(p.length);
  let dense = 0;
  for (const s of segments) {
    for (let i = s.offset; i < s.offset + s.length; i++) scores[i] = !s.participates ? POS_INF : frozen[i] ? NEG_INF : p[i];
    if (!s.participates) dense += s.length;
  }
  selectTopK(scores, keep + dense, mask);
  for (const s of segments) {
    if (!s.participates) continue;
    for (let i = s.offset; i < s.offset + s.length; i++) {
      if (mask[i] === 0 && !frozen[i]) {
        frozen[i] = 1;
        p[i] = 0;
      }
    }
  }
  return keep;
}

const ONE = Int32Array.of(1);
const BROADCAST = Int32Array.of(0);

/**
 * Gem-Miner's scores p, their momentum, the straight-through offsets 1[p > 0.5] - p and the
 * live mask (0 where frozen) as tensors on the model's device, updated there by the
 * backend's kernels: a step moves nothing but the batch and its loss between host and
 * device. On the cpu they are the host arrays themselves.
 */
class GemScores {
  private readonly windows = new Map<string, Tensor>();
  private readonly shape: Int32Array;

  private constructor(
    private readonly alive: Float32Array,
    private readonly p: Tensor,
    private readonly velocity: Tensor,
    private readonly live: Tensor,
    private readonly offsets: Tensor,
    private readonly grad: Tensor,
    private readonly half: Tensor,
  ) {
    this.shape = Int32Array.of(alive.length);
  }

  /** The scores p0 (and zero momentum, nothing frozen) on `device`. */
  static open(p0: Float32Array, device: Device): GemScores {
    const n = p0.length;
    const on = (a: Float32Array) => keep(hostTensorOn(a, [a.length], device));
    const alive = new Float32Array(n).fill(1);
    return new GemScores(alive, on(p0), on(new Float32Array(n)), on(alive), on(new Float32Array(n)), on(new Float32Array(n)), on(Float32Array.of(0.5)));
  }

  private get onDevice(): boolean {
    return this.p.device !== 'cpu';
  }

  private window(of: 'p' | 'offsets' | 'grad', offset: number, shape: readonly number[]): Tensor {
    const key = `${of}:${offset}`;
    let w = this.windows.get(key);
    if (!w) {
      const block = of === 'p' ? this.p : of === 'offsets' ? this.offsets : this.grad;
      const made = windowOf(block, offset, shape);
      if (!made) throw new Error(`gem-miner: the ${block.backend.name} backend cannot share storage, which the score windows need`);
      w = of === 'p' ? made.requiresGrad_() : made;
      this.windows.set(key, w);
    }
    return w;
  }

  /** offsets = 1[p > 0.5] - p, before a step's forward. */
  prepareStep(): void {
    const b = this.p.backend;
    const P = this.p.storage('gem-miner'), H = this.offsets.storage('gem-miner');
    b.binary('gt', P, ONE, this.half.storage('gem-miner'), BROADCAST, H, this.shape);
    b.binary('sub', H, ONE, P, ONE, H, this.shape);
  }

  /** The scores of one tensor as a leaf that gradients reach (a window of p). */
  leaf(offset: number, shape: readonly number[]): Tensor {
    return this.window('p', offset, shape);
  }

  /** The straight-through offsets of one tensor (a window). */
  hardMinusP(offset: number, shape: readonly number[]): Tensor {
    return this.window('offsets', offset, shape);
  }

  /** Moves a leaf's gradient into the gradient block (zeros where none reached it). */
  takeGradient(leaf: Tensor, offset: number): void {
    const b = this.grad.backend;
    const out = this.window('grad', offset, leaf.shape).storage('gem-miner');
    if (leaf.grad) {
      b.copy(leaf.grad.storage('gem-miner'), out, leaf.size);
      leaf.grad.dispose();
      leaf.grad = null;
    } else {
      b.fill(out, 0);
    }
  }

  /** One SGD step on p, frozen scores held at exactly 0, then p clamped to [0, 1]. */
  step(c: SgdStepConfig): void {
    const b = this.p.backend;
    const [P, G, V, A] = [this.p, this.grad, this.velocity, this.live].map((t) => t.storage('gem-miner'));
    if (b.optimizer) b.optimizer.sgdStep(P, G, V, A, c);
    else sgdStep(P as Float32Array, G as Float32Array, V as Float32Array, A as Float32Array, c);
    b.unary('clamp', P, P, 0, 1);
  }

  /** The current scores on the host (on the cpu, the scores themselves). */
  private read(): Float32Array {
    return this.p.data() as Float32Array;
  }

  /**
   * Lets `change` rewrite the scores and `frozen` on the host (a freezing event), then
   * brings the device up to date; returns what `change` returns.
   */
  update<T>(change: (p: Float32Array) => T, frozen: Uint8Array): T {
    const p = this.read();
    const out = change(p);
    for (let i = 0; i < frozen.length; i++) this.alive[i] = frozen[i] ? 0 : 1;
    if (this.onDevice) {
      copyFromHost(this.p, p);
      copyFromHost(this.live, this.alive);
    }
    return out;
  }

  /** The final scores on the host (a copy on the cpu too); frees the device tensors. */
  close(): Float32Array {
    try {
      return this.read().slice();
    } finally {
      for (const t of [...this.windows.values(), this.p, this.velocity, this.live, this.offsets, this.grad, this.half]) {
        t.grad?.dispose();
        t.dispose();
      }
    }
  }
}
