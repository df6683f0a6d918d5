import type { Tensor } from '../tensor/tensor';
import type { Pool2dGeometry, Storage } from '../backend/backend';
import { isGradEnabled } from '../autograd/grad-mode';
import { finish, needsGrad, newTensor, record } from './dispatch';
import { batchNorm, batchNormArgs, type BatchNormOptions } from './batch-norm';
import { batchNormTrainGrad } from './batch-norm-grad';
import { relu, reluGrad } from './relu';
import { maxPool2d, maxPool2dBackward } from './max-pool2d';
import { channelSumsBuffer, noteChannelSums } from './channel-sums';
import { recordedRowMoments } from './row-moments';
import { noteZeroChannels, recordedZeroChannels } from './activation-notes';

/**
 * Narrower planes run unfused. The fused kernels put several window rows of a narrow plane
 * through one vector step; on 4x4 planes that fills a quarter of AVX-512's lanes, and the
 * backward's reductions per 16-element plane cost more than the separate passes (batch 128
 * x 512 channels, warm: forward 0.7 against 1.2 ms, backward 2.9 against 1.0), while 8x8
 * planes gain (128 x 256: forward 0.8 against 1.8 ms, backward 1.5 against 2.2).
 */
const MIN_FUSED_POOL_WIDTH = 8;

/**
 * relu(batchNorm(x, opts)) with the ReLU fused into batch norm's passes in training mode:
 * one statistics pass and one normalize + affine + ReLU pass forward; one reduction pass
 * and one pass writing gx backward, the ReLU mask recomputed from x (neither the
 * normalized tensor nor a mask is stored). The statistics pass is skipped when x is the
 * output of a compressed convolution that recorded its row moments (lib/ops/row-moments.ts).
 * Channels of x recorded as zeros (lib/ops/activation-notes.ts) are not read forward nor,
 * where beta <= 0 closes their ReLU, backward; the output channels they make all zero are
 * recorded in turn, for the next layer. Same options, running-statistics update and
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
  const zeroIn = recordedZeroChannels(x);
  const zeroOut = zeroIn && new Uint8Array(c);
  be.batchNormReluTrainForward(x.storage(op), n, c, hw, gammaS, betaS, eps, out.storage(op), mean.storage(op), meanLo.storage(op), invstd.storage(op), recordedRowMoments(x), zeroIn, zeroOut);
  if (zeroOut) noteZeroChannels(out, zeroOut);
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
      return fusedGradients(op, x, gamma, beta, c, (gx, gg, gb, sums) =>
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
          gx,
          gg,
          gb,
          sums,
          zeroIn,
        ),
      );
    },
    [x, out, mean, meanLo, invstd],
  );
  return finish(op, out);
}

/**
 * maxPool2d(batchNormRelu(x, opts), { kernelSize: 2 }) for x [n, c, h, w], fused in
 * training: one statistics pass, then one pass writing only the pooled output (no
 * full-size activation, no argmax indices); the backward reads the pooled gradient and x,
 * re-deriving each window's winner and ReLU mask exactly. Under createGraph the backward
 * is the composition's differentiable one; evaluation, odd or narrow planes and backends
 * without the kernels run the composition itself.
 */
export function batchNormReluMaxPool2d(x: Tensor, opts: BatchNormOptions): Tensor {
  const op = 'batchNormReluMaxPool2d';
  const { n, c, hw, eps, momentum, gamma, beta, runningMean: rm, runningVar: rv } = batchNormArgs(op, x, opts);
  const be = x.backend;
  const [h, w] = x.ndim === 4 ? [x.shape[2], x.shape[3]] : [0, 0];
  if (
    !opts.training ||
    x.ndim !== 4 ||
    h % 2 !== 0 ||
    w % 2 !== 0 ||
    w < MIN_FUSED_POOL_WIDTH ||
    !be.batchNormReluMaxPoolTrainForward ||
    !be.batchNormReluMaxPoolBackward ||
    !be.batchNormReluTrainForward
  ) {
    return maxPool2d(batchNormRelu(x, opts), { kernelSize: 2 });
  }
  const pooled = (n * c * hw) / 4;
  const out = newTensor(be, x.dtype, [n, c, h / 2, w / 2], pooled);
  const mean = newTensor(be, x.dtype, [c], c);
  const meanLo = newTensor(be, x.dtype, [c], c);
  const invstd = newTensor(be, x.dtype, [c], c);
  const gammaS = gamma ? gamma.storage(op) : null;
  const betaS = beta ? beta.storage(op) : null;
  const zeroIn = recordedZeroChannels(x);
  const zeroOut = zeroIn && new Uint8Array(c);
  be.batchNormReluMaxPoolTrainForward(x.storage(op), n, c, h, w, gammaS, betaS, eps, out.storage(op), mean.storage(op), meanLo.storage(op), invstd.storage(op), recordedRowMoments(x), zeroIn, zeroOut);
  if (zeroOut) noteZeroChannels(out, zeroOut);
  if (rm && rv) be.batchNormUpdateRunning(rm.storage(op), rv.storage(op), mean.storage(op), invstd.storage(op), c, momentum, eps, n * hw);
  if (!needsGrad(x, gamma, beta)) {
    mean.dispose();
    meanLo.dispose();
    invstd.dispose();
    return finish(op, out);
  }
  const fusedBackward = be.batchNormReluMaxPoolBackward.bind(be);
  const recompute = be.batchNormReluTrainForward.bind(be);
  record(
    op,
    out,
    [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])],
    (gy) => {
      if (isGradEnabled()) {
        // The composition's differentiable backward, from the activation and window winners
        // recomputed (the same kernels give the forward's bits).
        const full = newTensor(be, x.dtype, x.shape, x.size);
        const [m2, lo2, is2] = [0, 1, 2].map(() => newTensor(be, x.dtype, [c], c).storage(op));
        recompute(x.storage(op), n, c, hw, gamma ? gamma.storage(op) : null, beta ? beta.storage(op) : null, eps, full.storage(op), m2, lo2, is2);
        const g: Pool2dGeometry = { n, c, h, w, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, oh: h / 2, ow: w / 2 };
        const argmax = be.allocIndex(pooled);
        const scratch = newTensor(be, x.dtype, out.shape, pooled);
        be.maxPool2dForward(full.storage(op), g, scratch.storage(op), argmax);
        return batchNormTrainGrad(reluGrad(maxPool2dBackward(gy, argmax, g), full), x, gamma, beta, eps);
      }
      return fusedGradients(op, x, gamma, beta, c, (gx, gg, gb, sums) =>
        fusedBackward(
          gy.storage(op),
          x.storage(op),
          n,
          c,
          h,
          w,
          mean.storage(op),
          meanLo.storage(op),
          invstd.storage(op),
          gamma ? gamma.storage(op) : null,
          beta ? beta.storage(op) : null,
          gx,
          gg,
          gb,
          sums,
          zeroIn,
        ),
      );
    },
    [x, mean, meanLo, invstd],
  );
  return finish(op, out);
}

/**
 * The gradients of a fused batch norm backward: allocates gx and the needed ggamma / gbeta,
 * lets `kernel` write them with the per-channel sums of gx, records those sums for a
 * convolution feeding x (its bias gradient), and returns [gx, ggamma?, gbeta?] in the
 * order of the op's inputs.
 */
function fusedGradients(
  op: string,
  x: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  c: number,
  kernel: (gx: Storage, gg: Storage | null, gb: Storage | null, sums: Storage | null) => void,
): (Tensor | null)[] {
  const be = x.backend;
  const gx = newTensor(be, x.dtype, x.shape, x.size);
  const gg = gamma && gamma.requiresGrad ? newTensor(be, x.dtype, gamma.shape, c) : null;
  const gb = beta && beta.requiresGrad ? newTensor(be, x.dtype, beta.shape, c) : null;
  const sums = x.ndim === 4 ? channelSumsBuffer(x, c) : null;
  kernel(gx.storage(op), gg ? gg.storage(op) : null, gb ? gb.storage(op) : null, sums);
  if (sums !== null) noteChannelSums(gx, sums);
  return [gx, ...(gamma ? [gg] : []), ...(beta ? [gb] : [])];
}
