import { conservationReport, SALIENCY_SCORERS } from '../prune/conservation';
import type { ConservationConfig, RunHooks } from './config';
import { pruningLoader, prepareData } from './data';
import { ExperimentError } from './errors';
import { runPrefix } from './progress';
import { buildModel, segmentsOf } from './pruning';
import { header, modelSpec } from './records';
import type { ConservationEntry, ConservationResults, ModelSpec } from './results';
import { checkPrunerName, resolvePruneSettings } from './settings';
import { nonEmpty } from './singleshot';

type Scorer = (typeof SALIENCY_SCORERS)[number];

/**
 * Conservation of synaptic saliency at initialization (SynFlow Theorems 1 and 2, Figs. 2
 * and 3): for each scorer (synflow, snip, grasp) and seed, every layer's score sum against
 * R and every hidden unit's incoming against outgoing saliency, with the residuals. The
 * network computes in float32 (the models' parameters are float32) and the sums accumulate
 * in float64; `dtype` 'float64' is refused rather than silently computed in float32.
 * @example await conservation({ model: 'fc', data: { name: 'mnist' }, seeds: [0], prune: {}, pruners: ['synflow', 'snip'], dtype: 'float32' })
 */
export async function conservation(config: ConservationConfig, hooks: RunHooks = {}): Promise<ConservationResults> {
  nonEmpty('conservation: pruners', config.pruners).forEach((p) => {
    checkPrunerName(p);
    if (!(SALIENCY_SCORERS as readonly string[]).includes(p)) {
      throw new ExperimentError(`conservation: '${p}' is not a synaptic saliency θ ⊙ ∂R/∂θ`, `choose among ${SALIENCY_SCORERS.join(', ')}`);
    }
  });
  if (config.dtype !== 'float32') {
    throw new ExperimentError(
      `conservation: dtype ${config.dtype} is not available for zoo models, whose parameters are float32 (score sums are accumulated in float64)`,
      'use dtype float32 (pai: --dtype float32)',
    );
  }
  nonEmpty('conservation: seeds', config.seeds);
  const data = await prepareData(config.data);
  const classes = data.splits.train.numClasses;
  const total = config.seeds.length * config.pruners.length;
  const entries: ConservationEntry[] = [];
  let spec: ModelSpec | null = null;
  for (const seed of config.seeds) {
    const model = buildModel(config.model, data, seed);
    spec ??= modelSpec(model, segmentsOf(model, config.prune.prunable));
    for (const pruner of config.pruners) {
      hooks.signal?.throwIfAborted();
      const phase = `${runPrefix(entries.length + 1, total)}conservation ${pruner}`;
      hooks.onProgress?.({ phase, done: 0, total: 1, unit: 'scorings' });
      const settings = resolvePruneSettings(pruner, config.prune, classes);
      const loader = settings.samples !== null ? pruningLoader(data.splits.train, settings.samples, settings.batchSize!) : null;
      model.train(settings.scoreMode === 'train');
      const report = await conservationReport(model, { scorer: pruner as Scorer, data: loader });
      entries.push({ pruner, seed, ...report });
      hooks.onProgress?.({ phase, done: 1, total: 1, unit: 'scorings', metrics: { residual: report.networkResidual } });
    }
  }
  return { ...header(spec!, data), kind: 'conservation', dtype: config.dtype, entries };
}
