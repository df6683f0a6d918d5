/** GraSP's Hg (exact double backward) against a float64 finite-difference Hessian-vector product. */
import { fromArray, Tensor } from '../../lib/tensor';
import { crossEntropy, linear, mul, relu } from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { graspHessianGradient, GRASP_TEMPERATURE, pruneSegments } from '../../lib/prune';
import type { ScoreContext } from '../../lib/prune';
import { pruningData, smallModel } from './fixtures';

const T = GRASP_TEMPERATURE;

describe('GraSP Hessian-gradient product', () => {
  it('matches central finite differences of float64 gradients', async () => {
    const model = smallModel('fc');
    const data = pruningData(model, 24, 12);
    const arena = model.arena;
    const weights = arena.prunableParameters();
    const biases = weights.map((w) => arena.entries.find((e) => e.key === w.key.replace(/weight$/, 'bias'))!);
    for (const b of biases) arena.values.subarray(b.offset, b.offset + b.length).forEach((_, i, a) => (a[i] = 0.02 * Math.cos(i)));
    const ctx: ScoreContext = {
      model,
      arena,
      segments: pruneSegments(arena),
      data,
      iteration: 1,
      iterations: 1,
      seed: 0,
      scores: new Float32Array(arena.prunableLength),
      extra: {},
      state: new Map(),
    };
    const hg = await graspHessianGradient(ctx);

    // The same network in float64 on the reference backend: flatten, linear + ReLU, ..., linear.
    const batches = [...data.epoch(0)].map((b) => ({ x: fromArray(b.x, [b.batchShape[0], b.x.length / b.batchShape[0]], { dtype: 'float64', backend: 'reference' }), y: b.y }));
    const lossGrad = (theta: Float64Array): Float64Array => {
      const ws = weights.map((w) => fromArray(theta.subarray(w.offset, w.offset + w.length), [...w.param.shape], { dtype: 'float64', backend: 'reference', requiresGrad: true }));
      const bs = biases.map((b) => fromArray(arena.values.subarray(b.offset, b.offset + b.length), [b.length], { dtype: 'float64', backend: 'reference' }));
      const total = new Float64Array(arena.prunableLength);
      for (const { x, y } of batches) {
        let h: Tensor = x;
        ws.forEach((w, l) => {
          h = linear(h, w, bs[l]);
          if (l < ws.length - 1) h = relu(h);
        });
        const g = grad([crossEntropy(mul(h, 1 / T), y)], ws);
        g.forEach((gi, l) => total.set((gi!.data() as Float64Array).map((v, i) => v + total[weights[l].offset + i]), weights[l].offset));
      }
      return total;
    };
    const theta = Float64Array.from(arena.prunableValues);
    const g = lossGrad(theta);
    const gNorm = Math.hypot(...g);
    const eps = (1e-3 * Math.hypot(...theta)) / gNorm / 100;
    const plus = lossGrad(theta.map((v, i) => v + eps * g[i]));
    const minus = lossGrad(theta.map((v, i) => v - eps * g[i]));
    const fd = plus.map((v, i) => (v - minus[i]) / (2 * eps));
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < fd.length; i++) {
      diff += (hg[i] - fd[i]) ** 2;
      norm += fd[i] ** 2;
    }
    expect(norm).toBeGreaterThan(0);
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-3);
  });
});
