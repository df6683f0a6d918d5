import type { HostArray } from '../backend';
import { channelMoments } from './batchnorm';

// A module constant, not Math.sqrt in the loops (global lookups are slow under jest's vm context).
const { sqrt } = Math;

/** Reference ReLU gradient from its output: gx[i] = out[i] > 0 ? gy[i] : 0 for i < size. */
export function reluBackward(gy: HostArray, out: HostArray, gx: HostArray, size: number): void {
  for (let i = 0; i < size; i++) gx[i] = out[i] > 0 ? gy[i] : 0;
}

/**
 * Reference training-mode batch norm + ReLU over x [n, c, hw]: two-pass batch moments,
 * then out = max(((x - mean) - meanLo) scale + shift, 0) with scale = gamma invstd in the
 * storage's precision (so the backward rebuilds the same pre-activation).
 */
export function batchNormReluTrainForward(
  x: HostArray,
  n: number,
  c: number,
  hw: number,
  gamma: HostArray | null,
  beta: HostArray | null,
  eps: number,
  out: HostArray,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
): void {
  for (let ch = 0; ch < c; ch++) {
    const [mu, variance] = channelMoments(x, n, c, hw, ch);
    mean[ch] = mu;
    meanLo[ch] = mu - mean[ch];
    invstd[ch] = 1 / sqrt(variance + eps);
  }
  forEachPreact(x, n, c, hw, mean, meanLo, invstd, gamma, beta, (i, y) => {
    out[i] = y <= 0 ? 0 : y;
  });
}

/**
 * Reference gradient of batchNormReluTrainForward: with g = y > 0 ? gy : 0 (y recomputed),
 * gx = gamma invstd (g - mean(g) - xhat mean(g xhat)), ggamma = sum(g xhat), gbeta = sum(g).
 */
export function batchNormReluBackward(
  gy: HostArray,
  x: HostArray,
  n: number,
  c: number,
  hw: number,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
  gamma: HostArray | null,
  beta: HostArray | null,
  gx: HostArray,
  ggamma: HostArray | null,
  gbeta: HostArray | null,
): void {
  const count = n * hw;
  const sg = new Float64Array(c);
  const sgx = new Float64Array(c);
  // g is parked in gx between the passes (gx may alias gy: each element is read before written).
  forEachPreact(x, n, c, hw, mean, meanLo, invstd, gamma, beta, (i, y, ch, d) => {
    const g = y > 0 ? gy[i] : 0;
    gx[i] = g;
    sg[ch] += g;
    sgx[ch] += g * d * invstd[ch];
  });
  for (let ch = 0; ch < c; ch++) {
    if (ggamma) ggamma[ch] = sgx[ch];
    if (gbeta) gbeta[ch] = sg[ch];
    const k = (gamma ? gamma[ch] : 1) * invstd[ch];
    const mg = sg[ch] / count;
    const mgx = sgx[ch] / count;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        const d = x[base + i] - mean[ch] - meanLo[ch];
        gx[base + i] = k * (gx[base + i] - mg - d * invstd[ch] * mgx);
      }
    }
  }
}

/** out = max(y, 0) from saved statistics: the forward's output, recomputed. */
export function batchNormReluFromStatistics(
  x: HostArray,
  n: number,
  c: number,
  hw: number,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
  gamma: HostArray | null,
  beta: HostArray | null,
  out: HostArray,
): void {
  forEachPreact(x, n, c, hw, mean, meanLo, invstd, gamma, beta, (i, y) => {
    out[i] = y <= 0 ? 0 : y;
  });
}

/**
 * Calls f(flat index, pre-activation y, channel, centred input d) for every element, with
 * d = (x - mean) - meanLo and y = d scale + shift rounded as the storage rounds.
 */
function forEachPreact(
  x: HostArray,
  n: number,
  c: number,
  hw: number,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
  gamma: HostArray | null,
  beta: HostArray | null,
  f: (i: number, y: number, ch: number, d: number) => void,
): void {
  const round = x instanceof Float32Array ? Math.fround : (v: number) => v;
  for (let ch = 0; ch < c; ch++) {
    const scale = round((gamma ? gamma[ch] : 1) * invstd[ch]);
    const shift = beta ? beta[ch] : 0;
    const mu = mean[ch];
    const lo = meanLo[ch];
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        const d = x[base + i] - mu - lo;
        f(base + i, round(d * scale + shift), ch, d);
      }
    }
  }
}

/** out[ch] = the sum of x [n, c, hw] over n and hw, in double: the bias gradient of a convolution whose output x is the gradient of. */
export function channelSums(x: HostArray, n: number, c: number, hw: number, out: HostArray): void {
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) s += x[base + i];
    }
    out[ch] = s;
  }
}
