import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { isGradEnabled } from '../autograd/grad-mode';
import { checkSame, checkTensor, finish, newTensor, record } from './dispatch';
import { batchNorm, batchNormArgs, type BatchNormOptions } from './batch-norm';
import { batchNormTrainGrad } from './batch-norm-grad';
import { add } from './add';
import { mul } from './mul';
import { relu, reluGrad } from './relu';
import { reshape } from './reshape';
import { sumTo } from './sum-to';

const OP = 'batchNormAddRelu';

/** scale reshaped to broadcast over x's channel dimension ([c, 1, ..., 1]); itself when it already does. */
function channelScale(scale: Tensor, x: Tensor): Tensor {
  const shape = [x.shape[1], ...x.shape.slice(2).map(() => 1)];
  return scale.ndim === shape.length ? scale : reshape(scale, shape);
}

function checkInputs(z: Tensor, residual: Tensor, scale: Tensor | null): void {
  checkTensor(OP, 'residual', residual);
  checkSame(OP, z, residual, 'z', 'residual');
  if (residual.ndim !== z.ndim || residual.shape.some((d, i) => d !== z.shape[i])) {
    throw new RangeError(`${OP}: residual ${formatShape(residual.shape)} must have the shape of z ${formatShape(z.shape)}`);
  }
  if (scale === null) return;
  checkTensor(OP, 'scale', scale);
  checkSame(OP, z, scale, 'z', 'scale');
  const c = z.shape[1];
  if (scale.size !== c || scale.shape.slice(1).some((d) => d !== 1)) {
    throw new RangeError(`${OP}: scale ${formatShape(scale.shape)} must be [${c}] or [${c}, 1, ..., 1], one entry per channel of z ${formatShape(z.shape)}`);
  }
}

/**
 * relu(batchNorm(z, opts) + residual), or with `scale` (per channel, [c] or [c, 1, 1])
 * relu(batchNorm(z, opts) + scale ⊙ residual): the tail of a residual block. In training
 * it runs fused: one statistics pass over z and one pass reading z and the residual
 * forward; backward, one pass writing the residual's gradient (the ReLU mask read off the
 * output) with the batch-norm and scale sums, and one pass writing z's gradient. Same
 * options, running-statistics update and gradients as the composition. Under createGraph
 * the backward is the composition's differentiable one (GraSP's Hessian-vector products);
 * evaluation mode, and backends without the kernels, run the composition itself.
 */
export function batchNormAddRelu(z: Tensor, residual: Tensor, opts: BatchNormOptions, scale: Tensor | null = null): Tensor {
  const { n, c, hw, eps, momentum, gamma, beta, runningMean: rm, runningVar: rv } = batchNormArgs(OP, z, opts);
  checkInputs(z, residual, scale);
  const be = z.backend;
  if (!opts.training || !be.batchNormAddReluTrainForward || !be.batchNormAddReluBackward) {
    return relu(add(batchNorm(z, opts), scale ? mul(residual, channelScale(scale, z)) : residual));
  }
  const out = newTensor(be, z.dtype, z.shape, z.size);
  const [mean, meanLo, invstd] = [0, 1, 2].map(() => newTensor(be, z.dtype, [c], c));
  const st = (t: Tensor | null) => (t ? t.storage(OP) : null);
  be.batchNormAddReluTrainForward(z.storage(OP), residual.storage(OP), st(scale), n, c, hw, st(gamma), st(beta), eps, out.storage(OP), mean.storage(OP), meanLo.storage(OP), invstd.storage(OP));
  if (rm && rv) be.batchNormUpdateRunning(rm.storage(OP), rv.storage(OP), mean.storage(OP), invstd.storage(OP), c, momentum, eps, n * hw);
  const inputs = [z, residual, ...(scale ? [scale] : []), ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) {
    for (const t of [mean, meanLo, invstd]) t.dispose();
    return finish(OP, out);
  }
  const fusedBackward = be.batchNormAddReluBackward.bind(be);
  record(
    OP,
    out,
    inputs,
    (gy) => {
      const wants = (t: Tensor | null) => t !== null && t.requiresGrad;
      if (isGradEnabled()) {
        // Under createGraph the gradient must itself be differentiable: the composition's.
        const g = reluGrad(gy, out);
        const [gz, gg, gb] = batchNormTrainGrad(g, z, gamma, beta, eps);
        const s = scale ? channelScale(scale, z) : null;
        const gr = s ? mul(g, s) : g;
        const gs = scale && s && scale.requiresGrad ? reshape(sumTo(mul(g, residual), s.shape), scale.shape.slice()) : null;
        return [gz, gr, ...(scale ? [gs] : []), ...(gamma ? [gg] : []), ...(beta ? [gb] : [])];
      }
      const gz = newTensor(be, z.dtype, z.shape, z.size);
      const gr = newTensor(be, z.dtype, z.shape, z.size);
      const gs = scale && wants(scale) ? newTensor(be, z.dtype, scale.shape, c) : null;
      const gg = gamma && wants(gamma) ? newTensor(be, z.dtype, gamma.shape, c) : null;
      const gb = beta && wants(beta) ? newTensor(be, z.dtype, beta.shape, c) : null;
      fusedBackward(
        gy.storage(OP),
        out.storage(OP),
        z.storage(OP),
        residual.storage(OP),
        st(scale),
        n,
        c,
        hw,
        mean.storage(OP),
        meanLo.storage(OP),
        invstd.storage(OP),
        st(gamma),
        gz.storage(OP),
        gr.storage(OP),
        st(gg),
        st(gb),
        st(gs),
      );
      return [gz, gr, ...(scale ? [gs] : []), ...(gamma ? [gg] : []), ...(beta ? [gb] : [])];
    },
    [z, residual, out, mean, meanLo, invstd, ...(scale ? [scale] : [])],
  );
  return finish(OP, out);
}
