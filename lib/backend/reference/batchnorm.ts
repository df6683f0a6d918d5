import type { HostArray } from '../backend';

// A module constant, not Math.sqrt in the loops (global lookups are slow under jest's vm context).
const { sqrt } = Math;

/**
 * Two-pass batch moments of channel ch of x [n, c, hw]: [mean, biased variance], in double
 * (the reference every batch-norm variant's kernel is checked against).
 */
export function channelMoments(x: HostArray, n: number, c: number, hw: number, ch: number): [number, number] {
  const count = n * hw;
  let s = 0;
  for (let b = 0; b < n; b++) for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) s += x[i];
  const mu = s / count;
  let v = 0;
  for (let b = 0; b < n; b++)
    for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) {
      const d = x[i] - mu;
      v += d * d;
    }
  return [mu, v / count];
}

/** Reference training-mode batch norm over x [n, c, hw] with biased batch statistics. */
export function batchNormTrainForward(
  x: HostArray,
  n: number,
  c: number,
  hw: number,
  gamma: HostArray | null,
  beta: HostArray | null,
  eps: number,
  out: HostArray,
  mean: HostArray,
  invstd: HostArray,
): void {
  for (let ch = 0; ch < c; ch++) {
    const [mu, variance] = channelMoments(x, n, c, hw, ch);
    const is = 1 / sqrt(variance + eps);
    mean[ch] = mu;
    invstd[ch] = is;
    const scale = (gamma ? gamma[ch] : 1) * is;
    const shift = (beta ? beta[ch] : 0) - mu * scale;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) out[base + i] = x[base + i] * scale + shift;
    }
  }
}

/** Reference eval-mode batch norm with running statistics. */
export function batchNormEvalForward(
  x: HostArray,
  n: number,
  c: number,
  hw: number,
  runMean: HostArray,
  runVar: HostArray,
  gamma: HostArray | null,
  beta: HostArray | null,
  eps: number,
  out: HostArray,
): void {
  for (let ch = 0; ch < c; ch++) {
    const scale = (gamma ? gamma[ch] : 1) / sqrt(runVar[ch] + eps);
    const shift = (beta ? beta[ch] : 0) - runMean[ch] * scale;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) out[base + i] = x[base + i] * scale + shift;
    }
  }
}

/**
 * Reference training-mode batch-norm gradient:
 * gx = gamma invstd (gy - mean(gy) - xhat mean(gy xhat)), ggamma = sum(gy xhat), gbeta = sum(gy).
 */
export function batchNormBackward(
  gy: HostArray,
  x: HostArray,
  n: number,
  c: number,
  hw: number,
  mean: HostArray,
  invstd: HostArray,
  gamma: HostArray | null,
  gx: HostArray,
  ggamma: HostArray | null,
  gbeta: HostArray | null,
): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    const mu = mean[ch];
    const is = invstd[ch];
    let sg = 0;
    let sgx = 0;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) {
        sg += gy[base + i];
        sgx += gy[base + i] * (x[base + i] - mu) * is;
      }
    }
    if (ggamma) ggamma[ch] = sgx;
    if (gbeta) gbeta[ch] = sg;
    const k = (gamma ? gamma[ch] : 1) * is;
    const mg = sg / count;
    const mgx = sgx / count;
    for (let b = 0; b < n; b++) {
      const base = (b * c + ch) * hw;
      for (let i = 0; i < hw; i++) gx[base + i] = k * (gy[base + i] - mg - (x[base + i] - mu) * is * mgx);
    }
  }
}

/** Reference running-statistics update with the unbiased batch variance. */
export function batchNormUpdateRunning(
  runMean: HostArray,
  runVar: HostArray,
  mean: HostArray,
  invstd: HostArray,
  c: number,
  momentum: number,
  eps: number,
  count: number,
): void {
  const unbias = count > 1 ? count / (count - 1) : 1;
  for (let ch = 0; ch < c; ch++) {
    const biasedVar = 1 / (invstd[ch] * invstd[ch]) - eps;
    runMean[ch] = (1 - momentum) * runMean[ch] + momentum * mean[ch];
    runVar[ch] = (1 - momentum) * runVar[ch] + momentum * biasedVar * unbias;
  }
}
