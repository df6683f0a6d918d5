import { writeArenaScores } from '../segment-scores';
import { accumulateLossGradients, clearGrads } from '../gradients';
import type { Pruner, ScoreContext } from '../pruner';

/**
 * SNIP's connection sensitivity |θ ⊙ ∂L/∂θ| with the gradient summed over the pruning set
 * (one backward per batch), on the currently masked network.
 */
export async function snipScores(ctx: ScoreContext, where: string): Promise<void> {
  if (!ctx.data) throw new RangeError(`${where}: needs a pruning set of labelled samples (data)`);
  clearGrads(ctx.model);
  await accumulateLossGradients(ctx.model, ctx.data, { signal: ctx.signal, where });
  const device = ctx.device;
  if (device) {
    // On the device: the weights and gradients are not copied to the host.
    device.writeParameters('absprod');
    clearGrads(ctx.model);
    return;
  }
  const grads = ctx.arena.gatherGrads();
  clearGrads(ctx.model);
  writeArenaScores(ctx, 'absprod', ctx.arena.prunableValues, grads.subarray(0, ctx.arena.prunableLength));
}

/** SNIP (Lee et al., 2019): one shot. */
export const snipPruner: Pruner = {
  name: 'snip',
  paper: 'Lee, Ajanthan & Torr, 2019, "SNIP: Single-shot network pruning based on connection sensitivity"',
  needsData: true,
  defaultIterations: 1,
  defaultScope: 'global',
  scoresOnDevice: true,
  score: (ctx) => snipScores(ctx, 'snip'),
};

/** Iterative SNIP (de Jorge et al., 2021): SNIP re-scored on the masked net every step; pruned weights stay pruned. */
export const iterSnipPruner: Pruner = {
  name: 'iter-snip',
  paper: 'de Jorge et al., 2021, "Progressive skeletonization: trimming more fat from a network at initialization" (Iterative SNIP)',
  needsData: true,
  defaultIterations: 60,
  defaultScope: 'global',
  scoresOnDevice: true,
  score: (ctx) => snipScores(ctx, 'iter-snip'),
};
