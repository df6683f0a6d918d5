/**
 * The experiment functions end to end on a small synthetic task: each returns a complete,
 * JSON-serializable results document; prune and train directories hold masks and weights
 * under PyTorch keys; a resumed run continues exactly.
 */
import * as fs from 'fs';
import * as path from 'path';
import { collapse, conservation, multishot, runPrune, runTrain, sanity, singleshot } from '../../lib/experiments';
import { checkResults } from '../../lib/experiments/report/load';
import { RESULTS_FORMAT, targetFromCompression, type Results } from '../../lib/experiments/results';
import { loadSafetensors } from '../../lib/io/safetensors';
import { createModel } from '../../lib/models';
import { TINY, tempDir } from './tiny';

const ONE_EPOCH = { epochs: 1, batchSize: 32 };

/** A results document survives JSON unchanged (no NaN, Infinity or typed arrays) and passes the report's checks. */
function expectPlainJson(doc: Results): void {
  const text = JSON.stringify(doc);
  expect(JSON.parse(text)).toEqual(doc);
  expect(text).not.toMatch(/NaN|Infinity/);
  expect(checkResults(JSON.parse(text))).toBeTruthy();
  expect(doc).toMatchObject({ format: RESULTS_FORMAT, version: 1, backend: expect.any(String), producer: expect.stringMatching(/^prune-at-init /) });
}

describe('runPrune and runTrain', () => {
  const dir = tempDir();
  const pruneDir = path.join(dir, 'p');

  test('runPrune: exact survivors, per-layer stats, masks and initial weights under PyTorch keys', async () => {
    const r = await runPrune({ model: 'fc', data: TINY, pruner: 'snip', target: targetFromCompression(1), seed: 3, prune: {}, outDir: pruneDir });
    expectPlainJson(r);
    expect(r.kind).toBe('prune');
    const ref = createModel('fc', { inputShape: [1, 8, 8], numClasses: 4, seed: 3 });
    const keys = ref.arena.prunableParameters().map((e) => e.key);
    expect(r.prune.layers.map((l) => l.name)).toEqual(keys);
    expect(r.prune.prunable).toBe(ref.arena.prunableLength);
    expect(r.prune.survivors).toBe(Math.round(0.1 * r.prune.prunable));
    expect(r.prune.layers.reduce((a, l) => a + l.survivors, 0)).toBe(r.prune.survivors);
    expect(r.settings).toMatchObject({ pruner: 'snip', samples: 40, batchSize: 256, iterations: 1, scope: 'global' });
    expect(r.data).toEqual({ name: 'synthetic', dir: null, trainSize: TINY.size, testSize: TINY.size });
    expect(r.prune.pathExists).toBe(true);
    expect(r.prune.synapticFlow).toBeGreaterThan(0);
    const masks = loadSafetensors(path.join(pruneDir, 'masks.safetensors')).tensors;
    expect(Object.keys(masks).sort()).toEqual([...keys].sort());
    let kept = 0;
    for (const k of keys) kept += (masks[k].data as Float32Array).reduce((a, v) => a + v, 0);
    expect(kept).toBe(r.prune.survivors);
    // weights.safetensors holds the dense initialization (pruned entries included): the model of seed 3.
    const weights = loadSafetensors(path.join(pruneDir, 'weights.safetensors')).tensors;
    const w = weights[keys[0]].data as Float32Array;
    expect(Array.from(w)).toEqual(Array.from(ref.arena.values.subarray(0, w.length)));
    expect(JSON.parse(fs.readFileSync(path.join(pruneDir, 'results.json'), 'utf8'))).toEqual(r);
  });

  test('runTrain from a prune directory keeps the masks and records every epoch', async () => {
    const out = path.join(dir, 't');
    const r = await runTrain({ model: 'fc', data: TINY, seed: 0, from: pruneDir, train: { ...ONE_EPOCH, epochs: 2 }, outDir: out });
    expectPlainJson(r);
    expect(r.prune?.pruner).toBe('snip');
    expect(r.train.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(r.train.final.top1).toBeGreaterThan(0.35); // 4 classes: chance is 0.25
    expect(r.settings).toMatchObject({ optimizer: 'adam', lr: 1e-3, epochs: 2, batchSize: 32, augment: false });
    const masks = loadSafetensors(path.join(out, 'masks.safetensors')).tensors;
    const trained = loadSafetensors(path.join(out, 'weights.safetensors')).tensors;
    for (const [k, m] of Object.entries(masks)) {
      const w = trained[k].data as Float32Array;
      (m.data as Float32Array).forEach((v, i) => {
        if (v === 0) expect(w[i]).toBe(0);
      });
    }
    expect(fs.existsSync(path.join(out, 'checkpoints', 'checkpoint.safetensors'))).toBe(true);
  });

  test('an interrupted run resumed from its checkpoint ends with the same weights as a straight run', async () => {
    const straight = path.join(dir, 'straight');
    const resumed = path.join(dir, 'resumed');
    const base = { model: 'fc', data: TINY, seed: 1, prune: { pruner: 'mag', target: targetFromCompression(0.5), options: {} } };
    await runTrain({ ...base, train: { ...ONE_EPOCH, epochs: 2 }, outDir: straight });
    await runTrain({ ...base, train: { ...ONE_EPOCH, epochs: 1 }, outDir: resumed });
    const r = await runTrain({ ...base, train: { ...ONE_EPOCH, epochs: 2 }, outDir: resumed, resume: true });
    expect(r.resumed).toBe(true);
    expect(r.train.epochs).toHaveLength(2);
    expect(r.prune?.pruner).toBe('mag');
    const a = loadSafetensors(path.join(straight, 'weights.safetensors')).tensors;
    const b = loadSafetensors(path.join(resumed, 'weights.safetensors')).tensors;
    for (const k of Object.keys(a)) expect(Array.from(b[k].data as Float32Array)).toEqual(Array.from(a[k].data as Float32Array));
  });

  test('user errors name the problem and carry a hint', async () => {
    await expect(runTrain({ model: 'fc', data: TINY, seed: 0, from: path.join(dir, 'nowhere'), train: ONE_EPOCH })).rejects.toMatchObject({
      name: 'ExperimentError',
      message: expect.stringMatching(/results\.json not found/),
      hint: expect.stringMatching(/pai prune/),
    });
    await expect(runTrain({ model: 'fc', data: { ...TINY, inputShape: [3, 8, 8] }, seed: 0, from: pruneDir, train: ONE_EPOCH })).rejects.toMatchObject({
      name: 'ExperimentError',
      message: expect.stringMatching(/pruned fc for 1x8x8 inputs, 4 classes; the data here gives 3x8x8 inputs, 4 classes/),
      hint: expect.stringMatching(/prune run's dataset \(synthetic\)/),
    });
    await expect(runTrain({ model: 'fc', data: TINY, seed: 0, train: ONE_EPOCH, outDir: path.join(dir, 'fresh'), resume: true })).rejects.toMatchObject({
      name: 'ExperimentError',
      message: expect.stringMatching(/nothing to resume/),
    });
    await expect(runPrune({ model: 'fc', data: { name: 'fashion-mnist', dir: path.join(dir, 'no-such') }, pruner: 'snip', target: targetFromCompression(1), seed: 0, prune: {} })).rejects.toMatchObject({
      name: 'DatasetError',
    });
    await expect(runPrune({ model: 'fc', data: TINY, pruner: 'nope', target: targetFromCompression(1), seed: 0, prune: {} })).rejects.toThrow(/unknown pruner 'nope'.*synflow/);
  });
});

describe('experiments', () => {
  test('singleshot: every pruner x target x seed pruned and trained, in order', async () => {
    const targets = [targetFromCompression(0.5), targetFromCompression(1)];
    const r = await singleshot({ model: 'fc', data: TINY, seeds: [0, 1], prune: { iterations: 5 }, pruners: ['synflow', 'rand'], targets, train: ONE_EPOCH });
    expectPlainJson(r);
    expect(r.runs.map((x) => [x.seed, x.pruner, x.target.compression])).toEqual([
      [0, 'synflow', 0.5], [0, 'synflow', 1], [0, 'rand', 0.5], [0, 'rand', 1],
      [1, 'synflow', 0.5], [1, 'synflow', 1], [1, 'rand', 0.5], [1, 'rand', 1],
    ]);
    for (const run of r.runs) {
      expect(run.prune.survivors).toBe(Math.round(run.target.density * run.prune.prunable));
      expect(run.train!.epochs).toHaveLength(1);
    }
    expect(r.pruneSettings.iterations).toBe(5);
  });

  test('collapse: random pruning empties a layer first, synflow keeps a path; layer densities line up', async () => {
    const compressions = [0, 1, 2, 3, 4];
    const r = await collapse({ model: 'lenet300', data: TINY, seeds: [0], prune: { iterations: 5 }, pruners: ['synflow', 'rand'], compressions });
    expectPlainJson(r);
    expect(r.layers.map((l) => l.name)).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
    const n = r.layers.reduce((a, l) => a + l.params, 0);
    expect(r.maxCriticalCompression).toBeCloseTo(Math.log10(n / 3), 12);
    const [syn, rnd] = r.sweeps;
    expect(syn.points.map((p) => p.compression)).toEqual(compressions);
    for (const p of [...syn.points, ...rnd.points]) {
      expect(p.layerDensity).toHaveLength(3);
      expect(p.density).toBeCloseTo(Math.round(Math.pow(10, -p.compression) * n) / n, 12);
    }
    expect(syn.firstCollapse).toBeNull();
    expect(syn.points.every((p) => p.pathExists)).toBe(true);
    expect(rnd.firstCollapse).not.toBeNull();
    expect(rnd.firstCollapsed.length).toBeGreaterThan(0);
  });

  test('conservation: synflow layer sums equal R on a bias-free chain; float64 is refused with a hint', async () => {
    const r = await conservation({ model: 'lenet300', data: TINY, seeds: [0], prune: {}, pruners: ['synflow', 'snip'], dtype: 'float32' });
    expectPlainJson(r);
    const [syn, snip] = r.entries;
    expect(syn.pruner).toBe('synflow');
    expect(syn.networkResidual).toBeLessThan(1e-4);
    expect(syn.neuronResidual.max).toBeLessThan(1e-4);
    expect(snip.neuronResidual.units).toBeGreaterThan(0);
    await expect(conservation({ model: 'lenet300', data: TINY, seeds: [0], prune: {}, pruners: ['synflow'], dtype: 'float64' })).rejects.toMatchObject({ name: 'ExperimentError', hint: expect.stringMatching(/float32/) });
  });

  test('sanity: shuffle keeps each layer density, reinit keeps the mask, invert keeps as many weights', async () => {
    const target = targetFromCompression(1);
    const r = await sanity({ model: 'fc', data: TINY, seeds: [0], prune: {}, pruners: ['snip'], target, checks: ['layer-shuffle', 'reinit', 'invert'], train: ONE_EPOCH });
    expectPlainJson(r);
    expect(r.checks).toEqual(['original', 'layer-shuffle', 'reinit', 'invert']);
    const by = Object.fromEntries(r.runs.map((x) => [x.check, x]));
    const survivors = (c: string) => by[c].prune.layers.map((l) => l.survivors);
    expect(survivors('layer-shuffle')).toEqual(survivors('original'));
    expect(survivors('reinit')).toEqual(survivors('original'));
    expect(by.invert.prune.survivors).toBe(by.original.prune.survivors);
    expect(survivors('invert')).not.toEqual(survivors('original'));
    for (const x of r.runs) expect(x.train!.epochs).toHaveLength(1);
  });

  test('multishot: one trained run per IMP level, each removing the rate of the survivors', async () => {
    const r = await multishot({ model: 'fc', data: TINY, seeds: [0], prune: {}, levels: 2, rate: 0.5, rewindStep: 0, train: ONE_EPOCH });
    expectPlainJson(r);
    expect(r.runs.map((x) => x.level)).toEqual([0, 1, 2]);
    expect(r.runs.map((x) => x.target.density)).toEqual([1, 0.5, 0.25]);
    for (const x of r.runs) expect(x.prune.survivors).toBe(Math.round(x.target.density * x.prune.prunable));
  });
});
