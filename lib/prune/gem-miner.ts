import { rand, tidy } from '../tensor';
import { add, crossEntropy, mul, sum } from '../ops';
import { sgdStep } from '../train/fused-step';
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

/**
 * Gem-Miner (Sreenivasan et al., 2022): the weights stay frozen at initialization while a
 * score p ∈ [0, 1] per prunable weight (initialized U[0, 1]) is trained through the mask
 * 1[p > 0.5] with a straight-through estimator, on CE + λ‖p‖², p clamped to [0, 1] after
 * every step. Every 5 epochs the lowest-p fraction of the still-active weights is frozen
 * out (pruned for good) at the rate of {@link gemFreezeRate}; at the end the mask is rounded
 * to exactly round(d x N) weights (highest p). Training of the weights follows separately.
 */
export async function gemMiner(model: ArenaModel, opts: GemMinerOptions): Promise<PruneOutcome> {
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
  const p = (u.data() as Float32Array).slice();
  u.dispose();
  const frozen = new Uint8Array(n); // 1 = frozen out (pruned for good)
  for (const s of segments) if (!s.participates) p.fill(1, s.offset, s.offset + s.length);
  const velocity = new Float32Array(n);
  const grad = new Float32Array(n);
  const hardMinusP = new Float32Array(n);
  const entries = arena.prunableParameters();
  const savedMasks = entries.map((e) => e.param.mask);
  const rate = gemFreezeRate(density, epochs);
  let active = participating;
  let step = 0;
  const wasTraining = model.training;
  // The scores live on the host (the freezing and selection run there); each batch's masks
  // and inputs go where the model is.
  const device = model.device();
  model.train(true);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      let lossSum = 0;
      let batches = 0;
      for await (const b of opts.data.epoch(epoch)) {
        opts.signal?.throwIfAborted();
        checkBatch(b, 'gem-miner');
        for (let i = 0; i < n; i++) hardMinusP[i] = (p[i] > 0.5 ? 1 : 0) - p[i];
        grad.fill(0);
        lossSum += tidy(() => {
          // Straight-through: the forward sees 1[p > 0.5], the backward the identity in p.
          const scores = entries.map((e, i) => {
            const pt = hostTensorOn(p.subarray(e.offset, e.offset + e.length), e.param.shape, device).requiresGrad_();
            const hard = hostTensorOn(hardMinusP.subarray(e.offset, e.offset + e.length), e.param.shape, device);
            e.param.mask = segments[i].participates ? add(pt, hard) : null;
            return pt;
          });
          const logits = model.forward(hostTensorOn(b.x, b.batchShape, device));
          let loss = crossEntropy(logits, b.y);
          const value = loss.item();
          scores.forEach((pt, i) => {
            if (segments[i].participates) loss = add(loss, mul(sum(mul(pt, pt)), lambda));
          });
          loss.backward();
          scores.forEach((pt, i) => {
            if (segments[i].participates && pt.grad) grad.set(pt.grad.data() as Float32Array, entries[i].offset);
          });
          return value;
        });
        entries.forEach((e, i) => (e.param.mask = savedMasks[i]));
        clearGrads(model);
        sgdStep(p, grad, velocity, null, { lr, momentum, dampening: 0, weightDecay: 0, nesterov: false, firstStep: step === 0 });
        step++;
        for (const s of segments) {
          if (!s.participates) continue;
          for (let i = s.offset; i < s.offset + s.length; i++) {
            const v = p[i];
            p[i] = frozen[i] ? 0 : v < 0 ? 0 : v > 1 ? 1 : v;
          }
        }
        batches++;
      }
      if ((epoch + 1) % 5 === 0 && epoch + 1 < epochs && rate > 0) active = freezeLowest(p, frozen, segments, Math.round(active * (1 - rate)));
      opts.onProgress?.({ epoch: epoch + 1, epochs, density: participating ? active / participating : 1, loss: batches ? lossSum / batches : 0 });
    }
  } finally {
    entries.forEach((e, i) => (e.param.mask = savedMasks[i]));
    model.train(wasTraining);
  }
  const k = keepCount(density, participating);
  const scores = p.slice();
  let dense = 0;
  for (const s of segments) {
    if (!s.participates) {
      scores.fill(POS_INF, s.offset, s.offset + s.length);
      dense += s.length;
    } else for (let i = s.offset; i < s.offset + s.length; i++) if (frozen[i]) scores[i] = NEG_INF;
  }
  selectTopK(scores, Math.min(k, active) + dense, arena.masks);
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
