import { keep, Tensor } from '../../tensor';
import { writeArenaScores } from '../segment-scores';
import { accumulateLossGradients, clearGrads } from '../gradients';
import type { Pruner, ScoreContext } from '../pruner';

const THETA0 = 'force.theta0';
const THETA0_DEVICE = 'force.theta0.device';

/** The dense initial weights θ₀ of a FORCE run (captured at its first iteration). */
export function forceTheta0(ctx: ScoreContext): Float32Array {
  let theta0 = ctx.state.get(THETA0) as Float32Array | undefined;
  if (!theta0) {
    theta0 = ctx.arena.prunableValues.slice();
    ctx.state.set(THETA0, theta0);
  }
  return theta0;
}

/**
 * FORCE (de Jorge et al., 2021) as in the paper: the saliency |θ₀ ⊙ ∂L(θ₀ ⊙ m)/∂w| with the
 * dense θ₀, so a pruned weight keeps a score and can come back while pruning runs. The
 * network is evaluated at w = θ₀ ⊙ m with unmasked gradients; the loss is cross-entropy on
 * the logits (the reference's nll on raw logits is a bug). `extra.forceBatches` batches of
 * the pruning set per step (paper default 1 for CIFAR-10), a different batch each step.
 */
export const forcePruner: Pruner = {
  name: 'force',
  paper: 'de Jorge, Sanyal, Behl, Torr, Rogez & Dokania, 2021, "Progressive skeletonization: trimming more fat from a network at initialization"',
  needsData: true,
  defaultIterations: 60,
  defaultScope: 'global',
  regrows: true,
  scoresOnDevice: true,
  async score(ctx) {
    if (!ctx.data) throw new RangeError('force: needs a pruning set of labelled samples (data)');
    const batches = Number(ctx.extra.forceBatches ?? 1);
    if (!Number.isInteger(batches) || batches < 1) throw new RangeError(`force: forceBatches must be a positive integer, got ${ctx.extra.forceBatches}`);
    const theta0 = forceTheta0(ctx);
    const device = ctx.device;
    const theta0Device = device ? forceTheta0OnDevice(ctx, theta0) : null;
    if (device && theta0Device) {
      device.maskedWeights(theta0Device);
    } else {
      const values = ctx.arena.prunableValues;
      const mask = ctx.arena.masks;
      for (let i = 0; i < values.length; i++) values[i] = theta0[i] * mask[i];
      ctx.arena.syncToDevice();
    }
    clearGrads(ctx.model);
    await accumulateLossGradients(ctx.model, ctx.data, { signal: ctx.signal, where: 'force', maxBatches: batches, epoch: ctx.iteration - 1 });
    if (device && theta0Device) {
      device.writeParameters('absprod', theta0Device);
      clearGrads(ctx.model);
      return;
    }
    const grads = ctx.arena.gatherGrads().subarray(0, ctx.arena.prunableLength);
    clearGrads(ctx.model);
    writeArenaScores(ctx, 'absprod', theta0, grads);
  },
};

/** θ₀ on the model's device, uploaded once per run (freed by {@link finishForce}). */
function forceTheta0OnDevice(ctx: ScoreContext, theta0: Float32Array): Tensor {
  let t = ctx.state.get(THETA0_DEVICE) as Tensor | undefined;
  if (!t) {
    const host = Tensor.fromStorage(theta0, [theta0.length]);
    t = keep(host.to(ctx.model.device()));
    host.dispose();
    ctx.state.set(THETA0_DEVICE, t);
  }
  return t;
}

/** Ends a FORCE run: the dense θ₀ back in place (the loop then applies the final mask). */
export function finishForce(ctx: ScoreContext): void {
  (ctx.state.get(THETA0_DEVICE) as Tensor | undefined)?.dispose();
  ctx.state.delete(THETA0_DEVICE);
  const theta0 = ctx.state.get(THETA0) as Float32Array | undefined;
  if (theta0) ctx.arena.prunableValues.set(theta0);
}
