import type { Tensor } from '../tensor/tensor';
import { finish, needsGrad, newTensor, record } from './dispatch';
import { linear } from './linear';
import { gemmMaskedKernel, maskInPlace } from './masked-kernels';

/**
 * The two gradients of a masked linear layer as ops of their own, so that gradients of
 * gradients keep the mask fused: each is bilinear in its operands, and their gradients are
 * again linear, linearGradInput and linearGradWeight with the same mask.
 */

/** gx [rows, in] = gy [rows, out] @ (weight ⊙ mask) with weight [out, in]. */
export function linearGradInput(gy: Tensor, weight: Tensor, mask: Tensor): Tensor {
  const [rows, nOut] = gy.shape;
  const nIn = weight.shape[1];
  const gx = newTensor(gy.backend, gy.dtype, [rows, nIn], rows * nIn);
  gemmMaskedKernel('linearGradInput', false, false, rows, nIn, nOut, gy, null, weight, mask, 0, gx);
  if (needsGrad(gy, weight)) {
    record(
      'linearGradInput',
      gx,
      [gy, weight],
      (ggx) => [gy.requiresGrad ? linear(ggx, weight, null, { mask }) : null, weight.requiresGrad ? linearGradWeight(ggx, gy, mask) : null],
      [gy, weight, mask],
    );
  }
  return finish('linearGradInput', gx);
}

/** gw [out, in] = mask ⊙ (gy [rows, out]^T @ x [rows, in]). */
export function linearGradWeight(x: Tensor, gy: Tensor, mask: Tensor): Tensor {
  const [rows, nIn] = x.shape;
  const nOut = gy.shape[1];
  const gw = newTensor(x.backend, x.dtype, [nOut, nIn], nOut * nIn);
  x.backend.gemm(true, false, nOut, nIn, rows, 1, gy.storage('linearGradWeight'), x.storage('linearGradWeight'), 0, gw.storage('linearGradWeight'), 1, 0, 0, 0);
  maskInPlace('linearGradWeight', gw, mask);
  if (needsGrad(x, gy)) {
    record(
      'linearGradWeight',
      gw,
      [x, gy],
      (ggw) => [x.requiresGrad ? linearGradInput(gy, ggw, mask) : null, gy.requiresGrad ? linear(x, ggw, null, { mask }) : null],
      [x, gy, mask],
    );
  }
  return finish('linearGradWeight', gw);
}
