import type { PruneProgress } from '../prune/prune';
import type { TrainEvent } from '../train/loop';

/**
 * A progress report from a long library call (`prune`, `train`, experiments), passed to
 * their `onProgress` callback. `done` of `total` units in the current `phase`; a new
 * phase (or a smaller `done`) starts a new bar.
 */
export interface ProgressEvent {
  /** What is running, e.g. "prune synflow", "train epoch 3/10", "singleshot". */
  phase: string;
  done: number;
  total: number;
  /** Unit of done/total: "iterations", "steps", "runs"... */
  unit?: string;
  /** Figures to show beside the bar, e.g. { loss: 0.31, top1: 0.94 }. */
  metrics?: Record<string, number | string>;
}

/** Where progress goes: the caller's callback, or nowhere. */
export type ProgressSink = ((event: ProgressEvent) => void) | undefined;

/** Adapts the pruning loop's progress to events of phase `phase` (e.g. "prune synflow", "[2/6] prune snip"). */
export function pruneProgress(sink: ProgressSink, phase: string): ((p: PruneProgress) => void) | undefined {
  if (!sink) return undefined;
  return (p) => sink({ phase, done: p.iteration, total: p.iterations, unit: 'iterations', metrics: { density: p.density } });
}

/**
 * Adapts the training loop's events: one phase per epoch ("<prefix>train epoch e/E") counting
 * steps, with the running loss; the epoch's test top-1 when it ends.
 */
export function trainProgress(sink: ProgressSink, prefix: string): ((e: TrainEvent) => void) | undefined {
  if (!sink) return undefined;
  return (e) => {
    if (e.type === 'step') {
      const total = e.stepsPerEpoch ?? e.step + 1;
      sink({ phase: `${prefix}train epoch ${e.epoch + 1}`, done: e.step + 1, total, unit: 'steps', metrics: { loss: e.loss } });
    } else if (e.type === 'epoch') {
      const r = e.record;
      const metrics: Record<string, number> = { loss: r.trainLoss };
      if (r.testTop1 !== undefined) metrics.test_top1 = r.testTop1;
      sink({ phase: `${prefix}epochs`, done: r.epoch + 1, total: e.epochs, unit: 'epochs', metrics });
    }
  };
}

/** "[3/12] " for the k-th (1-based) of n runs of a grid, "" for a single run. */
export function runPrefix(k: number, n: number): string {
  return n > 1 ? `[${k}/${n}] ` : '';
}
