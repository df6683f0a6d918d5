import { createModel, type ZooModel } from '../models/registry';
import { getBackend } from '../backend';
import { Tensor } from '../tensor';
import { prune, type PruneRunOutcome } from '../prune/run';
import { DEFAULT_PRUNABLE, pruneSegments, type PrunableSettings, type PruneSegment } from '../prune/prunable';
import type { ArenaModel } from '../prune/pruner';
import type { DataLoader } from '../data/loader';
import type { LoadedData } from './data';
import { pruningLoader, testLoader, trainingLoader } from './data';
import { pruneProgress, type ProgressSink } from './progress';
import { pruneRecord } from './records';
import type { PruneRecord, PruneSettings, Target, TrainSettings } from './results';
import { lrSchedule, needsPruningSet, optimizerConfig, trainsWhilePruning } from './settings';

/** A fresh model of the zoo for a dataset, initialized from `seed`, on the current backend's device. */
export function buildModel(name: string, data: LoadedData, seed: number, initialize = true): ZooModel {
  const model = createModel(name, { inputShape: data.splits.train.shape, numClasses: data.splits.train.numClasses, seed, initialize });
  const device = getBackend().device;
  if (device !== 'cpu') model.to(device);
  return model;
}

/** The prunable segments of a model under prunable-parameter choices (default: the reference's). */
export function segmentsOf(model: ArenaModel, prunable: Partial<PrunableSettings> = {}): PruneSegment[] {
  return pruneSegments(model.arena, { ...DEFAULT_PRUNABLE, ...prunable });
}

/** Every value a model holds (parameters and buffers), to rewind it to exactly this state. */
export interface ModelSnapshot {
  values: Float32Array;
  buffers: Float32Array[];
}

/** Copies the model's parameters and buffers (masks are not part of it). */
export function snapshot(model: ArenaModel): ModelSnapshot {
  return { values: model.arena.values.slice(), buffers: model.buffers().map((b) => (b.data() as Float32Array).slice()) };
}

/**
 * Puts a model back to a snapshot with every mask at 1: the same as a freshly built model,
 * without drawing the initialization again.
 */
export function restore(model: ArenaModel, snap: ModelSnapshot): void {
  const arena = model.arena;
  arena.values.set(snap.values);
  // copy_ writes through on a device too (data() is a host copy there).
  model.buffers().forEach((b, i) => {
    const host = Tensor.fromStorage(snap.buffers[i], b.shape);
    b.copy_(host);
    host.dispose();
  });
  arena.masks.fill(1);
  if (arena.masksActive) arena.activateMasks();
  else arena.syncToDevice();
}

/** What one pruning needs besides the model. */
export interface PruneJob {
  /** The dataset: the pruning set of data-dependent scorers, the training set of imp and gem-miner; null for data-free pruners. */
  data: LoadedData | null;
  settings: PruneSettings;
  target: Target;
  seed: number;
  /** Training settings, for the pruners that train while pruning (imp, gem-miner). */
  train?: TrainSettings;
  /** Sanity check: keep the lowest-ranked weights instead. */
  invert?: boolean;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  /** Prefix of progress phases, e.g. "[2/6] ". */
  prefix?: string;
}

/** The outcome of {@link pruneWith}: the record for the results, and the loop's own outcome. */
export interface Pruned {
  record: PruneRecord;
  outcome: PruneRunOutcome;
  segments: PruneSegment[];
}

/** The pruning set of a data-dependent scorer, built once per dataset and size. */
const pruningSets = new WeakMap<LoadedData, Map<string, DataLoader>>();

function pruningData(data: LoadedData | null, settings: PruneSettings): DataLoader | null {
  if (!needsPruningSet(settings.pruner)) return null;
  if (!data) throw new RangeError(`prune: ${settings.pruner} scores on labelled samples; pass data (e.g. { name: 'mnist' })`);
  const key = `${settings.samples}/${settings.batchSize}`;
  let byKey = pruningSets.get(data);
  if (!byKey) pruningSets.set(data, (byKey = new Map()));
  let loader = byKey.get(key);
  if (!loader) byKey.set(key, (loader = pruningLoader(data.splits.train, settings.samples!, settings.batchSize!)));
  return loader;
}

/**
 * Prunes `model` in place as the settings say (any pruner, imp and gem-miner included) and
 * measures the result: per-layer survivors, collapse, whether a path remains, and R.
 */
export async function pruneWith(model: ZooModel, job: PruneJob): Promise<Pruned> {
  const s = job.settings;
  const train = job.train;
  if (trainsWhilePruning(s.pruner) && (!train || !job.data)) {
    throw new RangeError(`prune: ${s.pruner} trains while pruning; pass data (e.g. { name: 'mnist' }) and training settings`);
  }
  const loaded = job.data;
  const trains = trainsWhilePruning(s.pruner) && train && loaded;
  const trainData = trains ? trainingLoader(loaded.splits.train, train.batchSize, job.seed, train.augment) : undefined;
  const outcome = await prune(model, {
    pruner: s.pruner,
    target: { density: job.target.density },
    iterations: trains ? undefined : s.iterations,
    schedule: s.schedule,
    scope: s.scope,
    data: pruningData(job.data, s) ?? (s.pruner === 'gem-miner' ? trainData : null),
    seed: job.seed,
    prunable: s.prunable,
    scoreMode: s.scoreMode,
    invert: job.invert,
    extra: s.extra,
    signal: job.signal,
    onProgress: pruneProgress(job.onProgress, `${job.prefix ?? ''}prune ${s.pruner}`),
    train:
      trains && trainData
        ? { data: trainData, test: testLoader(loaded.splits.test), epochs: train.epochs, optimizer: optimizerConfig(train), schedule: lrSchedule(train) }
        : undefined,
  });
  const segments = segmentsOf(model, s.prunable);
  const record = pruneRecord(model, segments, { pruner: s.pruner, seed: job.seed, target: job.target, seconds: outcome.seconds });
  return { record, outcome, segments };
}
