/**
 * prune-at-init: find sparse, trainable subnetworks at initialization and train them
 * sparsely. One entry for CommonJS (`require('prune-at-init')`) and ES modules
 * (`import { createModel } from 'prune-at-init'`, via dist/esm/index.mjs, generated from
 * this file's exports by scripts/make-esm.js).
 *
 * Layout of this file: one section per layer of ARCHITECTURE.md, from the bottom up.
 * A layer appears here once its public surface is settled; the high-level async calls
 * (`prune`, `train`, `experiments`) join from lib/prune, lib/train and lib/experiments.
 *
 * @example
 *   import { createModel, data, renderReport } from 'prune-at-init';
 *   const { train, test } = await data.loadDataset('mnist');
 *   const model = createModel('lenet5', { inputShape: train.shape, numClasses: train.numClasses, seed: 0 });
 */

// ---- backends: which compute backend runs, and why ----
export { getBackend, setBackend, backendInfo, isBackendAvailable } from './backend';
export type { BackendName } from './backend';

// ---- tensors ----
export { Tensor, zeros, ones, full, fromArray, arange, rand, randn, tidy, keep, memory } from './tensor';

// ---- models ----
export { createModel, modelNames } from './models';
export type { CreateModelOptions, ZooModel } from './models';

// ---- data: dataset readers, loaders and the registry, as one namespace ----
export * as data from './data';

// ---- results and reports: the results JSON and the SVG figures drawn from it ----
export {
  RESULTS_FORMAT,
  RESULTS_VERSION,
  RESULTS_KINDS,
  targetFromCompression,
  targetFromDensity,
} from './experiments/results';
export type {
  Results,
  ResultsKind,
  Target,
  PruneResults,
  TrainResults,
  SingleShotResults,
  MultiShotResults,
  CollapseResults,
  ConservationResults,
  SanityResults,
  PruneRecord,
  TrainRecord,
  RunRecord,
  LayerStats,
  PruneSettings,
  TrainSettings,
} from './experiments/results';
export { renderReport, checkResults, readResultsFile, ResultsFormatError } from './experiments/report';
export type { ReportOptions, RenderedReport } from './experiments/report';

// ---- command line: run `pai` in-process (exit code returned, never process.exit) ----
export { main as runCli } from './cli/main';
export type { CliIo } from './cli/io';
export type { ProgressEvent } from './cli/progress';
