import type { Tensor } from '../tensor/tensor';
import { isGradEnabled } from '../autograd/grad-mode';
import { finish, needsGrad, newTensor, record } from './dispatch';
import { batchNorm, batchNormArgs, type BatchNormOptions } from './batch-norm';
import { batchNormTrainGrad } from './batch-norm-grad';
import { relu, reluGrad } from './relu';

/**
 * relu(batchNorm(x, opts)) with the ReLU fused into batch norm's passes in training mode:
 * one statistics pass and one normalize + affine + ReLU pass forward; one reduction pass
 * and one pass writing gx backward, the ReLU mask recomputed from x (neither the
 * normalized tensor nor a mask is stored). Same options, running-statistics update and
 * gradients as the composition. Under createGraph the backward is the composition's
 * differentiable one (GraSP's Hessian-vector products); evaluation mode, and backends
 * without the fused kernels, run the composition itself.
 */
export function batchNormRelu(x: Tensor, opts: BatchNormOptions): Tensor {
  const { n, c, hw, eps, momentum, gamma, beta, runningMean: rm, runningVar: rv } = batchNormArgs('batchNormRelu', x, opts);
  const be = x.backend;
  if (!opts.training || !be.batchNormReluTrainForward || !be.batchNormReluBackward) return relu(batchNorm(x, opts));
  const op = 'batchNormRelu';
  const out = newTensor(be, x.dtype, x.shape, x.size);
  const mean = newTensor(be, x.dtype, [c], c);
  const meanLo = newTensor(be, x.dtype, [c], c);
  const invstd = newTensor(be, x.dtype, [c], c);
  const gammaS = gamma ? gamma.storage(op) : null;
  const betaS = beta ? beta.storage(op) : null;
  be.batchNormReluTrainForward(x.storage(op), n, c, hw, gammaS, betaS, eps, out.storage(op), mean.storage(op), meanLo.storage(op), invstd.storage(op));
  if (rm && rv) be.batchNormUpdateRunning(rm.storage(op), rv.storage(op), mean.storage(op), invstd.storage(op), c, momentum, eps, n * hw);
  if (!needsGrad(x, gamma, beta)) {
    mean.dispose();
    meanLo.dispose();
    invstd.dispose();
    return finish(op, out);
  }
  const fusedBackward = be.batchNormReluBackward.bind(be);
  record(
    op,
    out,
    [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])],
    (gy) => {
      // Under createGraph the gradient must itself be differentiable: the composition's.
      if (isGradEnabled()) return batchNormTrainGrad(reluGrad(gy, out), x, gamma, beta, eps);
      const gx = newTensor(be, x.dtype, x.shape, x.size);
      const gg = gamma && gamma.requiresGrad ? newTensor(be, x.dtype, gamma.shape, c) : null;
      const gb = beta && beta.requiresGrad ? newTensor(be, x.dtype, beta.shape, c) : null;
      fusedBackward(
        gy.storage(op),
        x.storage(op),
        n,
        c,
        hw,
        mean.storage(op),
        meanLo.storage(op),
        invstd.storage(op),
        gamma ? gamma.storage(op) : null,
        beta ? beta.storage(op) : null,
        gx.storage(op),
        gg ? gg.storage(op) : null,
        gb ? gb.storage(op) : null,
      );
      return [gx, ...(gamma ? [gg] : []), ...(beta ? [gb] : [])];
    },
    [x, out, mean, meanLo, invstd],
  );
  return finish(op, out);
}
