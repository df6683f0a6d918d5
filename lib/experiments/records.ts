import * as fs from 'fs';
import * as path from 'path';
import { getBackend } from '../backend';
import { writeFileAtomicSync } from '../io/atomic-write';
import { packageRoot } from '../backend/package-root';
import { collapsedLayers, layerDensities, pathExists, synapticFlow } from '../prune/metrics';
import { participatingCount, type PruneSegment } from '../prune/prunable';
import type { ArenaModel } from '../prune/pruner';
import type { EpochRecord as LoopEpoch } from '../train/checkpoint';
import type { ZooModel } from '../models/registry';
import type { LoadedData } from './data';
import {
  resultsHeader,
  type EpochRecord,
  type EvalRecord,
  type ModelSpec,
  type PruneRecord,
  type Results,
  type ResultsHeader,
  type Target,
  type TrainRecord,
} from './results';

let version: string | undefined;

/** "prune-at-init <version>": the producer field of every results document. */
export function producer(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version);
    } catch {
      version = 'unknown';
    }
  }
  return `prune-at-init ${version}`;
}

/** The model part of a results header; `prunable` counts the weights that participate under the settings. */
export function modelSpec(model: ZooModel, segments: readonly PruneSegment[]): ModelSpec {
  return {
    name: model.spec.name,
    inputShape: [...model.spec.inputShape],
    numClasses: model.spec.numClasses,
    params: model.arena.values.length,
    prunable: participatingCount(segments),
  };
}

/** The header every results document starts with. */
export function header(model: ModelSpec, data: LoadedData | null): ResultsHeader {
  return { ...resultsHeader(producer()), backend: getBackend().name, model, data: data ? { ...data.spec } : null };
}

/** Finite numbers only: JSON has no NaN or Infinity, so those become null. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * Per-layer counts, collapse, path and synaptic flow of the model's current masks: the
 * PruneRecord of a pruning that kept `survivors` of the participating weights.
 */
export function pruneRecord(
  model: ArenaModel & { spec: { inputShape: readonly number[] } },
  segments: readonly PruneSegment[],
  info: { pruner: string; seed: number; target: Target; seconds: number },
): PruneRecord {
  const participating = segments.filter((s) => s.participates);
  const layers = layerDensities(model.arena.masks, segments);
  const kept = layerDensities(model.arena.masks, participating).reduce((a, l) => a + l.survivors, 0);
  const prunable = participatingCount(segments);
  return {
    pruner: info.pruner,
    seed: info.seed,
    target: { ...info.target },
    density: prunable ? kept / prunable : 1,
    survivors: kept,
    prunable,
    layers,
    collapsed: collapsedLayers(layers),
    pathExists: pathExists(model, model.spec.inputShape),
    synapticFlow: finiteOrNull(synapticFlow(model, model.spec.inputShape)),
    seconds: info.seconds,
  };
}

/** One epoch of the training loop as a results record (1-based epoch). */
export function epochRecord(e: LoopEpoch): EpochRecord {
  if (e.testLoss === undefined || e.testTop1 === undefined || e.testTop5 === undefined) {
    throw new Error(`epochRecord: epoch ${e.epoch + 1} has no test metrics (experiments always evaluate)`);
  }
  const test: EvalRecord = { loss: e.testLoss, top1: e.testTop1, top5: e.testTop5 };
  return {
    epoch: e.epoch + 1,
    lr: e.lr,
    train: { loss: e.trainLoss, top1: e.trainTop1 },
    test,
    seconds: e.seconds,
  };
}

/** The TrainRecord of a training history (test metrics after every epoch). */
export function trainRecord(history: readonly LoopEpoch[], seconds: number): TrainRecord {
  const epochs = history.map(epochRecord);
  const last = epochs[epochs.length - 1];
  let best = { epoch: 0, top1: 0 };
  for (const e of epochs) if (e.test.top1 > best.top1 || best.epoch === 0) best = { epoch: e.epoch, top1: e.test.top1 };
  return { epochs, final: last ? { ...last.test } : { loss: 0, top1: 0, top5: 0 }, best, seconds };
}

/** Writes a results document as `results.json` in `dir` (atomically, pretty-printed). */
export function writeResultsJson(dir: string, results: Results): string {
  const file = path.join(dir, 'results.json');
  writeFileAtomicSync(file, Buffer.from(JSON.stringify(results, null, 2) + '\n'));
  return file;
}
