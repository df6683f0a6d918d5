import type { BatchSource } from '../train/batches';
import { getPruner } from './registry';
import type { ArenaModel, Pruner, ScoreContext } from './pruner';
import { DEFAULT_PRUNABLE, participatingCount, pruneSegments, type PrunableSettings, type PruneSegment } from './prunable';
import { selectMask, type PruneScope } from './mask-selection';
import { scheduledDensity, type PruneSchedule } from './schedule';
import { targetDensity, type PruneTarget } from './target';
import { finishForce } from './pruners/force';
import { DeviceSelection } from './device-selection';
import { loadNative } from '../backend/native-loader';
import type { ParameterArena } from '../nn/arena';

/** Progress of the pruning loop, after each iteration. */
export interface PruneProgress {
  iteration: number;
  iterations: number;
  /** Density of the participating weights after this iteration. */
  density: number;
}

/** Options of {@link pruneModel}. Every target is one of density, sparsity or compression. */
export interface PruneOptions {
  /** A registry name ('synflow', 'snip', ...) or a Pruner. */
  pruner: string | Pruner;
  target: PruneTarget;
  /** Default: the pruner's (100 for synflow, 60 for force and iter-snip, else 1). */
  iterations?: number;
  /** Default 'exponential'. */
  schedule?: PruneSchedule;
  /** Default: the pruner's ('local' for rand-layer, else 'global'). */
  scope?: PruneScope;
  /** The pruning set (SNIP, GraSP, FORCE, iter-snip), e.g. 10 x classes samples in batches of 256. */
  data?: BatchSource | null;
  /** Seed of the pruner's randomness. Default 0. */
  seed?: number;
  prunable?: Partial<PrunableSettings>;
  /** Batch norm and dropout mode while scoring; default 'eval' (the reference's default). */
  scoreMode?: 'train' | 'eval';
  /** Sanity check: keep the lowest-ranked weights instead (by rank). */
  invert?: boolean;
  extra?: Record<string, number | string | boolean>;
  /**
   * On a device: whether the scoring pruners (all but gem-miner and imp, which train) score
   * and select there, moving nothing between host and device per iteration (default true);
   * false takes the host path (scores and selection on the cpu copy).
   */
  onDevice?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: PruneProgress) => void;
}

/** What {@link pruneModel} did. */
export interface PruneOutcome {
  pruner: string;
  /** Target density of the participating weights. */
  targetDensity: number;
  /** Achieved density: survivors / participating. */
  density: number;
  survivors: number;
  /** Number of participating (prunable under the settings) weights. */
  participating: number;
  iterations: number;
  schedule: PruneSchedule;
  scope: PruneScope;
  segments: PruneSegment[];
  seconds: number;
}

/**
 * Prunes `model` in place at initialization: for each iteration k of K, score every
 * prunable weight (one pass over the arena), then keep exactly round(d_k x N) of them
 * (one selection for all layers), with d_k following the schedule to the target. Pruned
 * weights are set to exactly 0 and stay pruned (FORCE alone re-admits them while it runs).
 * The masks live in `model.arena.masks` and are active in the layers afterwards.
 * @example await pruneModel(model, { pruner: 'synflow', target: { compression: 2 } })
 */
export async function pruneModel(model: ArenaModel, opts: PruneOptions): Promise<PruneOutcome> {
  const t0 = performance.now();
  const pruner = typeof opts.pruner === 'string' ? getPruner(opts.pruner) : opts.pruner;
  const density = targetDensity(opts.target);
  const iterations = opts.iterations ?? pruner.defaultIterations;
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`prune: iterations must be a positive integer, got ${iterations}`);
  const schedule = opts.schedule ?? 'exponential';
  const scope = opts.scope ?? pruner.defaultScope;
  if (scope !== 'global' && scope !== 'local') throw new RangeError(`prune: scope must be 'global' or 'local', got '${scope as string}'`);
  if (pruner.needsData && !opts.data) {
    throw new RangeError(`prune: ${pruner.name} needs a pruning set (data); pass data, or use a data-free pruner such as synflow, mag or rand`);
  }
  const arena = model.arena;
  if (!arena) throw new RangeError('prune: the model has no parameter arena; build it with createModel or ParameterArena.attach');
  const segments = pruneSegments(arena, { ...DEFAULT_PRUNABLE, ...opts.prunable });
  const participating = participatingCount(segments);
  const scores = new Float32Array(arena.prunableLength);
  const ctx: ScoreContext = {
    model,
    arena,
    segments,
    data: opts.data ?? null,
    iteration: 0,
    iterations,
    seed: opts.seed ?? 0,
    scores,
    extra: opts.extra ?? {},
    signal: opts.signal,
    state: new Map(),
    excludePruned: !pruner.regrows,
    invert: opts.invert === true,
    prepared: null,
  };
  const wasTraining = model.training;
  let survivors = 0;
  let begun = false;
  let device: DeviceSelection | null = null;
  try {
    model.train((opts.scoreMode ?? 'eval') === 'train');
    pruner.begin?.(ctx);
    begun = true;
    // On a device, a pruner that scores from device tensors keeps the whole iteration there.
    device = pruner.scoresOnDevice && opts.onDevice !== false ? DeviceSelection.open(arena, segments, { regrow: pruner.regrows }) : null;
    ctx.device = device;
    for (let k = 1; k <= iterations; k++) {
      opts.signal?.throwIfAborted();
      ctx.iteration = k;
      ctx.prepared = null;
      await pruner.score(ctx);
      const dk = scheduledDensity(schedule, density, k, iterations);
      if (device) {
        survivors = device.select(scope, dk, opts.invert === true);
        opts.onProgress?.({ iteration: k, iterations, density: participating ? survivors / participating : 1 });
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      // The new mask is written over the current one: selectMask reads it before selecting.
      // Once a selection has been applied (every pruned weight exactly 0, masks bound on the
      // cpu), the selection zeroes the weights it drops in the same pass.
      const drop = k > 1 && zeroesInPlace(arena, pruner.regrows === true) ? arena.values.subarray(0, arena.prunableLength) : null;
      survivors = selectMask(scores, segments, dk, arena.masks, { scope, current: arena.masks, regrow: pruner.regrows, invert: opts.invert, prepared: ctx.prepared, drop });
      if (!pruner.regrows && drop === null) applySelection(arena);
      // Every pruned weight is now exactly 0; if no live one is, that stays true (the
      // selection zeroes what it drops, survivors keep their values), so later scoring
      // passes need not read the masks.
      if (k === 1 && iterations >= 3 && zeroesInPlace(arena, pruner.regrows === true)) ctx.prunedAreZero = noLiveZero(arena);
      opts.onProgress?.({ iteration: k, iterations, density: participating ? survivors / participating : 1 });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    try {
      // The device's masks and weights reach the host arena before the pruner restores it.
      ctx.device = null;
      device?.close();
    } finally {
      if (begun) pruner.end?.(ctx);
      if (pruner.regrows) finishForce(ctx);
      model.train(wasTraining);
    }
  }
  arena.activateMasks();
  return {
    pruner: pruner.name,
    targetDensity: density,
    density: participating ? survivors / participating : 1,
    survivors,
    participating,
    iterations,
    schedule,
    scope,
    segments,
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Makes a new selection take effect: pruned weights set to exactly 0 in one native pass
 * when the masks are already bound to the layers on the cpu (every iteration after the
 * first), else through the arena (which also binds the masks and syncs a device copy).
 */
function applySelection(arena: ParameterArena): void {
  const zero = loadNative().addon?.pruneZeroMasked;
  if (typeof zero === 'function' && zeroesInPlace(arena, false)) {
    zero(arena.values.subarray(0, arena.prunableLength), arena.masks);
  } else {
    arena.activateMasks();
  }
}

/** Whether no live (mask 1) prunable weight is exactly 0. */
function noLiveZero(arena: ParameterArena): boolean {
  const v = arena.values;
  const m = arena.masks;
  for (let i = 0; i < m.length; i++) if (v[i] === 0 && m[i] !== 0) return false;
  return true;
}

/** Whether pruned weights can be zeroed straight in the arena's values: masks bound, on the cpu, no layer compressed, no regrowth. */
function zeroesInPlace(arena: ParameterArena, regrows: boolean): boolean {
  return !regrows && arena.masksActive && arena.device === 'cpu' && arena.prunableParameters().every((e) => !e.param.compressed);
}
