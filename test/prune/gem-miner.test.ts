/**
 * Gem-Miner's score training against a direct transcription of the paper's algorithm: the
 * forward sees the hard mask 1[p > 0.5], the gradient reaches p through the straight-through
 * estimator, SGD with momentum on CE + λ‖p‖², p clamped to [0, 1], and every 5 epochs the
 * lowest-p active weights frozen out at p = 0.
 */
import { gemMiner, gemFreezeRate, keepCount, participatingCount, pruneSegments } from '../../lib/prune';
import { crossEntropy } from '../../lib/ops';
import { memory, rand, Tensor, tidy } from '../../lib/tensor';
import type { DataLoader } from '../../lib/data';
import type { ZooModel } from '../../lib/models/registry';
import { pruningData, smallModel } from './fixtures';

interface Settings {
  epochs: number;
  lr: number;
  momentum: number;
  lambda: number;
  density: number;
  seed: number;
}

/** The scores after training, computed step by step on the host, one tensor at a time. */
async function referenceScores(model: ZooModel, data: DataLoader, s: Settings): Promise<Float32Array> {
  const arena = model.arena;
  const segments = pruneSegments(arena);
  const n = arena.prunableLength;
  const u = rand([n], { seed: s.seed, backend: 'cpu' });
  const p = (u.data() as Float32Array).slice();
  u.dispose();
  for (const seg of segments) if (!seg.participates) p.fill(1, seg.offset, seg.offset + seg.length);
  const v = new Float32Array(n);
  const frozen = new Uint8Array(n);
  const entries = arena.prunableParameters();
  let active = participatingCount(segments);
  let first = true;
  model.train(true);
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    for await (const b of data.epoch(epoch)) {
      // ∂CE/∂m at the hard mask, with the mask a leaf of its own.
      const grads = tidy(() => {
        const masks = entries.map((e, i) => {
          if (!segments[i].participates) return null;
          const hard = Float32Array.from(p.subarray(e.offset, e.offset + e.length), (x) => (x > 0.5 ? 1 : 0));
          return Tensor.fromStorage(hard, e.param.shape).requiresGrad_();
        });
        entries.forEach((e, i) => (e.param.mask = masks[i]));
        crossEntropy(model.forward(Tensor.fromStorage(b.x, b.batchShape)), b.y).backward();
        entries.forEach((e) => (e.param.mask = null));
        return masks.map((m) => (m?.grad ? (m.grad.data() as Float32Array).slice() : null));
      });
      for (const q of model.parameters()) q.grad = null;
      entries.forEach((e, i) => {
        if (!segments[i].participates) return;
        for (let j = 0; j < e.length; j++) {
          const at = e.offset + j;
          const d = (grads[i]?.[j] ?? 0) + 2 * s.lambda * p[at];
          v[at] = first ? d : s.momentum * v[at] + d;
          p[at] = frozen[at] ? 0 : Math.min(1, Math.max(0, p[at] - s.lr * v[at]));
        }
      });
      first = false;
    }
    if ((epoch + 1) % 5 === 0 && epoch + 1 < s.epochs) {
      // Freeze out the lowest scores among the active weights (ties: the higher index goes).
      const keep = Math.round(active * (1 - gemFreezeRate(s.density, s.epochs)));
      const order: number[] = [];
      for (const seg of segments) if (seg.participates) for (let i = seg.offset; i < seg.offset + seg.length; i++) if (!frozen[i]) order.push(i);
      order.sort((a, b) => p[b] - p[a] || a - b);
      for (const i of order.slice(keep)) {
        frozen[i] = 1;
        p[i] = 0;
      }
      active = keep;
    }
  }
  return p;
}

describe('gem-miner', () => {
  // A learning rate large enough that the loss gradient, the threshold at 0.5 and the clamp
  // all change the scores (each of them, broken, fails the comparison).
  const settings: Settings = { epochs: 6, lr: 5, momentum: 0.9, lambda: 0.001, density: 0.2, seed: 4 };

  it('trains its scores as the paper does: straight-through SGD with momentum, clamped, frozen every 5 epochs', async () => {
    const expected = await referenceScores(smallModel('fc'), pruningData(smallModel('fc'), 32, 16), settings);
    const model = smallModel('fc');
    const { epochs, lr, momentum, lambda, seed, density } = settings;
    const data = pruningData(model, 32, 16);
    const live = memory().tensors;
    const out = await gemMiner(model, { target: { density }, data, epochs, lr, momentum, lambda, seed });
    // Its scores, momentum and windows are freed; the layers' mask views stay.
    expect(memory().tensors - live).toBe(model.arena.prunableParameters().length);
    expect(out.scores.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(out.scores[i] - expected[i]));
    expect(worst).toBeLessThan(2e-6);
    // The scores moved (the check is not of the initial draw), some of them to the bounds.
    const u = rand([expected.length], { seed, backend: 'cpu' }).data() as Float32Array;
    let moved = 0, atBound = 0;
    for (let i = 0; i < expected.length; i++) {
      if (Math.abs(expected[i] - u[i]) > 1e-3) moved++;
      if (expected[i] === 0 || expected[i] === 1) atBound++;
    }
    expect(moved).toBeGreaterThan(expected.length / 2);
    expect(atBound).toBeGreaterThan(0);
    // The mask keeps the highest scores, exactly round(d N) of them.
    const segments = out.segments;
    expect(out.survivors).toBe(keepCount(density, participatingCount(segments)));
    let lowestKept = Infinity, highestDropped = -Infinity;
    for (const s of segments) {
      if (!s.participates) continue;
      for (let i = s.offset; i < s.offset + s.length; i++) {
        if (model.arena.masks[i]) lowestKept = Math.min(lowestKept, out.scores[i]);
        else highestDropped = Math.max(highestDropped, out.scores[i]);
      }
    }
    expect(lowestKept).toBeGreaterThanOrEqual(highestDropped);
  });
});
