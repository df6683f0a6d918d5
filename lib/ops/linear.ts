import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { matmulT } from './matmul';
import { reshape } from './reshape';
import { sum } from './sum';
import { checkMask, gemmMaskedKernel } from './masked-kernels';
import { linearGradInput, linearGradWeight } from './linear-grad';

/** Options of {@link linear}. */
export interface LinearOptions {
  /**
   * 0/1 mask of the weight's shape (a constant: no gradient flows to it). The product uses
   * weight ⊙ mask, multiplied in while the GEMM packs the weight (never stored), and the
   * weight gradient comes out masked.
   */
  mask?: Tensor | null;
}

/**
 * x @ weight^T + bias with x [..., in], weight [out, in] (PyTorch layout), bias [out] or null;
 * with `mask`, x @ (weight ⊙ mask)^T + bias.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: LinearOptions = {}): Tensor {
  checkTensor('linear', 'x', x);
  checkTensor('linear', 'weight', weight);
  checkSame('linear', x, weight, 'x', 'weight');
  if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new RangeError(
      `linear: x ${formatShape(x.shape)} and weight ${formatShape(weight.shape)} do not fit: weight must be [out, in] with in = x's last dimension` +
        ` (${x.shape[x.ndim - 1]}). Fix: flatten x to [batch, ${weight.ndim === 2 ? weight.shape[1] : 'in'}] or fix the layer's in_features.`,
    );
  }
  const [nOut, nIn] = weight.shape;
  if (bias !== null) {
    checkTensor('linear', 'bias', bias);
    checkSame('linear', x, bias, 'x', 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== nOut) {
      throw new RangeError(`linear: bias ${formatShape(bias.shape)} must be [${nOut}] for weight ${formatShape(weight.shape)}`);
    }
  }
  const mask = opts.mask ?? null;
  if (mask !== null) checkMask('linear', weight, mask);
  const rows = x.size / nIn;
  const shape = [...x.shape.slice(0, -1), nOut];
  const be = x.backend;
  const out = newTensor(be, x.dtype, shape, rows * nOut);
  const o = out.storage('linear');
  // The bias rows go in first and the GEMM accumulates onto them: one pass over the output.
  if (bias !== null) be.repeatRows(bias.storage('linear'), rows, nOut, o);
  const beta = bias !== null ? 1 : 0;
  if (mask === null) be.gemm(false, true, rows, nOut, nIn, 1, x.storage('linear'), weight.storage('linear'), beta, o, 1, 0, 0, 0);
  else gemmMaskedKernel('linear', false, true, rows, nOut, nIn, x, null, weight, mask, beta, out);
  if (needsGrad(x, weight, bias)) {
    const inputs = bias !== null ? [x, weight, bias] : [x, weight];
    record(
      'linear',
      out,
      inputs,
      (gy) => {
        const g2 = reshape(gy, [rows, nOut]);
        let gx: Tensor | null = null;
        if (x.requiresGrad) gx = reshape(mask === null ? matmulT(g2, weight, false, false) : linearGradInput(g2, weight, mask), x.shape);
        let gw: Tensor | null = null;
        if (weight.requiresGrad) {
          const x2 = reshape(x, [rows, nIn]);
          gw = mask === null ? matmulT(g2, x2, true, false) : linearGradWeight(x2, g2, mask);
        }
        const gb = bias !== null && bias.requiresGrad ? sum(g2, 0) : null;
        return bias !== null ? [gx, gw, gb] : [gx, gw];
      },
      mask === null ? [x, weight] : [x, weight, mask],
    );
  }
  return finish('linear', out);
}
