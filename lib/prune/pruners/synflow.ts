import { full, keep, tidy } from '../../tensor';
import { abs, sum } from '../../ops';
import { beginSegmentScores, writeSegmentScores } from '../segment-scores';
import { clearGrads } from '../gradients';
import { loadNative } from '../../backend/native-loader';
import type { ArenaModel, Pruner, ScoreContext } from '../pruner';

/**
 * Runs `fn` on the "linearized" model of SynFlow: every parameter and buffer replaced by its
 * absolute value, batch norm in eval mode; afterwards the exact original values (signs
 * included) and the mode are restored, even if `fn` throws.
 */
export function withLinearizedModel<T>(model: ArenaModel, fn: () => T): T {
  const restore = linearize(model);
  try {
    return fn();
  } finally {
    restore();
  }
}

/**
 * Linearizes `model` in place (|θ| for every parameter and buffer, masks detached from the
 * layers since pruned weights are exactly 0, eval mode) and returns the function that puts
 * back the exact original values, masks and mode. On a device the parameters are linearized
 * on the host copy and uploaded, the buffers where they live.
 */
export function linearize(model: ArenaModel): () => void {
  const arena = model.arena;
  const values = arena.values;
  const saved = values.slice();
  const buffers = model.buffers().map((b) => ({ b, copy: keep(b.clone()) }));
  const wasTraining = model.training;
  // Pruned weights are exactly 0 in the arena, so the layers need not multiply by their masks
  // here: detaching them saves a pass over every weight and gradient per iteration.
  const prunable = arena.prunableParameters().map((e) => ({ p: e.param, mask: e.param.mask }));
  absInPlace(values);
  arena.syncToDevice();
  for (const { b } of buffers) tidy(() => b.copy_(abs(b)));
  for (const e of prunable) e.p.mask = null;
  model.eval();
  return () => {
    arena.values.set(saved);
    arena.syncToDevice();
    for (const { b, copy } of buffers) {
      b.copy_(copy);
      copy.dispose();
    }
    for (const e of prunable) {
      // A view the loop attached meanwhile gives way to the model's own mask.
      if (e.p.mask !== e.mask) e.p.mask?.dispose();
      e.p.mask = e.mask;
    }
    model.train(wasTraining);
  };
}

/** x = |x| in place: the native unary kernel when the addon has it, else a loop. */
function absInPlace(x: Float32Array): void {
  const unary = loadNative().addon?.unary;
  if (typeof unary === 'function' && x.length > 4096) {
    unary('abs', x, x, 0, 0);
    return;
  }
  const abs = Math.abs;
  for (let i = 0; i < x.length; i++) x[i] = abs(x[i]);
}

/**
 * Synaptic flow of the linearized model on a constant input `value` of shape [1, C, H, W]
 * (value 1 gives the paper's R = 1ᵀ f_|θ|(1)), with its gradient accumulated into the
 * parameters. Returns the float32 output sum.
 */
export function synapticFlowBackward(model: ArenaModel, inputShape: readonly number[], value = 1): number {
  return tidy(() => {
    const out = model.forward(full([1, ...inputShape], value, { device: model.device() }));
    const r = sum(out);
    const v = r.item();
    r.backward();
    return v;
  });
}

/** The [C, H, W] input of a model, from its spec or the extra option `inputShape`. */
export function modelInputShape(ctx: ScoreContext): number[] {
  const s = ctx.model.spec?.inputShape ?? (ctx.extra.inputShape as unknown as number[] | undefined);
  if (!s) throw new RangeError('synflow: the model has no spec.inputShape; build it with createModel or pass extra.inputShape');
  return [...s];
}

/**
 * Whether the linearized model is positively homogeneous in its input: no bias, batch-norm
 * shift or running mean is nonzero (true at the reference initialization). Then f(a·1) =
 * a·f(1) exactly, so the input can be scaled by a power of two to keep float32 in range
 * without changing any ranking.
 */
export function isHomogeneous(model: ArenaModel): boolean {
  const arena = model.arena;
  for (const e of arena.entries) {
    if (e.prunable && e.param.ndim >= 2) continue;
    if (e.key.endsWith('.bias')) {
      const v = arena.values.subarray(e.offset, e.offset + e.length);
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
    }
  }
  for (const [key, b] of model.namedBuffers()) {
    if (!key.endsWith('running_mean')) continue;
    const d = b.data() as Float32Array;
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) return false;
  }
  return true;
}

const SCALE_KEY = 'synflow.inputScale';

/**
 * SynFlow scores |θ ⊙ ∂R/∂θ| of the current (masked) model, exact where float32 would
 * under- or overflow: on a homogeneous net (see {@link isHomogeneous}) the all-ones input is
 * scaled by a power of two chosen from the previous iteration's R so that the computed
 * flow stays near 1, and an iteration whose flow left the float32 range is redone at a
 * corrected scale. Scores are then all multiplied by the same power of two, which leaves
 * the ranking (and the exact counts) unchanged. The scores are written finished for the
 * selection (see writeSegmentScores): pruned weights at -Infinity unless ctx.excludePruned
 * is false. Returns R of the unscaled input (float64).
 */
export function synflowScores(ctx: ScoreContext): number {
  const { model, arena } = ctx;
  const linearized = ctx.state.get(RESTORE_KEY) !== undefined;
  // The loop re-attaches masks after each selection; pruned weights are 0, so detach them
  // (the loop made these views; linearize() holds the model's own).
  if (linearized) {
    for (const e of arena.prunableParameters()) {
      e.param.mask?.dispose();
      e.param.mask = null;
    }
  }
  const initial = (ctx.state.get(SCALE_KEY) as number | undefined) ?? 1;
  const { r, scale } = linearizedFlowGradients(model, modelInputShape(ctx), initial, `iteration ${ctx.iteration}`, linearized);
  if (r > 0) ctx.state.set(SCALE_KEY, scale * Math.pow(2, -Math.round(Math.log2(r))));
  // |θ| ⊙ |∂R/∂θ| of the linearized net equals |θ ⊙ ∂R/∂θ|: signs do not change magnitudes.
  // Scored tensor by tensor straight from the gradients (no gather pass over the arena).
  const device = ctx.device;
  if (device) {
    // On the device: the weights and gradients are not copied to the host.
    device.writeParameters('absprod');
  } else {
    const values = arena.prunableValues;
    beginSegmentScores(ctx);
    arena.prunableParameters().forEach((e, i) => {
      const g = e.param.grad;
      writeSegmentScores(ctx, i, 'absprod', values.subarray(e.offset, e.offset + e.length), g ? (g.data() as Float32Array) : null);
    });
  }
  clearGrads(model);
  return r / scale;
}

const RESTORE_KEY = 'synflow.restore';

/**
 * Forward and backward of the linearized model on the constant input `scale` (see
 * {@link synflowScores} for the rescaling), leaving ∂r/∂θ in the parameters' gradients.
 * Returns the computed flow r and the scale used: R = r / scale and ∂R/∂θ = grad / scale.
 * Non-homogeneous models always use scale 1. Throws if r overflows.
 */
export function linearizedFlowGradients(
  model: ArenaModel,
  shape: readonly number[],
  initialScale = 1,
  where = '',
  alreadyLinearized = false,
): { r: number; scale: number } {
  const homogeneous = isHomogeneous(model);
  const { r, scale } = searchFlowScale(homogeneous, initialScale, (s) => {
    clearGrads(model);
    return alreadyLinearized ? synapticFlowBackward(model, shape, s) : withLinearizedModel(model, () => synapticFlowBackward(model, shape, s));
  });
  if (!Number.isFinite(r)) {
    clearGrads(model);
    throw new RangeError(`synflow: the synaptic flow R overflowed (${r})${where ? ' at ' + where : ''}; the model is not homogeneous, so its input cannot be rescaled`);
  }
  return { r, scale };
}

/**
 * Runs `flowAt(scale)` (the flow of the linearized net on a constant input `scale`) until the
 * float32 result is comfortably in range, moving the input by powers of two; only a
 * homogeneous net may be rescaled (else scale stays 1). Returns the last flow and its scale.
 */
export function searchFlowScale(homogeneous: boolean, initialScale: number, flowAt: (scale: number) => number): { r: number; scale: number } {
  let scale = homogeneous ? initialScale : 1;
  let r = 0;
  for (let attempt = 0; ; attempt++) {
    r = flowAt(scale);
    const ok = Number.isFinite(r) && r > 1e-30 && r < 1e30;
    // r = 0 is usually a real collapse (no path left): one retry at a larger input tells it
    // from an underflow, and the input must stay a finite float32.
    if (ok || !homogeneous || attempt >= 8 || (r === 0 && attempt >= 1)) break;
    // Out of the comfortable range: move the input by 2^±60, or to the exact exponent when known.
    const next = scale * (Number.isFinite(r) && r > 0 ? Math.pow(2, -Math.round(Math.log2(r))) : r === 0 ? 2 ** 60 : 2 ** -60);
    if (!(next >= 2 ** -120 && next <= 2 ** 120)) break;
    scale = next;
  }
  return { r, scale };
}

/** SynFlow (Tanaka et al., 2020): data-free, iterative (100 iterations, exponential schedule). */
export const synflowPruner: Pruner = {
  name: 'synflow',
  paper: 'Tanaka, Kunin, Yamins & Ganguli, 2020, "Pruning neural networks without any data by iteratively conserving synaptic flow"',
  needsData: false,
  defaultIterations: 100,
  defaultScope: 'global',
  scoresOnDevice: true,
  // The model stays linearized for the whole run: one pass to take |θ|, one to restore.
  begin(ctx) {
    ctx.state.set(RESTORE_KEY, linearize(ctx.model));
  },
  score(ctx) {
    synflowScores(ctx);
  },
  end(ctx) {
    (ctx.state.get(RESTORE_KEY) as (() => void) | undefined)?.();
    ctx.state.delete(RESTORE_KEY);
  },
};
