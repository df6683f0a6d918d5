/**
 * GPU figures against PyTorch on the same device: SGEMM 4096^3 in fp32 and TF32 (TFLOP/s),
 * a VGG-16 convolution layer's three products (GFLOP/s), the exact global selection over
 * 100M scores (ms and GB/s), a VGG-16-BN training step (images/s), dense and pruned at
 * c = 1, 2, 3 (dense-masked and compressed by the GPU's crossovers), the optimizer step on
 * the device against the host path, and 100 SynFlow
 * iterations on VGG-16-BN (s). Skipped, with the reason, where CUDA is not usable.
 */
import { loadCuda } from '../../lib/backend/cuda/loader';
import type { CudaAddon, DeviceBuffer } from '../../lib/backend/cuda/addon';
import { getBackend, setBackend } from '../../lib/backend';
import { randn, tidy, type Tensor } from '../../lib/tensor';
import type { Module } from '../../lib/nn/module';
import { crossEntropy } from '../../lib/ops';
import { createModel } from '../../lib/models';
import { SGD } from '../../lib/train';
import { pruneModel } from '../../lib/prune';
import { prune } from '../../lib/prune/run';
import { compressModel } from '../../lib/nn/compress';
import type { BenchContext, BenchSuite, TimeStats } from '../harness/types';

/** Case sizes: full, --quick, or tiny on the CPU emulator (which only checks the code path). */
interface Sizes {
  m: number;
  convBatch: number;
  scores: number;
  trainBatch: number;
  synflowIterations: number;
  /** The model of the model-level cases (the emulator takes a small one: it checks the code path only). */
  model: string;
  /** Side of the model-level cases' square input images (3 channels). */
  image: number;
}
const FULL: Sizes = { m: 4096, convBatch: 128, scores: 100_000_000, trainBatch: 128, synflowIterations: 100, model: 'vgg16-bn', image: 32 };
const QUICK: Sizes = { m: 512, convBatch: 8, scores: 1 << 20, trainBatch: 8, synflowIterations: 2, model: 'vgg16-bn', image: 32 };
const EMULATED: Sizes = { m: 64, convBatch: 1, scores: 1 << 14, trainBatch: 2, synflowIterations: 1, model: 'conv', image: 8 };

const ms = (t: TimeStats) => ({ median: t.median * 1e3, min: t.min * 1e3, max: t.max * 1e3, n: t.n });

function normal(addon: CudaAddon, n: number, seed: number, std = 1): DeviceBuffer {
  const b = new addon.DeviceBuffer(n * 4);
  addon.philoxNormal(seed, 0, 0, 0, std, b);
  return b;
}

async function sgemm(ctx: BenchContext, addon: CudaAddon, z: Sizes): Promise<void> {
  const m = z.m;
  const a = normal(addon, m * m, 1), b = normal(addon, m * m, 2), c = new addon.DeviceBuffer(m * m * 4);
  for (const precision of ['fp32', 'tf32'] as const) {
    addon.setTf32(precision === 'tf32');
    const t = await ctx.compare(() => {
      addon.sgemm(false, false, m, m, m, 1, a, m, b, m, 0, c, m, null, null);
      addon.synchronize();
    }, { kind: 'sgemm', m, precision });
    ctx.record({
      case: `sgemm ${m}x${m}x${m} ${precision}`,
      metric: 'tflops',
      higherIsBetter: true,
      value: ctx.rate(t.ours, 2 * m ** 3, 1e-12),
      baseline: t.baseline && { name: precision === 'tf32' ? 'pytorch-cublas-tf32' : 'pytorch-cublas', value: ctx.rate(t.baseline, 2 * m ** 3, 1e-12) },
      params: { m, n: m, k: m, precision, backend: 'cuda' },
    });
  }
  addon.setTf32(false);
  [a, b, c].forEach((x) => x.dispose());
}

async function convLayer(ctx: BenchContext, addon: CudaAddon, z: Sizes): Promise<void> {
  const n = z.convBatch, c = 256, hw = 8, o = 512;
  const x = normal(addon, n * c * hw * hw, 3), w = normal(addon, o * c * 9, 4, 0.05), gy = normal(addon, n * o * hw * hw, 5);
  const y = new addon.DeviceBuffer(n * o * hw * hw * 4), gx = new addon.DeviceBuffer(n * c * hw * hw * 4), gw = new addon.DeviceBuffer(o * c * 36);
  const flops = 2 * n * o * hw * hw * c * 9;
  const ops = {
    forward: () => addon.conv2dForward(x, n, c, hw, hw, w, o, 3, 3, null, 1, 1, 1, 1, 1, 1, 1, y),
    grad_input: () => addon.conv2dGradInput(gy, n, c, hw, hw, w, o, 3, 3, 1, 1, 1, 1, 1, 1, 1, gx),
    grad_weight: () => addon.conv2dGradWeight(x, n, c, hw, hw, gy, o, 3, 3, 1, 1, 1, 1, 1, 1, 1, gw),
  };
  for (const precision of ['fp32', 'tf32'] as const) {
    addon.setTf32(precision === 'tf32');
    for (const [op, fn] of Object.entries(ops)) {
      const t = await ctx.compare(() => {
        fn();
        addon.synchronize();
      }, { kind: 'conv', op, n, c, hw, o, precision });
      ctx.record({
        case: `conv ${c}->${o} ${hw}x${hw} ${op.replace('_', ' ')} ${precision}`,
        metric: 'gflops',
        higherIsBetter: true,
        value: ctx.rate(t.ours, flops, 1e-9),
        baseline: t.baseline && { name: 'pytorch-cudnn', value: ctx.rate(t.baseline, flops, 1e-9) },
        params: { n, c, h: hw, w: hw, o, k: 3, padding: 1, precision, backend: 'cuda' },
      });
    }
  }
  addon.setTf32(false);
  [x, w, gy, y, gx, gw].forEach((b) => b.dispose());
}

async function selection(ctx: BenchContext, addon: CudaAddon, z: Sizes): Promise<void> {
  const n = z.scores;
  const k = Math.floor(n / 10);
  const s = new addon.DeviceBuffer(n * 4), mask = new addon.DeviceBuffer(n * 4);
  addon.philoxUniform(6, 0, 0, s);
  const t = await ctx.compare(() => addon.selectTopK(s, k, mask), { kind: 'select', n, k });
  ctx.record({
    case: `global threshold, keep 10% of ${n} scores`,
    metric: 'ms',
    higherIsBetter: false,
    value: ms(t.ours),
    baseline: t.baseline && { name: 'pytorch-kthvalue', value: ms(t.baseline) },
    params: { n, k, backend: 'cuda', exact: true },
  });
  ctx.record({
    case: `global threshold, keep 10% of ${n} scores (read + mask write)`,
    metric: 'gb_per_s',
    higherIsBetter: true,
    value: ctx.rate(t.ours, 8 * n, 1e-9),
    baseline: t.baseline && { name: 'pytorch-kthvalue', value: ctx.rate(t.baseline, 8 * n, 1e-9) },
    params: { n, k, backend: 'cuda' },
  });
  s.dispose();
  mask.dispose();
}

/** One synchronized SGD step (momentum 0.9, weight decay 5e-4) of model on (x, y), in training mode; build it after compressing. */
function trainStep(addon: CudaAddon, model: Module, x: Tensor, y: Int32Array): () => void {
  const opt = new SGD(model, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
  model.train();
  return () => {
    tidy(() => {
      crossEntropy(model.forward(x), y).backward();
      opt.step();
      opt.zeroGrad();
    });
    addon.synchronize();
  };
}

async function modelLevel(ctx: BenchContext, addon: CudaAddon, z: Sizes): Promise<void> {
  const before = getBackend().name;
  setBackend('cuda');
  try {
    const batch = z.trainBatch;
    const arch = z.model;
    // PyTorch's script builds VGG-16-BN only.
    const torch = arch === 'vgg16-bn';
    const x = randn([batch, 3, z.image, z.image], { seed: 1 });
    const model = createModel(arch, { inputShape: [...x.shape.slice(1)], numClasses: 10, seed: 0 });
    model.to('cuda');
    const y = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10);
    const step = trainStep(addon, model, x, y);
    const t = await ctx.compare(step, torch ? { kind: 'vgg16_bn_step', batch } : null, { warmup: 2, repeat: ctx.quick ? 2 : 7, minTimeMs: 0 });
    ctx.record({
      case: `${arch} train step batch ${batch}`,
      metric: 'images_per_s',
      higherIsBetter: true,
      value: ctx.rate(t.ours, batch),
      baseline: t.baseline && { name: 'pytorch-cudnn', value: ctx.rate(t.baseline, batch) },
      params: { model: arch, batch, optimizer: 'sgd momentum 0.9', precision: 'fp32', backend: 'cuda' },
    });
    await prunedSteps(ctx, addon, arch, x, y, ctx.rate(t.ours, batch).median, t.baseline ? ctx.rate(t.baseline, batch) : undefined);
    await optimizerSteps(ctx, addon, arch, x, y);

    const iterations = z.synflowIterations;
    const synflowSeconds = async (onDevice: boolean, n = iterations) => {
      const pruned = createModel(arch, { inputShape: [...x.shape.slice(1)], numClasses: 10, seed: 0 });
      pruned.to('cuda');
      const t0 = process.hrtime.bigint();
      await pruneModel(pruned, { pruner: 'synflow', target: { compression: 1 }, iterations: n, onDevice });
      addon.synchronize();
      return Number(process.hrtime.bigint() - t0) / 1e9;
    };
    // Both paths' kernels loaded once, untimed.
    for (const onDevice of [true, false]) await synflowSeconds(onDevice, 1);
    // Scores and selection on the host copy (the path before they moved to the device).
    const hostSeconds = await synflowSeconds(false);
    const seconds = await synflowSeconds(true);
    ctx.record({
      case: `synflow ${iterations} iterations ${arch}, device scoring vs host`,
      metric: 's',
      higherIsBetter: false,
      value: { median: seconds, min: seconds, max: seconds, n: 1 },
      baseline: { name: 'host-scoring', value: { median: hostSeconds, min: hostSeconds, max: hostSeconds, n: 1 } },
      params: { model: arch, iterations, compression: 1, backend: 'cuda' },
    });
    // PyTorch's time only: ours is asynchronous, so it was timed above, once.
    const base = await ctx.compare(() => undefined, torch ? { kind: 'synflow', iterations } : null, { warmup: 0, repeat: 1, minTimeMs: 0 });
    ctx.record({
      case: `synflow ${iterations} iterations ${arch}`,
      metric: 's',
      higherIsBetter: false,
      value: { median: seconds, min: seconds, max: seconds, n: 1 },
      baseline: base.baseline && { name: 'pytorch', value: { median: base.baseline.median, min: base.baseline.min, max: base.baseline.max, n: base.baseline.n } },
      params: { model: arch, iterations, compression: 1, backend: 'cuda' },
    });
  } catch (e) {
    ctx.note(`model-level cases skipped: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    setBackend(before);
  }
}

/**
 * The optimizer step alone (SGD, momentum 0.9, weight decay 5e-4) on VGG-16-BN dense and
 * pruned at c = 2 with the automatic choice: on the device (the default) against the host
 * path it replaced (gradients downloaded, the host copy updated and uploaded), both timed
 * to completion in this run.
 */
async function optimizerSteps(ctx: BenchContext, addon: CudaAddon, arch: string, x: Tensor, y: Int32Array): Promise<void> {
  for (const compression of [0, 2]) {
    const name = `${arch} optimizer step ${compression === 0 ? 'dense' : `c=${compression} auto`}`;
    if (!ctx.wants(name)) continue;
    const model = createModel(arch, { inputShape: [...x.shape.slice(1)], numClasses: 10, seed: 0 });
    model.to('cuda');
    if (compression > 0) {
      await prune(model, { pruner: 'rand', target: { compression }, seed: 0 });
      compressModel(model, { sparse: 'auto' });
    }
    const arena = model.arena!;
    const opt = new SGD(model, { lr: 1e-4, momentum: 0.9, weightDecay: 5e-4 });
    model.train();
    // Gradients of one batch stay in place; every timed call steps from them.
    tidy(() => crossEntropy(model.forward(x), y).backward());
    const stepOn = (device: boolean) => () => {
      arena.deviceSteps = device;
      opt.step();
      addon.synchronize();
    };
    const opts = { warmup: 2, repeat: ctx.quick ? 2 : 9, minTimeMs: 0 };
    const host = ctx.measure(stepOn(false), opts);
    const device = ctx.measure(stepOn(true), opts);
    ctx.record({
      case: name,
      metric: 'ms',
      higherIsBetter: false,
      value: ms(device),
      baseline: { name: 'host step + upload', value: ms(host) },
      params: { model: arch, compression, trainable: arena.trainableLength, optimizer: 'sgd momentum 0.9', backend: 'cuda' },
    });
    opt.dispose();
  }
}

/**
 * VGG-16-BN on the GPU pruned at c = 1, 2, 3 (global random pruning, as the cpu train suite):
 * dense-masked and with the automatic choice (compressed below the GPU's measured crossover),
 * against our dense step and PyTorch's dense step of this run (a PyTorch mask only zeroes
 * weights: its dense speed is its speed at every density).
 */
async function prunedSteps(ctx: BenchContext, addon: CudaAddon, arch: string, x: Tensor, y: Int32Array, oursDense: number, torchDense: ReturnType<BenchContext['rate']> | undefined): Promise<void> {
  const batch = x.shape[0];
  for (const compression of [1, 2, 3])
    for (const sparse of ['dense', 'auto'] as const) {
      const name = `${arch} train step batch ${batch} c=${compression} ${sparse === 'auto' ? 'auto' : 'dense-masked'}`;
      if (!ctx.wants(name)) continue;
      const model = createModel(arch, { inputShape: [...x.shape.slice(1)], numClasses: 10, seed: 0 });
      model.to('cuda');
      await prune(model, { pruner: 'rand', target: { compression }, seed: 0 });
      const layers = compressModel(model, { sparse });
      const step = trainStep(addon, model, x, y);
      const rate = ctx.rate(ctx.measure(step, { warmup: 2, repeat: ctx.quick ? 2 : 7, minTimeMs: 0 }), batch);
      ctx.record({
        case: name,
        metric: 'images_per_s',
        higherIsBetter: true,
        value: rate,
        baseline: torchDense && { name: 'pytorch-cudnn dense', value: torchDense },
        params: {
          model: arch,
          batch,
          compression,
          density: 10 ** -compression,
          sparse,
          compressedLayers: layers.filter((l) => l.mode === 'compressed').length,
          layers: layers.length,
          vsOursDense: Number((rate.median / oursDense).toFixed(2)),
          backend: 'cuda',
        },
      });
    }
}

const suite: BenchSuite = {
  name: 'cuda',
  description: 'GPU: SGEMM 4096^3 fp32/TF32, VGG-16 conv layer, selection over 100M scores, VGG-16-BN step (dense and pruned at c = 1, 2, 3), the optimizer step on the device vs the host path, SynFlow, vs PyTorch',
  async run(ctx: BenchContext) {
    const { addon, error } = loadCuda();
    if (!addon || error) {
      ctx.note(`skipped: ${error ?? 'CUDA is not available'}`);
      return;
    }
    const dev = addon.info().devices[0];
    ctx.note(`device: ${dev.name} (sm_${dev.computeCapability.replace('.', '')}, ${(dev.memory / 2 ** 30).toFixed(0)} GiB)${addon.info().emulated ? ' [CPU emulator: figures mean nothing]' : ''}`);
    const z = addon.info().emulated ? EMULATED : ctx.quick ? QUICK : FULL;
    await sgemm(ctx, addon, z);
    await convLayer(ctx, addon, z);
    await selection(ctx, addon, z);
    await modelLevel(ctx, addon, z);
  },
};

export default suite;
