/**
 * What the CLI expects from the library layers below it. library.ts imports the layers
 * statically and checks them against these interfaces at compile time; tests may swap a
 * layer for a stand-in (overrideLibraryModule).
 */
import type {
  CollapseResults,
  ConservationResults,
  DataSpec,
  ModelSpec,
  MultiShotResults,
  PruneResults,
  SanityResults,
  SingleShotResults,
  TrainResults,
} from '../experiments/results';
import type {
  CollapseConfig,
  ConservationConfig,
  PruneRunConfig,
  RunHooks,
  SanityConfig,
  SingleShotConfig,
  MultiShotConfig,
  TrainRunConfig,
} from '../experiments/config';

// The configurations are lib/experiments' own types (plain data, so they can cross into a
// worker thread); re-exported here for the command files.
export type {
  RunHooks,
  DataChoice,
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
} from '../experiments/config';

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
