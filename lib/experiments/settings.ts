import { standardAugmentation } from '../data/standard-transforms';
import { DEFAULT_PRUNABLE } from '../prune/prunable';
import { getPruner, isScoringPruner, prunerNames } from '../prune/registry';
import type { OptimizerConfig } from '../train/optimizer';
import type { LrSchedule } from '../train/schedules';
import type { PruneOptionsInput, TrainOptionsInput } from './config';
import type { PruneSettings, TrainSettings } from './results';

/** Default pruning-set size per class (SNIP, GraSP and the SynFlow code: 10 x classes). */
export const SAMPLES_PER_CLASS = 10;
/** Default batch size while scoring, as the reference's prune loader. */
export const PRUNE_BATCH_SIZE = 256;
/** Gem-Miner's default epochs of score training (the paper's). */
const GEM_EPOCHS = 20;

/** Whether a pruner scores on labelled data (the pruning set) rather than being data-free. */
export function needsPruningSet(pruner: string): boolean {
  return isScoringPruner(pruner) && getPruner(pruner).needsData;
}

/** Whether a pruner trains while pruning (imp, gem-miner): it needs training data and settings. */
export function trainsWhilePruning(pruner: string): boolean {
  return !isScoringPruner(pruner);
}

/** Throws a RangeError listing the known pruners when `name` is not one. */
export function checkPrunerName(name: string): void {
  if (!prunerNames().includes(name)) throw new RangeError(`unknown pruner '${name}'. Known pruners: ${prunerNames().join(', ')}`);
}

/** The pruning settings a run uses: the given options over the pruner's reference defaults. */
export function resolvePruneSettings(pruner: string, input: PruneOptionsInput, numClasses: number): PruneSettings {
  checkPrunerName(pruner);
  const scoring = isScoringPruner(pruner) ? getPruner(pruner) : null;
  const data = needsPruningSet(pruner);
  const extra = { ...(input.extra ?? {}) };
  if (pruner === 'force' && extra.forceBatches === undefined) extra.forceBatches = 1;
  if (pruner === 'gem-miner' && extra.gemEpochs === undefined) extra.gemEpochs = GEM_EPOCHS;
  return {
    pruner,
    schedule: input.schedule ?? 'exponential',
    iterations: input.iterations ?? (scoring ? scoring.defaultIterations : pruner === 'gem-miner' ? Number(extra.gemEpochs) : 1),
    scope: input.scope ?? scoring?.defaultScope ?? 'global',
    prunable: { ...DEFAULT_PRUNABLE, ...input.prunable },
    scoreMode: input.scoreMode ?? 'eval',
    samples: data ? (input.samples ?? SAMPLES_PER_CLASS * numClasses) : null,
    batchSize: data ? (input.batchSize ?? PRUNE_BATCH_SIZE) : null,
    extra,
  };
}

/** Small nets of the MNIST family train with Adam; the CIFAR nets with SGD and step drops. */
function trainDefaults(model: string): TrainSettings {
  const base = { nesterov: false, lrDrop: 0.1, warmupEpochs: 0, augment: false, sparse: 'auto' as const };
  if (/^vgg/.test(model)) {
    // The SynFlow paper's appendix for VGG on CIFAR: 160 epochs, drops at 60 and 120.
    return { ...base, optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4, lrSchedule: 'multistep', milestones: [60, 120], epochs: 160, batchSize: 128 };
  }
  if (/resnet/.test(model)) {
    return { ...base, optimizer: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4, lrSchedule: 'multistep', milestones: [80, 120], epochs: 160, batchSize: 128 };
  }
  return { ...base, optimizer: 'adam', lr: 1e-3, momentum: 0, weightDecay: 0, lrSchedule: 'constant', milestones: [], epochs: 10, batchSize: 64 };
}

/**
 * The training settings a run uses: the given options over the defaults of the model
 * family (Adam 1e-3 for fc/conv/LeNets; SGD 0.1 with momentum and step drops for VGG and
 * ResNets); augmentation defaults to the dataset family's standard one (CIFAR: crop + flip).
 */
export function resolveTrainSettings(model: string, dataset: string, input: TrainOptionsInput): TrainSettings {
  const d = trainDefaults(model);
  const optimizer = input.optimizer ?? d.optimizer;
  const familyOptimizer = optimizer === d.optimizer;
  const lrSchedule = input.lrSchedule ?? (input.milestones?.length ? 'multistep' : familyOptimizer ? d.lrSchedule : 'constant');
  return {
    optimizer,
    lr: input.lr ?? (familyOptimizer ? d.lr : optimizer === 'sgd' ? 0.1 : 1e-3),
    momentum: optimizer === 'sgd' ? (input.momentum ?? (d.momentum || 0.9)) : 0,
    nesterov: optimizer === 'sgd' ? (input.nesterov ?? false) : false,
    weightDecay: input.weightDecay ?? (familyOptimizer ? d.weightDecay : optimizer === 'adamw' ? 0.01 : 0),
    lrSchedule,
    milestones: lrSchedule === 'multistep' ? [...(input.milestones ?? d.milestones)] : [],
    lrDrop: input.lrDrop ?? d.lrDrop,
    warmupEpochs: input.warmupEpochs ?? 0,
    epochs: input.epochs ?? d.epochs,
    batchSize: input.batchSize ?? d.batchSize,
    augment: input.augment ?? standardAugmentation(dataset) !== null,
    sparse: input.sparse ?? 'auto',
  };
}

/** The optimizer of lib/train that the settings describe. */
export function optimizerConfig(s: TrainSettings): OptimizerConfig {
  if (s.optimizer === 'sgd') return { kind: 'sgd', lr: s.lr, momentum: s.momentum, nesterov: s.nesterov, weightDecay: s.weightDecay };
  return { kind: s.optimizer, lr: s.lr, weightDecay: s.weightDecay };
}

/** The learning-rate schedule of lib/train that the settings describe. */
export function lrSchedule(s: TrainSettings): LrSchedule {
  const warmupEpochs = s.warmupEpochs;
  switch (s.lrSchedule) {
    case 'multistep':
      return { schedule: { kind: 'multistep', milestones: [...s.milestones], gamma: s.lrDrop }, warmupEpochs };
    case 'cosine':
      return { schedule: { kind: 'cosine', epochs: s.epochs }, warmupEpochs };
    default:
      return { schedule: { kind: 'constant' }, warmupEpochs };
  }
}
