/**
 * SGEMM GFLOP/s on every ISA path the CPU supports: square 256..2048 and the GEMMs that
 * im2col makes of the VGG-16 and ResNet-20 convolutions on CIFAR (32x32, batch 128):
 * C[out, batch*oh*ow] = W[out, in*kh*kw] x cols[in*kh*kw, batch*oh*ow]. Beside each, the
 * measured FMA peak of that path and PyTorch's oneDNN GEMM on the same m, n, k.
 */
import { loadNative, type NativeAddon } from '../../lib/backend/native-loader';
import type { BenchContext, BenchSuite } from '../harness/types';

type Isa = 'baseline' | 'avx2' | 'avx512';

interface GemmCase {
  label: string;
  m: number;
  n: number;
  k: number;
  net?: string;
  batch?: number;
}

/** [name, in, out, spatial size of the output] of each distinct 3x3 convolution. */
const VGG16: [string, number, number, number][] = [
  ['conv1_1', 3, 64, 32], ['conv1_2', 64, 64, 32], ['conv2_1', 64, 128, 16], ['conv2_2', 128, 128, 16],
  ['conv3_1', 128, 256, 8], ['conv3_2', 256, 256, 8], ['conv4_1', 256, 512, 4], ['conv4_2', 512, 512, 4],
  ['conv5_x', 512, 512, 2],
];
const RESNET20: [string, number, number, number][] = [
  ['conv1', 3, 16, 32], ['stage1', 16, 16, 32], ['stage2_down', 16, 32, 16], ['stage2', 32, 32, 16],
  ['stage3_down', 32, 64, 8], ['stage3', 64, 64, 8],
];

function convCases(net: string, layers: [string, number, number, number][], batch: number): GemmCase[] {
  return layers.map(([name, cin, cout, hw]) => {
    const m = cout, k = cin * 9, n = batch * hw * hw;
    return { label: `${net} ${name} im2col ${m}x${n}x${k}`, m, n, k, net, batch };
  });
}

function cases(quick: boolean): GemmCase[] {
  const squares = (quick ? [256, 1024] : [256, 512, 1024, 1536, 2048]).map((s) => ({ label: `sgemm ${s}x${s}x${s}`, m: s, n: s, k: s }));
  const batch = quick ? 8 : 128;
  return [...squares, ...convCases('vgg16', VGG16, batch), ...convCases('resnet20', RESNET20, batch)];
}

function randomMatrix(len: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.random() - 0.5;
  return x;
}

async function runIsa(ctx: BenchContext, cpu: NativeAddon, isa: Isa, threads: number): Promise<void> {
  if (!cases(ctx.quick).some((c) => ctx.wants(`${c.label} ${isa}`))) return;
  cpu.setIsa(isa);
  const peak = cpu.fmaPeak(isa) as number;
  ctx.note(`${isa}: measured FMA peak ${peak.toFixed(0)} GFLOP/s on ${threads} threads`);

  for (const c of cases(ctx.quick)) {
    if (!ctx.wants(`${c.label} ${isa}`)) continue;
    const a = randomMatrix(c.m * c.k), b = randomMatrix(c.k * c.n), out = new Float32Array(c.m * c.n);
    const ours = () => cpu.sgemm(false, false, c.m, c.n, c.k, 1, a, c.k, b, c.n, 0, out, c.n, null, null);
    // The slow portable path gets fewer repetitions: it is a fallback, not a target. 100 ms
    // per measurement: the first call after the other side's turn finds cold caches (8 MB
    // of operands at 1024^3), which must not weigh on the median.
    const opts = isa === 'baseline' ? { repeat: 5, warmup: 1, minTimeMs: 100 } : { repeat: 11, minTimeMs: 100 };
    const r = await ctx.compare(ours, { rows: c.n, out: c.m, inner: c.k, threads }, opts);
    const flops = 2 * c.m * c.n * c.k;
    // GFLOP per CPU-second times the threads: the rate each thread would reach on a core of
    // its own, an estimate that holds up when other processes share the machine.
    const cpuRate = (t: { cpuMedian?: number }) =>
      t.cpuMedian ? Math.round((flops / (t.cpuMedian / threads)) * 1e-9 * 10) / 10 : undefined;
    ctx.record({
      case: `${c.label} ${isa}`,
      metric: 'gflops',
      higherIsBetter: true,
      value: ctx.rate(r.ours, flops, 1e-9),
      baseline: r.baseline ? { name: 'pytorch-onednn', value: ctx.rate(r.baseline, flops, 1e-9) } : undefined,
      params: {
        m: c.m, n: c.n, k: c.k, transA: false, transB: false, threads, isa,
        peak: Math.round(peak), ...(c.net ? { net: c.net, batch: c.batch } : {}),
        cpuGflops: cpuRate(r.ours),
        ...(r.baseline ? { baselineCpuGflops: cpuRate(r.baseline) } : {}),
      },
    });
  }
}

const suite: BenchSuite = {
  name: 'gemm',
  description: 'SGEMM GFLOP/s per ISA path (square and VGG-16/ResNet-20 im2col shapes) vs PyTorch oneDNN',
  async run(ctx) {
    const { addon, error } = loadNative();
    if (!addon) {
      ctx.note(`skipped: the CPU addon did not load (${error})`);
      return;
    }
    const info = addon.info();
    ctx.note('params.cpuGflops, baselineCpuGflops: flops / (CPU seconds / threads), the rate on otherwise idle cores');
    const order: Isa[] = ['baseline', 'avx2', 'avx512'];
    const supported = order.slice(0, order.indexOf(info.detectedIsa) + 1).reverse();
    try {
      for (const isa of supported) await runIsa(ctx, addon, isa, info.threads);
    } finally {
      addon.setIsa(info.isa);
    }
  },
};

export default suite;
