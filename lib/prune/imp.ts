import { train, type TrainEvent, type TrainResult } from '../train/loop';
import type { BatchSource } from '../train/batches';
import type { OptimizerConfig } from '../train/optimizer';
import type { LrSchedule } from '../train/schedules';
import { magPruner } from './pruners/magnitude';
import { pruneModel, type PruneOutcome } from './prune';
import type { ArenaModel } from './pruner';
import type { PrunableSettings } from './prunable';
import type { PruneScope } from './mask-selection';
import { targetDensity, type PruneTarget } from './target';

/** How each IMP level trains. */
export interface ImpTraining {
  data: BatchSource;
  test?: BatchSource;
  epochs: number;
  optimizer: OptimizerConfig;
  schedule?: LrSchedule;
}

/** Options of {@link iterativeMagnitudePrune}. */
export interface ImpOptions {
  target: PruneTarget;
  /** Fraction of the remaining weights removed per level; 0.2 in the lottery-ticket papers. */
  rate?: number;
  /** Rewind point: 0 = the initialization, k = the weights after training step k of level 0. */
  rewindStep?: number;
  train: ImpTraining;
  scope?: PruneScope;
  prunable?: Partial<PrunableSettings>;
  /** Also train the final, fully pruned level (multishot experiments report it). Default false. */
  trainFinal?: boolean;
  signal?: AbortSignal;
  /** After each level's training (level 0 is dense). */
  onLevel?: (level: ImpLevel) => void;
  onTrainProgress?: (level: number, e: TrainEvent) => void;
}

/** One IMP level: the density it trained at and its training result. */
export interface ImpLevel {
  level: number;
  density: number;
  train: TrainResult;
}

/** Number of levels to reach density d removing `rate` per level: ceil(log d / log(1 - rate)). */
export function impLevels(density: number, rate: number): number {
  if (!(rate > 0 && rate < 1)) throw new RangeError(`imp: rate must be in (0, 1), got ${rate}`);
  if (density >= 1) return 0;
  return Math.max(1, Math.ceil(Math.log(density) / Math.log(1 - rate) - 1e-9));
}

/**
 * Iterative magnitude pruning (Frankle & Carbin, 2019; rewinding as in Frankle et al.,
 * 2020): train, remove `rate` of the remaining weights globally by |θ| (exact counts, the
 * last level landing exactly on the target), rewind the survivors to the initialization or
 * to step k, and repeat. Returns each trained level and the final pruning outcome; the
 * model ends rewound and masked at the target density.
 */
export async function iterativeMagnitudePrune(model: ArenaModel, opts: ImpOptions): Promise<{ levels: ImpLevel[]; outcome: PruneOutcome | null }> {
  const density = targetDensity(opts.target);
  const rate = opts.rate ?? 0.2;
  const rewindStep = opts.rewindStep ?? 0;
  if (!Number.isInteger(rewindStep) || rewindStep < 0) throw new RangeError(`imp: rewindStep must be a non-negative integer, got ${rewindStep}`);
  const total = impLevels(density, rate);
  const arena = model.arena;
  let rewind: Float32Array | null = rewindStep === 0 ? arena.values.slice() : null;
  const levels: ImpLevel[] = [];
  let outcome: PruneOutcome | null = null;
  for (let level = 0; level <= total; level++) {
    opts.signal?.throwIfAborted();
    if (level === total && !opts.trainFinal) break;
    const result = await train(model, {
      train: opts.train.data,
      test: opts.train.test,
      epochs: opts.train.epochs,
      optimizer: opts.train.optimizer,
      schedule: opts.train.schedule,
      signal: opts.signal,
      onProgress: (e) => {
        if (!rewind && level === 0 && e.type === 'step' && e.globalStep === rewindStep) rewind = arena.values.slice();
        opts.onTrainProgress?.(level, e);
      },
    });
    const current = level === 0 ? 1 : Math.max(Math.pow(1 - rate, level), density);
    const record: ImpLevel = { level, density: current, train: result };
    levels.push(record);
    opts.onLevel?.(record);
    if (level === total) break;
    if (!rewind) throw new RangeError(`imp: rewindStep ${rewindStep} is past the ${result.globalStep} steps of level 0's training`);
    const next = level + 1 === total ? density : Math.max(Math.pow(1 - rate, level + 1), density);
    outcome = await pruneModel(model, { pruner: magPruner, target: { density: next }, iterations: 1, scope: opts.scope, prunable: opts.prunable, signal: opts.signal });
    arena.values.set(rewind);
    arena.activateMasks();
  }
  return { levels, outcome };
}
