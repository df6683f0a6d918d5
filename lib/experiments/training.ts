import type { Module } from '../nn/module';
import { train } from '../train/loop';
import type { LoadedData } from './data';
import { testLoader, trainingLoader } from './data';
import { trainProgress, type ProgressSink } from './progress';
import { trainRecord } from './records';
import type { TrainRecord, TrainSettings } from './results';
import { lrSchedule, optimizerConfig } from './settings';

/** What one training run needs besides the model and data. */
export interface TrainJob {
  settings: TrainSettings;
  /** Seed of the data order (and augmentation draws). */
  seed: number;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
  /** Prefix of progress phases, e.g. "[2/6] ". */
  prefix?: string;
  /** Checkpoint file and period in epochs. */
  checkpoint?: { path: string; every: number };
  /** Continue from this checkpoint. */
  resume?: string;
  /** Stored in the checkpoint metadata (e.g. the pruning record, to report it on resume). */
  extra?: Record<string, unknown>;
}

/**
 * Trains `model` (masked or dense) on the training split with the settings, evaluating on
 * the test split after every epoch, and returns the results record of the whole run (a
 * resumed run's record includes the epochs before the interruption).
 */
export async function trainWith(model: Module, data: LoadedData, job: TrainJob): Promise<TrainRecord> {
  const s = job.settings;
  const result = await train(model, {
    train: trainingLoader(data.splits.train, s.batchSize, job.seed, s.augment),
    test: testLoader(data.splits.test),
    epochs: s.epochs,
    optimizer: optimizerConfig(s),
    schedule: lrSchedule(s),
    signal: job.signal,
    onProgress: trainProgress(job.onProgress, job.prefix ?? ''),
    checkpoint: job.checkpoint,
    resume: job.resume,
    extra: job.extra,
    sparse: s.sparse,
  });
  const record = trainRecord(result.history, result.history.reduce((a, e) => a + e.seconds, 0));
  return result.execution.length ? { ...record, execution: result.execution } : record;
}
