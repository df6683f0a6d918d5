/**
 * The results JSON of prune-at-init: what `pai prune`, `pai train`, `pai experiment ...`
 * and the library's experiment functions return and write to `results.json`.
 *
 * Conventions, everywhere in this file:
 * - density d is the fraction of prunable weights kept, in [0, 1]; sparsity = 1 - d;
 *   compression c is the SynFlow paper's: d = 10^-c (c = 0 is dense, c = 2 keeps 1%).
 * - accuracies are fractions in [0, 1], not percentages; losses are mean cross-entropy
 *   in nats per sample; times are wall-clock seconds.
 * - layers are listed in forward order and named by their PyTorch parameter key
 *   (e.g. `layers.0.conv.weight`), so results line up with safetensors masks.
 *
 * Every document is plain JSON (no NaN, no Infinity, no typed arrays), so it survives
 * `JSON.stringify` / `JSON.parse` unchanged and can be redrawn by `pai report`.
 */
import type { LayerExecution } from '../nn/compress';

/** The `format` tag of every results document. */
export const RESULTS_FORMAT = 'prune-at-init/results';
/** The version of the layout in this file; bumped on an incompatible change. */
export const RESULTS_VERSION = 1;

/** A sparsity target in all three words of the vocabulary (they always agree). */
export interface Target {
  /** Fraction of prunable weights kept, in [0, 1]. */
  density: number;
  /** 1 - density. */
  sparsity: number;
  /** -log10(density); Infinity is not representable, so density 0 is not a valid target. */
  compression: number;
}

/** The model a result was computed on. */
export interface ModelSpec {
  /** Registry name, e.g. `vgg16-bn`, `resnet20`, `lenet5`. */
  name: string;
  /** Input shape without the batch dimension, [C, H, W] (or [features]). */
  inputShape: number[];
  numClasses: number;
  /** Total parameter count (all tensors that receive gradients). */
  params: number;
  /** Prunable weight count under the prunable-parameter settings used. */
  prunable: number;
}

/** The dataset a result was computed on. */
export interface DataSpec {
  /** `mnist`, `fashion-mnist`, `mnist-idx`, `cifar10`, `cifar100` or `synthetic`. */
  name: string;
  /** Directory read from, or null for embedded/synthetic data. */
  dir: string | null;
  /** Sample counts of the splits used. */
  trainSize: number;
  testSize: number;
}

/** Which parameters a pruner may remove. Conv and linear weights are always prunable. */
export interface PrunableSettings {
  bias: boolean;
  batchnorm: boolean;
  /** 1x1 residual-shortcut convolutions (ResNets). */
  shortcut: boolean;
  /** The final classifier layer; false keeps it dense. */
  classifier: boolean;
}

/** How pruning was run (the reference defaults are the library's; these are the values used). */
export interface PruneSettings {
  /** `rand`, `rand-layer`, `mag`, `snip`, `grasp`, `synflow`, `iter-snip`, `force`, `gem-miner`, `imp`. */
  pruner: string;
  /** How the density moves from 1 to the target over the iterations. */
  schedule: 'exponential' | 'linear';
  /** Pruning iterations (1 = one shot; SynFlow's default is 100). */
  iterations: number;
  /** One threshold over all layers, or the target density inside each layer. */
  scope: 'global' | 'local';
  prunable: PrunableSettings;
  /** Mode of BN/dropout while scoring. */
  scoreMode: 'train' | 'eval';
  /** Samples in the pruning set (data-dependent pruners), e.g. 10 x classes. */
  samples: number | null;
  /** Batch size while scoring. */
  batchSize: number | null;
  /** Pruner-specific options actually used (e.g. FORCE batches per step, IMP rate). */
  extra: Record<string, number | string | boolean>;
}

/** How training was run. */
export interface TrainSettings {
  optimizer: 'sgd' | 'adam' | 'adamw';
  /** Initial learning rate. */
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  lrSchedule: 'constant' | 'multistep' | 'cosine';
  /** Epochs at which multistep multiplies the rate by `lrDrop`. */
  milestones: number[];
  lrDrop: number;
  /** Epochs of linear warm-up (0 = none). */
  warmupEpochs: number;
  epochs: number;
  batchSize: number;
  augment: boolean;
  /** Layer execution mode of the sparse kernels. */
  sparse: 'auto' | 'dense' | 'compressed';
}

/** One prunable layer after pruning. */
export interface LayerStats {
  /** PyTorch key of the weight, e.g. `layers.3.conv.weight`. */
  name: string;
  shape: number[];
  /** Weights in the layer (product of shape). */
  params: number;
  /** Weights kept. */
  survivors: number;
  /** survivors / params. */
  density: number;
}

/** The outcome of pruning one model once. */
export interface PruneRecord {
  pruner: string;
  seed: number;
  target: Target;
  /** Achieved density over all prunable weights (= round(d N) / N for exact counts). */
  density: number;
  survivors: number;
  prunable: number;
  layers: LayerStats[];
  /** Names of layers with no survivors. */
  collapsed: string[];
  /** Whether any input-to-output path of nonzero weights remains. */
  pathExists: boolean;
  /** SynFlow's R on the pruned net (product of |θ| over paths), or null if not computed. */
  synapticFlow: number | null;
  seconds: number;
}

/** Metrics of one pass over a split. */
export interface EvalRecord {
  loss: number;
  /** Top-1 accuracy, fraction. */
  top1: number;
  /** Top-5 accuracy, fraction (equals 1 when there are 5 classes or fewer). */
  top5: number;
}

/** Metrics of a training pass, measured on the fly (each batch before its update). */
export interface TrainPassRecord {
  loss: number;
  top1: number;
  /** Absent when the training loop does not measure it. */
  top5?: number;
}

/** One epoch of training. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Learning rate of the epoch's last step (the scheduled rate, warm-up included). */
  lr: number;
  train: TrainPassRecord;
  test: EvalRecord;
  seconds: number;
}

/** The outcome of training one model. */
export interface TrainRecord {
  epochs: EpochRecord[];
  /** Test metrics after the last epoch. */
  final: EvalRecord;
  /** Best test top-1 over the epochs, and its epoch. */
  best: { epoch: number; top1: number };
  seconds: number;
  /** How each masked layer executed while training ('dense' or 'compressed', with its density). */
  execution?: LayerExecution[];
}

/** One prune-then-train run of a grid. */
export interface RunRecord {
  pruner: string;
  seed: number;
  target: Target;
  /** IMP level for multishot runs (0 = dense), absent otherwise. */
  level?: number;
  prune: PruneRecord;
  train: TrainRecord | null;
}

/** Fields common to every results document. */
export interface ResultsHeader {
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  /** ISO 8601 time the document was written. */
  createdAt: string;
  /** prune-at-init version that wrote it. */
  producer: string;
  /** Backend that computed it: `reference`, `cpu` or `cuda`. */
  backend: string;
  model: ModelSpec;
  data: DataSpec | null;
}

/** `pai prune` / `prune()`: one pruned model. Files sit beside results.json. */
export interface PruneResults extends ResultsHeader {
  kind: 'prune';
  settings: PruneSettings;
  prune: PruneRecord;
}

/** `pai train` / `train()`: one trained (optionally pruned) model. */
export interface TrainResults extends ResultsHeader {
  kind: 'train';
  /** Pruning done before training (in one go or by a `prune` run), or null for dense. */
  pruneSettings: PruneSettings | null;
  prune: PruneRecord | null;
  settings: TrainSettings;
  seed: number;
  train: TrainRecord;
  /** Whether this run continued from a checkpoint. */
  resumed: boolean;
}

/** Grid of a singleshot experiment: every pruner x target x seed is pruned once, then trained. */
export interface SingleShotResults extends ResultsHeader {
  kind: 'singleshot';
  /** Shared settings; `pruner` in it is the first pruner, each run names its own. */
  pruneSettings: PruneSettings;
  trainSettings: TrainSettings;
  pruners: string[];
  targets: Target[];
  seeds: number[];
  runs: RunRecord[];
}

/** IMP: train, prune a fraction of the survivors, rewind, repeat; one run per level and seed. */
export interface MultiShotResults extends ResultsHeader {
  kind: 'multishot';
  pruneSettings: PruneSettings;
  trainSettings: TrainSettings;
  /** Fraction of the remaining weights removed per level (0.2 in the lottery-ticket papers). */
  rate: number;
  levels: number;
  /** Rewind point: 0 = initialization, k = training step k. */
  rewindStep: number;
  seeds: number[];
  runs: RunRecord[];
}

/** One compression of a collapse sweep. */
export interface CollapsePoint {
  compression: number;
  /** Achieved overall density. */
  density: number;
  /** Density of each layer, aligned with `CollapseResults.layers`. */
  layerDensity: number[];
  /** Names of empty layers. */
  collapsed: string[];
  pathExists: boolean;
}

/** A sweep of one pruner and seed over the compressions. */
export interface CollapseSweep {
  pruner: string;
  seed: number;
  points: CollapsePoint[];
  /** The smallest swept c at which a layer is empty, or null if none collapsed. */
  firstCollapse: number | null;
  /** The layer(s) empty at `firstCollapse`. */
  firstCollapsed: string[];
}

/** Layer collapse: sweep c for each pruner and report where a layer first empties. */
export interface CollapseResults extends ResultsHeader {
  kind: 'collapse';
  pruneSettings: PruneSettings;
  compressions: number[];
  /** The prunable layers, in forward order. */
  layers: { name: string; shape: number[]; params: number }[];
  /** N / L: the largest compression at which every layer can keep one weight, as log10. */
  maxCriticalCompression: number;
  sweeps: CollapseSweep[];
}

/** Score sums of one layer. */
export interface LayerScore {
  name: string;
  params: number;
  /** Sum of the scores of the layer's weights. */
  scoreSum: number;
}

/** Incoming and outgoing score sums of one hidden unit (SynFlow Theorem 1). */
export interface NeuronScore {
  layer: string;
  /** Unit (channel) index within the layer. */
  unit: number;
  incoming: number;
  outgoing: number;
}

/** Conservation of one scorer on one model. */
export interface ConservationEntry {
  pruner: string;
  seed: number;
  /** R of SynFlow (sum of the all-ones output), or the loss for data-dependent scores. */
  R: number;
  layers: LayerScore[];
  /** max over layers of |sum_l - R| / |R| (Theorem 2; meaningful for bias-free chains). */
  networkResidual: number;
  /** Relative |in - out| / max(|in|, |out|) over hidden units: max and mean (Theorem 1). */
  neuronResidual: { max: number; mean: number; units: number };
  /** A sample of units to draw (all units for small nets), or empty. */
  neurons: NeuronScore[];
}

/** Conservation check: synaptic saliency sums at initialization. */
export interface ConservationResults extends ResultsHeader {
  kind: 'conservation';
  dtype: 'float32' | 'float64';
  entries: ConservationEntry[];
}

/** The sanity checks of Frankle et al. (2021), each applied to a pruner's mask. */
export type SanityCheck = 'original' | 'layer-shuffle' | 'reinit' | 'invert';

/** One trained variant of a sanity check. */
export interface SanityRun extends RunRecord {
  check: SanityCheck;
}

/** Sanity checks: train the unmodified mask and its shuffled / reinitialized / inverted forms. */
export interface SanityResults extends ResultsHeader {
  kind: 'sanity';
  pruneSettings: PruneSettings;
  trainSettings: TrainSettings;
  /** 'original' first, then the modified masks that were trained. */
  checks: SanityCheck[];
  runs: SanityRun[];
}

/** Any results document; `kind` tells which. */
export type Results =
  | PruneResults
  | TrainResults
  | SingleShotResults
  | MultiShotResults
  | CollapseResults
  | ConservationResults
  | SanityResults;

/** The `kind` of a results document. */
export type ResultsKind = Results['kind'];

/** Every kind, in the order reports draw them. */
export const RESULTS_KINDS: readonly ResultsKind[] = [
  'prune',
  'train',
  'singleshot',
  'multishot',
  'collapse',
  'conservation',
  'sanity',
];

/** The header fields every writer fills in the same way (`model`, `data` and `backend` excepted). */
export function resultsHeader(producer: string, now: Date = new Date()): Pick<ResultsHeader, 'format' | 'version' | 'createdAt' | 'producer'> {
  return { format: RESULTS_FORMAT, version: RESULTS_VERSION, createdAt: now.toISOString(), producer };
}

/** A Target from a density in (0, 1]; the other two words follow from it. */
export function targetFromDensity(density: number): Target {
  if (!(density > 0 && density <= 1)) throw new RangeError(`targetFromDensity: density must be in (0, 1], got ${density}`);
  const compression = -Math.log10(density);
  return { density, sparsity: 1 - density, compression: compression === 0 ? 0 : compression };
}

/** A Target from a compression c >= 0 (density 10^-c). */
export function targetFromCompression(compression: number): Target {
  if (!(compression >= 0 && Number.isFinite(compression))) {
    throw new RangeError(`targetFromCompression: compression must be a finite number >= 0, got ${compression}`);
  }
  return { density: Math.pow(10, -compression), sparsity: 1 - Math.pow(10, -compression), compression };
}
