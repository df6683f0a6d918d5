import { randn } from '../../tensor';
import type { Pruner, ScoreContext } from '../pruner';

/**
 * Gaussian scores from the seeded Philox stream; each iteration draws fresh numbers. On a
 * device the draw happens there (the same numbers, bit for bit: native/cuda/test/philox_test.cc).
 */
function gaussianScores(ctx: ScoreContext): void {
  const n = ctx.scores.length;
  const device = ctx.device;
  const t = randn([n], { seed: ctx.seed, offset: (ctx.iteration - 1) * n, backend: device ? ctx.model.device() : 'cpu' });
  try {
    if (device) device.writeAll(t);
    else ctx.scores.set(t.data() as Float32Array);
  } finally {
    t.dispose();
  }
}

/** Random pruning: Gaussian scores, one global threshold. */
export const randPruner: Pruner = {
  name: 'rand',
  paper: 'random baseline (Tanaka et al., 2020, "Pruning neural networks without any data by iteratively conserving synaptic flow")',
  needsData: false,
  defaultIterations: 1,
  defaultScope: 'global',
  scoresOnDevice: true,
  score: gaussianScores,
};

/** Random pruning that keeps every layer at the target density (local scope). */
export const randLayerPruner: Pruner = { ...randPruner, name: 'rand-layer', defaultScope: 'local' };
