/**
 * The words `pai` accepts, with one line each for --help. Pruner and dataset names are
 * the library's (issue texts of the Pruning and Models layers); when the library registry
 * is loaded it is the authority, and these lists only serve help text and early checks.
 */

/** Pruners at initialization and baselines, with the paper each comes from. */
export const PRUNERS: Record<string, string> = {
  rand: 'random scores (Gaussian), global threshold',
  'rand-layer': 'random, each layer kept at the global density',
  mag: 'weight magnitude |θ|',
  snip: 'SNIP, |θ ⊙ ∂L/∂θ| (Lee et al. 2019)',
  grasp: 'GraSP, θ ⊙ Hg (Wang et al. 2020)',
  synflow: 'SynFlow, data-free |θ ⊙ ∂R/∂θ| (Tanaka et al. 2020)',
  'iter-snip': 'iterative SNIP (de Jorge et al. 2021)',
  force: 'FORCE (de Jorge et al. 2021)',
  'gem-miner': 'Gem-Miner, learned scores (Sreenivasan et al. 2022)',
  imp: 'iterative magnitude pruning with rewinding (Frankle et al. 2019, 2020)',
};

/** Datasets and where their files come from. */
export const DATASETS: Record<string, string> = {
  mnist: 'embedded: 10,000 real digits (8,000 train / 2,000 test), no download',
  'fashion-mnist': 'IDX files, default /usr/share/datasets/fashion-mnist',
  'mnist-idx': 'the full MNIST in IDX format, needs --data-dir',
  cifar10: 'CIFAR-10 binary version, needs --data-dir (directory or .tar.gz)',
  cifar100: 'CIFAR-100 binary version, needs --data-dir (directory or .tar.gz)',
  synthetic: 'random images (--input-shape, --classes), for timing and data-free runs',
};

/** Default directories of datasets that have one; others need --data-dir. */
export const DEFAULT_DATA_DIRS: Record<string, string> = {
  'fashion-mnist': '/usr/share/datasets/fashion-mnist',
};

/** Datasets that read files (everything but the embedded and synthetic ones). */
export const FILE_DATASETS = ['fashion-mnist', 'mnist-idx', 'cifar10', 'cifar100'];

/** Experiments of `pai experiment`. */
export const EXPERIMENTS: Record<string, string> = {
  singleshot: 'prune to each compression, train, evaluate: accuracy vs compression',
  multishot: 'iterative magnitude pruning levels (train, prune 20%, rewind)',
  collapse: 'sweep compression 0..6 per pruner and find the first empty layer',
  conservation: 'synaptic saliency sums per neuron and per layer (SynFlow Theorems 1-2)',
  sanity: 'layer shuffle, reinit and inverted masks against the original (Frankle et al. 2021)',
};

/** The sanity checks, besides the unmodified mask. */
export const SANITY_CHECKS = ['layer-shuffle', 'reinit', 'invert'] as const;

export const SCHEDULES = ['exponential', 'linear'] as const;
export const SCOPES = ['global', 'local'] as const;
export const SCORE_MODES = ['eval', 'train'] as const;
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export const LR_SCHEDULES = ['constant', 'multistep', 'cosine'] as const;
export const SPARSE_MODES = ['auto', 'dense', 'compressed'] as const;
export const BACKENDS = ['reference', 'cpu', 'cuda'] as const;
