import type { Backend, Conv2dGeometry, Storage } from '../backend/backend';
import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { isGradEnabled } from '../autograd/grad-mode';
import { checkSame, checkTensor } from './dispatch';

/**
 * Kernel dispatch of the masked dense ops (conv2d and linear with a `mask` option): the
 * backend's fused kernels when it has them, else the weight ⊙ mask product in a temporary
 * and the plain kernels (same results, one extra pass; e.g. a backend that has not grown
 * the fused kernels yet).
 */

const ONE = Int32Array.of(1);

/** Throws unless mask is a constant tensor of the weight's shape, backend and dtype. */
export function checkMask(op: string, weight: Tensor, mask: Tensor): void {
  checkTensor(op, 'mask', mask);
  checkSame(op, weight, mask, 'weight', 'mask');
  if (mask.shape.length !== weight.shape.length || mask.shape.some((d, i) => d !== weight.shape[i])) {
    throw new RangeError(`${op}: mask ${formatShape(mask.shape)} must have the weight's shape ${formatShape(weight.shape)}`);
  }
  if (mask.requiresGrad && isGradEnabled()) {
    throw new TypeError(
      `${op}: the mask requires a gradient, but a fused mask is a constant. ` + `Fix: pass mul(weight, mask) as the weight to differentiate through the mask.`,
    );
  }
}

/** Storage of weight ⊙ mask for a backend without the fused kernels; the caller frees it. */
function product(be: Backend, weight: Tensor, mask: Tensor, op: string): Storage {
  const s = be.alloc(weight.size, weight.dtype);
  be.binary('mul', weight.storage(op), ONE, mask.storage(op), ONE, s, Int32Array.of(weight.size));
  return s;
}

/** out = conv2d(x, weight ⊙ mask) + bias. */
export function conv2dMaskedForwardKernel(x: Tensor, weight: Tensor, mask: Tensor, bias: Tensor | null, g: Conv2dGeometry, out: Tensor): void {
  const be = x.backend;
  const op = 'conv2d';
  const b = bias === null ? null : bias.storage(op);
  if (be.conv2dMaskedForward) {
    be.conv2dMaskedForward(x.storage(op), weight.storage(op), mask.storage(op), b, g, out.storage(op));
    return;
  }
  const wm = product(be, weight, mask, op);
  be.conv2dForward(x.storage(op), wm, b, g, out.storage(op));
  be.free(wm, weight.size, weight.dtype);
}

/** gx = conv2dGradInput(gy, weight ⊙ mask). */
export function conv2dMaskedGradInputKernel(gy: Tensor, weight: Tensor, mask: Tensor, g: Conv2dGeometry, gx: Tensor): void {
  const be = gy.backend;
  const op = 'conv2dGradInput';
  if (be.conv2dMaskedGradInput) {
    be.conv2dMaskedGradInput(gy.storage(op), weight.storage(op), mask.storage(op), g, gx.storage(op));
    return;
  }
  const wm = product(be, weight, mask, op);
  be.conv2dGradInput(gy.storage(op), wm, g, gx.storage(op));
  be.free(wm, weight.size, weight.dtype);
}

/** gw = mask ⊙ conv2dGradWeight(x, gy). */
export function conv2dMaskedGradWeightKernel(x: Tensor, gy: Tensor, mask: Tensor, g: Conv2dGeometry, gw: Tensor): void {
  const be = x.backend;
  const op = 'conv2dGradWeight';
  if (be.conv2dMaskedGradWeight) {
    be.conv2dMaskedGradWeight(x.storage(op), gy.storage(op), mask.storage(op), g, gw.storage(op));
    return;
  }
  be.conv2dGradWeight(x.storage(op), gy.storage(op), g, gw.storage(op));
  be.binary('mul', gw.storage(op), ONE, mask.storage(op), ONE, gw.storage(op), Int32Array.of(gw.size));
}

/**
 * c = alpha op(a ⊙ aMask) op(b ⊙ bMask) + beta c for one matrix (shapes as Backend.gemm);
 * at least one mask is given.
 */
export function gemmMaskedKernel(
  op: string,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Tensor,
  aMask: Tensor | null,
  b: Tensor,
  bMask: Tensor | null,
  beta: number,
  c: Tensor,
): void {
  const be = a.backend;
  if (be.gemmMasked) {
    be.gemmMasked(transA, transB, m, n, k, 1, a.storage(op), aMask ? aMask.storage(op) : null, b.storage(op), bMask ? bMask.storage(op) : null, beta, c.storage(op));
    return;
  }
  const am = aMask ? product(be, a, aMask, op) : a.storage(op);
  const bm = bMask ? product(be, b, bMask, op) : b.storage(op);
  be.gemm(transA, transB, m, n, k, 1, am, bm, beta, c.storage(op), 1, 0, 0, 0);
  if (aMask) be.free(am, a.size, a.dtype);
  if (bMask) be.free(bm, b.size, b.dtype);
}

/** gw = mask ⊙ gw in place (the linear weight gradient: the GEMM has no output mask). */
export function maskInPlace(op: string, gw: Tensor, mask: Tensor): void {
  gw.backend.binary('mul', gw.storage(op), ONE, mask.storage(op), ONE, gw.storage(op), Int32Array.of(gw.size));
}
