import { Tensor, tidy } from '../tensor';
import { crossEntropy } from '../ops';
import type { Module } from '../nn/module';
import { compressModel, decompressModel, layerExecutions, type CompressOptions, type LayerExecution } from '../nn/compress';
import type { Device } from '../backend';
import { checkBatch, type Batch, type BatchSource } from './batches';
import { type CheckpointMeta, type EpochRecord, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { evaluate, yieldToEventLoop } from './evaluate';
import { EpochMeter } from './metrics';
import { createOptimizer, Optimizer, type OptimizerConfig } from './optimizer';
import { learningRateAt, type LrSchedule, validateLrSchedule } from './schedules';

/** A NaN or infinite training loss; names where it happened. */
export class DivergenceError extends Error {
  constructor(
    /** 0-based epoch. */
    readonly epoch: number,
    /** 0-based step within the epoch. */
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `training diverged: the loss is ${loss} at epoch ${epoch + 1}, step ${step + 1}. ` +
        'Fix: lower the learning rate, add warm-up, or check the data for NaN values',
    );
    this.name = 'DivergenceError';
  }
}

/** Progress of {@link train}: after every step, after every epoch, and after every checkpoint. */
export type TrainEvent =
  | { type: 'step'; epoch: number; step: number; stepsPerEpoch: number | null; globalStep: number; loss: number; lr: number }
  | { type: 'epoch'; record: EpochRecord; epochs: number }
  | { type: 'checkpoint'; path: string; epoch: number };

/** Options of {@link train}. */
export interface TrainOptions {
  /** Training batches; `epoch(e)` must be deterministic per epoch for exact resumes. */
  train: BatchSource;
  /** Evaluated after every epoch when given. */
  test?: BatchSource;
  /** Total epochs (a resumed run continues up to this number). */
  epochs: number;
  /** The optimizer as data (built over the model's arena), or one already built over it. */
  optimizer: OptimizerConfig | Optimizer;
  /** Default: constant rate. */
  schedule?: LrSchedule;
  /** Called synchronously with each event; keep it cheap. */
  onProgress?: (e: TrainEvent) => void;
  /** Aborting stops at the next step with the signal's reason. */
  signal?: AbortSignal;
  /** Save a checkpoint to `path` every `every` epochs (default 1) and at the end. */
  checkpoint?: { path: string; every?: number };
  /** Resume from this checkpoint (written by a run with the same options). */
  resume?: string;
  /** Stored in the checkpoint metadata as is. */
  extra?: Record<string, unknown>;
  /**
   * Sparse execution of a pruned model while it trains: 'auto' compresses each layer below
   * its measured crossover density, 'compressed' every masked layer, 'dense' none (see
   * compressModel). Applied only when `optimizer` is a config (train builds the optimizer
   * after compressing); the model is decompressed when training ends. Default: unchanged.
   */
  sparse?: CompressOptions['sparse'];
  /** Further compression options (input shape, whether to calibrate missing crossovers). */
  compress?: Omit<CompressOptions, 'sparse'>;
}

/** What {@link train} returns. */
export interface TrainResult {
  history: EpochRecord[];
  /** The last epoch's record. */
  final: EpochRecord | null;
  globalStep: number;
  optimizer: Optimizer;
  /** How each masked layer executed (all 'dense' unless `sparse` compressed some). */
  execution: LayerExecution[];
}

function specOf(model: Module): CheckpointMeta['model'] {
  const spec = (model as { spec?: CheckpointMeta['model'] }).spec;
  return spec ? { name: spec.name, inputShape: [...spec.inputShape], numClasses: spec.numClasses, seed: spec.seed } : undefined;
}

/**
 * Trains `model` (which needs a parameter arena, e.g. from `createModel`) with cross-entropy:
 * per epoch one pass over `train` then evaluation on `test`, recording loss, top-1 and top-5.
 * Masked models stay masked: pruned weights are exactly 0 after every step. A NaN or Inf loss
 * throws {@link DivergenceError}. With `checkpoint` and `resume`, an interrupted run continues
 * exactly where it stopped.
 */
export async function train(model: Module, opts: TrainOptions): Promise<TrainResult> {
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) throw new RangeError(`train: epochs must be a non-negative integer, got ${opts.epochs}`);
  const schedule: LrSchedule = opts.schedule ?? { schedule: { kind: 'constant' } };
  validateLrSchedule(schedule);
  const every = opts.checkpoint?.every ?? 1;
  if (opts.checkpoint && (!Number.isInteger(every) || every < 1)) throw new RangeError(`train: checkpoint.every must be a positive integer, got ${every}`);
  let history: EpochRecord[] = [];
  let startEpoch = 0;
  let globalStep = 0;
  // The checkpoint is loaded before compressing: it may set the masks, which fixes the pattern.
  const ck = opts.resume ? loadCheckpoint(opts.resume, model) : null;
  const compress = opts.sparse !== undefined && !(opts.optimizer instanceof Optimizer);
  const execution = compress ? compressModel(model, { ...opts.compress, sparse: opts.sparse }) : null;
  // An optimizer built here hands its device state back at the end (its host copy keeps
  // the values, so the returned optimizer can go on stepping).
  let built: Optimizer | null = null;
  try {
    const optimizer = opts.optimizer instanceof Optimizer ? opts.optimizer : (built = createOptimizer(model, opts.optimizer));
    if (optimizer.arena !== model.arena) throw new Error('train: the optimizer was built over another model\'s parameter arena');
    if (ck) {
      if (ck.meta.optimizer.kind !== optimizer.config.kind) {
        throw new Error(`train: ${opts.resume} was trained with ${ck.meta.optimizer.kind}, not ${optimizer.config.kind}; resume with the same optimizer`);
      }
      optimizer.loadState(ck.optimizerState);
      history = ck.meta.history;
      startEpoch = ck.meta.epoch;
      globalStep = ck.meta.globalStep;
    }
    const r = await trainEpochs(model, opts, optimizer, schedule, every, history, startEpoch, globalStep);
    return { ...r, execution: execution ?? layerExecutions(model) };
  } finally {
    try {
      built?.dispose();
    } finally {
      if (compress) decompressModel(model);
    }
  }
}

async function trainEpochs(
  model: Module,
  opts: TrainOptions,
  optimizer: Optimizer,
  schedule: LrSchedule,
  every: number,
  history: EpochRecord[],
  startEpoch: number,
  globalStep: number,
): Promise<Omit<TrainResult, 'execution'>> {
  const config = optimizer.config;
  const baseLr = config.lr;
  const stepsPerEpoch = opts.train.numBatches ?? null;
  if ((schedule.warmupEpochs ?? 0) > 0 && stepsPerEpoch === null) {
    throw new RangeError('train: a warm-up schedule needs the number of batches per epoch (BatchSource.numBatches)');
  }
  model.train();
  for (let epoch = startEpoch; epoch < opts.epochs; epoch++) {
    const t0 = performance.now();
    const meter = new EpochMeter();
    const device = model.device();
    let step = 0;
    let lr = baseLr;
    for await (const b of opts.train.epoch(epoch)) {
      opts.signal?.throwIfAborted();
      checkBatch(b, 'train');
      lr = learningRateAt(schedule, baseLr, epoch, step, stepsPerEpoch ?? 1);
      optimizer.lr = lr;
      const loss = trainStep(model, optimizer, b, device, meter, epoch, step);
      globalStep++;
      opts.onProgress?.({ type: 'step', epoch, step, stepsPerEpoch, globalStep, loss, lr });
      step++;
      await yieldToEventLoop();
    }
    const record: EpochRecord = { epoch, lr, trainLoss: meter.loss, trainTop1: meter.top1, seconds: 0 };
    if (opts.test) {
      const r = await evaluate(model, opts.test, { signal: opts.signal });
      record.testLoss = r.loss;
      record.testTop1 = r.top1;
      record.testTop5 = r.top5;
    }
    record.seconds = (performance.now() - t0) / 1000;
    history.push(record);
    opts.onProgress?.({ type: 'epoch', record, epochs: opts.epochs });
    const done = epoch + 1;
    if (opts.checkpoint && (done % every === 0 || done === opts.epochs)) {
      const meta: CheckpointMeta = {
        format: 'prune-at-init/checkpoint',
        version: 1,
        model: specOf(model),
        epoch: done,
        globalStep,
        optimizer: config,
        optimizerStep: optimizer.stepCount,
        schedule,
        masked: model.arena?.masksActive ?? false,
        history,
        extra: opts.extra,
      };
      saveCheckpoint(opts.checkpoint.path, model, meta, optimizer.state());
      opts.onProgress?.({ type: 'checkpoint', path: opts.checkpoint.path, epoch: done });
    }
  }
  return { history, final: history[history.length - 1] ?? null, globalStep, optimizer };
}

/**
 * Forward, loss, backward and one optimizer step on one batch; returns the batch's mean loss.
 * The loss and logits are read after the step is queued, so on a GPU the host enqueues the
 * whole step while the device runs it and waits once, at the end (as a PyTorch loop that
 * logs loss.item() after optimizer.step()). A non-finite loss throws DivergenceError; that
 * step has then been applied.
 */
function trainStep(
  model: Module,
  optimizer: Optimizer,
  b: Batch,
  device: Device,
  meter: EpochMeter,
  epoch: number,
  step: number,
): number {
  return tidy(() => {
    const logits = model.forward(Tensor.fromStorage(b.x, b.batchShape).to(device));
    const loss = crossEntropy(logits, b.y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
    const value = loss.item();
    if (!Number.isFinite(value)) throw new DivergenceError(epoch, step, value);
    meter.add(value, logits.data() as Float32Array, b.y, logits.shape[1]);
    return value;
  });
}
