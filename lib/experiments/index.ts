/**
 * lib/experiments: the paper experiments as async library calls (each returns a complete,
 * JSON-serializable results document), masks and weights as safetensors with PyTorch keys,
 * and the high-level `prune` / `train` of a model. Every call accepts `{ signal,
 * onProgress, worker }`; `worker: true` runs it in a worker_threads worker.
 */
import type { RunHooks } from './config';
import { collapse as collapseHere } from './collapse';
import { conservation as conservationHere } from './conservation';
import { multishot as multishotHere } from './multishot';
import { runPrune as runPruneHere } from './run-prune';
import { runTrain as runTrainHere } from './run-train';
import { sanity as sanityHere } from './sanity';
import { singleshot as singleshotHere } from './singleshot';
import { runInWorker } from './worker-host';
import type { WorkerFunctionName } from './worker-functions';

/** `impl`, run in this thread, or in a worker thread when `hooks.worker` is set. */
function workerCapable<C, R>(name: WorkerFunctionName, impl: (config: C, hooks?: RunHooks) => Promise<R>): (config: C, hooks?: RunHooks) => Promise<R> {
  return async (config, hooks = {}) => {
    hooks.signal?.throwIfAborted();
    if (!hooks.worker) return impl(config, hooks);
    return runInWorker<R>(name, [config], { signal: hooks.signal, onProgress: hooks.onProgress });
  };
}

/** `pai prune`: build, prune once, measure; writes masks/weights/results.json to `outDir`. See run-prune.ts. */
export const runPrune = workerCapable('runPrune', runPruneHere);
/** `pai train`: from a prune directory, pruned now, or dense; checkpoints and resume. See run-train.ts. */
export const runTrain = workerCapable('runTrain', runTrainHere);
/** Pruners x targets x seeds, each pruned once and trained (SynFlow Fig. 6). */
export const singleshot = workerCapable('singleshot', singleshotHere);
/** IMP levels with rewinding, each trained. */
export const multishot = workerCapable('multishot', multishotHere);
/** Sweep c (default 0..6 step 0.25) per pruner; the first c at which a layer empties. No training. */
export const collapse = workerCapable('collapse', collapseHere);
/** Layer and unit score sums of synaptic saliencies at initialization (SynFlow Theorems 1-2). */
export const conservation = workerCapable('conservation', conservationHere);
/** Original mask vs layer shuffle / reinit / invert, each trained (Frankle et al. 2021). */
export const sanity = workerCapable('sanity', sanityHere);

export { prune, train } from './api';
export type { PruneOutput, TrainOutput } from './api';
export type { PruneCallOptions, TrainCallOptions } from './model-calls';
export type {
  RunHooks,
  DataChoice,
  DataInput,
  PruneOptionsInput,
  TrainOptionsInput,
  PruneRunConfig,
  TrainRunConfig,
  ExperimentBase,
  SingleShotConfig,
  MultiShotConfig,
  CollapseConfig,
  ConservationConfig,
  SanityConfig,
} from './config';
export type { ProgressEvent } from './progress';
export { ExperimentError } from './errors';
export { masksByName, saveMasks, loadMasks, applyMasks, MASKS_FORMAT } from './masks-file';
export { saveStartWeights, exportModel, importModel } from './model-state';
export type { ModelState } from './model-state';
export { MASKS_FILE, WEIGHTS_FILE } from './run-prune';
export { checkpointFile } from './run-train';
export { resolvePruneSettings, resolveTrainSettings } from './settings';
export { toTarget, defaultCompressions } from './target';
export { SANITY_CHECKS } from './sanity';
export { runInWorker } from './worker-host';
export * from './results';
export { renderReport, readResultsFile, checkResults, ResultsFormatError } from './report';
export type { ReportOptions, RenderedReport } from './report';
