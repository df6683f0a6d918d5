import { permutation, DataStream } from '../data/random-stream';
import { initializeReference } from '../models/init';
import type { ArenaModel } from './pruner';
import type { PruneSegment } from './prunable';

/**
 * Sanity check "layer shuffle" (Frankle et al., 2021): permutes the mask within each
 * participating tensor (a seeded Fisher-Yates per tensor), so every layer keeps its exact
 * density while the pattern becomes random. The weights are first restored to `initial`
 * (the prunable values at initialization, before pruning zeroed some), then the shuffled
 * mask is applied. Unlike Synaptic-Flow's `--shuffle`, which is a no-op, this really moves
 * the mask.
 */
export function layerShuffle(model: ArenaModel, segments: readonly PruneSegment[], seed: number, initial: Float32Array): void {
  const arena = model.arena;
  if (initial.length !== arena.prunableLength) {
    throw new RangeError(`layerShuffle: initial values have ${initial.length} entries, the prunable block ${arena.prunableLength}`);
  }
  const masks = arena.masks;
  segments.forEach((s, index) => {
    if (!s.participates) return;
    const window = masks.subarray(s.offset, s.offset + s.length);
    const original = window.slice();
    const perm = permutation(s.length, seed, DataStream.MaskShuffle, index);
    for (let i = 0; i < s.length; i++) window[i] = original[perm[i]];
  });
  arena.prunableValues.set(initial);
  arena.activateMasks();
}

/**
 * Sanity check "reinit": keeps the mask and redraws every weight from the initialization
 * distribution of the reference models (Kaiming-normal, fan-in, ReLU gain) with a new seed;
 * pruned weights stay exactly 0.
 */
export function reinitializeSurvivors(model: ArenaModel, seed: number): void {
  initializeReference(model, seed);
  model.arena.activateMasks();
}
