import type { RunHooks, SingleShotConfig } from './config';
import { prepareData } from './data';
import { runPrefix } from './progress';
import { buildModel, pruneWith } from './pruning';
import { header, modelSpec } from './records';
import type { ModelSpec, RunRecord, SingleShotResults } from './results';
import { checkPrunerName, resolvePruneSettings, resolveTrainSettings } from './settings';
import { toTarget } from './target';
import { trainWith } from './training';

/** Throws a RangeError when a grid dimension is empty. */
export function nonEmpty<T>(what: string, list: readonly T[]): readonly T[] {
  if (!list.length) throw new RangeError(`${what}: give at least one`);
  return list;
}

/**
 * Single-shot pruning at initialization (SynFlow Fig. 6): every pruner x target x seed is
 * pruned once from a fresh model of that seed, then trained and evaluated. Runs are listed
 * seed by seed, pruner by pruner, target by target.
 * @example await singleshot({ model: 'lenet5', data: { name: 'mnist' }, seeds: [0], prune: {}, pruners: ['synflow', 'rand'], targets: [targetFromCompression(1)], train: { epochs: 1 } })
 */
export async function singleshot(config: SingleShotConfig, hooks: RunHooks = {}): Promise<SingleShotResults> {
  nonEmpty('singleshot: pruners', config.pruners).forEach(checkPrunerName);
  const targets = nonEmpty('singleshot: targets', config.targets).map(toTarget);
  nonEmpty('singleshot: seeds', config.seeds);
  const data = await prepareData(config.data);
  const trainSettings = resolveTrainSettings(config.model, data.spec.name, config.train);
  const classes = data.splits.train.numClasses;
  const total = config.seeds.length * config.pruners.length * targets.length;
  const runs: RunRecord[] = [];
  hooks.onProgress?.({ phase: 'singleshot', done: 0, total, unit: 'runs' });
  let spec: ModelSpec | null = null;
  for (const seed of config.seeds) {
    for (const pruner of config.pruners) {
      const settings = resolvePruneSettings(pruner, config.prune, classes);
      for (const target of targets) {
        hooks.signal?.throwIfAborted();
        const prefix = runPrefix(runs.length + 1, total);
        const model = buildModel(config.model, data, seed);
        const pruned = await pruneWith(model, { data, settings, target, seed, train: trainSettings, signal: hooks.signal, onProgress: hooks.onProgress, prefix });
        spec ??= modelSpec(model, pruned.segments);
        const train = await trainWith(model, data, { settings: trainSettings, seed, signal: hooks.signal, onProgress: hooks.onProgress, prefix });
        runs.push({ pruner, seed, target, prune: pruned.record, train });
        hooks.onProgress?.({ phase: 'singleshot', done: runs.length, total, unit: 'runs', metrics: { [`${pruner} top1`]: train.final.top1 } });
      }
    }
  }
  return {
    ...header(spec!, data),
    kind: 'singleshot',
    pruneSettings: resolvePruneSettings(config.pruners[0], config.prune, classes),
    trainSettings,
    pruners: [...config.pruners],
    targets,
    seeds: [...config.seeds],
    runs,
  };
}
