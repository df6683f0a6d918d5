import { createModel, type ZooModel } from '../models/registry';
import type { PruneTarget } from '../prune/target';
import type { DataInput, PruneOptionsInput, RunHooks, TrainOptionsInput } from './config';
import { prepareData } from './data';
import { importModel, exportModel, type ModelState } from './model-state';
import { buildModel } from './pruning';
import { pruneLoaded } from './run-prune';
import { trainLoaded, type RunMemo } from './run-train';
import type { PruneResults, Target, TrainResults } from './results';
import { resolveTrainSettings } from './settings';
import { toTarget } from './target';

/** Options of the high-level `prune()`: the pruner, a target in any word, and how to run it. */
export interface PruneCallOptions extends PruneOptionsInput, RunHooks {
  /** `synflow`, `snip`, `grasp`, `mag`, `rand`, `rand-layer`, `iter-snip`, `force`, `gem-miner`, `imp`. */
  pruner: string;
  /** `{ density }`, `{ sparsity }` or `{ compression }` (d = 10^-c), or a complete Target. */
  target: PruneTarget | Target;
  /** Labelled data: the pruning set of snip/grasp/force/iter-snip, the training set of imp/gem-miner. */
  data?: DataInput;
  /** Seed of the model (when built by name) and of the pruner's randomness. Default 0. */
  seed?: number;
  /** imp and gem-miner train while pruning: how. */
  train?: TrainOptionsInput;
  /** Write masks.safetensors, weights.safetensors and results.json here. */
  outDir?: string;
}

/** Options of the high-level `train()`: the data, training settings, and files. */
export interface TrainCallOptions extends TrainOptionsInput, RunHooks {
  data: DataInput;
  /** Seed of the data order. Default 0. */
  seed?: number;
  /** Write weights.safetensors, masks.safetensors, results.json and checkpoints/ here. */
  outDir?: string;
  checkpointEvery?: number;
  noCheckpoints?: boolean;
  /** Continue from the checkpoint in `outDir/checkpoints/`. */
  resume?: boolean;
}

/** What a pruning left behind, so a later `train()` of the same model reports it. */
const prunedBy = new WeakMap<ZooModel, RunMemo>();

/** Remembers how `model` was pruned (the high-level calls, in-process or through a worker). */
export function rememberPruning(model: ZooModel, memo: RunMemo): void {
  prunedBy.set(model, memo);
}

/** How `model` was pruned by `prune()`, or null. */
export function pruningOf(model: ZooModel): RunMemo | null {
  return prunedBy.get(model) ?? null;
}

/** The plain-data part of call options (no signal, callback or worker flag), safe to clone. */
export function plainOptions<T extends RunHooks>(opts: T): Omit<T, keyof RunHooks> {
  const { signal: _s, onProgress: _p, worker: _w, ...rest } = opts;
  return rest;
}

/** A model by name for `prune()`: shaped for the data when given, else the registry default (3x32x32, 10 classes). */
async function modelFor(name: string, opts: { data?: DataInput; seed?: number }) {
  const data = opts.data ? await prepareData(opts.data) : null;
  const model = data ? buildModel(name, data, opts.seed ?? 0) : createModel(name, { seed: opts.seed ?? 0 });
  return { model, data };
}

/** Prunes in this thread; the model is changed in place (or built by name). */
export async function pruneHere(model: ZooModel | string, opts: Omit<PruneCallOptions, keyof RunHooks>, hooks: RunHooks): Promise<{ model: ZooModel; results: PruneResults }> {
  const built = typeof model === 'string' ? await modelFor(model, opts) : { model, data: opts.data ? await prepareData(opts.data) : null };
  const { schedule, iterations, scope, prunable, scoreMode, samples, batchSize, extra } = opts;
  const results = await pruneLoaded(
    built.model,
    built.data,
    { pruner: opts.pruner, target: toTarget(opts.target), seed: opts.seed ?? 0, prune: { schedule, iterations, scope, prunable, scoreMode, samples, batchSize, extra }, train: opts.train, outDir: opts.outDir },
    hooks,
  );
  rememberPruning(built.model, { pruneSettings: results.settings, prune: results.prune });
  return { model: built.model, results };
}

/** Trains in this thread; the model is changed in place. */
export async function trainHere(model: ZooModel, opts: Omit<TrainCallOptions, keyof RunHooks>, pruned: RunMemo | null, hooks: RunHooks): Promise<TrainResults> {
  const data = await prepareData(opts.data);
  const { seed = 0, outDir, checkpointEvery, noCheckpoints, resume, data: _d, ...input } = opts;
  const settings = resolveTrainSettings(model.spec.name, data.spec.name, input);
  return trainLoaded(model, data, { seed, train: settings, pruned: pruned ?? { pruneSettings: null, prune: null }, outDir, checkpointEvery, noCheckpoints, resume }, hooks);
}

/** The worker side of `prune()` on a model: rebuild, prune, send the state back. */
export async function pruneState(args: { model: ModelState | string; opts: Omit<PruneCallOptions, keyof RunHooks> }, hooks: RunHooks) {
  const model = typeof args.model === 'string' ? args.model : importModel(args.model);
  const out = await pruneHere(model, args.opts, hooks);
  return { state: exportModel(out.model), results: out.results };
}

/** The worker side of `train()` on a model: rebuild, train, send the state back. */
export async function trainState(args: { model: ModelState; opts: Omit<TrainCallOptions, keyof RunHooks>; pruned: RunMemo | null }, hooks: RunHooks) {
  const model = importModel(args.model);
  const results = await trainHere(model, args.opts, args.pruned, hooks);
  return { state: exportModel(model), results };
}
