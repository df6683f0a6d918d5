import * as fs from 'fs';
import * as path from 'path';
import { loadWeights, saveWeights } from '../nn/weights-file';
import type { ZooModel } from '../models/registry';
import type { CheckpointMeta } from '../train/checkpoint';
import { readResultsFile } from './report/load';
import type { RunHooks, TrainRunConfig } from './config';
import { prepareData, type LoadedData } from './data';
import { ExperimentError } from './errors';
import { loadMasks, saveMasks } from './masks-file';
import { buildModel, pruneWith, segmentsOf } from './pruning';
import { header, modelSpec, writeResultsJson } from './records';
import type { PruneRecord, PruneSettings, TrainResults, TrainSettings } from './results';
import { MASKS_FILE, WEIGHTS_FILE } from './run-prune';
import { resolvePruneSettings, resolveTrainSettings } from './settings';
import { trainWith } from './training';

/** The checkpoint of a train output directory (overwritten atomically at every save). */
export function checkpointFile(outDir: string): string {
  return path.join(outDir, 'checkpoints', 'checkpoint.safetensors');
}

/** How a model was pruned before training; a checkpoint remembers it in its `extra` metadata. */
export interface RunMemo {
  pruneSettings: PruneSettings | null;
  prune: PruneRecord | null;
}

/** The model state before training: pruned from a prune directory, pruned now, or dense. */
async function startingPoint(config: TrainRunConfig, data: LoadedData, settings: TrainSettings, hooks: RunHooks): Promise<{ model: ZooModel } & RunMemo> {
  if (config.from) {
    const dir = config.from;
    for (const f of ['results.json', WEIGHTS_FILE, MASKS_FILE]) {
      if (!fs.existsSync(path.join(dir, f))) throw new ExperimentError(`${dir}: ${f} not found`, 'give the output directory of a `pai prune` run (runPrune with outDir)');
    }
    const doc = readResultsFile(dir);
    if (doc.kind !== 'prune') throw new ExperimentError(`${dir} holds a '${doc.kind}' result, not a prune result`, 'give the output directory of a `pai prune` run');
    if (doc.model.name !== config.model) throw new ExperimentError(`${dir} pruned ${doc.model.name}, not ${config.model}`, `train model ${doc.model.name}, or prune ${config.model} first`);
    const model = buildModel(config.model, data, config.seed, false);
    const pruned = `${doc.model.inputShape.join('x')} inputs, ${doc.model.numClasses} classes`;
    const here = `${model.spec.inputShape.join('x')} inputs, ${model.spec.numClasses} classes`;
    if (pruned !== here) {
      throw new ExperimentError(
        `${dir} pruned ${doc.model.name} for ${pruned}; the data here gives ${here}`,
        `train on the prune run's dataset (${doc.data?.name ?? 'its dataset'}), or prune for this one first`,
      );
    }
    loadWeights(path.join(dir, WEIGHTS_FILE), model);
    loadMasks(path.join(dir, MASKS_FILE), model);
    return { model, pruneSettings: doc.settings, prune: doc.prune };
  }
  const model = buildModel(config.model, data, config.seed);
  if (!config.prune) return { model, pruneSettings: null, prune: null };
  const { pruner, target, options } = config.prune;
  const pruneSettings = resolvePruneSettings(pruner, options, model.spec.numClasses);
  const { record, outcome } = await pruneWith(model, { data, settings: pruneSettings, target, seed: config.seed, train: settings, signal: hooks.signal, onProgress: hooks.onProgress });
  if (pruneSettings.pruner === 'imp' || pruneSettings.pruner === 'gem-miner') pruneSettings.iterations = outcome.iterations;
  return { model, pruneSettings, prune: record };
}

/** Reads what a checkpoint remembers, checking it belongs to this model. */
function resumePoint(file: string, modelName: string): RunMemo {
  const metaFile = `${file}.json`;
  if (!fs.existsSync(file) || !fs.existsSync(metaFile)) {
    throw new ExperimentError(`nothing to resume: ${file} not found`, 'give the output directory of the interrupted run (its checkpoints/ folder), or drop --resume');
  }
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CheckpointMeta;
  if (meta.model && meta.model.name !== modelName) {
    throw new ExperimentError(`the checkpoint in ${path.dirname(file)} is of ${meta.model.name}, not ${modelName}`, 'resume with the same model, or choose another --out');
  }
  const memo = (meta.extra ?? {}) as Partial<RunMemo>;
  return { pruneSettings: memo.pruneSettings ?? null, prune: memo.prune ?? null };
}

/** What {@link trainLoaded} needs besides the model and data. */
export interface TrainLoadedOptions {
  seed: number;
  train: TrainSettings;
  /** How the model was pruned (null for dense); reported in the results and kept in checkpoints. */
  pruned: RunMemo;
  outDir?: string;
  checkpointEvery?: number;
  noCheckpoints?: boolean;
  resume?: boolean;
}

/**
 * Trains a model already built (and pruned, or not) and returns the train results document.
 * With `outDir`: a checkpoint under checkpoints/ every `checkpointEvery` epochs (unless
 * `noCheckpoints`), and the trained weights.safetensors, masks.safetensors and results.json
 * at the end; `resume` continues from that checkpoint (weights, masks, optimizer, epoch).
 */
export async function trainLoaded(model: ZooModel, data: LoadedData, o: TrainLoadedOptions, hooks: RunHooks = {}): Promise<TrainResults> {
  const ckFile = o.outDir && !o.noCheckpoints ? checkpointFile(o.outDir) : null;
  if (o.resume && !ckFile) throw new ExperimentError('resume needs the output directory of the run, with checkpoints', 'give outDir (pai: --out) and drop noCheckpoints');
  const { pruneSettings, prune } = o.resume ? resumePoint(ckFile!, model.spec.name) : o.pruned;
  if (ckFile) fs.mkdirSync(path.dirname(ckFile), { recursive: true });
  const memo: RunMemo = { pruneSettings, prune };
  const record = await trainWith(model, data, {
    settings: o.train,
    seed: o.seed,
    signal: hooks.signal,
    onProgress: hooks.onProgress,
    checkpoint: ckFile ? { path: ckFile, every: o.checkpointEvery ?? 1 } : undefined,
    resume: o.resume ? ckFile! : undefined,
    extra: memo as unknown as Record<string, unknown>,
  });
  if (o.outDir) {
    saveWeights(path.join(o.outDir, WEIGHTS_FILE), model, { masks: false, metadata: { format: 'prune-at-init/weights', model: model.spec.name } });
    if (model.arena.masksActive) saveMasks(path.join(o.outDir, MASKS_FILE), model);
  }
  const segments = segmentsOf(model, pruneSettings?.prunable);
  const results: TrainResults = {
    ...header(modelSpec(model, segments), data),
    kind: 'train',
    pruneSettings,
    prune,
    settings: o.train,
    seed: o.seed,
    train: record,
    resumed: !!o.resume,
  };
  if (o.outDir) writeResultsJson(o.outDir, results);
  return results;
}

/**
 * `pai train`: trains a model pruned by a `pai prune` run (`from`), pruned now (`prune`), or
 * dense, evaluating every epoch; files and resuming as {@link trainLoaded}. A resumed run
 * sees the same batches it would have seen uninterrupted.
 * @example await runTrain({ model: 'lenet5', data: { name: 'mnist' }, seed: 0, from: 'runs/p', train: { epochs: 2 }, outDir: 'runs/t' })
 */
export async function runTrain(config: TrainRunConfig, hooks: RunHooks = {}): Promise<TrainResults> {
  const data = await prepareData(config.data);
  const settings = resolveTrainSettings(config.model, data.spec.name, config.train);
  let model: ZooModel;
  let pruned: RunMemo = { pruneSettings: null, prune: null };
  if (config.resume) {
    // The checkpoint restores weights and masks; the model only has to have the right shape.
    model = buildModel(config.model, data, config.seed, false);
  } else {
    const start = await startingPoint(config, data, settings, hooks);
    model = start.model;
    pruned = { pruneSettings: start.pruneSettings, prune: start.prune };
  }
  return trainLoaded(model, data, { ...config, train: settings, pruned }, hooks);
}
