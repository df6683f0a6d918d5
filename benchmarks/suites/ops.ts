/**
 * Tensor-op overhead: microseconds per call of small ops (where dispatch, allocation and the
 * tape dominate, as in a LeNet-300-100 step), each call including its output's disposal,
 * against the same op in PyTorch (eager, CPU).
 */
import { getBackend } from '../../lib/backend';
import { loadNative } from '../../lib/backend/native-loader';
import { randn, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import type { BenchContext, BenchSuite, TimeStats } from '../harness/types';

interface OpBench {
  label: string;
  /** Description the PyTorch script (benchmarks/torch/ops.py) understands. */
  torch: Record<string, unknown>;
  /** Builds the inputs once; returns one call of the op. */
  setup: () => () => void;
}

const rn = (shape: number[], seed: number): Tensor => randn(shape, { seed });

function disposeAll(t: Tensor): void {
  t.dispose();
}

const CASES: OpBench[] = [
  { label: 'add [16]+[16]', torch: { op: 'add', a: [16], b: [16] }, setup: () => { const a = rn([16], 1), b = rn([16], 2); return () => disposeAll(o.add(a, b)); } },
  { label: 'add [64,64]+[64]', torch: { op: 'add', a: [64, 64], b: [64] }, setup: () => { const a = rn([64, 64], 1), b = rn([64], 2); return () => disposeAll(o.add(a, b)); } },
  { label: 'mul [16]*2', torch: { op: 'mul_scalar', a: [16] }, setup: () => { const a = rn([16], 3); return () => disposeAll(o.mul(a, 2)); } },
  { label: 'relu [16]', torch: { op: 'relu', a: [16] }, setup: () => { const a = rn([16], 4); return () => disposeAll(o.relu(a)); } },
  { label: 'sum [16]', torch: { op: 'sum', a: [16] }, setup: () => { const a = rn([16], 5); return () => disposeAll(o.sum(a)); } },
  { label: 'reshape [4,4]', torch: { op: 'reshape', a: [4, 4] }, setup: () => { const a = rn([4, 4], 6); return () => disposeAll(o.reshape(a, [16])); } },
  { label: 'matmul [16,16]x[16,16]', torch: { op: 'matmul', a: [16, 16], b: [16, 16] }, setup: () => { const a = rn([16, 16], 7), b = rn([16, 16], 8); return () => disposeAll(o.matmul(a, b)); } },
  {
    label: 'linear [8,16]->16 +bias',
    torch: { op: 'linear', x: [8, 16], w: [16, 16] },
    setup: () => { const x = rn([8, 16], 9), w = rn([16, 16], 10), b = rn([16], 11); return () => disposeAll(o.linear(x, w, b)); },
  },
  { label: 'softmax [8,10]', torch: { op: 'softmax', a: [8, 10] }, setup: () => { const a = rn([8, 10], 12); return () => disposeAll(o.softmax(a)); } },
  {
    label: 'crossEntropy [8,10]',
    torch: { op: 'cross_entropy', a: [8, 10] },
    setup: () => { const a = rn([8, 10], 13), l = Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7); return () => disposeAll(o.crossEntropy(a, l)); },
  },
  {
    label: 'conv2d [1,4,8,8] k3 p1 ->8',
    torch: { op: 'conv2d', x: [1, 4, 8, 8], w: [8, 4, 3, 3] },
    setup: () => { const x = rn([1, 4, 8, 8], 14), w = rn([8, 4, 3, 3], 15); return () => disposeAll(o.conv2d(x, w, null, { padding: 1 })); },
  },
  {
    label: 'fwd+bwd sum(relu(linear)) [8,16]',
    torch: { op: 'mlp_backward', x: [8, 16], w: [16, 16] },
    setup: () => {
      const x = rn([8, 16], 16), w = rn([16, 16], 17).requiresGrad_(), b = rn([16], 18).requiresGrad_();
      return () =>
        tidy(() => {
          o.sum(o.relu(o.linear(x, w, b))).backward();
          w.grad!.dispose();
          b.grad!.dispose();
          w.grad = null;
          b.grad = null;
        });
    },
  },
];

const us = (t: TimeStats) => ({ median: t.median * 1e6, min: t.min * 1e6, max: t.max * 1e6, n: t.n });

const suite: BenchSuite = {
  name: 'ops',
  description: 'tensor-op overhead: microseconds per small op (dispatch, allocation, tape)',
  async run(ctx: BenchContext) {
    const backend = getBackend().name;
    const info = loadNative().addon?.info();
    for (const c of CASES) {
      const fn = c.setup();
      const t = await ctx.compare(fn, { ...c.torch, threads: info?.threads ?? 1 }, { repeat: ctx.quick ? 3 : 11 });
      ctx.record({
        case: c.label,
        metric: 'us',
        higherIsBetter: false,
        value: us(t.ours),
        baseline: t.baseline ? { name: 'pytorch-eager', value: us(t.baseline) } : undefined,
        params: { backend, isa: info?.isa ?? 'none', threads: info?.threads ?? 1, ...c.torch },
      });
    }
    ctx.note('each call includes disposing its output (PyTorch frees it by reference counting).');
  },
};

export default suite;
