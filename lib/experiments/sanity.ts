import { layerShuffle, reinitializeSurvivors } from '../prune/sanity';
import type { ZooModel } from '../models/registry';
import type { RunHooks, SanityConfig } from './config';
import { prepareData, type LoadedData } from './data';
import { ExperimentError } from './errors';
import { runPrefix } from './progress';
import { buildModel, pruneWith, restore, segmentsOf, snapshot, type ModelSnapshot, type PruneJob } from './pruning';
import { header, modelSpec, pruneRecord } from './records';
import type { ModelSpec, SanityCheck, SanityResults, SanityRun } from './results';
import { checkPrunerName, resolvePruneSettings, resolveTrainSettings, trainsWhilePruning } from './settings';
import { nonEmpty } from './singleshot';
import { toTarget } from './target';
import { trainWith } from './training';

/** The modified masks, in the order they run after the original. */
export const SANITY_CHECKS: readonly Exclude<SanityCheck, 'original'>[] = ['layer-shuffle', 'reinit', 'invert'];

/** Offset of the reinit check's seed, so the redrawn weights differ from the original draw. */
const REINIT_SEED_OFFSET = 1_000_003;

/** Puts the original mask back on the initial weights (the starting point of shuffle and reinit). */
function reapply(model: ZooModel, initial: ModelSnapshot, mask: Float32Array): void {
  restore(model, initial);
  model.arena.masks.set(mask);
  model.arena.activateMasks();
}

/**
 * The sanity checks of Frankle et al. (2021) done right: for each pruner and seed, the
 * pruned network as found ('original'), then with its mask shuffled within each layer
 * ('layer-shuffle', each layer's density kept), its surviving weights redrawn from the
 * initialization distribution ('reinit'), and its ranking inverted ('invert': the
 * lowest-ranked weights kept, by rank). Every variant is trained the same way.
 * @example await sanity({ model: 'lenet5', data: { name: 'mnist' }, seeds: [0], prune: {}, pruners: ['synflow'], target: targetFromCompression(1.5), checks: ['layer-shuffle', 'reinit', 'invert'], train: { epochs: 2 } })
 */
export async function sanity(config: SanityConfig, hooks: RunHooks = {}): Promise<SanityResults> {
  const checks = [...new Set(config.checks.filter((c) => c !== 'original'))];
  for (const c of checks) {
    if (!SANITY_CHECKS.includes(c)) throw new ExperimentError(`sanity: unknown check '${c}'`, `known checks: ${SANITY_CHECKS.join(', ')}`);
  }
  nonEmpty('sanity: pruners', config.pruners).forEach((p) => {
    checkPrunerName(p);
    if (trainsWhilePruning(p) && checks.includes('invert')) {
      throw new ExperimentError(`sanity: ${p} trains while pruning and has no ranking to invert`, `drop 'invert' from the checks, or use a pruner at initialization`);
    }
  });
  nonEmpty('sanity: seeds', config.seeds);
  const target = toTarget(config.target);
  const data: LoadedData = await prepareData(config.data);
  const trainSettings = resolveTrainSettings(config.model, data.spec.name, config.train);
  const classes = data.splits.train.numClasses;
  const total = config.seeds.length * config.pruners.length * (1 + checks.length);
  const runs: SanityRun[] = [];
  hooks.onProgress?.({ phase: 'sanity', done: 0, total, unit: 'runs' });
  let spec: ModelSpec | null = null;
  for (const seed of config.seeds) {
    for (const pruner of config.pruners) {
      const settings = resolvePruneSettings(pruner, config.prune, classes);
      const model = buildModel(config.model, data, seed);
      const initial = snapshot(model);
      const job = (prefix: string, invert = false): PruneJob => ({
        data, settings, target, seed, train: trainSettings, invert, signal: hooks.signal, onProgress: hooks.onProgress, prefix,
      });
      let mask: Float32Array | null = null;
      for (const check of ['original', ...checks] as SanityCheck[]) {
        hooks.signal?.throwIfAborted();
        const prefix = `${runPrefix(runs.length + 1, total)}${check} `;
        let record;
        if (check === 'original' || check === 'invert') {
          if (check === 'invert') restore(model, initial);
          const pruned = await pruneWith(model, job(prefix, check === 'invert'));
          if (check === 'original') mask = model.arena.masks.slice();
          record = pruned.record;
        } else {
          const t0 = performance.now();
          reapply(model, initial, mask!);
          const segments = segmentsOf(model, settings.prunable);
          if (check === 'layer-shuffle') layerShuffle(model, segments, seed, initial.values.subarray(0, model.arena.prunableLength));
          else reinitializeSurvivors(model, seed + REINIT_SEED_OFFSET);
          record = pruneRecord(model, segments, { pruner, seed, target, seconds: (performance.now() - t0) / 1000 });
        }
        spec ??= modelSpec(model, segmentsOf(model, settings.prunable));
        const train = await trainWith(model, data, { settings: trainSettings, seed, signal: hooks.signal, onProgress: hooks.onProgress, prefix });
        runs.push({ check, pruner, seed, target, prune: record, train });
        hooks.onProgress?.({ phase: 'sanity', done: runs.length, total, unit: 'runs', metrics: { [`${pruner} ${check} top1`]: train.final.top1 } });
      }
    }
  }
  return {
    ...header(spec!, data),
    kind: 'sanity',
    pruneSettings: resolvePruneSettings(config.pruners[0], config.prune, classes),
    trainSettings,
    checks: ['original', ...checks],
    runs,
  };
}
