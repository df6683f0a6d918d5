import { prune, pruneModel, prunerNames, layerDensities, pruneSegments, keepCount, participatingCount } from '../../lib/prune';
import { pruningData, smallModel } from './fixtures';
import { memory } from '../../lib/tensor';

const SCORING = ['rand', 'rand-layer', 'mag', 'snip', 'grasp', 'synflow', 'iter-snip', 'force'];

describe('every scoring pruner', () => {
  it('is registered, with the training pruners', () => {
    expect(prunerNames()).toEqual(expect.arrayContaining([...SCORING, 'gem-miner', 'imp']));
  });

  for (const name of SCORING) {
    for (const scope of ['global', 'local'] as const) {
      it(`${name} (${scope}) keeps exactly round(d N) weights and never resurrects one`, async () => {
        const model = smallModel(name === 'grasp' ? 'fc' : 'conv');
        const data = pruningData(model);
        const segments = pruneSegments(model.arena);
        const n = participatingCount(segments);
        const history: Float32Array[] = [];
        const initial = model.arena.prunableValues.slice();
        const density = 0.07;
        const out = await pruneModel(model, {
          pruner: name,
          target: { density },
          iterations: 3,
          scope,
          data,
          seed: 5,
          onProgress: () => history.push(model.arena.masks.slice()),
        });
        const layers = layerDensities(model.arena.masks, segments);
        if (scope === 'global') expect(out.survivors).toBe(keepCount(density, n));
        else for (const l of layers) expect(l.survivors).toBe(keepCount(density, l.params));
        expect(layers.reduce((a, l) => a + l.survivors, 0)).toBe(out.survivors);
        // Pruned weights are exactly zero, survivors keep their exact initial values, and
        // (except FORCE while it runs) masks only shrink.
        const v = model.arena.prunableValues;
        let wrong = 0;
        model.arena.masks.forEach((m, i) => {
          if (!Object.is(v[i], m === 0 ? 0 : initial[i])) wrong++;
        });
        expect(wrong).toBe(0);
        if (name !== 'force') {
          for (let k = 1; k < history.length; k++) {
            for (let i = 0; i < history[k].length; i++) if (history[k - 1][i] === 0) expect(history[k][i]).toBe(0);
          }
        }
      });
    }
  }

  it.each(SCORING)('%s leaves alive only the layers\' mask views (no tensor leaks per iteration)', async (name) => {
    const model = smallModel('conv');
    const data = pruningData(model);
    const before = memory().tensors;
    await pruneModel(model, { pruner: name, target: { density: 0.1 }, iterations: 3, data });
    expect(memory().tensors - before).toBe(model.arena.prunableParameters().length);
  });

  it('gives the same mask for the same seed and a different one for another seed (rand)', async () => {
    const masks = [];
    for (const seed of [1, 1, 2]) {
      const model = smallModel('conv');
      await pruneModel(model, { pruner: 'rand', target: { compression: 1 }, seed });
      masks.push(model.arena.masks.slice());
    }
    expect(masks[0]).toEqual(masks[1]);
    expect(masks[0]).not.toEqual(masks[2]);
  });

  it('FORCE keeps θ₀ for the survivors (pruned weights may come back while it runs)', async () => {
    const model = smallModel('fc');
    const theta0 = model.arena.prunableValues.slice();
    await pruneModel(model, { pruner: 'force', target: { density: 0.1 }, iterations: 4, data: pruningData(model) });
    const m = model.arena.masks;
    const v = model.arena.prunableValues;
    for (let i = 0; i < m.length; i++) expect(v[i]).toBe(m[i] ? theta0[i] : 0);
  });

  it('asks for data where the pruner needs it', async () => {
    await expect(pruneModel(smallModel('fc'), { pruner: 'snip', target: { density: 0.5 } })).rejects.toThrow(/needs a pruning set/);
    await expect(pruneModel(smallModel('fc'), { pruner: 'nope', target: { density: 0.5 } })).rejects.toThrow(/unknown pruner 'nope'. Known pruners: rand/);
  });

  it('a dense classifier stays dense and is not counted', async () => {
    const model = smallModel('fc');
    const out = await pruneModel(model, { pruner: 'mag', target: { density: 0.1 }, prunable: { classifier: false } });
    const layers = layerDensities(model.arena.masks, out.segments);
    expect(layers[layers.length - 1].density).toBe(1);
    expect(out.survivors).toBe(keepCount(0.1, out.participating));
  });
});

describe('training pruners', () => {
  it('gem-miner ends at exactly round(d N) weights', async () => {
    const model = smallModel('fc');
    const data = pruningData(model, 32, 16);
    const out = await prune(model, { pruner: 'gem-miner', target: { density: 0.2 }, data, extra: { gemEpochs: 6 } });
    expect(out.survivors).toBe(keepCount(0.2, out.participating));
    const layers = layerDensities(model.arena.masks, out.segments);
    expect(layers.reduce((a, l) => a + l.survivors, 0)).toBe(out.survivors);
  });

  it('imp prunes 20% of the survivors per level, rewinds to init and lands on the target', async () => {
    const model = smallModel('fc');
    const init = model.arena.values.slice();
    const data = pruningData(model, 32, 16);
    const target = 0.8 * 0.8 * 0.9;
    const out = await prune(model, { pruner: 'imp', target: { density: target }, train: { data, epochs: 1, optimizer: { kind: 'sgd', lr: 0.05 } } });
    expect(out.impLevels!.map((l) => l.density)).toEqual([1, 0.8, expect.closeTo(0.64, 12)]);
    expect(out.survivors).toBe(keepCount(target, out.participating));
    const m = model.arena.masks;
    for (let i = 0; i < m.length; i++) expect(model.arena.values[i]).toBe(m[i] ? init[i] : 0);
  });
});
