import type { BatchSource } from '../train/batches';
import { pruneModel, type PruneOptions, type PruneOutcome } from './prune';
import { gemMiner } from './gem-miner';
import { iterativeMagnitudePrune, type ImpLevel, type ImpTraining } from './imp';
import { getPruner } from './registry';
import type { ArenaModel } from './pruner';

/** Options of {@link prune}: the loop's options plus what the training pruners need. */
export interface PruneRunOptions extends PruneOptions {
  /**
   * imp: how each level trains (data, epochs, optimizer). gem-miner: `data` is the training
   * set its scores learn on (default: `PruneOptions.data`).
   */
  train?: Partial<ImpTraining> & { data?: BatchSource };
}

/** What {@link prune} did; IMP adds its trained levels. */
export interface PruneRunOutcome extends PruneOutcome {
  impLevels?: ImpLevel[];
}

/**
 * Prunes `model` with any method by name: the scoring pruners through the pruning loop
 * ({@link pruneModel}), 'gem-miner' and 'imp' through their training drivers. Options
 * the reference fixes per pruner default as in the papers; `extra` carries the
 * method-specific ones (forceBatches; gemEpochs, gemLr, gemLambda; impRate, rewindStep).
 * @example await prune(model, { pruner: 'snip', target: { density: 0.05 }, data: pruneSet })
 */
export async function prune(model: ArenaModel, opts: PruneRunOptions): Promise<PruneRunOutcome> {
  const name = typeof opts.pruner === 'string' ? opts.pruner : opts.pruner.name;
  const extra = opts.extra ?? {};
  if (name === 'gem-miner') {
    const data = opts.train?.data ?? opts.data;
    if (!data) throw new RangeError('prune: gem-miner trains its scores and needs training data (train.data or data)');
    // The learned scores stay out of the outcome (one float per prunable weight); gemMiner() returns them.
    const { scores: _scores, ...outcome } = await gemMiner(model, {
      target: opts.target,
      data,
      epochs: num(extra.gemEpochs),
      lr: num(extra.gemLr),
      lambda: num(extra.gemLambda),
      seed: opts.seed,
      prunable: opts.prunable,
      signal: opts.signal,
      onProgress: opts.onProgress && ((p) => opts.onProgress!({ iteration: p.epoch, iterations: p.epochs, density: p.density })),
    });
    return outcome;
  }
  if (name === 'imp') {
    const t = opts.train;
    if (!t?.data || !t.optimizer || t.epochs === undefined) {
      throw new RangeError('prune: imp trains between levels; pass train: { data, epochs, optimizer } (and optionally test, schedule)');
    }
    const t0 = performance.now();
    let levelsDone = 0;
    const { levels, outcome } = await iterativeMagnitudePrune(model, {
      target: opts.target,
      rate: num(extra.impRate),
      rewindStep: num(extra.rewindStep),
      train: { data: t.data, test: t.test, epochs: t.epochs, optimizer: t.optimizer, schedule: t.schedule },
      scope: opts.scope,
      prunable: opts.prunable,
      signal: opts.signal,
      onLevel: (l) => opts.onProgress?.({ iteration: ++levelsDone, iterations: Math.max(levelsDone, 1), density: l.density }),
    });
    if (!outcome) throw new RangeError('prune: imp with a target density of 1 prunes nothing; give a density below 1');
    return { ...outcome, pruner: 'imp', iterations: levels.length, seconds: (performance.now() - t0) / 1000, impLevels: levels };
  }
  getPruner(name);
  return pruneModel(model, opts);
}

function num(v: number | string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RangeError(`prune: option value ${String(v)} is not a number`);
  return n;
}
