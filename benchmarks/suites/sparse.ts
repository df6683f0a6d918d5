/**
 * Layer-level sparse execution: forward + input gradient + weight gradient of the VGG-16
 * (CIFAR) conv layers at batch 128 and a 4096x4096 linear at batch 256, at densities from
 * 100% to 0.01%. Ours dense, ours dense-masked (mask fused into the kernels) and ours
 * compressed (the survivors only), against PyTorch dense and PyTorch CSR (torch.sparse;
 * unfold + CSR matmul + fold for convolutions) measured in the same run.
 */
import { loadNative, type NativeAddon } from '../../lib/backend/native-loader';
import { compressValues, patternFromMask } from '../../lib/backend/sparse/pattern';
import type { BenchContext, BenchSuite, TimeStats } from '../harness/types';

/** [name, in channels, out channels, spatial size] of each distinct VGG-16 (CIFAR) conv layer. */
const VGG16: [string, number, number, number][] = [
  ['conv1_1', 3, 64, 32], ['conv1_2', 64, 64, 32], ['conv2_1', 64, 128, 16], ['conv2_2', 128, 128, 16],
  ['conv3_1', 128, 256, 8], ['conv3_2', 256, 256, 8], ['conv4_1', 256, 512, 4], ['conv4_2', 512, 512, 4],
  ['conv5_x', 512, 512, 2],
];
const DENSITIES = [1, 0.5, 0.2, 0.1, 0.05, 0.01, 0.001, 0.0001];
/** Densities at which PyTorch CSR is timed too. */
const CSR_BASELINE_DENSITIES = [0.1, 0.01];

function random(len: number, seed: number): Float32Array {
  const a = new Float32Array(len);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

function mask(len: number, density: number, seed: number): Float32Array {
  const u = random(len, seed);
  return u.map((v) => (v + 0.5 < density ? 1 : 0));
}

const ms = (t: TimeStats) => ({ median: t.median * 1e3, min: t.min * 1e3, max: t.max * 1e3, n: t.n });

/** Ours dense, dense-masked and compressed calls of one layer; compressed(d) builds its pattern once. */
interface LayerCalls {
  dense: () => void;
  masked: () => void;
  compressed: (density: number) => { run: () => void; nnz: number };
}

function linearCalls(cpu: NativeAddon, batch: number, k: number, n: number): LayerCalls {
  const x = random(batch * k, 1), gy = random(batch * n, 2), w = random(n * k, 3);
  const y = new Float32Array(batch * n), gx = new Float32Array(batch * k), gw = new Float32Array(n * k);
  const m = mask(n * k, 0.1, 4);
  return {
    dense: () => {
      cpu.sgemm(false, true, batch, n, k, 1, x, k, w, k, 0, y, n, null, null);
      cpu.sgemm(false, false, batch, k, n, 1, gy, n, w, k, 0, gx, k, null, null);
      cpu.sgemm(true, false, n, k, batch, 1, gy, n, x, k, 0, gw, k, null, null);
    },
    masked: () => {
      cpu.sgemm(false, true, batch, n, k, 1, x, k, w, k, 0, y, n, null, m);
      cpu.sgemm(false, false, batch, k, n, 1, gy, n, w, k, 0, gx, k, null, m);
      cpu.sgemm(true, false, n, k, batch, 1, gy, n, x, k, 0, gw, k, null, null); // masked in the optimizer step
    },
    compressed: (density) => {
      const p = patternFromMask(mask(n * k, density, 5), n, k);
      const v = compressValues(p, w) as Float32Array;
      const gv = new Float32Array(p.nnz);
      return {
        nnz: p.nnz,
        run: () => {
          cpu.sparseLinearForward(x, batch, k, n, p.rowPtr, p.colIdx, v, null, y);
          cpu.sparseLinearGradInput(gy, batch, k, n, p.colPtr, p.cscRow, p.cscPos, v, gx);
          cpu.sparseLinearGradWeight(x, gy, batch, k, n, p.rowPtr, p.colIdx, gv);
        },
      };
    },
  };
}

function convCalls(cpu: NativeAddon, batch: number, c: number, o: number, hw: number): LayerCalls {
  const x = random(batch * c * hw * hw, 1), gy = random(batch * o * hw * hw, 2), w = random(o * c * 9, 3);
  const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
  const m = mask(w.length, 0.1, 4);
  const geo = [1, 1, 1, 1, 1, 1, 1]; // stride, padding, dilation (h, w), groups
  const dims = [batch, c, hw, hw, o, 3, 3, ...geo];
  return {
    dense: () => {
      cpu.conv2dForward(x, batch, c, hw, hw, w, o, 3, 3, null, ...geo, y);
      cpu.conv2dGradInput(gy, batch, c, hw, hw, w, o, 3, 3, ...geo, gx);
      cpu.conv2dGradWeight(x, batch, c, hw, hw, gy, o, 3, 3, ...geo, gw);
    },
    masked: () => {
      cpu.conv2dMaskedForward(x, batch, c, hw, hw, w, o, 3, 3, null, ...geo, y, m);
      cpu.conv2dMaskedGradInput(gy, batch, c, hw, hw, w, o, 3, 3, ...geo, gx, m);
      cpu.conv2dMaskedGradWeight(x, batch, c, hw, hw, gy, o, 3, 3, ...geo, gw, m);
    },
    compressed: (density) => {
      const p = patternFromMask(mask(w.length, density, 5), o, c * 9);
      const v = compressValues(p, w) as Float32Array;
      const gv = new Float32Array(p.nnz);
      return {
        nnz: p.nnz,
        run: () => {
          cpu.sparseConv2dForward(x, ...dims, p.rowPtr, p.colIdx, v, null, y);
          cpu.sparseConv2dGradInput(gy, ...dims, p.colPtr, p.cscRow, p.cscPos, v, gx);
          cpu.sparseConv2dGradWeight(x, gy, ...dims, p.rowPtr, p.colIdx, gv);
        },
      };
    },
  };
}

/** A density as the case names write it, e.g. '1%', '0.01%'. */
function percent(density: number): string {
  return `${+(density * 100).toPrecision(3)}%`;
}

/**
 * Our modes are timed back to back (warm, as in a training loop) for the records and the
 * speedups; each PyTorch comparison is a separate interleaved measurement, since running
 * PyTorch in between leaves our caches cold and would skew the speedups between our modes.
 */
async function benchLayer(
  ctx: BenchContext,
  label: string,
  calls: LayerCalls,
  torchCase: Record<string, unknown>,
  params: Record<string, unknown>,
  densities: number[],
): Promise<void> {
  // --filter matches a layer's label or any of its case names ('linear', 'conv3_1', 'compressed 1%').
  const names = [`${label} ours dense`, `${label} dense-masked`, ...densities.map((d) => `${label} compressed ${percent(d)}`)];
  if (!names.some((n) => ctx.wants(n))) return;
  const opts = { warmup: 1, repeat: ctx.quick ? 3 : 5 };
  const dense = ctx.measure(calls.dense, opts);
  ctx.record({ case: `${label} ours dense`, metric: 'ms', higherIsBetter: false, value: ms(dense), params: { ...params, mode: 'dense', density: 1 } });
  if (ctx.baselineStatus.available) {
    const vs = await ctx.compare(calls.dense, { ...torchCase, mode: 'dense' }, opts);
    if (vs.baseline)
      ctx.record({
        case: `${label} ours dense vs pytorch dense`,
        metric: 'ms',
        higherIsBetter: false,
        value: ms(vs.ours),
        baseline: { name: 'pytorch-dense', value: ms(vs.baseline) },
        params: { ...params, mode: 'dense', density: 1 },
      });
  }
  const masked = ctx.measure(calls.masked, opts);
  ctx.record({ case: `${label} dense-masked`, metric: 'ms', higherIsBetter: false, value: ms(masked), params: { ...params, mode: 'dense-masked' } });
  for (const density of densities) {
    const comp = calls.compressed(density);
    const r = ctx.measure(comp.run, opts);
    const pct = percent(density);
    const p = { ...params, mode: 'compressed', density, nnz: comp.nnz };
    ctx.record({ case: `${label} compressed ${pct}`, metric: 'ms', higherIsBetter: false, value: ms(r), params: p });
    // Speedup of compressed over our dense and over dense-masked (medians; min/max pair the extremes).
    for (const [name, ref] of [['dense', dense], ['dense-masked', masked]] as const)
      ctx.record({
        case: `${label} compressed ${pct} vs ours ${name}`,
        metric: 'speedup',
        higherIsBetter: true,
        value: { median: ref.median / r.median, min: ref.min / r.max, max: ref.max / r.min, n: r.n },
        params: p,
      });
    // PyTorch CSR is slow enough (minutes per call at high density) to time only where it
    // is meant to be used.
    if (ctx.baselineStatus.available && CSR_BASELINE_DENSITIES.includes(density)) {
      const vs = await ctx.compare(comp.run, { ...torchCase, mode: 'csr', density }, opts);
      if (vs.baseline)
        ctx.record({
          case: `${label} compressed ${pct} vs pytorch csr`,
          metric: 'ms',
          higherIsBetter: false,
          value: ms(vs.ours),
          baseline: { name: 'pytorch-csr', value: ms(vs.baseline) },
          params: p,
        });
    }
  }
}

const suite: BenchSuite = {
  name: 'sparse',
  description: 'layer fwd+bwd: ours dense / dense-masked / compressed at 100%..0.01% vs PyTorch dense and CSR (VGG-16 convs b128, linear 4096x4096 b256)',
  async run(ctx) {
    const { addon, error } = loadNative();
    if (!addon || typeof addon.sparseLinearForward !== 'function' || typeof addon.conv2dMaskedForward !== 'function') {
      ctx.note(`skipped: the CPU addon or its sparse / masked kernels did not load (${error ?? 'missing functions'})`);
      return;
    }
    const info = addon.info();
    const threads = 2;
    addon.setNumThreads(threads);
    const densities = ctx.quick ? [1, 0.1, 0.01] : DENSITIES;
    try {
      const lb = ctx.quick ? 64 : 256;
      await benchLayer(
        ctx,
        `linear 4096x4096 b${lb}`,
        linearCalls(addon, lb, 4096, 4096),
        { kind: 'linear', batch: lb, in: 4096, out: 4096, threads },
        { kind: 'linear', batch: lb, in: 4096, out: 4096, threads, isa: info.isa, backend: 'cpu' },
        densities,
      );
      const batch = ctx.quick ? 8 : 128;
      const layers = ctx.quick ? VGG16.filter((_, i) => i % 4 === 1) : VGG16;
      for (const [name, c, o, hw] of layers) {
        const shape = { batch, in: c, out: o, size: hw, kernel: 3, stride: 1, padding: 1 };
        await benchLayer(
          ctx,
          `vgg16 ${name} ${c}->${o} ${hw}x${hw} b${batch}`,
          convCalls(addon, batch, c, o, hw),
          { kind: 'conv2d', ...shape, threads },
          { kind: 'conv2d', ...shape, threads, isa: info.isa, backend: 'cpu' },
          densities,
        );
      }
      ctx.note('ms = forward + input gradient + weight gradient; dense-masked leaves the weight gradient to the masked optimizer step.');
    } finally {
      addon.setNumThreads(info.threads);
    }
  },
};

export default suite;
