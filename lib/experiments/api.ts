import type { ZooModel } from '../models/registry';
import type { RunHooks } from './config';
import { masksByName } from './masks-file';
import { pruneHere, plainOptions, pruningOf, rememberPruning, trainHere, type PruneCallOptions, type TrainCallOptions } from './model-calls';
import { exportModel, importModel, type ModelState } from './model-state';
import type { PruneResults, TrainResults } from './results';
import { runInWorker } from './worker-host';

/** What `prune()` returns: the results document, the masks by parameter name, and the pruned model. */
export interface PruneOutput {
  results: PruneResults;
  /** 0/1 masks of the prunable weights, keyed by PyTorch parameter name (e.g. `conv1.weight`). */
  masks: Record<string, Float32Array>;
  /** The pruned model: the one passed in (changed in place), or the one built by name. */
  model: ZooModel;
}

/** What `train()` returns: the results document and the trained model (the one passed in). */
export interface TrainOutput {
  results: TrainResults;
  model: ZooModel;
}

function hooksOf(opts: RunHooks): RunHooks {
  return { signal: opts.signal, onProgress: opts.onProgress };
}

/**
 * Prunes a model at initialization: a model from `createModel` (pruned in place) or a
 * registry name (built from `seed`, shaped for `data`). Any pruner; the target in any of
 * density, sparsity or compression. Async; `signal` cancels, `onProgress` reports, and
 * `worker: true` runs it in a worker thread (the model's state travels there and back).
 * @example
 *   const model = createModel('lenet5', { inputShape: [1, 28, 28], numClasses: 10 });
 *   const { results, masks } = await prune(model, { pruner: 'synflow', target: { compression: 2 } });
 *   results.prune.density; // 0.01
 *   masks['fc1.weight'];   // Float32Array of 0 and 1
 */
export async function prune(model: ZooModel | string, opts: PruneCallOptions): Promise<PruneOutput> {
  const plain = plainOptions(opts);
  if (!opts.worker) {
    const out = await pruneHere(model, plain, hooksOf(opts));
    return { results: out.results, masks: masksByName(out.model), model: out.model };
  }
  const sent = typeof model === 'string' ? model : exportModel(model);
  const reply = await runInWorker<{ state: ModelState; results: PruneResults }>('pruneState', [{ model: sent, opts: plain }], hooksOf(opts));
  const pruned = typeof model === 'string' ? importModel(reply.state) : importModel(reply.state, model);
  rememberPruning(pruned, { pruneSettings: reply.results.settings, prune: reply.results.prune });
  return { results: reply.results, masks: masksByName(pruned), model: pruned };
}

/**
 * Trains a model in place (pruned weights stay exactly 0), evaluating on the test split
 * every epoch; options not given take the defaults for the model. Async; `signal` cancels,
 * `onProgress` reports, `worker: true` trains in a worker thread and copies the trained
 * state back; with `outDir` it checkpoints and can `resume`.
 * @example
 *   const { results } = await train(model, { data: { name: 'mnist' }, epochs: 2 });
 *   results.train.final.top1; // e.g. 0.97
 */
export async function train(model: ZooModel, opts: TrainCallOptions): Promise<TrainOutput> {
  const plain = plainOptions(opts);
  const pruned = pruningOf(model);
  if (!opts.worker) return { results: await trainHere(model, plain, pruned, hooksOf(opts)), model };
  const reply = await runInWorker<{ state: ModelState; results: TrainResults }>('trainState', [{ model: exportModel(model), opts: plain, pruned }], hooksOf(opts));
  importModel(reply.state, model);
  return { results: reply.results, model };
}
