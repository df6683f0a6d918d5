import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { isGradEnabled } from '../autograd/grad-mode';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { batchNormTrainGrad, batchNormEvalGrad } from './batch-norm-grad';

/** Options of batchNorm (PyTorch's F.batch_norm). */
export interface BatchNormOptions {
  /** Running mean [c], updated in place in training; required in evaluation. */
  runningMean?: Tensor | null;
  /** Running (unbiased) variance [c], updated in place in training; required in evaluation. */
  runningVar?: Tensor | null;
  /** Scale gamma [c] or null. */
  weight?: Tensor | null;
  /** Shift beta [c] or null. */
  bias?: Tensor | null;
  /** Batch statistics (true) or running statistics (false). */
  training: boolean;
  /** Weight of the new batch statistic in the running average. Default 0.1. */
  momentum?: number;
  /** Added to the variance. Default 1e-5. */
  eps?: number;
}

function checkChannelVector(op: string, name: string, t: Tensor | null | undefined, x: Tensor, c: number): void {
  if (t === null || t === undefined) return;
  checkTensor(op, name, t);
  checkSame(op, x, t, 'x', name);
  if (t.size !== c) throw new RangeError(`${op}: ${name} ${formatShape(t.shape)} must have ${c} entries, one per channel of x ${formatShape(x.shape)}`);
}

/** Checked batch-norm arguments: x viewed as [n, c, hw], options with defaults filled in. */
export interface BatchNormArgs {
  n: number;
  c: number;
  hw: number;
  eps: number;
  momentum: number;
  gamma: Tensor | null;
  beta: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
}

/** Validates batchNorm's inputs for `op` (errors name it); throws where training sees one value per channel. */
export function batchNormArgs(op: string, x: Tensor, opts: BatchNormOptions): BatchNormArgs {
  checkTensor(op, 'x', x);
  if (x.ndim < 2) throw new RangeError(`${op}: x ${formatShape(x.shape)} must be [n, c] or [n, c, h, w]`);
  const [n, c] = x.shape;
  const hw = x.size / (n * c || 1);
  const { runningMean, runningVar, weight, bias } = opts;
  checkChannelVector(op, 'runningMean', runningMean, x, c);
  checkChannelVector(op, 'runningVar', runningVar, x, c);
  checkChannelVector(op, 'weight', weight, x, c);
  checkChannelVector(op, 'bias', bias, x, c);
  if (opts.training && n * hw <= 1) {
    throw new RangeError(`${op}: training needs more than one value per channel, got x ${formatShape(x.shape)}. Fix: use a batch larger than 1, or evaluation mode.`);
  }
  return {
    n,
    c,
    hw,
    eps: opts.eps ?? 1e-5,
    momentum: opts.momentum ?? 0.1,
    gamma: weight ?? null,
    beta: bias ?? null,
    runningMean: runningMean ?? null,
    runningVar: runningVar ?? null,
  };
}

/**
 * Batch normalization over [n, c] or [n, c, ...] (statistics per channel over every other
 * dimension). Training normalizes with the biased batch variance and updates the running
 * statistics in place with the unbiased one; evaluation uses the running statistics.
 */
export function batchNorm(x: Tensor, opts: BatchNormOptions): Tensor {
  const { n, c, hw, eps, momentum, gamma, beta, runningMean: rm, runningVar: rv } = batchNormArgs('batchNorm', x, opts);
  const be = x.backend;
  const out = newTensor(be, x.dtype, x.shape, x.size);
  const inputs = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const gammaS = gamma ? gamma.storage('batchNorm') : null;
  const betaS = beta ? beta.storage('batchNorm') : null;
  if (opts.training) {
    const mean = newTensor(be, x.dtype, [c], c);
    const invstd = newTensor(be, x.dtype, [c], c);
    be.batchNormTrainForward(x.storage('batchNorm'), n, c, hw, gammaS, betaS, eps, out.storage('batchNorm'), mean.storage('batchNorm'), invstd.storage('batchNorm'));
    if (rm && rv) {
      be.batchNormUpdateRunning(rm.storage('batchNorm'), rv.storage('batchNorm'), mean.storage('batchNorm'), invstd.storage('batchNorm'), c, momentum, eps, n * hw);
    }
    if (needsGrad(x, gamma, beta)) {
      record(
        'batchNorm',
        out,
        inputs,
        (gy) => {
          // Fused kernel when the gradient itself is not recorded; composite ops under createGraph.
          if (!isGradEnabled()) {
            const gx = newTensor(be, x.dtype, x.shape, x.size);
            const gg = gamma && gamma.requiresGrad ? newTensor(be, x.dtype, gamma.shape, c) : null;
            const gb = beta && beta.requiresGrad ? newTensor(be, x.dtype, beta.shape, c) : null;
            be.batchNormBackward(gy.storage('batchNorm'), x.storage('batchNorm'), n, c, hw, mean.storage('batchNorm'), invstd.storage('batchNorm'), gammaS, gx.storage('batchNorm'), gg ? gg.storage('batchNorm') : null, gb ? gb.storage('batchNorm') : null);
            return [gx, ...(gamma ? [gg] : []), ...(beta ? [gb] : [])];
          }
          return batchNormTrainGrad(gy, x, gamma, beta, eps);
        },
        [x, mean, invstd],
      );
    } else {
      mean.dispose();
      invstd.dispose();
    }
  } else {
    if (!rm || !rv) throw new TypeError('batchNorm: evaluation needs runningMean and runningVar. Fix: pass them, or training: true.');
    be.batchNormEvalForward(x.storage('batchNorm'), n, c, hw, rm.storage('batchNorm'), rv.storage('batchNorm'), gammaS, betaS, eps, out.storage('batchNorm'));
    if (needsGrad(x, gamma, beta)) record('batchNorm', out, inputs, (gy) => batchNormEvalGrad(gy, x, rm, rv, gamma, beta, eps), [x, rm, rv]);
  }
  return finish('batchNorm', out);
}
