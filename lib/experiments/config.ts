/**
 * What the experiment functions take: a model by registry name, a dataset by name (or in
 * memory), pruning and training options as the user gave them (undefined = the library's
 * default for the pruner or the model), and the hooks every long call accepts. All of it is
 * plain data, so a configuration can cross into a worker thread unchanged.
 */
import type { DatasetSplits } from '../data/dataset';
import type { PruneSettings, PrunableSettings, SanityCheck, Target, TrainSettings } from './results';
import type { ProgressEvent } from './progress';

/** Cancellation, progress and threading, accepted by every long library call. */
export interface RunHooks {
  /** Aborting rejects the call with an AbortError at the next step; partial work is discarded. */
  signal?: AbortSignal;
  /** Called with progress events (phase, done of total); keep it cheap. */
  onProgress?: (event: ProgressEvent) => void;
  /**
   * Run the call in a `worker_threads` worker, so the caller's event loop never stalls.
   * Configurations and results cross by structured clone; progress and abort are relayed.
   */
  worker?: boolean;
}

/** A dataset by name, as a user chooses it (on the command line or in code). */
export interface DataChoice {
  /** `mnist`, `fashion-mnist`, `mnist-idx`, `cifar10`, `cifar100`, `synthetic`. */
  name: string;
  /** Directory or archive to read; undefined = the dataset's default. */
  dir?: string;
  download?: boolean;
  /** For `synthetic`: [C, H, W] and class count. */
  inputShape?: number[];
  numClasses?: number;
  /** For `synthetic`: samples per split. */
  size?: number;
}

/** A dataset by name, or train and test splits already in memory (e.g. a user's own images). */
export type DataInput = DataChoice | DatasetSplits;

/** Pruning options as given; undefined fields take the library's reference default for the pruner. */
export interface PruneOptionsInput {
  schedule?: PruneSettings['schedule'];
  iterations?: number;
  scope?: PruneSettings['scope'];
  prunable?: Partial<PrunableSettings>;
  scoreMode?: PruneSettings['scoreMode'];
  /** Samples in the pruning set of data-dependent pruners; default 10 x classes. */
  samples?: number;
  /** Batch size while scoring; default 256. */
  batchSize?: number;
  /** Pruner-specific: forceBatches, gemEpochs, gemLr, gemLambda, impRate, rewindStep. */
  extra?: Record<string, number | string | boolean>;
}

/** Training options as given; undefined fields take the library's default for the model. */
export type TrainOptionsInput = Partial<TrainSettings>;

/** `pai prune` / `runPrune`: build the model, load the data, prune once. */
export interface PruneRunConfig {
  model: string;
  data: DataInput;
  pruner: string;
  target: Target;
  seed: number;
  prune: PruneOptionsInput;
  /** imp and gem-miner train while pruning: how (default: the model's training defaults). */
  train?: TrainOptionsInput;
  /** When set, write `masks.safetensors` (PyTorch keys) and `weights.safetensors` (the initial weights) here. */
  outDir?: string;
}

/** `pai train` / `runTrain`: train a model, pruned first (in one go, or by a `pai prune` run) or dense. */
export interface TrainRunConfig {
  model: string;
  data: DataInput;
  seed: number;
  /** Prune before training (the model is built from `seed`). */
  prune?: { pruner: string; target: Target; options: PruneOptionsInput };
  /** A `pai prune` output directory: start from its weights.safetensors and masks.safetensors. */
  from?: string;
  train: TrainOptionsInput;
  /** When set, write the trained `weights.safetensors` and the `masks.safetensors` here, and checkpoints under `checkpoints/`. */
  outDir?: string;
  /** Checkpoint every this many epochs (default 1) and at the end. */
  checkpointEvery?: number;
  /** No checkpoints at all. */
  noCheckpoints?: boolean;
  /** Continue from the latest checkpoint in `outDir/checkpoints/`. */
  resume?: boolean;
}

/** Shared fields of the experiment configurations. */
export interface ExperimentBase {
  model: string;
  data: DataInput;
  seeds: number[];
  prune: PruneOptionsInput;
}

/** singleshot: pruners x targets x seeds, each pruned once and trained. */
export interface SingleShotConfig extends ExperimentBase {
  pruners: string[];
  targets: Target[];
  train: TrainOptionsInput;
}

/** multishot: IMP levels (train, remove `rate` of the survivors by magnitude, rewind). */
export interface MultiShotConfig extends ExperimentBase {
  levels: number;
  rate: number;
  rewindStep: number;
  train: TrainOptionsInput;
}

/** collapse: sweep compressions per pruner; no training. */
export interface CollapseConfig extends ExperimentBase {
  pruners: string[];
  /** Default 0, 0.25, ..., 6. */
  compressions?: number[];
}

/** conservation: score sums per unit and per layer at initialization. */
export interface ConservationConfig extends ExperimentBase {
  pruners: string[];
  dtype: 'float32' | 'float64';
}

/** sanity: each pruner's mask against its shuffled / reinitialized / inverted forms, trained. */
export interface SanityConfig extends ExperimentBase {
  pruners: string[];
  target: Target;
  /** Checks besides 'original' (which always runs first); default all three. */
  checks: SanityCheck[];
  train: TrainOptionsInput;
}
