/**
 * Training-step throughput of the model zoo: one SGD step (forward, cross-entropy, backward,
 * fused momentum update) of VGG-16-BN and ResNet-20 on CIFAR-shaped batches of 128
 * (images/s) and LeNet-300-100 on MNIST-shaped batches of 60 (steps/s), against PyTorch
 * doing the same dense step on the same shapes. VGG-16-BN and ResNet-20 are also pruned at
 * compression c = 1, 2, 3 (density 10%, 1%, 0.1%; global random pruning, so every layer
 * keeps about the target density) and timed dense-masked and with the automatic choice
 * (compressed below each layer's measured crossover): a PyTorch mask only zeroes weights,
 * so PyTorch dense is its speed at every density.
 */
import { loadNative } from '../../lib/backend/native-loader';
import { getBackend } from '../../lib/backend';
import { randn, tidy } from '../../lib/tensor';
import { crossEntropy } from '../../lib/ops';
import { createModel } from '../../lib/models';
import { SGD, fusedStepImplementation } from '../../lib/train';
import { compressModel, type LayerExecution } from '../../lib/nn/compress';
import { prune } from '../../lib/prune/run';
import type { BenchContext, BenchSuite } from '../harness/types';

interface TrainCase {
  model: 'vgg16-bn' | 'resnet20' | 'lenet300';
  batch: number;
  inputShape: [number, number, number];
  metric: 'images_per_s' | 'steps_per_s';
  /** Compression c (density 10^-c) of a global random pruning; 0 = dense. */
  compression: number;
  /** Execution of the pruned layers: 'dense' = dense-masked kernels, 'auto' = the crossover's choice. */
  sparse: 'dense' | 'auto';
}

const DENSE = { compression: 0, sparse: 'dense' as const };
const CIFAR = { batch: 128, inputShape: [3, 32, 32] as [number, number, number], metric: 'images_per_s' as const };

const CASES: TrainCase[] = [
  ...(['vgg16-bn', 'resnet20'] as const).flatMap((model) => [
    { model, ...CIFAR, ...DENSE },
    ...[1, 2, 3].flatMap((compression) => [
      { model, ...CIFAR, compression, sparse: 'dense' as const },
      { model, ...CIFAR, compression, sparse: 'auto' as const },
    ]),
  ]),
  { model: 'lenet300', batch: 60, inputShape: [1, 28, 28], metric: 'steps_per_s', ...DENSE },
];

/** A synchronous SGD step closure over fixed random inputs and labels, and how its layers execute. */
async function trainStep(c: TrainCase, batch: number): Promise<{ step: () => void; layers: LayerExecution[] }> {
  const model = createModel(c.model, { inputShape: c.inputShape, numClasses: 10, seed: 0 });
  if (c.compression > 0) await prune(model, { pruner: 'rand', target: { compression: c.compression }, seed: 0 });
  const layers = compressModel(model, { sparse: c.sparse });
  const opt = new SGD(model, { lr: 0.01, momentum: 0.9 });
  const x = randn([batch, ...c.inputShape], { seed: 1 });
  const y = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10);
  model.train();
  const step = (): void =>
    tidy(() => {
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
  return { step, layers };
}

function caseName(c: TrainCase, batch: number): string {
  if (c.compression === 0) return `${c.model} train step batch ${batch}`;
  return `${c.model} train step batch ${batch} c=${c.compression} ${c.sparse === 'auto' ? 'auto' : 'dense-masked'}`;
}

const suite: BenchSuite = {
  name: 'train',
  description: 'SGD training steps: VGG-16-BN and ResNet-20 (batch 128) images/s, LeNet-300-100 (batch 60) steps/s',
  async run(ctx: BenchContext) {
    const info = loadNative().addon?.info();
    const threads = info?.threads ?? 1;
    const oursDense = new Map<string, number>();
    for (const c of CASES) {
      // --quick keeps the shapes but shrinks the big models' batch so the smoke run stays short.
      const batch = ctx.quick && c.batch === 128 ? 16 : c.batch;
      const name = caseName(c, batch);
      if (!ctx.wants(name)) continue;
      const { step, layers } = await trainStep(c, batch);
      const heavy = c.model !== 'lenet300';
      const t = await ctx.compare(step, { model: c.model, batch, threads }, { warmup: heavy ? 1 : 3, repeat: ctx.quick ? 3 : heavy ? 7 : 15, minTimeMs: heavy ? 0 : 10 });
      const work = c.metric === 'images_per_s' ? batch : 1;
      const rate = ctx.rate(t.ours, work);
      if (c.compression === 0) oursDense.set(c.model, rate.median);
      const dense = oursDense.get(c.model);
      ctx.record({
        case: name,
        metric: c.metric,
        higherIsBetter: true,
        value: rate,
        baseline: t.baseline ? { name: 'pytorch dense', value: ctx.rate(t.baseline, work) } : undefined,
        params: {
          model: c.model,
          batch,
          compression: c.compression,
          density: 10 ** -c.compression,
          sparse: c.sparse,
          compressedLayers: layers.filter((l) => l.mode === 'compressed').length,
          layers: layers.length,
          vsOursDense: c.compression > 0 && dense ? Number((rate.median / dense).toFixed(2)) : undefined,
          input: c.inputShape,
          optimizer: 'sgd momentum 0.9',
          optimizerStep: fusedStepImplementation(),
          threads,
          isa: info?.isa ?? 'none',
          backend: getBackend().name,
        },
      });
    }
    ctx.note('One step = forward + cross-entropy + backward + SGD momentum update. c = compression (density 10^-c) of a global random pruning; dense-masked = masks fused into the dense kernels; auto = each layer compressed below its measured crossover (survivors only, nnz optimizer state). The baseline is PyTorch dense: its masks only zero weights, so a pruned PyTorch net trains at its dense speed.');
    ctx.note('vsOursDense (params) = images/s over our dense step in the same run.');
  },
};

export default suite;

