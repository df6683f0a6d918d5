/**
 * Training-step throughput of the model zoo: one SGD step (forward, cross-entropy, backward,
 * fused momentum update over the parameter arena) of VGG-16-BN and ResNet-20 on CIFAR-shaped
 * batches of 128 (images/s) and LeNet-300-100 on MNIST-shaped batches of 60 (steps/s),
 * against PyTorch doing the same step on the same shapes.
 */
import { loadNative } from '../../lib/backend/native-loader';
import { getBackend } from '../../lib/backend';
import { randn, tidy } from '../../lib/tensor';
import { crossEntropy } from '../../lib/ops';
import { createModel } from '../../lib/models';
import { SGD, fusedStepImplementation } from '../../lib/train';
import type { BenchContext, BenchSuite } from '../harness/types';

interface TrainCase {
  model: 'vgg16-bn' | 'resnet20' | 'lenet300';
  batch: number;
  inputShape: [number, number, number];
  metric: 'images_per_s' | 'steps_per_s';
}

const CASES: TrainCase[] = [
  { model: 'vgg16-bn', batch: 128, inputShape: [3, 32, 32], metric: 'images_per_s' },
  { model: 'resnet20', batch: 128, inputShape: [3, 32, 32], metric: 'images_per_s' },
  { model: 'lenet300', batch: 60, inputShape: [1, 28, 28], metric: 'steps_per_s' },
];

/** A synchronous SGD step closure over fixed random inputs and labels. */
function trainStep(c: TrainCase, batch: number): () => void {
  const model = createModel(c.model, { inputShape: c.inputShape, numClasses: 10, seed: 0 });
  const opt = new SGD(model, { lr: 0.01, momentum: 0.9 });
  const x = randn([batch, ...c.inputShape], { seed: 1 });
  const y = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10);
  model.train();
  return () =>
    tidy(() => {
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      opt.zeroGrad();
    });
}

const suite: BenchSuite = {
  name: 'train',
  description: 'SGD training steps: VGG-16-BN and ResNet-20 (batch 128) images/s, LeNet-300-100 (batch 60) steps/s',
  async run(ctx: BenchContext) {
    const info = loadNative().addon?.info();
    const threads = info?.threads ?? 1;
    for (const c of CASES) {
      // --quick keeps the shapes but shrinks the big models' batch so the smoke run stays short.
      const batch = ctx.quick && c.batch === 128 ? 16 : c.batch;
      const step = trainStep(c, batch);
      const heavy = c.model !== 'lenet300';
      const t = await ctx.compare(step, { model: c.model, batch, threads }, { warmup: heavy ? 1 : 3, repeat: ctx.quick ? 3 : heavy ? 7 : 15, minTimeMs: heavy ? 0 : 10 });
      const work = c.metric === 'images_per_s' ? batch : 1;
      ctx.record({
        case: `${c.model} train step batch ${batch}`,
        metric: c.metric,
        higherIsBetter: true,
        value: ctx.rate(t.ours, work),
        baseline: t.baseline ? { name: 'pytorch', value: ctx.rate(t.baseline, work) } : undefined,
        params: {
          model: c.model,
          batch,
          input: c.inputShape,
          optimizer: 'sgd momentum 0.9',
          optimizerStep: fusedStepImplementation(),
          threads,
          isa: info?.isa ?? 'none',
          backend: getBackend().name,
        },
      });
    }
    ctx.note('One step = forward + cross-entropy + backward + SGD momentum update over the whole parameter arena (dense, unpruned).');
  },
};

export default suite;

