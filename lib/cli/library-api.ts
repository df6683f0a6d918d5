/**
 * What the CLI expects from the library layers below it. The CLI loads them lazily
 * (library.ts), so `pai info`, `pai report` and `--help` work in any build, and a command
 * whose layer is missing fails with exit 2 naming it. These interfaces are the contract:
 * when a layer lands, library.ts switches to a static import and the compiler checks it.
 */
import type {
  CollapseResults,
  ConservationResults,
  DataSpec,
  ModelSpec,
  MultiShotResults,
  PrunableSettings,
  PruneResults,
  PruneSettings,
  SanityCheck,
  SanityResults,
  SingleShotResults,
  Target,
  TrainResults,
  TrainSettings,
} from '../experiments/results';
import type { ProgressEvent } from './progress';

/** Cancellation and progress, accepted by every long library call. */
export interface RunHooks {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

/** A dataset as the user chose it on the command line. */
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

/** Pruning options as given; undefined fields take the library's reference default for the pruner. */
export interface PruneOptionsInput {
  schedule?: PruneSettings['schedule'];
  iterations?: number;
  scope?: PruneSettings['scope'];
  prunable?: Partial<PrunableSettings>;
  scoreMode?: PruneSettings['scoreMode'];
  samples?: number;
  batchSize?: number;
  /** Pruner-specific: forceBatches, gemEpochs, gemLambda, impRate, rewindStep, pruneEpochs. */
  extra?: Record<string, number | string | boolean>;
}

/** Training options as given; undefined fields take the library's default for the model. */
export type TrainOptionsInput = Partial<TrainSettings>;

/** lib/models (exists): the registry, for early name checks. */
export interface ModelsModule {
  modelNames(): string[];
}

/** lib/data (exists): the registry, for early name checks. */
export interface DataModule {
  datasetNames(): string[];
}

/** lib/prune: the pruner registry, for early name checks. */
export interface PruneModule {
  prunerNames(): string[];
}

/** `pai prune`: build the model, load the data, prune once. */
export interface PruneRunConfig {
  model: string;
  data: DataChoice;
  pruner: string;
  target: Target;
  seed: number;
  prune: PruneOptionsInput;
  /** When set, write `masks.safetensors` (PyTorch keys) and `weights.safetensors` (the initial weights) here. */
  outDir?: string;
}

/** `pai train`: train a model, pruned first (in one go, or by a `pai prune` run) or dense. */
export interface TrainRunConfig {
  model: string;
  data: DataChoice;
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
  data: DataChoice;
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
  compressions: number[];
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
  checks: SanityCheck[];
  train: TrainOptionsInput;
}

/** lib/experiments: each returns a complete results document (header included). */
export interface ExperimentsModule {
  runPrune(config: PruneRunConfig, hooks: RunHooks): Promise<PruneResults>;
  runTrain(config: TrainRunConfig, hooks: RunHooks): Promise<TrainResults>;
  singleshot(config: SingleShotConfig, hooks: RunHooks): Promise<SingleShotResults>;
  multishot(config: MultiShotConfig, hooks: RunHooks): Promise<MultiShotResults>;
  collapse(config: CollapseConfig, hooks: RunHooks): Promise<CollapseResults>;
  conservation(config: ConservationConfig, hooks: RunHooks): Promise<ConservationResults>;
  sanity(config: SanityConfig, hooks: RunHooks): Promise<SanityResults>;
}

/** Re-exported for command files. */
export type { DataSpec, ModelSpec };
