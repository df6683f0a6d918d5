/**
 * Pruning time of each pruner on VGG-16-BN (CIFAR-10 shape) at compression 1 and 2:
 * synflow with 100 iterations, snip and grasp on 100 samples, force with 60 steps, iter-snip
 * with 60, mag and rand in one shot. Beside it, in the same run and interleaved, a PyTorch
 * implementation of the same scoring written by us (benchmarks/torch/prune.py) in the way
 * the Synaptic-Flow reference prunes: dense masks and a global kthvalue per iteration.
 */
import { createModel } from '../../lib/models';
import { makeSynthetic, DataLoader } from '../../lib/data';
import { pruneModel } from '../../lib/prune';
import { loadNative } from '../../lib/backend/native-loader';
import { TorchBridge } from '../harness/torch-bridge';
import type { BenchContext, BenchSuite, MetricStats } from '../harness/types';

interface PruneCase {
  pruner: string;
  iterations: number;
  compression: number;
  samples: number;
}

function cases(quick: boolean): PruneCase[] {
  const list: PruneCase[] = [];
  for (const compression of quick ? [1] : [1, 2]) {
    list.push({ pruner: 'synflow', iterations: quick ? 2 : 100, compression, samples: 0 });
    list.push({ pruner: 'snip', iterations: 1, compression, samples: 100 });
    list.push({ pruner: 'grasp', iterations: 1, compression, samples: 100 });
    list.push({ pruner: 'force', iterations: quick ? 2 : 60, compression, samples: 100 });
    list.push({ pruner: 'iter-snip', iterations: quick ? 2 : 60, compression, samples: 100 });
    list.push({ pruner: 'mag', iterations: 1, compression, samples: 0 });
    list.push({ pruner: 'rand', iterations: 1, compression, samples: 0 });
  }
  return list;
}

/** The case's name in tables, JSON and --filter, e.g. 'synflow x100 vgg16-bn c=1'. */
function caseName(c: PruneCase): string {
  return `${c.pruner} x${c.iterations} vgg16-bn c=${c.compression}`;
}

const stats = (xs: number[]): MetricStats => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], n: s.length };
};

const suite: BenchSuite = {
  name: 'prune',
  description: 'pruning time of every pruner on VGG-16-BN (CIFAR-10 shape) at c = 1 and 2, vs a PyTorch implementation',
  async run(ctx: BenchContext) {
    const threads = loadNative().addon?.info().threads ?? 1;
    const model = createModel('vgg16-bn', { inputShape: [3, 32, 32], numClasses: 10, seed: 0 });
    const initial = model.arena.values.slice();
    const { train } = makeSynthetic({ shape: [3, 32, 32], numClasses: 10, trainSize: 100, testSize: 10, seed: 1 });
    const data = new DataLoader(train, { batchSize: 256, shuffle: false, reuseBuffers: false });
    const bridge = ctx.baselineStatus.available ? TorchBridge.start('prune') : null;
    const repeat = ctx.quick ? 1 : 3;
    let id = 0;
    try {
      for (const c of cases(ctx.quick)) {
        if (!ctx.wants(caseName(c))) continue;
        const ours: number[] = [];
        const theirs: number[] = [];
        let baselineError: string | null = null;
        const caseId = ++id;
        if (bridge) {
          try {
            await bridge.setup(caseId, { ...c, threads });
          } catch (e) {
            baselineError = (e as Error).message;
          }
        }
        for (let r = 0; r < repeat; r++) {
          model.arena.values.set(initial);
          model.arena.masks.fill(1);
          model.arena.activateMasks();
          const t0 = performance.now();
          await pruneModel(model, { pruner: c.pruner, target: { compression: c.compression }, iterations: c.iterations, data: c.samples ? data : null });
          ours.push((performance.now() - t0) / 1000);
          if (bridge && !baselineError) {
            try {
              theirs.push(await bridge.time(caseId, 1));
            } catch (e) {
              baselineError = (e as Error).message;
            }
          }
        }
        if (bridge) await bridge.release(caseId).catch(() => undefined);
        if (baselineError) ctx.note(`${c.pruner} c=${c.compression}: no PyTorch baseline (${baselineError})`);
        ctx.record({
          case: caseName(c),
          metric: 's',
          higherIsBetter: false,
          value: stats(ours),
          baseline: theirs.length ? { name: 'pytorch-reference-style', value: stats(theirs) } : undefined,
          params: { model: 'vgg16-bn', inputShape: [3, 32, 32], classes: 10, ...c, threads, backend: 'cpu' },
        });
      }
    } finally {
      bridge?.close();
    }
  },
};

export default suite;
