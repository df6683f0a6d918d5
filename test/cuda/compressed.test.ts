/**
 * Compressed layers on the GPU: a pruned model moved to cuda trains compressed exactly as it
 * does on the cpu (the same survivors after every step, nnz optimizer state), 'auto' picks
 * modes there, and the GPU calibration measures both modes. Needs a CUDA device (or the
 * emulator build via PAI_CUDA_ADDON_PATH): runs only with PAI_TEST_CUDA=1.
 */
import { loadCuda } from '../../lib/backend/cuda/loader';
import { calibrateLayer } from '../../lib/backend/sparse/calibrate';
import { BatchNorm2d, compressModel, Conv2d, decompressModel, Flatten, Linear, ParameterArena, ReLU, Sequential } from '../../lib/nn';
import { crossEntropy } from '../../lib/ops';
import { Tensor, tidy } from '../../lib/tensor';
import { SGD } from '../../lib/train/optimizer';

const skip = process.env.PAI_TEST_CUDA !== '1' ? 'set PAI_TEST_CUDA=1 on a machine with a CUDA device to run it' : loadCuda().error;

const INPUT = [3, 8, 8];

/** conv (one output row empty), BN, ReLU, a strided grouped conv, then two linears; pruned at random. */
function net(): Sequential {
  const m = new Sequential(
    new Conv2d(3, 8, 3, { padding: 1, seed: 21, bias: false }),
    new BatchNorm2d(8),
    new ReLU(),
    new Conv2d(8, 6, 3, { stride: 2, padding: 1, groups: 2, seed: 22 }),
    new ReLU(),
    new Flatten(),
    new Linear(6 * 4 * 4, 10, { seed: 23 }),
    new ReLU(),
    new Linear(10, 5, { seed: 24 }),
  );
  const arena = ParameterArena.attach(m);
  let s = 777;
  const rnd = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  for (const e of arena.prunableParameters()) for (let i = 0; i < e.length; i++) arena.masks[e.offset + i] = rnd() < 0.25 ? 1 : 0;
  arena.maskOf('0.weight').fill(0, 5 * 27, 6 * 27);
  arena.activateMasks();
  return m;
}

function batch(seed: number): { x: Float32Array; y: Int32Array } {
  const n = 4;
  return {
    x: Float32Array.from({ length: n * 3 * 64 }, (_, i) => Math.sin(0.7 * i + seed)),
    y: Int32Array.from({ length: n }, (_, i) => (i * 2 + seed) % 5),
  };
}

function trainSteps(m: Sequential, count: number): SGD {
  const opt = new SGD(m, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const device = m.device();
  for (let t = 0; t < count; t++) {
    const { x, y } = batch(t);
    tidy(() => {
      opt.zeroGrad();
      crossEntropy(m.forward(Tensor.fromStorage(x, [4, ...INPUT]).to(device)), y).backward();
      opt.step();
    });
  }
  return opt;
}

function worstRelative(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])));
  return worst;
}

if (skip) {
  describe('compressed layers on cuda', () => {
    test.skip(`skipped: ${skip}`, () => undefined);
  });
} else {
  describe('compressed layers on cuda', () => {
    test('a compressed model trains on the GPU as on the cpu, with nnz optimizer state', () => {
      const cpu = net();
      const gpu = net().to('cuda');
      const modes = compressModel(gpu, { sparse: 'compressed', inputShape: INPUT }).map((l) => l.mode);
      expect(modes).toEqual(['compressed', 'compressed', 'compressed', 'compressed']);
      compressModel(cpu, { sparse: 'compressed', inputShape: INPUT });
      const arena = gpu.arena!;
      const nnz = arena.compressed.reduce((s, c) => s + c.compressed.weight.pattern.nnz, 0);
      expect(nnz).toBe(arena.masks.reduce((s, v) => s + v, 0));
      expect(arena.compressed.every((c) => c.compressed.values.device === 'cuda')).toBe(true);
      const og = trainSteps(gpu, 3);
      const oc = trainSteps(cpu, 3);
      expect(worstRelative(arena.values, cpu.arena!.values)).toBeLessThan(1e-4);
      for (let i = 0; i < arena.prunableLength; i++) if (arena.masks[i] === 0) expect(Object.is(arena.values[i], 0)).toBe(true);
      expect(worstRelative(og.state().buffers.momentum, oc.state().buffers.momentum)).toBeLessThan(1e-3);
      // The device copy of the survivors follows the steps: eval outputs agree.
      gpu.eval();
      cpu.eval();
      const { x } = batch(9);
      const yg = tidy(() => gpu.forward(Tensor.fromStorage(x, [4, ...INPUT]).to('cuda')).data() as Float32Array);
      const yc = tidy(() => cpu.forward(Tensor.fromStorage(x, [4, ...INPUT])).data() as Float32Array);
      expect(worstRelative(yg, yc)).toBeLessThan(1e-4);
      decompressModel(gpu);
      expect(arena.compressed).toEqual([]);
      const yd = tidy(() => gpu.forward(Tensor.fromStorage(x, [4, ...INPUT]).to('cuda')).data() as Float32Array);
      expect(worstRelative(yd, yc)).toBeLessThan(1e-4);
    });

    test("'auto' on cuda uses the GPU's crossover (the default without calibration)", () => {
      const m = net().to('cuda');
      // 25% kept against the default 10%: every layer stays dense.
      expect(compressModel(m, { sparse: 'auto', inputShape: INPUT, calibrate: false }).map((l) => l.mode)).toEqual(['dense', 'dense', 'dense', 'dense']);
      expect(m.arena!.compressed).toEqual([]);
    });

    test('the GPU calibration times both modes over the density grid', () => {
      const cal = calibrateLayer({ kind: 'linear', inFeatures: 48, outFeatures: 40 }, { device: 'cuda', batch: 8, repeats: 1 })!;
      expect(cal.batch).toBe(8);
      expect(cal.points.length).toBeGreaterThan(0);
      for (const p of cal.points) expect(p.denseMs > 0 && p.compressedMs > 0).toBe(true);
      expect(cal.crossover >= 0 && cal.crossover <= 1).toBe(true);
      const conv = calibrateLayer({ kind: 'conv2d', c: 4, h: 6, w: 6, o: 8, kh: 3, kw: 3, padding: [1, 1] }, { device: 'cuda', batch: 2, repeats: 1 })!;
      expect(conv.points.length).toBeGreaterThan(0);
    });
  });
}
