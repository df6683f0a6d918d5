/**
 * Optimizer steps on the GPU: SGD, Adam and AdamW update the parameters, masks and state on
 * the device (no host transfer during a step) and follow the same trajectory as on the cpu;
 * the arena's host copy, state dicts, checkpoints' state and host writes stay coherent.
 * Needs a CUDA device (or the emulator build via PAI_CUDA_ADDON_PATH): runs only with
 * PAI_TEST_CUDA=1.
 */
import { backendByName } from '../../lib/backend';
import type { CudaBackend } from '../../lib/backend/cuda/cuda-backend';
import { loadCuda } from '../../lib/backend/cuda/loader';
import { BatchNorm2d, compressModel, Conv2d, decompressModel, Flatten, Linear, ParameterArena, ReLU, Sequential } from '../../lib/nn';
import { crossEntropy } from '../../lib/ops';
import { memory, Tensor, tidy } from '../../lib/tensor';
import { train as trainLoop } from '../../lib/train';
import { Adam, AdamW, type Optimizer, SGD } from '../../lib/train/optimizer';
import { restore, snapshot } from '../../lib/experiments/pruning';
import type { ArenaModel } from '../../lib/prune/pruner';

const skip = process.env.PAI_TEST_CUDA !== '1' ? 'set PAI_TEST_CUDA=1 on a machine with a CUDA device to run it' : loadCuda().error;

const INPUT = [3, 6, 6];

/** conv, BN, ReLU, conv, then a linear; 30% of the prunable weights kept, drawn at random. */
function net(): Sequential {
  const m = new Sequential(
    new Conv2d(3, 6, 3, { padding: 1, seed: 31, bias: false }),
    new BatchNorm2d(6),
    new ReLU(),
    new Conv2d(6, 4, 3, { stride: 2, padding: 1, seed: 32 }),
    new ReLU(),
    new Flatten(),
    new Linear(4 * 3 * 3, 5, { seed: 33 }),
  );
  const arena = ParameterArena.attach(m);
  let s = 4242;
  const rnd = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  for (let i = 0; i < arena.prunableLength; i++) arena.masks[i] = rnd() < 0.3 ? 1 : 0;
  arena.activateMasks();
  return m;
}

function batch(seed: number): { x: Float32Array; y: Int32Array } {
  const n = 4;
  return {
    x: Float32Array.from({ length: n * 3 * 36 }, (_, i) => Math.sin(0.37 * i + seed) + 0.1 * Math.cos(1.3 * i * seed)),
    y: Int32Array.from({ length: n }, (_, i) => (i * 3 + seed) % 5),
  };
}

/** Gradients of one batch (masks applied by the layers), without stepping. */
function backward(m: Sequential, seed: number): void {
  const { x, y } = batch(seed);
  tidy(() => crossEntropy(m.forward(Tensor.fromStorage(x, [4, ...INPUT]).to(m.device())), y).backward());
}

function train(m: Sequential, opt: Optimizer, from: number, count: number): void {
  for (let t = from; t < from + count; t++) {
    opt.zeroGrad();
    backward(m, t);
    opt.step();
  }
}

function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])));
  return worst;
}

/** Counts calls of the addon's functions named in `names` while fn runs. */
function countCalls(names: string[], fn: () => void): Record<string, number> {
  const addon = (backendByName('cuda') as CudaBackend).addon as unknown as Record<string, (...a: unknown[]) => unknown>;
  const counts: Record<string, number> = {};
  const saved = names.map((n) => [n, addon[n]] as const);
  for (const [n, f] of saved) {
    counts[n] = 0;
    addon[n] = (...a: unknown[]) => {
      counts[n]++;
      return f.apply(addon, a);
    };
  }
  try {
    fn();
  } finally {
    for (const [n, f] of saved) addon[n] = f;
  }
  return counts;
}

type Make = (m: Sequential) => Optimizer;
const OPTIMIZERS: [string, Make, string[]][] = [
  ['SGD momentum, Nesterov, weight decay', (m) => new SGD(m, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }), ['momentum']],
  ['SGD without momentum', (m) => new SGD(m, { lr: 0.1 }), []],
  ['Adam with L2', (m) => new Adam(m, { lr: 0.01, weightDecay: 1e-3 }), ['exp_avg', 'exp_avg_sq']],
  ['AdamW', (m) => new AdamW(m, { lr: 0.01 }), ['exp_avg', 'exp_avg_sq']],
];

if (skip) {
  describe('optimizer steps on cuda', () => {
    test.skip(`skipped: ${skip}`, () => undefined);
  });
} else {
  describe('optimizer steps on cuda', () => {
    test.each(OPTIMIZERS)('%s: steps on the device match the cpu, pruned weights stay exactly 0', (_name, make, buffers) => {
      const cpu = net();
      const gpu = net().to('cuda');
      const oc = make(cpu);
      const og = make(gpu);
      train(cpu, oc, 0, 3);
      train(gpu, og, 0, 3);
      const a = gpu.arena!;
      expect(worstRelative(a.values, cpu.arena!.values)).toBeLessThan(1e-4);
      for (let i = 0; i < a.prunableLength; i++) if (a.masks[i] === 0) expect(Object.is(a.values[i], 0)).toBe(true);
      // The host copy read above is the device's parameters.
      for (const e of a.entries) expect(Array.from(e.param.data())).toEqual(Array.from(a.values.subarray(e.offset, e.offset + e.length)));
      const sg = og.state();
      const sc = oc.state();
      expect(Object.keys(sg.buffers).sort()).toEqual(buffers.slice().sort());
      for (const b of buffers) expect(worstRelative(sg.buffers[b], sc.buffers[b])).toBeLessThan(1e-3);
    });

    test('a step moves nothing between host and device, and launches one fused pass per arena run', () => {
      const m = net().to('cuda');
      const opt = new SGD(m, { lr: 0.05, momentum: 0.9 });
      train(m, opt, 0, 1);
      opt.zeroGrad();
      backward(m, 1);
      const counts = countCalls(['upload', 'download', 'sgdStep'], () => opt.step());
      expect(counts.upload).toBe(0);
      expect(counts.download).toBe(0);
      // The prunable block (masked) and the rest.
      expect(counts.sgdStep).toBe(2);
    });

    test('state saved on the device resumes exactly; the state can move between cuda and cpu', () => {
      const make = (m: Sequential): Adam => new Adam(m, { lr: 0.01 });
      const ref = net().to('cuda');
      const oref = make(ref);
      train(ref, oref, 0, 4);

      const m = net().to('cuda');
      const o1 = make(m);
      train(m, o1, 0, 2);
      const saved = o1.state();
      const o2 = make(m);
      o2.loadState(saved);
      train(m, o2, 2, 2);
      expect(worstRelative(m.arena!.values, ref.arena!.values)).toBeLessThan(1e-6);

      // Two steps on cuda, then the model and its optimizer go on on the cpu.
      const cpuRef = net();
      const ocpu = make(cpuRef);
      train(cpuRef, ocpu, 0, 4);
      const moved = net().to('cuda');
      const om = make(moved);
      train(moved, om, 0, 2);
      moved.to('cpu');
      train(moved, om, 2, 2);
      expect(worstRelative(moved.arena!.values, cpuRef.arena!.values)).toBeLessThan(1e-4);
      expect(worstRelative(om.state().buffers.exp_avg, ocpu.state().buffers.exp_avg)).toBeLessThan(1e-3);
    });

    test('host writes after device steps reach the device (rewinding as IMP does)', () => {
      const m = net().to('cuda');
      const a = m.arena!;
      const rewind = a.values.slice();
      const opt = new SGD(m, { lr: 0.1, momentum: 0.9 });
      train(m, opt, 0, 2);
      expect(worstRelative(a.values, rewind)).toBeGreaterThan(1e-3);
      a.values.set(rewind);
      a.activateMasks();
      for (const e of a.entries) expect(Array.from(e.param.data())).toEqual(Array.from(rewind.subarray(e.offset, e.offset + e.length)));
      // The next device step starts from the rewound weights.
      const cpu = net();
      const oc = new SGD(cpu, { lr: 0.1, momentum: 0.9 });
      train(cpu, oc, 0, 2);
      expect(worstRelative(a.values, rewind)).toBeLessThan(1e-7);
    });

    test('compressed layers: the survivors step on the device and the dense weights follow them there', () => {
      const cpu = net();
      const gpu = net().to('cuda');
      compressModel(cpu, { sparse: 'compressed', inputShape: INPUT });
      compressModel(gpu, { sparse: 'compressed', inputShape: INPUT });
      const a = gpu.arena!;
      expect(a.compressed.length).toBe(3);
      const oc = new SGD(cpu, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
      const og = new SGD(gpu, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
      train(cpu, oc, 0, 2);
      train(gpu, og, 0, 1);
      og.zeroGrad();
      backward(gpu, 1);
      const counts = countCalls(['upload', 'download', 'sgdStep', 'sparseScatter'], () => og.step());
      expect(counts).toEqual({ upload: 0, download: 0, sgdStep: 2, sparseScatter: 3 });
      // The dense device weights (what state dicts read) hold the survivors, pruned entries 0.
      const sd = gpu.stateDict();
      const hostRef = cpu.arena!.values;
      for (const c of a.compressed) {
        const w = sd.get(c.key)!.data() as Float32Array;
        expect(worstRelative(w, hostRef.subarray(c.denseOffset, c.denseOffset + w.length))).toBeLessThan(1e-4);
        const mask = a.maskOf(c.key);
        for (let i = 0; i < w.length; i++) if (mask[i] === 0) expect(Object.is(w[i], 0)).toBe(true);
      }
      expect(worstRelative(a.values, hostRef)).toBeLessThan(1e-4);
      expect(worstRelative(og.state().buffers.momentum, oc.state().buffers.momentum)).toBeLessThan(1e-3);
      // Decompressed, both go on dense with fresh optimizers and still agree.
      decompressModel(gpu);
      decompressModel(cpu);
      const og2 = new SGD(gpu, { lr: 0.05 });
      const oc2 = new SGD(cpu, { lr: 0.05 });
      train(gpu, og2, 2, 1);
      train(cpu, oc2, 2, 1);
      expect(worstRelative(a.values, cpu.arena!.values)).toBeLessThan(1e-4);
    });

    test('switching between device and host steps (arena.deviceSteps) keeps one trajectory', () => {
      const cpu = net();
      const gpu = net().to('cuda');
      compressModel(cpu, { sparse: 'compressed', inputShape: INPUT });
      compressModel(gpu, { sparse: 'compressed', inputShape: INPUT });
      const oc = new Adam(cpu, { lr: 0.01 });
      const og = new Adam(gpu, { lr: 0.01 });
      train(cpu, oc, 0, 4);
      const a = gpu.arena!;
      train(gpu, og, 0, 1);
      a.deviceSteps = false;
      og.zeroGrad();
      backward(gpu, 1);
      const counts = countCalls(['upload', 'adamStep'], () => og.step());
      // The host path uploads the arena, its masks and the survivors, and runs no device kernel.
      expect(counts.adamStep).toBe(0);
      expect(counts.upload).toBeGreaterThan(0);
      a.deviceSteps = true;
      train(gpu, og, 2, 2);
      expect(worstRelative(a.values, cpu.arena!.values)).toBeLessThan(1e-4);
      expect(worstRelative(og.state().buffers.exp_avg_sq, oc.state().buffers.exp_avg_sq)).toBeLessThan(1e-3);
    });

    test('restore() after device steps puts the weights and buffers back on the device', () => {
      const m = net().to('cuda') as unknown as ArenaModel & Sequential;
      m.arena.masks.fill(1);
      m.arena.activateMasks();
      const snap = snapshot(m);
      train(m, new SGD(m, { lr: 0.1 }), 0, 2);
      restore(m, snap);
      for (const e of m.arena.entries) expect(Array.from(e.param.data())).toEqual(Array.from(snap.values.subarray(e.offset, e.offset + e.length)));
      m.buffers().forEach((b, i) => expect(Array.from(b.data())).toEqual(Array.from(snap.buffers[i])));
    });

    test('loading a state dict after device steps: the device and the host copy both take it', () => {
      const src = net();
      const m = net().to('cuda');
      const opt = new SGD(m, { lr: 0.1 });
      train(m, opt, 0, 2);
      m.loadStateDict(src.stateDict());
      expect(Array.from(m.arena!.values)).toEqual(Array.from(src.arena!.values));
      for (const e of m.arena!.entries) expect(Array.from(e.param.data())).toEqual(Array.from(src.arena!.values.subarray(e.offset, e.offset + e.length)));
    });

    test.each(['dense', 'compressed'] as const)('train() with an optimizer it builds frees its device state at the end (%s), and the optimizer can go on', async (sparse) => {
      const m = net().to('cuda');
      const data = {
        epoch: async function* () {
          for (const seed of [1, 2]) {
            const { x, y } = batch(seed);
            yield { x, y, batchShape: [4, ...INPUT] };
          }
        },
      };
      const run = () => trainLoop(m, { train: data as never, epochs: 1, optimizer: { kind: 'adam', lr: 1e-3 }, sparse, compress: { inputShape: INPUT } });
      await run();
      const live = memory().tensors;
      const bytes = memory().bytes;
      const r = await run();
      expect(memory().tensors).toBe(live);
      expect(memory().bytes).toBe(bytes);
      if (sparse === 'dense') {
        // Its state went back to the host copy: a further step uploads it and goes on.
        train(m, r.optimizer, 3, 1);
        expect(Array.from(m.arena!.values).every(Number.isFinite)).toBe(true);
        r.optimizer.dispose();
      }
    });
  });
}
