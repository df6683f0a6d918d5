import type { ZooModel } from '../models/registry';
import type { CollapseConfig, RunHooks } from './config';
import { prepareData } from './data';
import { runPrefix } from './progress';
import { buildModel, pruneWith, restore, segmentsOf, snapshot } from './pruning';
import { header, modelSpec } from './records';
import { targetFromCompression, type CollapsePoint, type CollapseResults, type CollapseSweep } from './results';
import { checkPrunerName, resolvePruneSettings, trainsWhilePruning } from './settings';
import { nonEmpty } from './singleshot';
import { defaultCompressions } from './target';

/**
 * Layer collapse (SynFlow Fig. 1): for each pruner and seed, prune the same initialization
 * to every compression c of the sweep (default 0, 0.25, ..., 6), each time from the dense
 * model, and report each layer's density, whether a path survives, and the first c at which
 * a layer is empty. No training.
 * @example await collapse({ model: 'conv', data: { name: 'mnist' }, seeds: [0], prune: {}, pruners: ['synflow', 'mag'], compressions: [0, 1, 2, 3] })
 */
export async function collapse(config: CollapseConfig, hooks: RunHooks = {}): Promise<CollapseResults> {
  nonEmpty('collapse: pruners', config.pruners).forEach((p) => {
    checkPrunerName(p);
    if (trainsWhilePruning(p)) throw new RangeError(`collapse: ${p} trains while pruning; the sweep is for pruners at initialization (drop ${p})`);
  });
  nonEmpty('collapse: seeds', config.seeds);
  const compressions = [...nonEmpty('collapse: compressions', config.compressions ?? defaultCompressions())];
  for (const c of compressions) targetFromCompression(c);
  const data = await prepareData(config.data);
  const classes = data.splits.train.numClasses;
  const total = config.seeds.length * config.pruners.length * compressions.length;
  const sweeps: CollapseSweep[] = [];
  let done = 0;
  hooks.onProgress?.({ phase: 'collapse', done: 0, total, unit: 'prunings' });
  let model: ZooModel | null = null;
  for (const seed of config.seeds) {
    model = buildModel(config.model, data, seed);
    const initial = snapshot(model);
    for (const pruner of config.pruners) {
      const settings = resolvePruneSettings(pruner, config.prune, classes);
      const points: CollapsePoint[] = [];
      for (const compression of compressions) {
        hooks.signal?.throwIfAborted();
        restore(model, initial);
        const target = targetFromCompression(compression);
        const prefix = runPrefix(done + 1, total);
        const { record } = await pruneWith(model, { data, settings, target, seed, signal: hooks.signal, onProgress: hooks.onProgress, prefix });
        points.push({ compression, density: record.density, layerDensity: record.layers.map((l) => l.density), collapsed: record.collapsed, pathExists: record.pathExists });
        hooks.onProgress?.({ phase: 'collapse', done: ++done, total, unit: 'prunings', metrics: { pruner, c: compression } });
      }
      const first = points.filter((p) => p.collapsed.length > 0).sort((a, b) => a.compression - b.compression)[0];
      sweeps.push({ pruner, seed, points, firstCollapse: first ? first.compression : null, firstCollapsed: first ? [...first.collapsed] : [] });
    }
  }
  const settings = resolvePruneSettings(config.pruners[0], config.prune, classes);
  const segments = segmentsOf(model!, settings.prunable);
  const participating = segments.filter((s) => s.participates);
  const n = participating.reduce((a, s) => a + s.length, 0);
  return {
    ...header(modelSpec(model!, segments), data),
    kind: 'collapse',
    pruneSettings: settings,
    compressions,
    layers: segments.map((s) => ({ name: s.key, shape: [...s.shape], params: s.length })),
    maxCriticalCompression: participating.length ? Math.log10(n / participating.length) : 0,
    sweeps,
  };
}
