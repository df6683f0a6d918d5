import type { Module } from '../nn/module';
import type { ParameterArena } from '../nn/arena';
import type { BatchSource } from '../train/batches';
import type { PruneSegment } from './prunable';
import type { DeviceSelection } from './device-selection';

/** A model the pruners work on: any Module with its parameter arena attached. */
export type ArenaModel = Module & { readonly arena: ParameterArena; readonly spec?: { inputShape: readonly number[]; numClasses: number } };

/** What a scorer sees at one iteration of the pruning loop. */
export interface ScoreContext {
  model: ArenaModel;
  arena: ParameterArena;
  segments: readonly PruneSegment[];
  /** The pruning set (data-dependent pruners), or null. */
  data: BatchSource | null;
  /** 1-based iteration and the total. */
  iteration: number;
  iterations: number;
  /** Seed of the pruner's randomness (rand, shuffles, gem-miner's scores). */
  seed: number;
  /** Scores to fill, one per prunable weight (the arena's prunable block). */
  scores: Float32Array;
  /** Pruner-specific options (e.g. FORCE batches per step). */
  extra: Readonly<Record<string, number | string | boolean>>;
  signal?: AbortSignal;
  /** Per-run state a scorer may keep between iterations (e.g. FORCE's dense θ₀). */
  state: Map<string, unknown>;
  /** Set by the loop: pruned weights compete no more (false for FORCE, which regrows). */
  excludePruned?: boolean;
  /** Set by the loop: the sanity check 'invert' (the selection keeps the lowest scores). */
  invert?: boolean;
  /**
   * Live weights per segment when the scorer wrote finished scores through
   * writeSegmentScores (lib/prune/segment-scores.ts); null when the selection must still
   * exclude pruned weights, invert and check the scores itself. Reset by the loop.
   */
  prepared?: Float64Array | null;
  /**
   * Set by the loop once it has checked that a prunable weight is exactly 0 if and only if
   * it is pruned (and keeps it so): scoring the arena's own weights then tells pruned from
   * live by the weight, without reading the masks.
   */
  prunedAreZero?: boolean;
  /**
   * Set by the loop on a device arena for a pruner with `scoresOnDevice`: the scorer writes
   * each segment's scores there ({@link DeviceSelection.write}) instead of into `scores`,
   * and the selection runs on the device too.
   */
  device?: DeviceSelection | null;
}

/** A pruning method: a scorer plugged into the pruning loop, with the reference defaults. */
export interface Pruner {
  /** Registry name, e.g. 'synflow'. */
  name: string;
  /** The paper the method comes from. */
  paper: string;
  /** Whether it needs a pruning set of labelled samples. */
  needsData: boolean;
  /** Default number of pruning iterations (1 = one shot). */
  defaultIterations: number;
  /** Default scope ('local' for rand-layer). */
  defaultScope: 'global' | 'local';
  /** FORCE: pruned weights compete again at every iteration (masks are applied at the end). */
  regrows?: boolean;
  /** Whether its scorer writes through ctx.device when the loop sets it (scores from device tensors). */
  scoresOnDevice?: boolean;
  /** Fills ctx.scores (higher = keep). */
  score(ctx: ScoreContext): void | Promise<void>;
  /** Runs once before the first iteration (e.g. SynFlow linearizes the model once per run). */
  begin?(ctx: ScoreContext): void;
  /** Runs once after the last iteration, also when pruning throws (restores what begin changed). */
  end?(ctx: ScoreContext): void;
}
