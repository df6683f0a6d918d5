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
 *   import { createModel, prune, train, experiments, data, Tensor } from 'prune-at-init';
 *   const model = createModel('lenet5', { inputShape: [1, 28, 28], numClasses: 10, seed: 0 });
 *   const { results, masks } = await prune(model, { pruner: 'synflow', target: { compression: 1.5 } });
 *   const trained = await train(model, { data: { name: 'mnist' }, epochs: 2, worker: true });
 *   console.log(results.prune.density, trained.results.train.final.top1, masks['fc1.weight'].length);
 */

// ---- backends: which compute backend runs, and why ----
export { getBackend, setBackend, backendInfo, isBackendAvailable } from './backend';
export type { BackendName } from './backend';

// ---- tensors ----
export { Tensor, zeros, ones, full, fromArray, arange, rand, randn, tidy, keep, memory } from './tensor';

// ---- ops and autograd: every op as a function (a namespace: max, log, where... would clash) ----
export * as ops from './ops';
export { grad, backward, noGrad, enableGrad, isGradEnabled, detectAnomaly, setDetectAnomaly } from './autograd';

// ---- sparse execution: scoring, exact top-k selection, compressed weights, crossover ----
export * as sparse from './backend/sparse';

// ---- modules and layers (Module, Parameter, Conv2d, ..., the parameter arena) ----
export * as nn from './nn';
export { compressModel, decompressModel } from './nn/compress';
export type { CompressOptions, LayerExecution } from './nn/compress';

// ---- models ----
export { createModel, modelNames } from './models';
export type { CreateModelOptions, ZooModel } from './models';

// ---- data: dataset readers, loaders and the registry, as one namespace ----
export * as data from './data';

// ---- pruning and training: the async high-level calls ({ signal, onProgress, worker }) ----
export { prune, train } from './experiments/api';
export type { PruneOutput, TrainOutput } from './experiments/api';
export type { PruneCallOptions, TrainCallOptions } from './experiments/model-calls';
export type { RunHooks, DataChoice, DataInput } from './experiments/config';
export type { ProgressEvent } from './experiments/progress';

// ---- the layers underneath, as namespaces: pruning loop and scorers, training loop ----
export * as pruning from './prune';
export * as training from './train';

// ---- experiments: singleshot, multishot, collapse, conservation, sanity; masks files ----
export * as experiments from './experiments';

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
