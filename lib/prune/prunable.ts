import type { ArenaEntry, ParameterArena } from '../nn/arena';

/**
 * Which parameters a pruner may remove. Conv and linear weights are always prunable (the
 * model's arena marks them); these switches narrow or widen that set as in the
 * Synaptic-Flow reference (`--prune-bias`, `--prune-batchnorm`, `--prune-residual`,
 * `--dense-classifier`).
 */
export interface PrunableSettings {
  /** Biases (needs a model built with prunable biases). Default false. */
  bias: boolean;
  /** Batch-norm scales and shifts (needs a model built with them prunable). Default false. */
  batchnorm: boolean;
  /** 1x1 residual-shortcut convolutions of ResNets. Default true (they are Conv2d layers). */
  shortcut: boolean;
  /** The final classifier layer; false keeps it dense. Default true. */
  classifier: boolean;
}

/** The reference defaults: conv and linear weights, shortcuts and classifier included. */
export const DEFAULT_PRUNABLE: PrunableSettings = { bias: false, batchnorm: false, shortcut: true, classifier: true };

/** One prunable tensor as the pruning loop sees it: a window of the arena's prunable block. */
export interface PruneSegment {
  key: string;
  shape: number[];
  offset: number;
  length: number;
  /** false: held dense under the settings (e.g. a dense classifier). */
  participates: boolean;
}

/** Whether an arena key belongs to a residual shortcut convolution. */
export function isShortcutKey(key: string): boolean {
  return /(^|\.)shortcut\.\d+\.weight$/.test(key);
}

/**
 * The prunable block of `arena` cut into one segment per tensor, in arena (state-dict)
 * order, each marked whether it participates under `settings`. The classifier is the last
 * two-dimensional (linear) prunable weight.
 */
export function pruneSegments(arena: ParameterArena, settings: PrunableSettings = DEFAULT_PRUNABLE): PruneSegment[] {
  if (settings.bias || settings.batchnorm) {
    const has = arena.prunableParameters().some((e) => e.param.ndim === 1);
    if (!has) {
      throw new RangeError(
        'prune: prunable biases or batch-norm parameters need a model built with them in the prunable arena ' +
          '(createModel(name, { prunable: { bias, batchnorm } })); fix: rebuild the model that way or drop the option',
      );
    }
  }
  const entries: readonly ArenaEntry[] = arena.prunableParameters();
  let classifier = -1;
  entries.forEach((e, i) => {
    if (e.param.ndim === 2) classifier = i;
  });
  return entries.map((e, i) => {
    let participates = true;
    if (!settings.shortcut && isShortcutKey(e.key)) participates = false;
    if (!settings.classifier && i === classifier) participates = false;
    if (e.param.ndim === 1) participates = looksLikeBatchNorm(e.key, entries) ? settings.batchnorm : settings.bias;
    return { key: e.key, shape: [...e.param.shape], offset: e.offset, length: e.length, participates };
  });
}

/** A 1-D prunable parameter whose module has no 2-D+ weight in the arena is a batch norm's. */
function looksLikeBatchNorm(key: string, entries: readonly ArenaEntry[]): boolean {
  const owner = key.slice(0, key.lastIndexOf('.'));
  return !entries.some((e) => e.key === `${owner}.weight` && e.param.ndim >= 2);
}

/** Number of weights that participate in pruning. */
export function participatingCount(segments: readonly PruneSegment[]): number {
  let n = 0;
  for (const s of segments) if (s.participates) n += s.length;
  return n;
}
