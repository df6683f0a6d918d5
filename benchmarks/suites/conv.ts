/**
 * Per-layer VGG-16 convolutions on CIFAR (3x3, stride 1, padding 1, batch 128): forward,
 * input gradient and weight gradient GFLOP/s of the native kernels (native/cpu/conv_*.cc),
 * interleaved with PyTorch's oneDNN convolution (forward, and aten.convolution_backward
 * for each gradient alone) on the same shapes and thread count. Every kernel does
 * 2 * n * o * oh * ow * c * 9 flops.
 */
import { loadNative, type NativeAddon } from '../../lib/backend/native-loader';
import type { BenchSuite } from '../harness/types';

/** [name, in channels, out channels, spatial size] of each distinct VGG-16 (CIFAR) layer. */
const VGG16: [string, number, number, number][] = [
  ['conv1_1', 3, 64, 32], ['conv1_2', 64, 64, 32], ['conv2_1', 64, 128, 16], ['conv2_2', 128, 128, 16],
  ['conv3_1', 128, 256, 8], ['conv3_2', 256, 256, 8], ['conv4_1', 256, 512, 4], ['conv4_2', 512, 512, 4],
  ['conv5_x', 512, 512, 2],
];

type Pass = 'forward' | 'grad_input' | 'grad_weight';

function random(len: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.random() - 0.5;
  return x;
}

/** One call of the native kernel of `pass` on fresh buffers. */
function nativeCall(cpu: NativeAddon, pass: Pass, n: number, c: number, o: number, hw: number): () => void {
  const x = random(n * c * hw * hw), w = random(o * c * 9), y = random(n * o * hw * hw), b = random(o);
  const gx = new Float32Array(x.length), gw = new Float32Array(w.length);
  const geo = [1, 1, 1, 1, 1, 1, 1]; // stride, padding, dilation (h, w), groups
  switch (pass) {
    case 'forward':
      return () => cpu.conv2dForward(x, n, c, hw, hw, w, o, 3, 3, b, ...geo, y);
    case 'grad_input':
      return () => cpu.conv2dGradInput(y, n, c, hw, hw, w, o, 3, 3, ...geo, gx);
    case 'grad_weight':
      return () => cpu.conv2dGradWeight(x, n, c, hw, hw, y, o, 3, 3, ...geo, gw);
  }
}

const suite: BenchSuite = {
  name: 'conv',
  description: 'VGG-16 (CIFAR, batch 128) per-layer conv2d forward / input-gradient / weight-gradient GFLOP/s vs PyTorch oneDNN',
  async run(ctx) {
    const { addon, error } = loadNative();
    if (!addon) {
      ctx.note(`skipped: the CPU addon did not load (${error})`);
      return;
    }
    const info = addon.info();
    const threads = 2; // the machine of the targets has 2 cores; PyTorch gets the same
    addon.setNumThreads(threads);
    const batch = ctx.quick ? 8 : 128;
    const layers = ctx.quick ? VGG16.filter((_, i) => i % 4 === 1) : VGG16;
    try {
      for (const [name, c, o, hw] of layers) {
        const flops = 2 * batch * o * hw * hw * c * 9;
        // The first layer's input needs no gradient (in PyTorch's training step either).
        const passes: Pass[] = c === 3 ? ['forward', 'grad_weight'] : ['forward', 'grad_input', 'grad_weight'];
        for (const pass of passes) {
          const shape = { batch, in: c, out: o, size: hw, kernel: 3, stride: 1, padding: 1 };
          const r = await ctx.compare(nativeCall(addon, pass, batch, c, o, hw), { ...shape, pass, threads }, { repeat: ctx.quick ? 3 : 9 });
          ctx.record({
            case: `vgg16 ${name} ${pass} ${c}->${o} ${hw}x${hw}`,
            metric: 'gflops',
            higherIsBetter: true,
            value: ctx.rate(r.ours, flops, 1e-9),
            baseline: r.baseline ? { name: 'pytorch-onednn', value: ctx.rate(r.baseline, flops, 1e-9) } : undefined,
            params: { ...shape, pass, threads, isa: info.isa, backend: 'cpu' },
          });
        }
      }
    } finally {
      addon.setNumThreads(info.threads);
    }
  },
};

export default suite;
