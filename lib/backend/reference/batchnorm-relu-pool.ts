import type { HostArray, Pool2dGeometry } from '../backend';
import { batchNormReluBackward, batchNormReluFromStatistics, batchNormReluTrainForward } from './batchnorm-relu';
import { maxPool2dBackward, maxPool2dForward } from './pool';

/** The 2x2 / stride-2 window geometry over [n, c, h, w] (h and w even). */
function pool2x2(n: number, c: number, h: number, w: number): Pool2dGeometry {
  return { n, c, h, w, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, oh: h / 2, ow: w / 2 };
}

function like(a: HostArray, size: number): HostArray {
  return a instanceof Float32Array ? new Float32Array(size) : new Float64Array(size);
}

/**
 * Reference batch norm + ReLU + 2x2 max pooling in training mode: the batch-norm-ReLU
 * output, then max pooling's windows (out [n, c, h/2, w/2]); statistics as
 * batchNormReluTrainForward.
 */
export function batchNormReluMaxPoolTrainForward(
  x: HostArray,
  n: number,
  c: number,
  h: number,
  w: number,
  gamma: HostArray | null,
  beta: HostArray | null,
  eps: number,
  out: HostArray,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
): void {
  const full = like(x, n * c * h * w);
  batchNormReluTrainForward(x, n, c, h * w, gamma, beta, eps, full, mean, meanLo, invstd);
  maxPool2dForward(full, pool2x2(n, c, h, w), out, new Int32Array(out.length));
}

/**
 * Reference gradient of batchNormReluMaxPoolTrainForward: the activation and its window
 * winners recomputed from the statistics, gy scattered to them, then batchNormReluBackward.
 */
export function batchNormReluMaxPoolBackward(
  gy: HostArray,
  x: HostArray,
  n: number,
  c: number,
  h: number,
  w: number,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
  gamma: HostArray | null,
  beta: HostArray | null,
  gx: HostArray,
  ggamma: HostArray | null,
  gbeta: HostArray | null,
): void {
  const size = n * c * h * w;
  const g = pool2x2(n, c, h, w);
  const full = like(x, size);
  batchNormReluFromStatistics(x, n, c, h * w, mean, meanLo, invstd, gamma, beta, full);
  const argmax = new Int32Array(size / 4);
  maxPool2dForward(full, g, like(x, size / 4), argmax);
  const gFull = like(x, size);
  maxPool2dBackward(gy, argmax, g, gFull);
  batchNormReluBackward(gFull, x, n, c, h * w, mean, meanLo, invstd, gamma, beta, gx, ggamma, gbeta);
}
