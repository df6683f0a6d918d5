/**
 * Pruning a model that lives on the GPU, through the library (no global backend set): every
 * pruner keeps exactly the weights it keeps on the cpu, and the path and conservation
 * metrics and the sanity checks' redrawn weights read the same. Scoring passes that write the model on the host (SynFlow's
 * linearization, FORCE's θ₀ ⊙ m, the path check's 0/1 weights) must reach the device, and
 * data-dependent pruners must run their batches there. Needs a CUDA device (or the emulator
 * build via PAI_CUDA_ADDON_PATH): runs only with PAI_TEST_CUDA=1.
 */
import { loadCuda } from '../../lib/backend/cuda/loader';
import { conservationReport, gemMiner, layerShuffle, pathExists, prune, reinitializeSurvivors } from '../../lib/prune';
import { BatchNorm2d, Conv2d, Flatten, Linear, ParameterArena, ReLU, Sequential } from '../../lib/nn';
import { DataLoader, makeSynthetic } from '../../lib/data';
import type { ArenaModel } from '../../lib/prune/pruner';
import { pruningData, smallModel } from '../prune/fixtures';
import { DeviceSelection } from '../../lib/prune/device-selection';
import { selectMask } from '../../lib/prune/mask-selection';
import { DEFAULT_PRUNABLE, pruneSegments } from '../../lib/prune/prunable';
import { memory, Tensor } from '../../lib/tensor';

const skip = process.env.PAI_TEST_CUDA !== '1' ? 'set PAI_TEST_CUDA=1 on a machine with a CUDA device to run it' : loadCuda().error;

const PRUNERS = ['rand', 'rand-layer', 'mag', 'snip', 'grasp', 'synflow', 'iter-snip', 'force', 'gem-miner'];

const INPUT: [number, number, number] = [2, 6, 6];

/**
 * conv, BN, ReLU, conv, BN, ReLU, linear, on `device`: small enough for the emulator. The BN
 * layers carry signed weights and running statistics (as after training), so that SynFlow's
 * linearization of the buffers matters.
 */
function model(device: 'cpu' | 'cuda'): ArenaModel {
  const m = new Sequential(
    new Conv2d(2, 6, 3, { padding: 1, seed: 31, bias: false }),
    new BatchNorm2d(6),
    new ReLU(),
    new Conv2d(6, 4, 3, { padding: 1, seed: 32, bias: false }),
    new BatchNorm2d(4),
    new ReLU(),
    new Flatten(),
    new Linear(4 * 36, 4, { seed: 33 }),
  );
  ParameterArena.attach(m);
  Object.defineProperty(m, 'spec', { value: { inputShape: INPUT, numClasses: 4 } });
  m.namedBuffers().forEach(([key, b], i) => {
    const d = b.data() as Float32Array;
    for (let j = 0; j < d.length; j++) d[j] = key.endsWith('running_var') ? 0.5 + 0.1 * j : key.endsWith('running_mean') ? 0.2 * Math.sin(i + j) : d[j];
  });
  const bn = m.arena!.entries.find((e) => e.key === '1.weight')!;
  m.arena!.values[bn.offset + 1] = -0.7;
  const a = m as unknown as ArenaModel;
  return device === 'cuda' ? a.to('cuda') : a;
}

/** A labelled pruning set for {@link model}. */
function data(): DataLoader {
  const { train } = makeSynthetic({ shape: INPUT, numClasses: 4, trainSize: 24, testSize: 4, seed: 11 });
  return new DataLoader(train, { batchSize: 8, shuffle: false, reuseBuffers: false });
}

if (skip) {
  describe('pruning on cuda', () => {
    test.skip(`skipped: ${skip}`, () => undefined);
  });
} else {
  describe('pruning on cuda', () => {
    test.each(PRUNERS)('%s keeps the same weights as on the cpu', async (name) => {
      const masks = async (device: 'cpu' | 'cuda') => {
        const m = model(device);
        const out = await prune(m, { pruner: name, target: { density: 0.1 }, data: data(), iterations: 4, seed: 2, extra: { gemEpochs: 2 } });
        expect(m.device()).toBe(device);
        return { masks: m.arena.masks.slice(), survivors: out.survivors, values: m.arena.values.slice() };
      };
      const cpu = await masks('cpu');
      const gpu = await masks('cuda');
      expect(gpu.survivors).toBe(cpu.survivors);
      let differ = 0;
      for (let i = 0; i < cpu.masks.length; i++) if (cpu.masks[i] !== gpu.masks[i]) differ++;
      expect(differ).toBe(0);
      // The model's weights come back signed and unlinearized, pruned ones exactly 0.
      let worst = 0;
      for (let i = 0; i < cpu.values.length; i++) worst = Math.max(worst, Math.abs(cpu.values[i] - gpu.values[i]));
      expect(worst).toBe(0);
    });

    test.each(['synflow', 'iter-snip', 'snip', 'force', 'mag', 'grasp', 'rand', 'rand-layer'])('%s scores and selects on the device: the masks come back once per run', async (name) => {
      const select = jest.spyOn(DeviceSelection.prototype, 'select');
      const close = jest.spyOn(DeviceSelection.prototype, 'close');
      try {
        await prune(model('cuda'), { pruner: name, target: { density: 0.1 }, data: data(), iterations: 4 });
        expect(select).toHaveBeenCalledTimes(4);
        expect(close).toHaveBeenCalledTimes(1);
        // The cpu keeps its host path, and so does a device run that asks for it.
        select.mockClear();
        await prune(model('cpu'), { pruner: name, target: { density: 0.1 }, data: data(), iterations: 2 });
        const live = async (onDevice: boolean) => {
          const m = model('cuda');
          const before = memory().tensors;
          await prune(m, { pruner: name, target: { density: 0.1 }, data: data(), iterations: 2, onDevice });
          return memory().tensors - before;
        };
        const host = await live(false);
        expect(select).not.toHaveBeenCalled();
        // Either path leaves alive only the layers' mask views, one per prunable tensor.
        expect(host).toBe(3);
        expect(await live(true)).toBe(3);
      } finally {
        select.mockRestore();
        close.mockRestore();
      }
    });

    test('gem-miner trains its scores on the device: the same scores as on the cpu, read back only to freeze and at the end', async () => {
      const run = async (device: 'cpu' | 'cuda') => {
        const m = model(device);
        const backend = m.parameters()[0].backend;
        const read = jest.spyOn(backend, 'read');
        try {
          const out = await gemMiner(m, { target: { density: 0.1 }, data: data(), epochs: 6, lr: 2, lambda: 1e-3, seed: 2 });
          const lengths = read.mock.results.map((r) => (r.value as Float32Array).length);
          const blocks = lengths.filter((l) => l === m.arena.prunableLength).length;
          return { out, masks: m.arena.masks.slice(), blocks, others: lengths.filter((l) => l !== m.arena.prunableLength) };
        } finally {
          read.mockRestore();
        }
      };
      const cpu = await run('cpu');
      const gpu = await run('cuda');
      let worst = 0;
      for (let i = 0; i < cpu.out.scores.length; i++) worst = Math.max(worst, Math.abs(cpu.out.scores[i] - gpu.out.scores[i]));
      expect(worst).toBeLessThan(1e-5);
      expect(gpu.masks).toEqual(cpu.masks);
      // One freezing event (after epoch 5) and the final scores; a step reads only its loss.
      expect(gpu.blocks).toBe(2);
      expect(gpu.others.every((l) => l === 1)).toBe(true);
    });

    test('inverted synflow (the sanity check) keeps the same weights on the device as on the cpu', async () => {
      const run = async (device: 'cpu' | 'cuda') => {
        const m = model(device);
        const out = await prune(m, { pruner: 'synflow', target: { density: 0.2 }, iterations: 3, invert: true, prunable: { classifier: false } });
        return { masks: m.arena.masks.slice(), values: m.arena.values.slice(), survivors: out.survivors };
      };
      const cpu = await run('cpu');
      const gpu = await run('cuda');
      expect(gpu.survivors).toBe(cpu.survivors);
      expect(gpu.masks).toEqual(cpu.masks);
      expect(gpu.values).toEqual(cpu.values);
    });

    describe('device selection against the host selection', () => {
      let seed = 7;
      const rand = () => {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        return seed / 4294967296 - 0.5;
      };
      // The classifier does not participate (it stays dense); 70% of the weights are already
      // pruned, and keep their values, so that only the mask tells them from live ones; a
      // few scores tie.
      const setup = () => {
        const m = model('cuda');
        const arena = m.arena;
        const segments = pruneSegments(arena, { ...DEFAULT_PRUNABLE, classifier: false });
        expect(segments.some((s) => !s.participates)).toBe(true);
        for (let i = 0; i < arena.prunableLength; i++) arena.masks[i] = rand() < 0.3 ? 1 : 0;
        return { m, arena, segments };
      };
      const gradients = (segments: ReturnType<typeof pruneSegments>, nanAt = -1) =>
        segments.map((s) => {
          const g = Float32Array.from({ length: s.length }, (_, i) => (i % 7 === 3 ? 0.25 : rand()));
          if (nanAt >= 0 && s.participates) g[Math.min(nanAt, s.length - 1)] = NaN;
          return g;
        });

      test.each([
        ['global', false],
        ['local', false],
        ['global', true],
        ['local', true],
      ] as const)('%s scope, invert %p: the same masks, counts and zeroed weights over two selections', (scope, invert) => {
        const { arena, segments } = setup();
        const params = arena.prunableParameters();
        const hostMask = arena.masks.slice(0, arena.prunableLength);
        const hostValues = arena.values.slice(0, arena.prunableLength);
        const device = DeviceSelection.open(arena, segments)!;
        expect(device).not.toBeNull();
        const expected: number[] = [];
        const kept: number[] = [];
        try {
          for (const density of [0.5, 0.2]) {
            const gs = gradients(segments);
            const scores = new Float32Array(arena.prunableLength);
            segments.forEach((s, i) => {
              for (let j = 0; j < s.length; j++) scores[s.offset + j] = Math.abs(Math.fround(hostValues[s.offset + j] * gs[i][j]));
              const g = Tensor.fromStorage(gs[i], [s.length]).to('cuda');
              device.write(i, 'absprod', params[i].param, g);
              g.dispose();
            });
            const next = new Float32Array(arena.prunableLength);
            expected.push(selectMask(scores, segments, density, next, { scope, current: hostMask, invert }));
            hostMask.set(next);
            for (let j = 0; j < hostValues.length; j++) if (next[j] === 0) hostValues[j] = 0;
            kept.push(device.select(scope, density, invert));
          }
        } finally {
          device.close();
        }
        expect(kept).toEqual(expected);
        expect(arena.masks.slice(0, arena.prunableLength)).toEqual(hostMask);
        expect(arena.values.slice(0, arena.prunableLength)).toEqual(hostValues);
        // What the layers compute with, not only the host copy.
        params.forEach((e) => expect(Float32Array.from(e.param.data() as Float32Array)).toEqual(hostValues.subarray(e.offset, e.offset + e.length)));
      });

      test('a NaN score is an error naming the tensor and index', () => {
        const { arena, segments } = setup();
        const params = arena.prunableParameters();
        const device = DeviceSelection.open(arena, segments)!;
        try {
          gradients(segments, 5).forEach((g, i) => {
            const t = Tensor.fromStorage(g, [g.length]).to('cuda');
            device.write(i, 'absprod', params[i].param, t);
            t.dispose();
          });
          const first = segments.find((s) => s.participates)!;
          expect(() => device.select('global', 0.5, false)).toThrow(new RegExp(`score of '${first.key.replace('.', '\\.')}'\\[5\\] is NaN`));
          // A segment left unscored is an error too.
          expect(() => device.select('global', 0.5, false)).toThrow(/were not written/);
        } finally {
          device.close();
        }
      });
    });

    test('the path check reads the same on the device', async () => {
      const cpu = model('cpu');
      const gpu = model('cuda');
      for (const m of [cpu, gpu]) await prune(m, { pruner: 'synflow', target: { density: 0.05 }, iterations: 3 });
      const shape = INPUT;
      expect(pathExists(gpu, shape)).toBe(true);
      expect(pathExists(gpu, shape)).toBe(pathExists(cpu, shape));
      // Every weight off: no path, on both.
      for (const m of [cpu, gpu]) {
        m.arena.masks.fill(0);
        m.arena.activateMasks();
        expect(pathExists(m, shape)).toBe(false);
      }
    });

    test('the sanity checks redraw and shuffle the same weights on the device', async () => {
      const run = async (device: 'cpu' | 'cuda') => {
        const m = model(device);
        const initial = m.arena.prunableValues.slice();
        const out = await prune(m, { pruner: 'mag', target: { density: 0.2 } });
        reinitializeSurvivors(m, 9);
        const reinit = m.arena.values.slice();
        // What the layers compute with (a device download on cuda), not only the host copy.
        const weights = m.arena.prunableParameters().map((e) => Float32Array.from(e.param.data() as Float32Array));
        layerShuffle(m, out.segments, 4, initial);
        return { reinit, weights, shuffled: m.arena.values.slice(), masks: m.arena.masks.slice() };
      };
      const cpu = await run('cpu');
      const gpu = await run('cuda');
      expect(gpu.reinit).toEqual(cpu.reinit);
      gpu.weights.forEach((w, i) => expect(w).toEqual(cpu.weights[i]));
      expect(gpu.shuffled).toEqual(cpu.shuffled);
      expect(gpu.masks).toEqual(cpu.masks);
    });

    test.each(['synflow', 'snip', 'grasp'] as const)('the %s conservation report reads the same on the device', async (scorer) => {
      const report = async (device: 'cpu' | 'cuda') => {
        const m = smallModel('conv', 4);
        if (device === 'cuda') m.to('cuda');
        return conservationReport(m, { scorer, data: pruningData(m) });
      };
      const a = await report('cpu');
      const b = await report('cuda');
      expect(Math.abs(b.R - a.R)).toBeLessThan(1e-4 * Math.abs(a.R));
      a.layers.forEach((l, i) => expect(Math.abs(b.layers[i].scoreSum - l.scoreSum)).toBeLessThan(1e-3 * Math.abs(l.scoreSum) + 1e-9));
    });
  });
}
