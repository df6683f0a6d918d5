import * as fs from 'fs';
import * as path from 'path';
import type { ZooModel } from '../models/registry';
import type { PruneRunConfig, PruneOptionsInput, RunHooks, TrainOptionsInput } from './config';
import { prepareData, type LoadedData } from './data';
import { saveMasks } from './masks-file';
import { saveStartWeights } from './model-state';
import { buildModel, pruneWith, snapshot } from './pruning';
import { header, modelSpec, writeResultsJson } from './records';
import type { PruneResults, Target } from './results';
import { resolvePruneSettings, resolveTrainSettings, trainsWhilePruning } from './settings';

/** The masks file of a run directory: one 0/1 tensor per prunable weight, PyTorch names. */
export const MASKS_FILE = 'masks.safetensors';
/** The weights file of a run directory: a state dict under PyTorch keys. */
export const WEIGHTS_FILE = 'weights.safetensors';

/** What {@link pruneLoaded} needs besides the model. */
export interface PruneLoadedOptions {
  pruner: string;
  target: Target;
  seed: number;
  prune: PruneOptionsInput;
  train?: TrainOptionsInput;
  outDir?: string;
}

/**
 * Prunes a model already built (its current weights are the initialization) and returns the
 * prune results document; with `outDir`, writes masks.safetensors and weights.safetensors
 * there (PyTorch keys; the weights are the initialization training starts from) and results.json.
 */
export async function pruneLoaded(model: ZooModel, data: LoadedData | null, o: PruneLoadedOptions, hooks: RunHooks = {}): Promise<PruneResults> {
  hooks.signal?.throwIfAborted();
  const settings = resolvePruneSettings(o.pruner, o.prune, model.spec.numClasses);
  const train = trainsWhilePruning(o.pruner) && data ? resolveTrainSettings(model.spec.name, data.spec.name, o.train ?? {}) : undefined;
  const initial = snapshot(model);
  const { record, outcome, segments } = await pruneWith(model, {
    data,
    settings,
    target: o.target,
    seed: o.seed,
    train,
    signal: hooks.signal,
    onProgress: hooks.onProgress,
  });
  if (trainsWhilePruning(o.pruner)) {
    settings.iterations = outcome.iterations;
    if (train) Object.assign(settings.extra, { trainEpochs: train.epochs, trainOptimizer: train.optimizer, trainLr: train.lr });
  }
  if (o.outDir) {
    fs.mkdirSync(o.outDir, { recursive: true });
    saveMasks(path.join(o.outDir, MASKS_FILE), model, { pruner: o.pruner, compression: String(o.target.compression) });
    saveStartWeights(path.join(o.outDir, WEIGHTS_FILE), model, initial);
  }
  const results: PruneResults = { ...header(modelSpec(model, segments), data), kind: 'prune', settings, prune: record };
  if (o.outDir) writeResultsJson(o.outDir, results);
  return results;
}

/**
 * `pai prune`: builds the model from the registry and `seed`, loads the dataset (the
 * pruning set is 10 x classes training samples in batches of 256 unless set), prunes once
 * and measures the result; with `outDir`, writes masks.safetensors and weights.safetensors.
 * @example const r = await runPrune({ model: 'lenet5', data: { name: 'mnist' }, pruner: 'synflow', target: targetFromCompression(2), seed: 0, prune: {} });
 */
export async function runPrune(config: PruneRunConfig, hooks: RunHooks = {}): Promise<PruneResults> {
  const data = await prepareData(config.data);
  const model = buildModel(config.model, data, config.seed);
  return pruneLoaded(model, data, config, hooks);
}
