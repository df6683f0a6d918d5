/**
 * Async calls: `worker: true` runs them in a worker_threads worker (the host's event loop
 * keeps running), progress is relayed, an AbortSignal cancels cleanly in either mode, and
 * errors keep their name and hint across the thread boundary.
 */
import { prune, train, runPrune, singleshot, runTrain } from '../../lib/experiments';
import { targetFromCompression } from '../../lib/experiments/results';
import { createModel } from '../../lib/models';
import type { ProgressEvent } from '../../lib/experiments/progress';
import { makeSynthetic } from '../../lib/data';
import { TINY, tempDir } from './tiny';

const lenet5 = () => createModel('lenet5', { inputShape: [1, 28, 28], numClasses: 10, seed: 5 });

describe('worker mode', () => {
  test('a timer keeps firing while a prune runs in a worker; progress is relayed; the state comes back', async () => {
    const model = lenet5();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const events: ProgressEvent[] = [];
    try {
      const out = await prune(model, { pruner: 'synflow', target: { compression: 2 }, iterations: 10, worker: true, onProgress: (e) => events.push(e) });
      expect(ticks).toBeGreaterThanOrEqual(3);
      expect(out.model).toBe(model);
      expect(out.results.prune.survivors).toBe(Math.round(0.01 * out.results.prune.prunable));
      expect(events.filter((e) => e.phase === 'prune synflow').map((e) => e.done)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(model.arena.masksActive).toBe(true);
      expect(Array.from(model.arena.masks)).toEqual(Object.values(out.masks).flatMap((m) => Array.from(m)));
    } finally {
      clearInterval(timer);
    }
  });

  test('a prune in a worker gives the masks and weights of the same prune in this thread', async () => {
    const small = () => createModel('fc', { inputShape: [1, 8, 8], numClasses: 4, seed: 9 });
    const there = small();
    const here = small();
    const a = await prune(there, { pruner: 'snip', target: { sparsity: 0.9 }, data: TINY, worker: true });
    const b = await prune(here, { pruner: 'snip', target: { sparsity: 0.9 }, data: TINY });
    for (const [k, m] of Object.entries(b.masks)) expect(Array.from(a.masks[k])).toEqual(Array.from(m));
    expect(Array.from(there.arena.values)).toEqual(Array.from(here.arena.values));
    expect({ ...a.results, createdAt: 0 }).toEqual({ ...b.results, createdAt: 0, prune: { ...b.results.prune, seconds: a.results.prune.seconds } });
  });

  test('a model by name and in-memory data cross into the worker; the built model comes back', async () => {
    const splits = makeSynthetic({ shape: [1, 8, 8], numClasses: 4, trainSize: 64, testSize: 32, seed: 4 });
    const out = await prune('fc', { pruner: 'grasp', target: { density: 0.3 }, data: splits, seed: 6, worker: true });
    expect(out.model.spec).toMatchObject({ name: 'fc', inputShape: [1, 8, 8], numClasses: 4, seed: 6 });
    expect(out.results.data).toEqual({ name: 'synthetic', dir: null, trainSize: 64, testSize: 32 });
    expect(out.results.prune.survivors).toBe(Math.round(0.3 * out.results.prune.prunable));
    expect(out.model.arena.masks.reduce((a, v) => a + v, 0)).toBe(out.results.prune.survivors);
  });

  test('train in a worker copies the trained state back and reports the pruning', async () => {
    const model = createModel('fc', { inputShape: [1, 8, 8], numClasses: 4, seed: 2 });
    await prune(model, { pruner: 'mag', target: { density: 0.2 } });
    const mask = model.arena.masks.slice();
    const before = model.arena.values.slice();
    const { results } = await train(model, { data: TINY, epochs: 1, batchSize: 32, sparse: 'compressed', worker: true });
    expect(results.prune?.pruner).toBe('mag');
    // Every masked layer trained on its survivors only, in the worker; the state came back dense.
    expect(results.train.execution?.length).toBeGreaterThan(0);
    expect(results.train.execution?.every((l) => l.mode === 'compressed')).toBe(true);
    expect(model.arena.compressed).toEqual([]);
    expect(results.train.epochs).toHaveLength(1);
    expect(Array.from(model.arena.masks)).toEqual(Array.from(mask));
    let changed = 0;
    model.arena.prunableValues.forEach((v, i) => {
      if (mask[i] === 0) expect(v).toBe(0);
      else if (v !== before[i]) changed++;
    });
    expect(changed).toBeGreaterThan(0);
  });

  test('errors keep their name, message and hint across the thread', async () => {
    const config = { model: 'fc', data: { name: 'fashion-mnist', dir: '/no/such/dir' }, pruner: 'snip', target: targetFromCompression(1), seed: 0, prune: {} };
    await expect(runPrune(config, { worker: true })).rejects.toMatchObject({ name: 'DatasetError', message: expect.stringMatching(/\/no\/such\/dir/) });
    await expect(runTrain({ model: 'fc', data: TINY, seed: 0, from: '/no/such/run', train: {} }, { worker: true })).rejects.toMatchObject({
      name: 'ExperimentError',
      hint: expect.stringMatching(/pai prune/),
    });
  });
});

describe('abort', () => {
  const config = { model: 'fc', data: TINY, seeds: [0], prune: {}, pruners: ['rand', 'mag'], targets: [targetFromCompression(1)], train: { epochs: 3, batchSize: 8 } };

  test.each([false, true])('an aborted singleshot rejects with an AbortError at the next step (worker: %s)', async (worker) => {
    const controller = new AbortController();
    const phases: string[] = [];
    const run = singleshot(config, {
      worker,
      signal: controller.signal,
      onProgress: (e) => {
        phases.push(e.phase);
        if (/train epoch 1/.test(e.phase) && e.done === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(phases.some((p) => /\[2\/2\]/.test(p))).toBe(false);
  });

  test('an already aborted signal rejects before any work', async () => {
    const signal = AbortSignal.abort();
    await expect(runTrain({ model: 'fc', data: TINY, seed: 0, train: {}, outDir: tempDir() }, { signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(runPrune({ model: 'fc', data: TINY, pruner: 'rand', target: targetFromCompression(1), seed: 0, prune: {} }, { signal, worker: true })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
