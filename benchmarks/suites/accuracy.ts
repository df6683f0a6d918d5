/**
 * The acceptance runs, as benchmarks (too long for unit tests): LeNet-300-100 on the
 * embedded MNIST (8,000 train / 2,000 test digits), Adam lr 1e-3, batch 60, 10 epochs, target
 * >= 95% test top-1; LeNet-5 (Caffe) on the full Fashion-MNIST, Adam lr 1e-3, batch 60,
 * 10 epochs, target >= 89% test top-1. Records the final test accuracy (%) and the wall time.
 */
import { loadNative } from '../../lib/backend/native-loader';
import { getBackend } from '../../lib/backend';
import { evalLoader, firstK, loadDataset, trainLoader, type DatasetSplits } from '../../lib/data';
import { createModel } from '../../lib/models';
import { train } from '../../lib/train';
import type { BenchContext, BenchSuite } from '../harness/types';

interface AccuracyRun {
  label: string;
  model: 'lenet300' | 'lenet5';
  dataset: 'mnist' | 'fashion-mnist';
  epochs: number;
  target: number;
}

const RUNS: AccuracyRun[] = [
  { label: 'lenet300 mnist (embedded)', model: 'lenet300', dataset: 'mnist', epochs: 10, target: 0.95 },
  { label: 'lenet5 fashion-mnist', model: 'lenet5', dataset: 'fashion-mnist', epochs: 10, target: 0.89 },
];

const one = (v: number) => ({ median: v, min: v, max: v, n: 1 });

async function runOne(ctx: BenchContext, r: AccuracyRun, splits: DatasetSplits): Promise<void> {
  // --quick: one epoch on at most 6,000 training images, to check the plumbing only.
  const epochs = ctx.quick ? 1 : r.epochs;
  const trainSet = ctx.quick ? firstK(splits.train, Math.min(6000, splits.train.labels.length)) : splits.train;
  const model = createModel(r.model, { inputShape: trainSet.shape, numClasses: trainSet.numClasses, seed: 0 });
  const t0 = performance.now();
  const result = await train(model, {
    train: trainLoader(trainSet, { batchSize: 60, seed: 0 }),
    test: evalLoader(splits.test, { batchSize: 500 }),
    epochs,
    optimizer: { kind: 'adam', lr: 1e-3 },
    onProgress: (e) => {
      if (e.type === 'epoch') {
        const rec = e.record;
        process.stderr.write(`  ${r.label} epoch ${rec.epoch + 1}/${epochs}: train loss ${rec.trainLoss.toFixed(4)}, test top-1 ${(100 * rec.testTop1!).toFixed(2)}% (${rec.seconds.toFixed(1)} s)\n`);
      }
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const top1 = result.final!.testTop1!;
  const params = {
    model: r.model,
    dataset: r.dataset,
    train: trainSet.labels.length,
    test: splits.test.labels.length,
    epochs,
    batch: 60,
    optimizer: 'adam lr 1e-3',
    target: `${100 * r.target}%`,
    backend: getBackend().name,
    threads: loadNative().addon?.info().threads ?? 1,
  };
  ctx.record({ case: `${r.label} test top-1`, metric: 'accuracy_pct', higherIsBetter: true, value: one(100 * top1), params });
  ctx.record({ case: `${r.label} wall time`, metric: 's', higherIsBetter: false, value: one(seconds), params });
  const verdict = ctx.quick ? 'quick run, target not applicable' : top1 >= r.target ? 'meets the target' : 'BELOW the target';
  ctx.note(`${r.label}: ${(100 * top1).toFixed(2)}% after ${epochs} epochs in ${seconds.toFixed(1)} s (${verdict} of ${100 * r.target}%)`);
}

const suite: BenchSuite = {
  name: 'accuracy',
  description: 'acceptance runs: LeNet-300-100 on embedded MNIST (>= 95%), LeNet-5 on Fashion-MNIST (>= 89%), 10 epochs each',
  async run(ctx: BenchContext) {
    for (const r of RUNS) {
      let splits: DatasetSplits;
      try {
        splits = await loadDataset(r.dataset);
      } catch (e) {
        ctx.note(`${r.label}: skipped, the dataset is not available (${(e as Error).message.split('\n')[0]})`);
        continue;
      }
      await runOne(ctx, r, splits);
    }
  },
};

export default suite;
