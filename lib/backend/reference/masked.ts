import type { Conv2dGeometry, HostArray } from '../backend';
import { gemm } from './gemm';
import { conv2dForward, conv2dGradInput, conv2dGradWeight } from './conv';

/**
 * The masked dense kernels as the oracle computes them: the product weight ⊙ mask is formed
 * explicitly and handed to the plain loops, so the fused native kernels are checked against
 * the definition rather than against a second fused implementation.
 */

function product(w: HostArray, mask: HostArray, size: number): HostArray {
  const out = w instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = w[i] * mask[i];
  return out;
}

/** C = alpha op(A ⊙ aMask) op(B ⊙ bMask) + beta C for one matrix; masks may be null. */
export function gemmMasked(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: HostArray,
  aMask: HostArray | null,
  b: HostArray,
  bMask: HostArray | null,
  beta: number,
  c: HostArray,
): void {
  const am = aMask ? product(a, aMask, m * k) : a;
  const bm = bMask ? product(b, bMask, k * n) : b;
  gemm(transA, transB, m, n, k, alpha, am, bm, beta, c, 1, 0, 0, 0);
}

function weightSize(g: Conv2dGeometry): number {
  return g.o * (g.c / g.groups) * g.kh * g.kw;
}

/** conv2d forward with weight ⊙ mask. */
export function conv2dMaskedForward(x: HostArray, w: HostArray, mask: HostArray, bias: HostArray | null, g: Conv2dGeometry, out: HostArray): void {
  conv2dForward(x, product(w, mask, weightSize(g)), bias, g, out);
}

/** conv2d input gradient with weight ⊙ mask. */
export function conv2dMaskedGradInput(gy: HostArray, w: HostArray, mask: HostArray, g: Conv2dGeometry, gx: HostArray): void {
  conv2dGradInput(gy, product(w, mask, weightSize(g)), g, gx);
}

/** mask ⊙ conv2d weight gradient; exactly 0 where the mask is 0 (as the native kernel). */
export function conv2dMaskedGradWeight(x: HostArray, gy: HostArray, mask: HostArray, g: Conv2dGeometry, gw: HostArray): void {
  conv2dGradWeight(x, gy, g, gw);
  const size = weightSize(g);
  for (let i = 0; i < size; i++) gw[i] = mask[i] === 0 ? 0 : gw[i] * mask[i];
}
