/**
 * Layer collapse on VGG-16-BN for CIFAR-100 (N = 14,761,664 prunable weights in L = 14
 * layers, so the maximal critical compression is log10(N / L), about 6.02): SynFlow keeps
 * every layer alive at c = 6, while random and magnitude pruning empty a layer by c = 3.5
 * (Synaptic-Flow's stored runs: first collapse at 10^3.0).
 */
import { createModel } from '../../lib/models';
import { collapsedLayers, keepCount, layerDensities, pathExists, pruneModel, pruneSegments, participatingCount } from '../../lib/prune';

const SHAPE = [3, 32, 32];

describe('layer collapse on VGG-16-BN (CIFAR-100)', () => {
  const model = createModel('vgg16-bn', { inputShape: SHAPE, numClasses: 100, seed: 0 });
  const segments = pruneSegments(model.arena);
  const initial = model.arena.values.slice();
  const reset = (): void => {
    model.arena.values.set(initial);
    model.arena.masks.fill(1);
    model.arena.activateMasks();
  };

  it('has the paper\'s N and L', () => {
    expect(participatingCount(segments)).toBe(14_761_664);
    expect(segments).toHaveLength(14);
    expect(Math.log10(14_761_664 / 14)).toBeCloseTo(6.02, 2);
  });

  for (const pruner of ['rand', 'mag']) {
    it(`${pruner} collapses a layer at c <= 3.5, with exact counts at every c`, async () => {
      let first: number | null = null;
      for (let c = 0; c <= 3.5 + 1e-9 && first === null; c += 0.25) {
        reset();
        const out = await pruneModel(model, { pruner, target: { compression: c }, seed: 1 });
        expect(out.survivors).toBe(keepCount(Math.pow(10, -c), 14_761_664));
        const layers = layerDensities(model.arena.masks, segments);
        expect(layers.reduce((a, l) => a + l.survivors, 0)).toBe(out.survivors);
        if (collapsedLayers(layers).length > 0) {
          first = c;
          expect(pathExists(model, SHAPE)).toBe(false);
        }
      }
      expect(first).not.toBeNull();
      expect(first!).toBeLessThanOrEqual(3.5);
    });
  }

  it('synflow (100 iterations, exponential) keeps every layer at c = 6', async () => {
    reset();
    const out = await pruneModel(model, { pruner: 'synflow', target: { compression: 6 } });
    expect(out.iterations).toBe(100);
    expect(out.survivors).toBe(keepCount(1e-6, 14_761_664));
    const layers = layerDensities(model.arena.masks, segments);
    expect(collapsedLayers(layers)).toEqual([]);
    expect(pathExists(model, SHAPE)).toBe(true);
  });
});
