import { iterativeMagnitudePrune } from '../prune/imp';
import type { MultiShotConfig, RunHooks } from './config';
import { prepareData, testLoader, trainingLoader } from './data';
import { trainProgress } from './progress';
import { buildModel, segmentsOf } from './pruning';
import { header, modelSpec, pruneRecord, trainRecord } from './records';
import { targetFromDensity, type ModelSpec, type MultiShotResults, type RunRecord } from './results';
import { lrSchedule, optimizerConfig, resolvePruneSettings, resolveTrainSettings } from './settings';
import { nonEmpty } from './singleshot';

/**
 * Iterative magnitude pruning with rewinding (Frankle & Carbin 2019; Frankle et al. 2020):
 * per seed, train the dense model (level 0), remove `rate` of the remaining weights by |θ|,
 * rewind the survivors to initialization (or to step `rewindStep`), and repeat for
 * `levels` levels, training every level including the last. One run per level and seed.
 * @example await multishot({ model: 'lenet300', data: { name: 'mnist' }, seeds: [0], prune: {}, levels: 3, rate: 0.2, rewindStep: 0, train: { epochs: 1 } })
 */
export async function multishot(config: MultiShotConfig, hooks: RunHooks = {}): Promise<MultiShotResults> {
  if (!Number.isInteger(config.levels) || config.levels < 1) throw new RangeError(`multishot: levels must be a positive integer, got ${config.levels}`);
  if (!(config.rate > 0 && config.rate < 1)) throw new RangeError(`multishot: rate must be in (0, 1), got ${config.rate}`);
  if (!Number.isInteger(config.rewindStep) || config.rewindStep < 0) throw new RangeError(`multishot: rewindStep must be a non-negative integer, got ${config.rewindStep}`);
  nonEmpty('multishot: seeds', config.seeds);
  const data = await prepareData(config.data);
  const trainSettings = resolveTrainSettings(config.model, data.spec.name, config.train);
  const classes = data.splits.train.numClasses;
  const pruneSettings = resolvePruneSettings('imp', { ...config.prune, extra: { ...config.prune.extra, impRate: config.rate, rewindStep: config.rewindStep } }, classes);
  pruneSettings.iterations = config.levels;
  const density = Math.pow(1 - config.rate, config.levels);
  const levelsPerSeed = config.levels + 1;
  const total = config.seeds.length * levelsPerSeed;
  const runs: RunRecord[] = [];
  hooks.onProgress?.({ phase: 'multishot', done: 0, total, unit: 'levels' });
  let spec: ModelSpec | null = null;
  for (const seed of config.seeds) {
    hooks.signal?.throwIfAborted();
    const model = buildModel(config.model, data, seed);
    const segments = segmentsOf(model, pruneSettings.prunable);
    spec ??= modelSpec(model, segments);
    let levelStart = performance.now();
    await iterativeMagnitudePrune(model, {
      target: { density },
      rate: config.rate,
      rewindStep: config.rewindStep,
      train: {
        data: trainingLoader(data.splits.train, trainSettings.batchSize, seed, trainSettings.augment),
        test: testLoader(data.splits.test),
        epochs: trainSettings.epochs,
        optimizer: optimizerConfig(trainSettings),
        schedule: lrSchedule(trainSettings),
      },
      scope: pruneSettings.scope,
      prunable: pruneSettings.prunable,
      trainFinal: true,
      signal: hooks.signal,
      onTrainProgress: (level, e) => trainProgress(hooks.onProgress, `[level ${level}/${config.levels}] `)?.(e),
      onLevel: (l) => {
        const seconds = (performance.now() - levelStart) / 1000;
        const target = targetFromDensity(l.density);
        const prune = pruneRecord(model, segments, { pruner: 'imp', seed, target, seconds: 0 });
        runs.push({ pruner: 'imp', seed, target, level: l.level, prune, train: trainRecord(l.train.history, seconds) });
        hooks.onProgress?.({ phase: 'multishot', done: runs.length, total, unit: 'levels', metrics: { density: prune.density, top1: l.train.final?.testTop1 ?? 0 } });
        levelStart = performance.now();
      },
    });
  }
  return {
    ...header(spec!, data),
    kind: 'multishot',
    pruneSettings,
    trainSettings,
    rate: config.rate,
    levels: config.levels,
    rewindStep: config.rewindStep,
    seeds: [...config.seeds],
    runs,
  };
}
