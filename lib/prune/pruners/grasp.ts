import { keep, Tensor, tidy } from '../../tensor';
import { add, clone, crossEntropy, mul, sum } from '../../ops';
import { grad } from '../../autograd';
import { scoreKernel } from '../../backend/sparse/select';
import { accumulateLossGradients, clearGrads, pruningBatches } from '../gradients';
import type { Pruner, ScoreContext } from '../pruner';

/** Softmax temperature of the reference GraSP (logits / 200). */
export const GRASP_TEMPERATURE = 200;
/** Added to |sum of scores| before normalizing, as in the reference. */
export const GRASP_EPS = 1e-10;

/**
 * GraSP's Hessian-gradient product Hg over the participating weights, exactly (double
 * backward, no finite differences): g = ∇L summed over the pruning set without a graph,
 * then for each batch the gradient of gᵀ∇L is accumulated. Returns Hg over the prunable
 * block (zeros outside the participating tensors).
 */
export async function graspHessianGradient(ctx: ScoreContext, temperature = GRASP_TEMPERATURE): Promise<Float32Array> {
  await accumulateHessianGradient(ctx, temperature);
  const hg = ctx.arena.gatherGrads().slice(0, ctx.arena.prunableLength);
  clearGrads(ctx.model);
  for (const s of ctx.segments) if (!s.participates) hg.fill(0, s.offset, s.offset + s.length);
  return hg;
}

/**
 * Leaves Hg in the participating parameters' gradients (and other terms in the rest). The
 * stopped g is a copy of the gradients where they live (no pass through the host).
 */
async function accumulateHessianGradient(ctx: ScoreContext, temperature: number): Promise<void> {
  if (!ctx.data) throw new RangeError('grasp: needs a pruning set of labelled samples (data)');
  const params = ctx.arena.prunableParameters().filter((_, i) => ctx.segments[i].participates).map((e) => e.param);
  clearGrads(ctx.model);
  await accumulateLossGradients(ctx.model, ctx.data, { temperature, signal: ctx.signal, where: 'grasp' });
  // A tensor without gradient has g = 0: its term of gᵀ∇L is 0 and is left out.
  const constants = params.map((p) => (p.grad ? keep(clone(p.grad)) : null));
  clearGrads(ctx.model);
  try {
    for await (const { x, y } of pruningBatches(ctx.data, 'grasp', ctx.model.device())) {
      ctx.signal?.throwIfAborted();
      tidy(() => {
        const loss = crossEntropy(mul(ctx.model.forward(x), 1 / temperature), y);
        const gs = grad([loss], params, { createGraph: true, allowUnused: true });
        let z: Tensor | null = null;
        gs.forEach((g, i) => {
          const c = constants[i];
          if (!g || !c) return;
          const term = sum(mul(g, c));
          z = z ? add(z, term) : term;
        });
        if (z) (z as Tensor).backward();
      });
      x.dispose();
    }
  } finally {
    for (const c of constants) c?.dispose();
  }
}

/**
 * GraSP (Wang et al., 2020) as in the Synaptic-Flow reference: score θ ⊙ Hg normalized by
 * |Σ score| + 1e-10, pruning the lowest (keeping the highest).
 */
export const graspPruner: Pruner = {
  name: 'grasp',
  paper: 'Wang, Zhang & Grosse, 2020, "Picking winning tickets before training by preserving gradient flow"',
  needsData: true,
  defaultIterations: 1,
  defaultScope: 'global',
  scoresOnDevice: true,
  async score(ctx) {
    const device = ctx.device;
    if (device) {
      // On the device: θ ⊙ Hg from the device weights and gradients, normalized there.
      await accumulateHessianGradient(ctx, GRASP_TEMPERATURE);
      device.writeParameters('prod');
      clearGrads(ctx.model);
      device.normalize(GRASP_EPS);
      return;
    }
    const hg = await graspHessianGradient(ctx);
    scoreKernel('prod', ctx.arena.prunableValues, hg, ctx.scores);
    let total = 0;
    for (const s of ctx.segments) {
      if (!s.participates) continue;
      for (let i = s.offset; i < s.offset + s.length; i++) total += ctx.scores[i];
    }
    const norm = Math.abs(total) + GRASP_EPS;
    for (let i = 0; i < ctx.scores.length; i++) ctx.scores[i] /= norm;
  },
};
